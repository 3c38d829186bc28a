"""How API requests prove who they are. Kept free of view imports: DRF loads it from settings."""

import re
from functools import cache

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from school.db import FieldQuery, column_list

TOKEN_KEY = re.compile(r"[0-9a-f]{40}")


@cache
def token_query():
    """The SQL and fields for a token and its user in one hand-written query: the same row as DRF's
    `Token.objects.select_related("user").get(key=key)`, without rebuilding and compiling that
    query on every request (it was a fifth of a small API read's time)."""
    from rest_framework.authtoken.models import Token

    user_model = get_user_model()
    token_fields, user_fields = Token._meta.concrete_fields, user_model._meta.concrete_fields
    using = router.db_for_read(Token)
    quote = connections[using].ops.quote_name
    sql = (
        f"SELECT {column_list('t', token_fields, using=using)}, "
        f"{column_list('u', user_fields, using=using)} "
        f"FROM {quote(Token._meta.db_table)} t INNER JOIN {quote(user_model._meta.db_table)} u "
        f"ON u.{quote(user_model._meta.pk.column)} = t.{quote(Token._meta.get_field('user').column)} "
        f"WHERE t.{quote(Token._meta.pk.column)} = %s"
    )
    return Token, user_model, token_fields, user_fields, FieldQuery(sql, [*token_fields, *user_fields])


def token_with_user(key):
    """The Token whose key is `key`, with its `user` loaded; None if there is none."""
    Token, user_model, token_fields, user_fields, query = token_query()
    using = router.db_for_read(Token)
    rows = query.rows([key], using=using)
    if not rows:
        return None
    split = len(token_fields)
    token = Token.from_db(using, [f.attname for f in token_fields], rows[0][:split])
    token.user = user_model.from_db(using, [f.attname for f in user_fields], rows[0][split:])
    return token


class KeyTokenAuthentication(TokenAuthentication):
    """DRF's token check, refusing anything that is not a token's shape before the database sees it
    (PostgreSQL refuses a NUL byte in a query parameter outright), and reading the token and its
    user with one precompiled query. Same answers as DRF's: 'Invalid token.' for an unknown key,
    'User inactive or deleted.' for an inactive user."""

    def authenticate_credentials(self, key):
        if not TOKEN_KEY.fullmatch(key):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token = token_with_user(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)
