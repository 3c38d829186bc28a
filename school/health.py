"""Liveness and readiness probes for load balancers and orchestrators."""

import logging

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from school.availability import query_deadline

logger = logging.getLogger(__name__)


@require_GET
def healthz(request):
    """The process is up and answering. Touches neither the database nor the cache."""
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request):
    """The database answers a query, within READINESS_TIMEOUT seconds."""
    try:
        with query_deadline(settings.READINESS_TIMEOUT), connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.warning("readiness check: database unreachable", exc_info=True)
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
