"""A page and the length of the whole list from one query, for DRF's page-number pagination.

DRF's `paginate_queryset` asks Django's Paginator for the list's length (a COUNT query), then for
the page (a second query). A student's course page has both in one query (`COUNT(*) OVER ()`,
school.fastpath.student_courses): this mixin builds the same Paginator and Page from it, so DRF's
response (count, next and previous links) is unchanged (what that buys, measured: README.md in
this folder).
"""

from django.core.paginator import Page


class PageWithTotalMixin:
    """For a PageNumberPagination subclass that has `page_number(request)` (the requested page, or
    an error) and `get_page_size(request)`."""

    def paginate_rows(self, request, page_with_total, queryset):
        """The same page as `paginate_queryset(queryset(), request)`, read with one query:
        `page_with_total(offset, limit)` returns `(total, rows)`, the rows of the page and the
        length of the whole list (a window count). Only an empty page builds `queryset()` to
        count the list, to tell an empty list from a page past its end."""
        page_number = self.page_number(request)
        page_size = self.get_page_size(request)
        total, rows = page_with_total((page_number - 1) * page_size, page_size)
        if not rows:
            return self.paginate_queryset(queryset(), request)
        self.request = request
        paginator = self.django_paginator_class(rows, page_size)
        paginator.count = total
        self.page = Page(rows, page_number, paginator)
        return rows
