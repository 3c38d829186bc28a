"""Token sign-in: `POST /api/v1/auth/token/` trades a username and password for an API token."""

from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import JSONParser


class ObtainTokenView(ObtainAuthToken):
    authentication_classes = []
    parser_classes = [JSONParser]
