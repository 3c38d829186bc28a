"""An email the API accepted is stored in a form the API accepts again: a record sent back
unchanged is accepted."""

import pytest

pytestmark = pytest.mark.django_db

EMAILS = [
    "Ada@Example.EDU",
    "  padded@example.edu  ",
    "ada@EXÄMPLE.edu",
    "ada@bücher.example",
    '"quoted local"@example.edu',
    "o'brien+tag@example.edu",
    "İnci@example.edu",
    "ada@" + "d" * 63 + ".example.edu",
    "a" * 64 + "@example.edu",
    "KELVIN\u212a@example.edu",
    "ß@example.edu",
]


@pytest.mark.parametrize("email", EMAILS)
def test_an_accepted_email_is_accepted_again_as_stored(registrar, email):
    body = {"first_name": "Ada", "last_name": "Lovelace", "email": email}
    created = registrar.post("/api/v1/students/", body, format="json")
    if created.status_code != 201:
        assert created.status_code == 400
        return
    record = created.json()
    url = f"/api/v1/students/{record['id']}/"
    again = registrar.put(url, record, format="json")
    assert again.status_code == 200, again.json()
    assert again.json()["email"] == record["email"]
    assert registrar.patch(url, {"email": record["email"]}, format="json").status_code == 200
