"""Register this instance with the registry, keep it registered, and leave on stop.

Gunicorn's master starts this module as a child process
(`python -m services.common.registration`, see gunicorn_conf.py), so an
instance registers once however many workers it has. It is a process rather
than a thread of the master, because the master forks workers at any time.
A fork copies the locks that another thread has taken, such as the lock of a
buffered stdout, and the new worker would then block on them forever.
"""

import logging
import os
import signal
import socket
import sys
import threading

import requests

from .logconfig import configure_logging
from .settings import env_float, env_str, env_url

log = logging.getLogger(__name__)


# HOST values that bind every interface. Other processes cannot connect to
# such an address, so it is never advertised.
WILDCARD_HOSTS = ("", "0.0.0.0", "::")  # noqa: S104 - compared, not bound


def default_service_url(host: str, port: str) -> str:
    """Build the URL to advertise when SERVICE_URL is unset.

    An instance bound to every interface (HOST=0.0.0.0, as in a container)
    advertises the address its host name resolves to, which is the
    container's own IP, so each replica of a scaled service registers a
    distinct URL that the registry and HAProxy can reach.
    """
    if host in WILDCARD_HOSTS:
        host = socket.gethostbyname(socket.gethostname())
    return f"http://{host}:{port}"


class Registration:
    """A heartbeat thread that registers the instance while its health check passes."""

    def __init__(self, registry_url: str, service: str, url: str, interval_s: float):
        self.registry_url = registry_url.rstrip("/")
        self.service = service
        self.url = url.rstrip("/")
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="registration", daemon=True)

    @classmethod
    def from_env(cls) -> "Registration | None":
        """Read REGISTRY_URL, SERVICE_NAME, SERVICE_URL and HEARTBEAT_INTERVAL_S.

        Returns None when REGISTRY_URL is empty: the instance then runs
        without discovery.
        """
        if not os.environ.get("REGISTRY_URL"):
            return None

        host = os.environ.get("HOST", "127.0.0.1")
        port = os.environ.get("PORT", "8000")
        return cls(
            registry_url=env_url("REGISTRY_URL", ""),
            service=env_str("SERVICE_NAME"),
            url=env_url("SERVICE_URL", default_service_url(host, port)),
            interval_s=env_float("HEARTBEAT_INTERVAL_S", 5.0, minimum=0.1),
        )

    def start(self) -> None:
        """Start heartbeating in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Stop heartbeating and remove the instance from the registry."""
        self._stop.set()
        try:
            requests.delete(
                f"{self.registry_url}/register",
                json={"service": self.service, "url": self.url},
                timeout=2,
            )
            log.info("deregistered %s instance %s", self.service, self.url)
        except requests.RequestException as error:
            log.warning("could not deregister %s from the registry: %s", self.url, error)

    def beat(self) -> bool:
        """Register once if this instance's own health check passes; return True if done."""
        try:
            health = requests.get(f"{self.url}/health-check", timeout=2)
            if health.status_code != 200:
                log.warning(
                    "not registering %s: its health check returned %s", self.url, health.status_code
                )
                return False

            response = requests.post(
                f"{self.registry_url}/register",
                json={"service": self.service, "url": self.url},
                timeout=2,
            )
        except requests.RequestException as error:
            log.warning("heartbeat of %s failed: %s", self.url, type(error).__name__)
            return False

        if response.status_code != 200:
            log.warning(
                "the registry returned %s to the heartbeat of %s", response.status_code, self.url
            )
            return False
        return True

    def run(self, parent_pid: int | None = None) -> None:
        """Heartbeat in this thread until stop(), or until parent_pid is no longer the parent."""
        self._run(parent_pid)

    def _run(self, parent_pid: int | None = None) -> None:
        registered = False
        while not self._stop.is_set():
            if parent_pid is not None and os.getppid() != parent_pid:
                # The gunicorn master died without stopping this process.
                log.warning("the master of %s is gone, stopping the heartbeat", self.url)
                return

            beat_ok = self.beat()
            if beat_ok and not registered:
                log.info(
                    "registered %s instance %s with %s", self.service, self.url, self.registry_url
                )
            registered = registered or beat_ok

            # Until the first registration succeeds, retry quickly: the
            # workers are still starting.
            self._stop.wait(self.interval_s if registered else 0.5)


def main() -> int:
    """Heartbeat for the instance described by the environment until SIGTERM."""
    configure_logging(os.environ.get("LOG_LEVEL", "INFO"))
    registration = Registration.from_env()
    if registration is None:
        return 0

    signal.signal(signal.SIGTERM, lambda *_: registration._stop.set())
    registration.run(parent_pid=os.getppid())
    registration.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
