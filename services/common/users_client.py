"""Ask the users service who a request is from and who follows whom."""

import base64
from typing import Any

from .auth import CredentialCache, Credentials
from .errors import ApiError, unauthorized
from .expiring_map import ExpiringMap
from .service_client import ServiceClient
from .validation import USERNAME_PATTERN


class UsersClient(ServiceClient):
    """HTTP client of the users service, with short caches of verified credentials and usernames.

    A cached entry lets a changed or deleted password keep working on this
    instance for up to auth_cache_ttl_s seconds. That is the price of not
    paying for a slow password hash on every request. For the same time, a
    deleted account's name still counts as existing, so that reading a
    user's posts or likes costs no call to the users service.
    """

    def __init__(self, base_url: str, timeout_s: float, auth_cache_ttl_s: float):
        super().__init__("users", base_url, timeout_s)
        self.credentials = CredentialCache(auth_cache_ttl_s)
        # The spelling of each existing username, keyed by its lower case.
        # Missing users are not cached, so a new account is found at once.
        self.spellings = ExpiringMap(auth_cache_ttl_s)

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

    def clear_caches(self) -> None:
        """Forget every cached credential and username."""
        self.credentials.clear()
        self.spellings.clear()

    def existing_username(self, username: str) -> str | None:
        """Return username as the users service spells it, or None when no such user exists."""
        key = username.lower()
        spelling = self.spellings.get(key)
        if spelling is not None:
            return spelling

        profile = self.profile(username)
        if profile is None:
            return None
        self.spellings.put(key, profile["username"])
        return profile["username"]

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
