"""Ask the users service who a request is from and who follows whom."""

import base64
from typing import Any

from .auth import CredentialCache, Credentials
from .errors import ApiError, unauthorized
from .service_client import ServiceClient
from .validation import USERNAME_PATTERN


class UsersClient(ServiceClient):
    """HTTP client of the users service, with a short cache of verified credentials.

    A cached entry lets a changed or deleted password keep working on this
    instance for up to auth_cache_ttl_s seconds. That is the price of not
    paying for a slow password hash on every request.
    """

    def __init__(self, base_url: str, timeout_s: float, auth_cache_ttl_s: float):
        super().__init__("users", base_url, timeout_s)
        self.credentials = CredentialCache(auth_cache_ttl_s)

    def authenticate(self, credentials: Credentials) -> dict[str, Any]:
        """Return the account of these credentials, or raise a 401 or a 503."""
        key = self.credentials.key(credentials)
        cached, due = self.credentials.lookup(key)
        if cached is not None and not due:
            return cached

        # A valid entry due for a refresh waits for no one: if another thread
        # is already checking these credentials, this request uses the entry.
        with self.credentials.verifying(key, wait=cached is None) as checking:
            if not checking:
                return cached
            cached, due = self.credentials.lookup(key)
            if cached is not None and not due:
                return cached
            return self._verify(credentials, key)

    def _verify(self, credentials: Credentials, key: bytes) -> dict[str, Any]:
        token = f"{credentials.username}:{credentials.password}".encode()
        response = self.get(
            "/user/authenticate",
            headers={"Authorization": "Basic " + base64.b64encode(token).decode("ascii")},
        )
        if response.status_code == 401:
            self.credentials.discard(key)
            raise unauthorized("invalid username or password")
        if response.status_code == 429:
            self.credentials.discard(key)
            raise _throttled(response)
        user = self.json(response, "/user/authenticate")

        self.credentials.put(key, user)
        return user

    def profile(self, username: str) -> dict[str, Any] | None:
        """Return a user's public profile, or None when the user does not exist."""
        if not USERNAME_PATTERN.fullmatch(username):
            return None

        path = f"/user/{username}"
        response = self.get(path)
        if response.status_code == 404:
            return None
        return self.json(response, path)

    def following(self, username: str) -> list[str]:
        """Return the usernames of every account that username follows."""
        if not USERNAME_PATTERN.fullmatch(username):
            return []

        path = f"/user/{username}/following/names"
        response = self.get(path)
        if response.status_code == 404:
            return []
        return self.json(response, path)["following"]


def _throttled(response) -> ApiError:
    """Pass on the users service's 429 for a username with too many failed logins."""
    try:
        message = str(response.json()["message"])
    except (ValueError, KeyError, TypeError):
        message = "too many failed logins for this user; try again later"
    retry_after = response.headers.get("Retry-After", "")
    headers = {"Retry-After": retry_after} if retry_after.isdigit() else {}
    return ApiError(429, message, headers=headers)
