"""Gunicorn settings shared by every service, read from the environment.

HOST and PORT set the listening address; WEB_CONCURRENCY the number of worker
processes; WEB_THREADS the threads per worker; WEB_TIMEOUT, in seconds, how
long a silent worker lives before it is restarted.
"""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"

# Above the database statement timeout (3 s) and below HAProxy's server
# timeout (15 s), so the innermost layer gives up first.
timeout = int(os.environ.get("WEB_TIMEOUT", "10"))
graceful_timeout = 10
keepalive = 5

# The app logs one line per request itself, with its request id.
accesslog = None
errorlog = "-"
