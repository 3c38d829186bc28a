"""The admin's door to CSV imports: upload, a preview of what would change, confirm.

The preview is a dry run of the shared importer (students.imports); the file waits in the cache
(shared by every app server: the database or Redis) until the registrar confirms, and is then
imported for real, checked again under its locks. Nothing is written before the confirmation.
"""

import io
import uuid

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from students.access import IMPORT_PERMISSIONS, may_import
from students.exceptions import MAX_IMPORT_BYTES, ImportInvalid, ImportTooLarge
from students.imports import HEADERS, csv_import

PENDING_SECONDS = 3600
TEMPLATE = "admin/students/csv_import.html"
# The list page with the import links: the model admin's `change_list_template`.
CHANGE_LIST_WITH_IMPORTS = "admin/students/change_list_with_imports.html"


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file", help_text=f"UTF-8, a header row, at most {MAX_IMPORT_BYTES // 2**20} MB."
    )


def pending_key(token: str) -> str:
    return f"school:csv-import:{token}"


class CsvImportAdminMixin:
    """Adds an "Import … from CSV" page per kind in `csv_import_kinds` to a model admin's list
    (whose `change_list_template` is CHANGE_LIST_WITH_IMPORTS, for the links)."""

    csv_import_kinds: tuple[str, ...] = ()

    def get_urls(self):
        opts = self.model._meta
        extra = [
            path(
                f"import-{kind}/",
                self.admin_site.admin_view(self.csv_import_view),
                {"kind": kind},
                name=f"{opts.app_label}_{opts.model_name}_import_{kind}",
            )
            for kind in self.csv_import_kinds
        ]
        return extra + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        opts = self.model._meta
        links = [
            (f"Import {kind} from CSV", reverse(f"admin:{opts.app_label}_{opts.model_name}_import_{kind}"))
            for kind in self.csv_import_kinds
            if may_import(request.user, kind)
        ]
        return super().changelist_view(request, {**(extra_context or {}), "csv_import_links": links})

    def csv_import_view(self, request, kind):
        if not may_import(request.user, kind):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Import {kind} from CSV",
            "kind": kind,
            "columns": HEADERS[kind],
            "permissions": IMPORT_PERMISSIONS[kind],
        }
        if request.method == "POST" and "confirm" in request.POST:
            return self._confirm(request, kind, context)
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            return self._preview(request, kind, form, context)
        return TemplateResponse(request, TEMPLATE, {**context, "form": form})

    def _preview(self, request, kind, form, context):
        upload = form.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            form.add_error("file", ImportTooLarge().message)
            return TemplateResponse(request, TEMPLATE, {**context, "form": form})
        content = upload.read()
        result, refusal = self._run(request, kind, content, dry_run=True)
        if result is None:
            return TemplateResponse(request, TEMPLATE, {**context, "form": UploadForm(), **refusal})
        token = uuid.uuid4().hex
        cache.set(
            pending_key(token),
            {"user": request.user.pk, "kind": kind, "name": upload.name, "content": content},
            PENDING_SECONDS,
        )
        return TemplateResponse(
            request, TEMPLATE, {**context, "result": result, "token": token, "name": upload.name}
        )

    def _confirm(self, request, kind, context):
        token = request.POST.get("token", "")
        pending = cache.get(pending_key(token)) if token.isalnum() else None
        if pending is None or pending["user"] != request.user.pk or pending["kind"] != kind:
            self.message_user(request, "That preview has expired; upload the file again.", messages.WARNING)
            return HttpResponseRedirect(request.path)
        result, refusal = self._run(request, kind, pending["content"], dry_run=False)
        cache.delete(pending_key(token))
        if result is None:
            return TemplateResponse(request, TEMPLATE, {**context, "form": UploadForm(), **refusal})
        counts = ", ".join(f"{count:,} {name}" for name, count in result.counts().items())
        self.message_user(request, f"Imported {pending['name']}: {counts}.", messages.SUCCESS)
        opts = self.model._meta
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))

    def _run(self, request, kind, content, *, dry_run):
        """(the import's result, None), or (None, the context that shows every problem)."""
        try:
            result = csv_import(
                kind=kind, file=io.BytesIO(content), dry_run=dry_run, actor=request.user.get_username()
            )
        except ImportInvalid as invalid:
            return None, {"refused": invalid.message, "errors": invalid.listed()}
        except ImportTooLarge as too_large:
            return None, {"refused": too_large.message, "errors": []}
        return result, None
