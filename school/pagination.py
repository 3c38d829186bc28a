"""Page-number pagination with the contract's defaults and strict parameter checks."""

from django.core.paginator import InvalidPage, Page
from django.db.models import Count, Window
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


# Past this, a page number cannot name a page (no list is that long); it is simply past the end.
LAST_POSSIBLE_PAGE = 10**12


def positive_int_param(request, name):
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise ValidationError({name: [f"{name} must be a positive whole number."]}, code="invalid")
    return int(raw)


class PagePagination(PageNumberPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        requested = positive_int_param(request, self.page_size_query_param)
        return self.page_size if requested is None else min(requested, self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        # A malformed page number is the client's input error (400); a page past the end is 404.
        page_number = positive_int_param(request, self.page_query_param) or 1
        if page_number > LAST_POSSIBLE_PAGE:
            raise NotFound(f"Page {page_number} is past the last page.")
        self.request = request
        paginator = self.django_paginator_class(queryset, self.get_page_size(request))
        if getattr(view, "count_in_page_query", False):
            self.page = self._page_with_count(paginator, page_number)
            if self.page is not None:
                return self.page.object_list
        try:
            self.page = paginator.page(page_number)
        except InvalidPage:
            raise NotFound(f"Page {page_number} is past the last page ({paginator.num_pages}).") from None
        return list(self.page)

    @staticmethod
    def _page_with_count(paginator, page_number):
        """One query for the page and the total (a window count), for lists known to be short,
        such as a student's courses; None when the page is empty and the plain count must decide."""
        offset = (page_number - 1) * paginator.per_page
        window = paginator.object_list.annotate(page_total=Window(Count("*")))
        rows = list(window[offset : offset + paginator.per_page])
        if not rows:
            return None
        paginator.count = rows[0].page_total
        return Page(rows, page_number, paginator)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
        return parameters
