"""Put jobs on beanstalkd tubes, with short timeouts so a request never hangs on the queue."""

import contextlib
import json
import logging
import socket
import threading
from dataclasses import dataclass
from typing import Any

import greenstalk

from .errors import unavailable
from .logconfig import current_request_id
from .settings import SettingsError, env_float, env_str

log = logging.getLogger(__name__)

TIMELINE_TUBE = "timeline"
LIKE_TUBE = "like"
POLL_TUBE = "poll"
EMAIL_TUBE = "email"
ACCOUNT_TUBE = "account"
TUBES = (TIMELINE_TUBE, LIKE_TUBE, POLL_TUBE, EMAIL_TUBE, ACCOUNT_TUBE)

# Seconds a worker may hold a job before beanstalkd hands it to another worker.
# Above the worst case of one handler: a few HTTP calls or an SMTP exchange,
# each bounded by its own timeout of a few seconds.
DEFAULT_TTR_S = 60


@dataclass(frozen=True)
class QueueSettings:
    """How a process reaches beanstalkd."""

    host: str
    port: int
    connect_timeout_s: float
    # Bound on one command's round trip, so a stalled server fails a request fast.
    command_timeout_s: float

    @classmethod
    def from_env(cls) -> "QueueSettings":
        """Read BEANSTALKD_ADDRESS (host:port) and the BEANSTALKD_*_TIMEOUT_S variables."""
        host, port = parse_address(
            "BEANSTALKD_ADDRESS", env_str("BEANSTALKD_ADDRESS", "127.0.0.1:11300")
        )
        return cls(
            host=host,
            port=port,
            connect_timeout_s=env_float("BEANSTALKD_CONNECT_TIMEOUT_S", 1.0, minimum=0.1),
            command_timeout_s=env_float("BEANSTALKD_COMMAND_TIMEOUT_S", 1.0, minimum=0.1),
        )


def parse_address(name: str, value: str) -> tuple[str, int]:
    """Split a host:port value; raise SettingsError naming the variable when it is not one."""
    host, colon, port = value.rpartition(":")
    if not colon or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise SettingsError(f"environment variable {name}={value!r} must be host:port")
    return host, int(port)


class QueueUnavailable(Exception):
    """beanstalkd could not be reached, or did not accept a command in time."""


def connect(
    settings: QueueSettings,
    *,
    use: str = "default",
    watch: str = "default",
    timeout_s: float | None = None,
) -> greenstalk.Client:
    """Open a connection whose connect and every command are bounded by timeouts.

    Job bodies stay bytes, so that a body that is not UTF-8 can still be
    reserved and buried by id instead of failing inside the client.
    """
    try:
        sock = socket.create_connection(
            (settings.host, settings.port), timeout=settings.connect_timeout_s
        )
    except OSError as error:
        raise QueueUnavailable(f"cannot connect to beanstalkd: {error}") from error

    sock.settimeout(timeout_s or settings.command_timeout_s)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    try:
        return greenstalk.Client(sock, encoding=None, use=use, watch=watch)
    except (OSError, greenstalk.Error) as error:
        sock.close()
        raise QueueUnavailable(f"cannot set up the beanstalkd connection: {error}") from error


class JobProducer:
    """Put JSON jobs on tubes over connections that no consumer shares.

    Each thread gets its own connection, because gunicorn's gthread workers
    serve requests on several threads and a beanstalkd connection carries one
    command at a time. A connection that fails is dropped and reopened by the
    next put.
    """

    def __init__(self, settings: QueueSettings, ttr_s: int = DEFAULT_TTR_S):
        self.settings = settings
        self.ttr_s = ttr_s
        self._local = threading.local()
        # Every open connection, so close() reaches those of other threads too.
        self._clients: set[greenstalk.Client] = set()
        self._lock = threading.Lock()

    def put(self, tube: str, body: dict[str, Any], *, delay_s: int = 0) -> int:
        """Put a job on tube and return its id; raise QueueUnavailable when that fails.

        The job carries the current request id, so the worker's log lines and
        the jobs it puts in turn can be traced back to the request.
        """
        body = {"request_id": current_request_id.get(), **body}
        data = json.dumps(body, ensure_ascii=False).encode()
        # A connection kept from an earlier put is broken after a beanstalkd
        # restart, so a failure on it gets one retry on a new connection.
        # Repeating a put that did arrive is harmless: every job handler is
        # idempotent, because delivery is at least once anyway.
        reused = getattr(self._local, "client", None) is not None
        try:
            return self._put_once(tube, data, delay_s)
        except QueueUnavailable as error:
            # A timeout is no broken connection, and a retry would double the wait.
            if not reused or isinstance(error.__cause__, TimeoutError):
                raise
        return self._put_once(tube, data, delay_s)

    def _put_once(self, tube: str, data: bytes, delay_s: int) -> int:
        client = None
        try:
            client = self._client()
            client.use(tube)
            return client.put(data, delay=delay_s, ttr=self.ttr_s)
        except (QueueUnavailable, OSError, greenstalk.Error) as error:
            if client is not None:
                self._drop(client)
            log.warning("put on tube %s failed: %s", tube, error)
            raise QueueUnavailable(f"put on tube {tube} failed: {error}") from error

    def put_or_503(self, tube: str, body: dict[str, Any]) -> int:
        """Put a job on tube and return its id; raise a 503 ApiError when that fails."""
        try:
            return self.put(tube, body)
        except QueueUnavailable:
            raise unavailable(
                "the job queue is unavailable, nothing was accepted; try again shortly"
            ) from None

    def close(self) -> None:
        """Close every connection of every thread."""
        with self._lock:
            clients, self._clients = self._clients, set()
        for client in clients:
            with contextlib.suppress(OSError):
                client.close()

    def _client(self) -> greenstalk.Client:
        client = getattr(self._local, "client", None)
        if client is None:
            client = connect(self.settings)
            self._local.client = client
            with self._lock:
                self._clients.add(client)
        return client

    def _drop(self, client: greenstalk.Client) -> None:
        self._local.client = None
        with self._lock:
            self._clients.discard(client)
        with contextlib.suppress(OSError):
            client.close()
