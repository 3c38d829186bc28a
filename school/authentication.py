"""How API requests prove who they are. Kept free of view imports: DRF loads it from settings."""

import re

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from school.fastpath.auth import token_with_user

TOKEN_KEY = re.compile(r"[0-9a-f]{40}")


class TokenExpired(exceptions.AuthenticationFailed):
    default_detail = "The token has expired: sign in again for a new one."
    default_code = "token_expired"


def token_expired(token) -> bool:
    """Is `token` older than DJANGO_TOKEN_TTL (never, when that is unset)?"""
    return settings.TOKEN_TTL is not None and token.created < timezone.now() - settings.TOKEN_TTL


class KeyTokenAuthentication(TokenAuthentication):
    """DRF's token check, refusing anything that is not a token's shape before the database sees it
    (PostgreSQL refuses a NUL byte in a query parameter outright), and reading the token and its
    user with one precompiled query (school.fastpath.auth). Same answers as DRF's: 'Invalid
    token.' for an unknown key, 'User inactive or deleted.' for an inactive user; and a token
    older than DJANGO_TOKEN_TTL is TokenExpired (401 token_expired)."""

    def authenticate_credentials(self, key):
        if not TOKEN_KEY.fullmatch(key):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token = token_with_user(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if token_expired(token):
            raise TokenExpired()
        return (token.user, token)
