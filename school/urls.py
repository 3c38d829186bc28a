"""Root URLs: the admin, the health probes and the versioned API."""

from django.contrib import admin
from django.urls import include, path, re_path

from school.admin_login import throttled_admin_login
from school.exceptions import api_not_found
from school.health import healthz, readyz

urlpatterns = [
    path("admin/login/", throttled_admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("api/v1/", include("school.api_urls")),
    re_path(r"^api/", api_not_found),
]

handler400 = "school.exceptions.handler400"
handler403 = "school.exceptions.handler403"
handler404 = "school.exceptions.handler404"
handler500 = "school.exceptions.handler500"
