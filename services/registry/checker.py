"""Probe every registered instance's /health-check on an interval."""

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from .instances import InstanceMap
from .settings import RegistrySettings

log = logging.getLogger(__name__)


class HealthChecker:
    """A daemon thread that checks all instances, then sleeps for the interval."""

    def __init__(self, instances: InstanceMap, settings: RegistrySettings):
        self.instances = instances
        self.settings = settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="health-checker", daemon=True)
        self._executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="health-check")

    def start(self) -> None:
        """Start checking in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to stop after the current round."""
        self._stop.set()

    def check_all(self) -> None:
        """Check every registered instance once, in parallel, and record the results."""
        pairs = self.instances.pairs()
        results = self._executor.map(lambda pair: (pair, self._healthy(pair[1])), pairs)

        for (service, url), healthy in results:
            change = self.instances.record_check(service, url, healthy, self.settings.max_failures)
            if change == "dropped":
                log.warning(
                    "dropped %s instance %s after %d failed health checks in a row",
                    service,
                    url,
                    self.settings.max_failures,
                )
            elif change == "recovered":
                log.info("%s instance %s passes its health check again", service, url)

    def _run(self) -> None:
        while not self._stop.wait(self.settings.check_interval_s):
            try:
                self.check_all()
            except Exception:
                # The checker must outlive any bug in one round.
                log.exception("health check round failed; the next round runs as planned")

    def _healthy(self, url: str) -> bool:
        try:
            response = requests.get(f"{url}/health-check", timeout=self.settings.check_timeout_s)
        except requests.RequestException as error:
            log.info("health check of %s failed: %s", url, type(error).__name__)
            return False

        if response.status_code != 200:
            log.info("health check of %s returned %s", url, response.status_code)
            return False
        return True
