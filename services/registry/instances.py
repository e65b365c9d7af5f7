"""The map of live instances, safe to change from request and checker threads."""

import threading
from dataclasses import dataclass, field


@dataclass
class Instance:
    """One registered instance and how many health checks it failed in a row."""

    url: str
    failures: int = 0


@dataclass
class InstanceMap:
    """Registered instances of each known service."""

    services: tuple[str, ...]
    _instances: dict[str, dict[str, Instance]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._instances = {service: {} for service in self.services}

    def register(self, service: str, url: str) -> bool:
        """Add an instance; return True when it was not registered before.

        Registering again keeps the count of failed checks: only a passing
        health check clears it, so heartbeats cannot keep a failing instance.
        """
        with self._lock:
            instances = self._instances[service]
            if url in instances:
                return False
            instances[url] = Instance(url)
            return True

    def deregister(self, service: str, url: str) -> bool:
        """Remove an instance; return False when it was not registered."""
        with self._lock:
            return self._instances[service].pop(url, None) is not None

    def snapshot(self) -> dict[str, dict[str, bool]]:
        """Return the whole map in the API's shape: {service: {url: true}}."""
        with self._lock:
            return {
                service: {url: True for url in sorted(instances)}
                for service, instances in self._instances.items()
            }

    def pairs(self) -> list[tuple[str, str]]:
        """Return (service, url) for every registered instance."""
        with self._lock:
            return [
                (service, url)
                for service, instances in self._instances.items()
                for url in instances
            ]

    def record_check(self, service: str, url: str, healthy: bool, max_failures: int) -> str | None:
        """Count one health check; return "dropped" or "recovered" when that changed.

        An instance is dropped only after max_failures failed checks in a row,
        so one slow response does not remove it.
        """
        with self._lock:
            instance = self._instances[service].get(url)
            if instance is None:
                return None

            if healthy:
                recovered = instance.failures > 0
                instance.failures = 0
                return "recovered" if recovered else None

            instance.failures += 1
            if instance.failures >= max_failures:
                del self._instances[service][url]
                return "dropped"
            return None
