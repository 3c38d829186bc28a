"""Token sign-in: `POST /api/v1/auth/token/` trades a username and password for an API token;
a new password revokes the user's tokens."""

from django.contrib.auth import get_user_model
from django.db.models.signals import pre_save
from django.dispatch import receiver
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken

from school.parsers import BoundedJSONParser
from school.throttling import SignInThrottle


class ObtainTokenView(ObtainAuthToken):
    authentication_classes = []
    parser_classes = [BoundedJSONParser]
    # Every attempt counts, right or wrong: it is what makes guessing passwords slow.
    throttle_classes = [SignInThrottle]


@receiver(pre_save, sender=get_user_model(), dispatch_uid="school.auth.revoke_tokens_on_new_password")
def revoke_tokens_on_new_password(sender, instance, raw=False, **kwargs):
    """Whoever changes a password (the user, staff in the admin, `changepassword`) ends the
    sessions the old one opened: every API token of the user goes."""
    # set_password() keeps the new raw password until the save; a hash upgraded at sign-in
    # (same password, more iterations) does not, and is no change of password.
    if raw or instance.pk is None or getattr(instance, "_password", None) is None:
        return
    Token.objects.filter(user_id=instance.pk).delete()
