"""Write permissions: the Django model permission for the action, checked before any lookup."""

from django.db.models import Model
from rest_framework.permissions import DjangoModelPermissions


class ModelPermissions(DjangoModelPermissions):
    """DRF's model permissions, except that a method the endpoint does not have is left to
    answer 405 rather than 403 (the check runs before DRF looks for the method's handler)."""

    model: type[Model] | None = None  # the model whose permissions apply; default: the view's queryset's

    def has_permission(self, request, view):
        if not hasattr(view, request.method.lower()):
            return bool(request.user and request.user.is_authenticated)
        if self.model is None:
            return super().has_permission(request, view)
        if not request.user or not request.user.is_authenticated:
            return False
        return request.user.has_perms(self.get_required_permissions(request.method, self.model))
