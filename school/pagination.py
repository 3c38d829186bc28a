"""Page-number pagination with the API's defaults and strict parameter checks."""

from django.core.paginator import InvalidPage
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination

from school.fastpath.pagination import PageWithTotalMixin

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


# Past this, a page number cannot name a page (no list is that long); it is simply past the end.
LAST_POSSIBLE_PAGE = 10**12


def positive_int_param(request, name):
    return whole_number_param(request, name, minimum=1)


def whole_number_param(request, name, *, minimum=0, maximum=None, default=None):
    """The query parameter `name` as a whole number from `minimum` to `maximum` (digits only);
    `default` when absent or empty; else a 400 naming it."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    value = None
    if raw.isascii() and raw.isdigit():
        # More digits than any limit here has: past every limit (and no 4,300-digit conversion).
        value = int(raw) if len(raw) <= 30 else 10**30
    if value is None or value < minimum or (maximum is not None and value > maximum):
        bounds = f"from {minimum} to {maximum}" if maximum is not None else f"{minimum} or more"
        raise ValidationError({name: [f"{name} must be a whole number {bounds}."]}, code="invalid")
    return value


class PagePagination(PageWithTotalMixin, PageNumberPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        requested = positive_int_param(request, self.page_size_query_param)
        return self.page_size if requested is None else min(requested, self.max_page_size)

    def page_number(self, request):
        """The requested page: a malformed number is the client's input error (400); one that no
        list could reach is simply past the end (404)."""
        number = positive_int_param(request, self.page_query_param) or 1
        if number > LAST_POSSIBLE_PAGE:
            raise NotFound(f"Page {number} is past the last page.")
        return number

    def paginate_queryset(self, queryset, request, view=None):
        page_number = self.page_number(request)
        self.request = request
        paginator = self.django_paginator_class(queryset, self.get_page_size(request))
        # A view may know the list's length without counting it (students/ without a filter).
        known_count = getattr(view, "known_count", None)
        count = known_count(queryset) if known_count else None
        if count is not None:
            paginator.count = count
        try:
            self.page = paginator.page(page_number)
        except InvalidPage:
            raise NotFound(f"Page {page_number} is past the last page ({paginator.num_pages}).") from None
        return list(self.page)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
        return parameters
