"""Call the services' HTTP APIs, including their /internal/ endpoints, from a worker."""

import logging
from typing import Any

import requests

from services.common.internal import TOKEN_HEADER
from services.common.logconfig import current_request_id

from .errors import MalformedJob, PassingFailure

log = logging.getLogger(__name__)


class ServiceApi:
    """Send requests to one service with a timeout and the service token.

    A failure to connect, a timeout and any 5xx raise PassingFailure; a 400
    raises MalformedJob, because the job carried values the service rejects.
    Every other status is returned for the handler to read.
    """

    def __init__(self, service: str, base_url: str, token: str, timeout_s: float):
        self.service = service
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.session = requests.Session()
        # Calls between services never go through a proxy named in the environment.
        self.session.trust_env = False
        self.session.headers[TOKEN_HEADER] = token

    def request(self, method: str, path: str, json: Any = None) -> requests.Response:
        """Send one request and return its response, unless it failed as described above."""
        try:
            response = self.session.request(
                method,
                self.base_url + path,
                json=json,
                headers={"X-Request-ID": current_request_id.get()},
                timeout=self.timeout_s,
            )
        except requests.RequestException as error:
            raise PassingFailure(
                f"{self.service} service request {method} {path} failed: {type(error).__name__}"
            ) from None

        if response.status_code >= 500:
            raise PassingFailure(
                f"{self.service} service answered {response.status_code} to {method} {path}"
            )
        if response.status_code in (401, 403):
            # Retried rather than buried: a token fixed in the environment lets
            # the job through on a later attempt.
            raise PassingFailure(
                f"{self.service} service rejected the service token ({response.status_code}) "
                f"on {method} {path}: check SERVICE_TOKEN"
            )
        if response.status_code == 400:
            raise MalformedJob(
                f"{self.service} service rejected {method} {path}: {_message(response)}"
            )
        return response

    def expect(self, response: requests.Response, *statuses: int) -> None:
        """Raise PassingFailure unless the response has one of the statuses."""
        if response.status_code not in statuses:
            raise PassingFailure(
                f"{self.service} service answered an unexpected {response.status_code}: "
                f"{_message(response)}"
            )

    def close(self) -> None:
        """Close the pooled HTTP connections."""
        self.session.close()


def _message(response: requests.Response) -> str:
    try:
        return str(response.json().get("message", ""))[:200]
    except (ValueError, AttributeError):
        return response.text[:200]
