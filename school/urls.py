"""Root URLs: the admin, the health probes and the versioned API."""

from django.contrib import admin
from django.urls import path

from school.health import healthz, readyz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
]
