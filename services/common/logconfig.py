"""Configure logging once per process: one line per record, to stdout."""

import logging
import sys

FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"


def configure_logging(level: str = "INFO") -> None:
    """Send log records at level and above to stdout, once per process."""
    root = logging.getLogger()
    if any(getattr(handler, "_microblog", False) for handler in root.handlers):
        return

    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler._microblog = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
