"""Admin conventions shared by the apps."""

from django.contrib import messages
from django.http import HttpResponseRedirect

from school.problems import Problem


class ProblemsAsMessagesMixin:
    """A domain rule that refuses a save or a delete at the last moment (the data changed since the
    form was checked, by another registrar or the API) rolls the whole change back; staff see why
    as a message on the same page, never a 500."""

    def describe_problem(self, problem):
        return problem.detail

    def _refused(self, request, problem):
        self.message_user(request, self.describe_problem(problem), messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except Problem as problem:
            return self._refused(request, problem)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except Problem as problem:
            return self._refused(request, problem)
