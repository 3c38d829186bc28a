"""WSGI entry point: `gunicorn school.wsgi`."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "school.settings")

application = get_wsgi_application()

# Everything loaded so far lives as long as the process: keep it out of the garbage collector's
# scans, which otherwise walk the whole of Django on every full collection during requests.
gc.freeze()
