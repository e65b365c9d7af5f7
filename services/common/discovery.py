"""Find a live instance of a service through the registry, with a short cache."""

import logging
import os
import random
import threading
import time

import requests

log = logging.getLogger(__name__)


class ServiceLocator:
    """Choose an instance URL for one service.

    The registry's list is cached for cache_ttl_s seconds. When the registry
    does not respond, the last list is used. With no list yet, or no live
    instance, the configured fallback URL is used, so a service still works
    while the registry is briefly down.
    """

    def __init__(
        self,
        service: str,
        fallback_url: str,
        registry_url: str | None,
        cache_ttl_s: float = 5.0,
        timeout_s: float = 1.0,
    ):
        self.service = service
        self.fallback_url = fallback_url.rstrip("/")
        self.registry_url = registry_url.rstrip("/") if registry_url else None
        self.cache_ttl_s = cache_ttl_s
        self.timeout_s = timeout_s
        self._urls: list[str] = []
        self._fetched_at = float("-inf")
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, service: str, fallback_url: str) -> "ServiceLocator":
        """Build a locator that uses REGISTRY_URL when it is set, else only the fallback."""
        return cls(service, fallback_url, os.environ.get("REGISTRY_URL") or None)

    def candidates(self) -> list[str]:
        """Return instance URLs to try in order: live ones shuffled, else the fallback."""
        if self.registry_url is None:
            return [self.fallback_url]

        with self._lock:
            if time.monotonic() - self._fetched_at >= self.cache_ttl_s:
                self._refresh()
            urls = list(self._urls)

        random.shuffle(urls)
        return urls or [self.fallback_url]

    def _refresh(self) -> None:
        try:
            response = requests.get(
                f"{self.registry_url}/available/{self.service}", timeout=self.timeout_s
            )
        except requests.RequestException as error:
            log.warning(
                "registry lookup of %s failed, using the last list: %s", self.service, error
            )
            # Try again after the cache time, not on every request.
            self._fetched_at = time.monotonic()
            return

        self._fetched_at = time.monotonic()
        if response.status_code == 200:
            self._urls = sorted(response.json().get(self.service, {}))
        elif response.status_code == 404:
            self._urls = []
        else:
            log.warning(
                "registry returned %s to a lookup of %s", response.status_code, self.service
            )
