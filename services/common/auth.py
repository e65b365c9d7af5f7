"""Parse HTTP Basic credentials and remember verified ones for a short time."""

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import request

from .errors import forbidden, unauthorized
from .expiring_map import ExpiringMap

MALFORMED = "malformed Basic credentials: expected the base64 of username:password"


@dataclass(frozen=True)
class Credentials:
    """A username and password taken from an Authorization header."""

    username: str
    password: str

    def __repr__(self) -> str:
        # Keep the password out of tracebacks and debug output.
        return f"Credentials(username={self.username!r}, password=<hidden>)"


def parse_basic(header: str | None) -> Credentials:
    """Return the credentials of a Basic Authorization header, or raise a 401."""
    if not header:
        raise unauthorized("authentication required: send HTTP Basic credentials")

    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "basic" or not token:
        raise unauthorized("the Authorization header must use the Basic scheme")

    try:
        decoded = base64.b64decode(token, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        # ValueError covers non-ASCII input and bytes that are not UTF-8.
        raise unauthorized(MALFORMED) from None

    # RFC 7617: the user-id cannot contain a colon, the password can.
    username, colon, password = decoded.partition(":")
    if not colon or not username:
        raise unauthorized(MALFORMED)
    return Credentials(username, password)


def request_credentials() -> Credentials:
    """Return the Basic credentials of the current request, or raise a 401."""
    return parse_basic(request.headers.get("Authorization"))


def require_same_user(named: str | None, authenticated: str, field: str) -> str:
    """Return the acting username: the authenticated one, unless the body names another.

    A body may omit the acting user; naming someone else is a 403.
    """
    if named is None or named.lower() == authenticated.lower():
        return authenticated
    raise forbidden(f"{field} {named} does not match the authenticated user {authenticated}")


class CredentialCache:
    """Remember verified credentials for a few seconds.

    Entries are keyed by an HMAC of username and password under a key that
    lives only in this process, so the cache never holds a password or a
    value from which one could be checked offline.

    Callers that miss wrap the check and put() in verifying(key), so
    concurrent requests with the same credentials wait for one check instead
    of each running its own Argon2id verification.

    In the last REFRESH_FRACTION of an entry's lifetime, lookup() marks it for
    refresh: one request checks the credentials again while the others keep
    using the entry, which is still valid, so an expiry does not stall every
    request of that account. No entry is used past ttl_seconds.
    """

    REFRESH_FRACTION = 0.2

    def __init__(
        self,
        ttl_seconds: float,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._secret = secrets.token_bytes(32)
        # Key to (refresh time in seconds of clock(), value).
        self._entries = ExpiringMap(ttl_seconds, max_entries, clock)
        self._lock = threading.Lock()
        # Per-key lock and the number of threads holding or waiting for it.
        self._checks: dict[bytes, tuple[threading.Lock, int]] = {}

    def key(self, credentials: Credentials) -> bytes:
        """Derive the cache key of a username and password."""
        message = credentials.username.lower().encode() + b"\0" + credentials.password.encode()
        return hmac.new(self._secret, message, hashlib.sha256).digest()

    def get(self, key: bytes) -> Any | None:
        """Return the value stored under key, unless it has expired."""
        return self.lookup(key)[0]

    def lookup(self, key: bytes) -> tuple[Any | None, bool]:
        """Return the value stored under key, or None, and whether it is due for a refresh."""
        entry = self._entries.get(key)
        if entry is None:
            return None, False

        refresh_at, value = entry
        return value, refresh_at <= self._clock()

    def discard(self, key: bytes) -> None:
        """Forget the entry of key, if any."""
        self._entries.discard(key)

    def put(self, key: bytes, value: Any) -> None:
        """Store value under key, evicting the oldest entry when full."""
        refresh_at = self._clock() + self.ttl_seconds * (1 - self.REFRESH_FRACTION)
        self._entries.put(key, (refresh_at, value))

    @contextmanager
    def verifying(self, key: bytes, wait: bool = True) -> Iterator[bool]:
        """Hold the lock of key while this thread checks those credentials.

        Yields whether this thread holds the lock: always with wait, and with
        wait=False only when no other thread is checking the same
        credentials. Only requests with the same username and password share
        a lock, so a wrong password never delays a right one. Call lookup()
        again inside, because another thread may have stored the entry while
        this one waited.
        """
        with self._lock:
            lock, users = self._checks.get(key, (threading.Lock(), 0))
            self._checks[key] = (lock, users + 1)
        acquired = False
        try:
            acquired = lock.acquire(blocking=wait)
            yield acquired
        finally:
            if acquired:
                lock.release()
            with self._lock:
                lock, users = self._checks[key]
                if users == 1:
                    del self._checks[key]
                else:
                    self._checks[key] = (lock, users - 1)

    def clear(self) -> None:
        """Forget every entry."""
        self._entries.clear()
