"""How API requests prove who they are. Kept free of view imports: DRF loads it from settings."""

import re

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

TOKEN_KEY = re.compile(r"[0-9a-f]{40}")


class KeyTokenAuthentication(TokenAuthentication):
    """DRF's token check, refusing anything that is not a token's shape before the database sees it
    (PostgreSQL refuses a NUL byte in a query parameter outright)."""

    def authenticate_credentials(self, key):
        if not TOKEN_KEY.fullmatch(key):
            raise exceptions.AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(key)
