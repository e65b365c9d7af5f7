"""Base of the HTTP clients that services use to call each other."""

import logging
import threading
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .discovery import ServiceLocator
from .errors import unavailable
from .logconfig import current_request_id

log = logging.getLogger(__name__)

# A request tries at most this many instances, so a dead service costs a
# bounded time.
MAX_INSTANCES_PER_REQUEST = 3


class ServiceClient:
    """Send GET requests to one service with a timeout, turning failures into 503s."""

    def __init__(self, service: str, base_url: str, timeout_s: float):
        self.service = service
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        # base_url is the fallback when REGISTRY_URL names a registry.
        self.locator = ServiceLocator.from_env(service, self.base_url)
        self._local = threading.local()

    def get(self, path: str, headers: dict[str, str] | None = None) -> requests.Response:
        """Send GET path to a live instance; raise a 503 when none responds in time.

        An instance that refuses the connection is skipped for the next one,
        so a stopped instance costs no failed request while the registry
        still lists it.
        """
        candidates = self.locator.candidates()[:MAX_INSTANCES_PER_REQUEST]
        for attempt, base_url in enumerate(candidates, start=1):
            try:
                return self._session().get(
                    base_url + path,
                    headers={"X-Request-ID": current_request_id.get(), **(headers or {})},
                    timeout=self.timeout_s,
                )
            except requests.ConnectionError as error:
                if attempt == len(candidates):
                    self._log_failure(path, error)
                    raise self.down() from None
            except requests.RequestException as error:
                self._log_failure(path, error)
                raise self.down() from None
        raise self.down()

    def _log_failure(self, path: str, error: Exception) -> None:
        log.warning(
            "%s service request failed: GET %s: %s", self.service, path, type(error).__name__
        )

    def json(self, response: requests.Response, path: str) -> dict[str, Any]:
        """Return the body of a 200 response; raise a 503 for any other status."""
        if response.status_code != 200:
            log.warning(
                "%s service returned %s to GET %s", self.service, response.status_code, path
            )
            raise self.down()
        return response.json()

    def down(self):
        """Build the 503 error for this service being unavailable."""
        return unavailable(f"the {self.service} service is unavailable, try again shortly")

    def _session(self) -> requests.Session:
        # requests.Session is not documented as thread-safe; gunicorn's gthread
        # workers serve requests on several threads, so each gets its own.
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            # Calls between services never go through a proxy named in the
            # environment. Skipping the proxy and .netrc lookups also saved
            # about 4% of the timelines service's CPU in a home timeline profile.
            session.trust_env = False
            # A kept-alive connection can be closed by the server just as it is
            # reused; one retry of these idempotent GETs covers that race.
            # Responses are never retried by status, and Retry-After is ignored,
            # because urllib3 would turn a 429 or 503 with Retry-After into a RetryError.
            retry = Retry(
                total=1,
                connect=1,
                read=1,
                status=0,
                allowed_methods={"GET"},
                respect_retry_after_header=False,
            )
            session.mount("http://", HTTPAdapter(max_retries=retry))
            session.mount("https://", HTTPAdapter(max_retries=retry))
            self._local.session = session
        return session
