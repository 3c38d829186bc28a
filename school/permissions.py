"""The course catalogue's permissions: reading for anyone signed in, each write its Django model
permission, checked before any lookup. (Student data has its own policy: students.access.)"""

from rest_framework.permissions import SAFE_METHODS, DjangoModelPermissions


class ModelPermissions(DjangoModelPermissions):
    """DRF's model permissions, except that a method the endpoint does not have is left to
    answer 405 rather than 403 (the check runs before DRF looks for the method's handler)."""

    def has_permission(self, request, view):
        if not hasattr(view, request.method.lower()):
            return bool(request.user and request.user.is_authenticated)
        return super().has_permission(request, view)

    def refuses(self, method: str) -> bool:
        """Whether a signed-in caller can be refused (403) this method (for the API's schema)."""
        return method not in SAFE_METHODS

    def describe(self, method: str, view) -> str:
        """Who may use this method, in a sentence (for the API's schema)."""
        if method in SAFE_METHODS:
            return "Who may: anyone signed in."
        needs = " and ".join(
            f"`{name}`" for name in self.get_required_permissions(method, self._queryset(view).model)
        )
        return f"Who may: staff with {needs}. Others signed in: 403."
