"""Token sign-in: `POST /api/v1/auth/token/` trades a username and password for an API token."""

from rest_framework.authtoken.views import ObtainAuthToken

from school.parsers import BoundedJSONParser
from school.throttling import SignInThrottle


class ObtainTokenView(ObtainAuthToken):
    authentication_classes = []
    parser_classes = [BoundedJSONParser]
    # Every attempt counts, right or wrong: it is what makes guessing passwords slow.
    throttle_classes = [SignInThrottle]
