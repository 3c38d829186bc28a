"""Admin conventions shared by the apps."""

from django.contrib import messages
from django.http import HttpResponseRedirect

from school.errors import DomainError


class DomainErrorsAsMessagesMixin:
    """A domain rule that refuses a save or a delete at the last moment (the data changed since the
    form was checked, by another registrar or the API) rolls the whole change back; staff see why
    as a message on the same page, never a 500."""

    def describe_error(self, error):
        return error.message

    def _refused(self, request, error):
        self.message_user(request, self.describe_error(error), messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            return self._refused(request, error)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as error:
            return self._refused(request, error)
