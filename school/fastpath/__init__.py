"""The API's speed tricks, all of them, and nothing else: see README.md in this folder for the
request path they sit on, what each one buys (measured with `make bench`) and every framework
internal each relies on, with the test that pins it to the plain Django/DRF behaviour.

    sql.py              FieldQuery (a hand-written SELECT converted as the ORM converts, binary
                        rows on PostgreSQL), column_list, the faster `timestamptz` text loader
    auth.py             the API token and its user in one precompiled query
    student_courses.py  a student's course page (with its total) and an enrollment's answer, each
                        one precompiled query
    pagination.py       a page and the list's length from one query, for DRF's paginator
    render.py           JSON by orjson (DRF's bytes), serializers rendered without DRF's per-field
                        machinery

The prepared statements are database options in school/settings.py (also described there).
"""
