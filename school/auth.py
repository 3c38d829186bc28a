"""Tokens: `POST /api/v1/auth/token/` trades a username and password for an API token,
`DELETE` revokes the caller's; a new password revokes the user's tokens."""

from django.contrib.auth import get_user_model
from django.db.models.signals import pre_save
from django.dispatch import receiver
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from school.authentication import token_expired
from school.parsers import BoundedJSONParser
from school.throttling import SignInThrottle


class SignInOrSignedIn(BasePermission):
    """Anyone may sign in (POST); revoking (DELETE) needs the credentials being revoked."""

    def has_permission(self, request, view):
        return request.method in view.anonymous_methods or bool(
            request.user and request.user.is_authenticated
        )


class ObtainTokenView(ObtainAuthToken):
    parser_classes = [BoundedJSONParser]
    permission_classes = [SignInOrSignedIn]
    anonymous_methods = {"POST"}
    # Every attempt counts, right or wrong: it is what makes guessing passwords slow.
    throttle_classes = [SignInThrottle]

    def perform_authentication(self, request):
        # Signing in reads no credentials: a stale token sent along must not stand in its way.
        if request.method not in self.anonymous_methods:
            request.user  # noqa: B018  (authenticates now, so a bad token is a 401 before anything)

    def post(self, request, *args, **kwargs):
        """As DRF's: the user's token, made if they have none; and a fresh one for an expired one."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token, created = Token.objects.get_or_create(user=user)
        if not created and token_expired(token):
            token.delete()
            token = Token.objects.create(user=user)
        return Response({"token": token.key})

    @extend_schema(
        summary="Revoke the caller's token",
        description="The token (and any other of the caller's) stops working at once: the next request with it is 401.",
        request=None,
        responses={204: OpenApiResponse(description="Revoked.")},
    )
    def delete(self, request, *args, **kwargs):
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


@receiver(pre_save, sender=get_user_model(), dispatch_uid="school.auth.revoke_tokens_on_new_password")
def revoke_tokens_on_new_password(sender, instance, raw=False, **kwargs):
    """Whoever changes a password (the user, staff in the admin, `changepassword`) ends the
    sessions the old one opened: every API token of the user goes."""
    # set_password() keeps the new raw password until the save; a hash upgraded at sign-in
    # (same password, more iterations) does not, and is no change of password.
    if raw or instance.pk is None or getattr(instance, "_password", None) is None:
        return
    Token.objects.filter(user_id=instance.pk).delete()
