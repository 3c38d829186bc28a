"""The API token and its user in one precompiled query, for DRF's token authentication.

The same row as DRF's `Token.objects.select_related("user").get(key=key)`, without building and
compiling that query on every request (what that buys, measured: README.md in this folder), and
the id of the student the user signs in as (students.access asks for it on every request for
student data; here it costs a join instead of a query).
"""

from functools import cache

from django.contrib.auth import get_user_model
from django.db import connections, router

from school.fastpath.sql import FieldQuery, column_list
from students.access import remember_own_student_id


@cache
def token_query():
    """The model classes, the fields and the FieldQuery of a token joined with its user."""
    from rest_framework.authtoken.models import Token

    from students.models import Student

    user_model = get_user_model()
    token_fields, user_fields = Token._meta.concrete_fields, user_model._meta.concrete_fields
    using = router.db_for_read(Token)
    quote = connections[using].ops.quote_name
    sql = (
        f"SELECT {column_list('t', token_fields, using=using)}, "
        f"{column_list('u', user_fields, using=using)}, s.{quote(Student._meta.pk.column)} "
        f"FROM {quote(Token._meta.db_table)} t INNER JOIN {quote(user_model._meta.db_table)} u "
        f"ON u.{quote(user_model._meta.pk.column)} = t.{quote(Token._meta.get_field('user').column)} "
        f"LEFT OUTER JOIN {quote(Student._meta.db_table)} s "
        f"ON s.{quote(Student._meta.get_field('user').column)} = u.{quote(user_model._meta.pk.column)} "
        f"WHERE t.{quote(Token._meta.pk.column)} = %s"
    )
    return Token, user_model, token_fields, user_fields, FieldQuery(sql, [*token_fields, *user_fields])


def token_with_user(key):
    """The Token whose key is `key`, with its `user` loaded (as `Model.from_db` loads rows for the
    ORM) and the user's own student id remembered for students.access; None if there is none."""
    Token, user_model, token_fields, user_fields, query = token_query()
    using = router.db_for_read(Token)
    rows = query.rows([key], using=using)
    if not rows:
        return None
    split = len(token_fields)
    token = Token.from_db(using, [f.attname for f in token_fields], rows[0][:split])
    token.user = user_model.from_db(using, [f.attname for f in user_fields], rows[0][split:-1])
    remember_own_student_id(token.user, rows[0][-1])
    return token
