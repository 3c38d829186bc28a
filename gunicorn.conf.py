"""gunicorn's settings for `gunicorn school.wsgi`, read from the current directory (the project
folder) unless `-c` names another file. Flags on the command line win over these."""

import os

# Workers: WEB_CONCURRENCY, or gunicorn's default (1). Sync workers: one request at a time each.
workers = int(os.environ.get("WEB_CONCURRENCY", "1"))

# A worker silent for this long (a request stuck past every database timeout) is killed and
# replaced; the database gives up on a statement long before (see docs/operations.md).
timeout = 30
# On a restart or scale-down, requests in flight get this long to finish.
graceful_timeout = 30
keepalive = 2

# The longest request line and headers gunicorn lets through to the application, which answers
# anything too long for it with a problem. Past these gunicorn answers 400 itself, in plain text.
limit_request_line = 8190  # gunicorn's maximum
limit_request_fields = 100
limit_request_field_size = 8190

# Recycle each worker after about ten thousand requests, not all at once, so that memory a
# request leaves behind cannot grow for ever. (A restart costs a worker about half a second of
# start-up: rarer would be cheaper, more often would show in the request rate.)
max_requests = 10_000
max_requests_jitter = 1_000

# Errors to standard error; no access log (add `--access-logfile -` to see every request).
errorlog = "-"
