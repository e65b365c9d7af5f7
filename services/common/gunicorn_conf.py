"""Gunicorn settings shared by every service, read from the environment.

HOST and PORT set the listening address; WEB_CONCURRENCY the number of worker
processes; WEB_THREADS the threads per worker; WEB_TIMEOUT, in seconds, how
long a silent worker lives before it is restarted.

With REGISTRY_URL set, the master process registers the instance with the
registry as SERVICE_NAME at SERVICE_URL, heartbeats, and deregisters on a
clean stop (see services/common/registration.py).
"""

import os

from services.common.logconfig import configure_logging
from services.common.registration import Registration

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


_registration: Registration | None = None


def when_ready(server) -> None:
    """Start the heartbeat once the master listens."""
    global _registration
    configure_logging(os.environ.get("LOG_LEVEL", "INFO"))
    _registration = Registration.from_env()
    if _registration is not None:
        _registration.start()


def on_exit(server) -> None:
    """Leave the registry when the instance stops cleanly."""
    if _registration is not None:
        _registration.stop()
