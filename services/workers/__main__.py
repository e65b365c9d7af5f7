"""Run one worker: python -m services.workers TUBE, where TUBE is timeline, like, poll,
email or account.

Settings come from the environment (see settings.py). SIGTERM and SIGINT
stop the worker after the job in hand.
"""

import functools
import logging
import signal
import sys

from services.common.logconfig import configure_logging
from services.common.settings import SettingsError, env_str

from .handlers import HANDLERS, Dependencies
from .runner import Worker
from .settings import WorkerSettings

log = logging.getLogger("services.workers")

USAGE = f"usage: python -m services.workers {{{','.join(HANDLERS)}}}"


def main(argv: list[str]) -> int:
    """Parse the tube argument, read the settings and run the worker until a stop signal."""
    if len(argv) != 1 or argv[0] not in HANDLERS:
        print(USAGE, file=sys.stderr)
        return 2
    tube = argv[0]

    configure_logging(env_str("LOG_LEVEL", "INFO"))
    try:
        settings = WorkerSettings.from_env()
    except SettingsError as error:
        log.error("invalid configuration: %s", error)
        return 2

    deps = Dependencies.create(settings)
    worker = Worker(tube, functools.partial(HANDLERS[tube], deps), settings)

    def stop(signum, _frame):
        log.info(
            "tube %s: received %s, stopping after the job in hand",
            tube,
            signal.Signals(signum).name,
        )
        worker.request_stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        worker.run()
    finally:
        deps.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
