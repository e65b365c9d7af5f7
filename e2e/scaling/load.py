"""A bounded load of timelines requests through HAProxy, sent while instances come and go."""

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import requests

from e2e.support import User, basic_auth

# Seconds for one request. A request that takes longer counts as failed.
REQUEST_TIMEOUT_S = 5
# Every POST_EVERY-th request of a thread composes a post, the rest read
# /posts/all.
POST_EVERY = 5
# Failed requests kept with their details, for the failure message.
MAX_RECORDED_FAILURES = 20


@dataclass
class LoadResult:
    """What a load run sent and how each request ended."""

    sent: int = 0
    statuses: Counter = field(default_factory=Counter)
    # Requests that raised (timeout, refused or reset connection) or got an
    # unexpected status, as "elapsed-seconds METHOD path: outcome".
    failures: list[str] = field(default_factory=list)
    failure_count: int = 0

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)

    def summary(self) -> str:
        recorded = "\n".join(self.failures)
        return (
            f"{self.sent} requests, {self.failure_count} failed, statuses {dict(self.statuses)}"
            + (f"\nfirst failures:\n{recorded}" if recorded else "")
        )


class TimelinesLoad:
    """Send GET /posts/all and authenticated POST /compose/post from a few threads.

    Each thread paces itself to `rate_per_thread` requests per second and stops
    on stop() or after `max_duration_s`, whichever comes first. Each request
    opens a new connection, as the e2e client does. A reused keep-alive
    connection can be closed by HAProxy's old process during a reload just as
    the client sends on it, and requests does not retry that, so keep-alive
    would measure that client-side race rather than the stack.
    """

    def __init__(
        self,
        base_url: str,
        author: User,
        *,
        threads: int = 3,
        rate_per_thread: float = 10.0,
        max_duration_s: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.author = author
        self.interval_s = 1.0 / rate_per_thread
        self.max_duration_s = max_duration_s
        self.result = LoadResult()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, args=(index,), name=f"load-{index}", daemon=True)
            for index in range(threads)
        ]
        self._started = 0.0

    def start(self) -> "TimelinesLoad":
        self._started = time.monotonic()
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> LoadResult:
        """Stop every thread after its request in flight and return the result."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=REQUEST_TIMEOUT_S + 2)
        assert not any(thread.is_alive() for thread in self._threads), "a load thread hung"
        return self.result

    def wait(self) -> LoadResult:
        """Wait until max_duration_s has passed, then stop."""
        remaining = self._started + self.max_duration_s - time.monotonic()
        self._stop.wait(max(remaining, 0))
        return self.stop()

    def _run(self, index: int) -> None:
        deadline = self._started + self.max_duration_s
        next_send = time.monotonic() + index * self.interval_s / len(self._threads)
        for number in range(int(self.max_duration_s / self.interval_s) + 1):
            if self._stop.wait(max(next_send - time.monotonic(), 0)):
                return
            if time.monotonic() >= deadline:
                return
            next_send += self.interval_s

            if number % POST_EVERY == POST_EVERY - 1:
                self._send("POST", "/compose/post", 201, f"load {index}-{number}")
            else:
                self._send("GET", "/posts/all", 200, None)

    def _send(self, method: str, path: str, expected: int, text: str | None) -> None:
        headers = {"Host": "timelines.localhost"}
        json_body = None
        if text is not None:
            headers["Authorization"] = basic_auth(*self.author.credentials)
            json_body = {"text": text}

        status = None
        outcome = None
        try:
            response = requests.request(
                method,
                self.base_url + path,
                headers=headers,
                json=json_body,
                timeout=REQUEST_TIMEOUT_S,
                allow_redirects=False,
            )
            status = response.status_code
            if status != expected:
                outcome = f"{status} {response.text[:200]!r}"
        except requests.RequestException as error:
            outcome = f"{type(error).__name__}: {error}"

        elapsed = time.monotonic() - self._started
        with self._lock:
            self.result.sent += 1
            if status is not None:
                self.result.statuses[status] += 1
            if outcome is not None:
                self.result.failure_count += 1
                if len(self.result.failures) < MAX_RECORDED_FAILURES:
                    self.result.failures.append(f"{elapsed:.2f}s {method} {path}: {outcome}")
