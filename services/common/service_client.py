"""Base of the HTTP clients that services use to call each other."""

import logging
import threading
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .errors import unavailable

log = logging.getLogger(__name__)


class ServiceClient:
    """Send GET requests to one service with a timeout, turning failures into 503s."""

    def __init__(self, service: str, base_url: str, timeout_s: float):
        self.service = service
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._local = threading.local()

    def get(self, path: str, headers: dict[str, str] | None = None) -> requests.Response:
        """Send GET path; raise a 503 when the service cannot be reached in time."""
        try:
            return self._session().get(
                self.base_url + path, headers=headers, timeout=self.timeout_s
            )
        except requests.RequestException as error:
            log.warning(
                "%s service request failed: GET %s: %s", self.service, path, type(error).__name__
            )
            raise self.down() from None

    def json(self, response: requests.Response, path: str) -> dict[str, Any]:
        """Return the body of a 200 response; raise a 503 for any other status."""
        if response.status_code != 200:
            log.warning(
                "%s service answered %s to GET %s", self.service, response.status_code, path
            )
            raise self.down()
        return response.json()

    def down(self):
        """Build the 503 error that says this service is unavailable."""
        return unavailable(f"the {self.service} service is unavailable, try again shortly")

    def _session(self) -> requests.Session:
        # requests.Session is not documented as thread-safe; gunicorn's gthread
        # workers serve requests on several threads, so each gets its own.
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            # A kept-alive connection can be closed by the server just as it is
            # reused; one retry of these idempotent GETs covers that race.
            retry = Retry(total=1, connect=1, read=1, status=0, allowed_methods={"GET"})
            session.mount("http://", HTTPAdapter(max_retries=retry))
            session.mount("https://", HTTPAdapter(max_retries=retry))
            self._local.session = session
        return session
