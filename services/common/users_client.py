"""Ask the users service who a request is from and who follows whom."""

import base64
import logging
import threading
from typing import Any

import requests

from .auth import CredentialCache, Credentials
from .errors import unauthorized, unavailable
from .validation import USERNAME_PATTERN

log = logging.getLogger(__name__)


class UsersClient:
    """HTTP client of the users service, with a short cache of verified credentials.

    A cached entry lets a changed or deleted password keep working on this
    instance for up to auth_cache_ttl_s seconds; that is the price of not
    paying for a slow password hash on every request.
    """

    def __init__(self, base_url: str, timeout_s: float, auth_cache_ttl_s: float):
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.credentials = CredentialCache(auth_cache_ttl_s)
        self._local = threading.local()

    def authenticate(self, credentials: Credentials) -> dict[str, Any]:
        """Return the account of these credentials, or raise a 401 or a 503."""
        key = self.credentials.key(credentials)
        cached = self.credentials.get(key)
        if cached is not None:
            return cached

        token = f"{credentials.username}:{credentials.password}".encode()
        response = self._get(
            "/user/authenticate",
            headers={"Authorization": "Basic " + base64.b64encode(token).decode("ascii")},
        )
        if response.status_code == 401:
            raise unauthorized("invalid username or password")
        user = self._json(response, "/user/authenticate")

        self.credentials.put(key, user)
        return user

    def profile(self, username: str) -> dict[str, Any] | None:
        """Return a user's public profile, or None when the user does not exist."""
        if not USERNAME_PATTERN.fullmatch(username):
            return None

        path = f"/user/{username}"
        response = self._get(path)
        if response.status_code == 404:
            return None
        return self._json(response, path)

    def following(self, username: str) -> list[str]:
        """Return the usernames of every account that username follows."""
        if not USERNAME_PATTERN.fullmatch(username):
            return []

        path = f"/user/{username}/following/names"
        response = self._get(path)
        if response.status_code == 404:
            return []
        return self._json(response, path)["following"]

    def _get(self, path: str, headers: dict[str, str] | None = None) -> requests.Response:
        try:
            return self._session().get(
                self.base_url + path, headers=headers, timeout=self.timeout_s
            )
        except requests.RequestException as error:
            log.warning("users service request failed: GET %s: %s", path, type(error).__name__)
            raise unavailable("the users service is unavailable, try again shortly") from None

    def _json(self, response: requests.Response, path: str) -> dict[str, Any]:
        if response.status_code != 200:
            log.warning("users service answered %s to GET %s", response.status_code, path)
            raise unavailable("the users service is unavailable, try again shortly")
        return response.json()

    def _session(self) -> requests.Session:
        # requests.Session is not documented as thread-safe; gunicorn's gthread
        # workers serve requests on several threads, so each gets its own.
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            self._local.session = session
        return session
