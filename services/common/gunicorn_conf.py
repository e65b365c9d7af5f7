"""Gunicorn settings shared by every service, read from the environment.

HOST and PORT set the listening address; WEB_CONCURRENCY the number of worker
processes; WEB_THREADS the threads per worker; WEB_TIMEOUT, in seconds, how
long a silent worker lives before it is restarted.

With REGISTRY_URL set, the master process registers the instance with the
registry as SERVICE_NAME at SERVICE_URL, heartbeats, and deregisters on a
clean stop (see services/common/registration.py).
"""

import os
import subprocess
import sys

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


_heartbeat: subprocess.Popen | None = None


def when_ready(server) -> None:
    """Start the heartbeat process once the master listens."""
    global _heartbeat
    if os.environ.get("REGISTRY_URL"):
        _heartbeat = subprocess.Popen([sys.executable, "-m", "services.common.registration"])  # noqa: S603


def on_exit(server) -> None:
    """Stop the heartbeat, which then leaves the registry."""
    if _heartbeat is not None:
        _heartbeat.terminate()
        try:
            _heartbeat.wait(timeout=5)
        except subprocess.TimeoutExpired:
            _heartbeat.kill()
