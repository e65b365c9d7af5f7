"""The loop every worker runs: reserve a job, handle it, then delete, release or bury it."""

import contextlib
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import greenstalk

from services.common.jobs import QueueUnavailable, connect
from services.common.logconfig import current_request_id

from .errors import MalformedJob, PassingFailure
from .settings import WorkerSettings

log = logging.getLogger(__name__)

# Seconds between attempts to reach beanstalkd: doubling from the first value
# up to the second, so a long outage costs one attempt every few seconds.
RECONNECT_DELAYS_S = (0.5, 5.0)


@dataclass(frozen=True)
class Job:
    """A reserved job: its id, its decoded JSON body and how often it was reserved."""

    id: int
    body: dict[str, Any]
    # 1 on the first delivery; more after a release, a crash or an expired time-to-run.
    reserves: int


Handler = Callable[[Job], None]


class Worker:
    """Take jobs from one tube and hand each to a handler, until a stop is requested."""

    def __init__(self, tube: str, handler: Handler, settings: WorkerSettings):
        self.tube = tube
        self.handler = handler
        self.settings = settings
        self.stop_requested = threading.Event()
        self._client: greenstalk.Client | None = None

    def request_stop(self) -> None:
        """Ask the loop to exit after the job in hand, or within a reserve timeout when idle."""
        self.stop_requested.set()

    def run(self) -> None:
        """Process jobs until request_stop() is called."""
        log.info("worker for tube %s started", self.tube)
        failures = 0
        while not self.stop_requested.is_set():
            if self._client is None and not self._connect(failures):
                failures += 1
                continue
            failures = 0

            job = self._reserve()
            if job is not None:
                self._process(job)

        self._disconnect()
        log.info("worker for tube %s stopped", self.tube)

    def _connect(self, failures: int) -> bool:
        if failures:
            first, maximum = RECONNECT_DELAYS_S
            delay = min(first * 2 ** (failures - 1), maximum)
            if self.stop_requested.wait(delay):
                return False
        try:
            # The socket timeout must outlast a reserve that waits for a job.
            self._client = connect(
                self.settings.queue,
                watch=self.tube,
                timeout_s=self.settings.reserve_timeout_s + self.settings.queue.command_timeout_s,
            )
        except QueueUnavailable as error:
            log.warning(
                "tube %s: beanstalkd unavailable (attempt %d): %s", self.tube, failures + 1, error
            )
            return False
        if failures:
            log.info(
                "tube %s: reconnected to beanstalkd after %d failed attempts", self.tube, failures
            )
        return True

    def _disconnect(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(OSError):
                client.close()

    def _reserve(self) -> greenstalk.Job | None:
        try:
            return self._client.reserve(timeout=self.settings.reserve_timeout_s)
        except (greenstalk.TimedOutError, greenstalk.DeadlineSoonError):
            return None
        except (OSError, greenstalk.Error) as error:
            log.warning("tube %s: lost the beanstalkd connection: %s", self.tube, error)
            self._disconnect()
            return None

    def _process(self, raw: greenstalk.Job) -> None:
        try:
            reserves = self._client.stats_job(raw)["reserves"]
        except (OSError, greenstalk.Error) as error:
            # Closing the connection makes beanstalkd put the job back at once.
            log.warning(
                "tube %s job %s: stats-job failed, job returned: %s", self.tube, raw.id, error
            )
            self._disconnect()
            return

        try:
            body = _decode(raw.body)
            # The id of the request that caused the job, for every log line of it.
            request_id = str(body.get("request_id") or f"{self.tube}-{raw.id}")[:128]
            current_request_id.set(request_id)
            job = Job(raw.id, body, reserves)
            log.debug("tube %s job %s: attempt %d", self.tube, raw.id, reserves)
            self.handler(job)
        except MalformedJob as error:
            log.error("tube %s job %s: malformed, burying it: %s", self.tube, raw.id, error)
            self._finish(raw, "bury")
            return
        except (PassingFailure, QueueUnavailable) as error:
            self._retry(raw, reserves, str(error))
            return
        except Exception as error:  # noqa: BLE001 - a handler bug must not stop the worker
            log.error("tube %s job %s: handler failed", self.tube, raw.id, exc_info=error)
            self._retry(raw, reserves, f"unexpected {type(error).__name__}")
            return

        # Deleted only now, after the handler stored its effect.
        if self._finish(raw, "delete"):
            log.info("tube %s job %s: done after %d attempt(s)", self.tube, raw.id, reserves)

    def _retry(self, raw: greenstalk.Job, reserves: int, reason: str) -> None:
        if reserves >= self.settings.max_attempts:
            log.warning(
                "tube %s job %s: failed %d times, burying it: %s",
                self.tube,
                raw.id,
                reserves,
                reason,
            )
            self._finish(raw, "bury")
            return

        delay = min(
            self.settings.retry_base_delay_s * 2 ** (reserves - 1), self.settings.retry_max_delay_s
        )
        log.warning(
            "tube %s job %s: attempt %d failed, retrying in %d s: %s",
            self.tube,
            raw.id,
            reserves,
            delay,
            reason,
        )
        self._finish(raw, "release", delay)

    def _finish(self, raw: greenstalk.Job, command: str, delay: int = 0) -> bool:
        """Delete, bury or release the job; return False when beanstalkd did not take it."""
        try:
            if command == "delete":
                self._client.delete(raw)
            elif command == "bury":
                self._client.bury(raw)
            else:
                self._client.release(raw, delay=delay)
            return True
        except greenstalk.NotFoundError:
            # Its time-to-run ran out meanwhile, so another worker may hold it;
            # the handlers are idempotent, so that worker's run changes nothing more.
            log.warning(
                "tube %s job %s: %s found no job reserved by this worker (time-to-run expired?)",
                self.tube,
                raw.id,
                command,
            )
        except (OSError, greenstalk.Error) as error:
            log.warning("tube %s job %s: %s failed: %s", self.tube, raw.id, command, error)
            self._disconnect()
        return False


def _decode(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise MalformedJob("body is not JSON") from None
    if not isinstance(data, dict):
        raise MalformedJob("body is not a JSON object")
    return data
