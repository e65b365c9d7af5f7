"""Configure logging once per process: one line per record, to stdout.

Every line carries the id of the request or job it belongs to, so one
request can be followed through HAProxy, the services and the workers.
"""

import contextvars
import logging
import sys

FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d] request_id=%(request_id)s %(message)s"

# Set per request by the service app and per job by the workers; "-" outside both.
current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "current_request_id", default="-"
)


class RequestIdFilter(logging.Filter):
    """Add the current request or job id to each record as request_id."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


def configure_logging(level: str = "INFO") -> None:
    """Send log records at level and above to stdout, once per process."""
    root = logging.getLogger()
    if any(getattr(handler, "_microblog", False) for handler in root.handlers):
        return

    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RequestIdFilter())
    handler._microblog = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
