"""A small thread-safe map whose entries expire after a fixed time."""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class ExpiringMap:
    """Map of values that expire ttl_seconds after they are stored.

    The oldest entry is evicted when max_entries is reached, so a scan over
    many keys cannot grow the process without bound. A ttl_seconds of zero
    or less stores nothing.
    """

    def __init__(
        self,
        ttl_seconds: float,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        # Key to (expiry time in seconds of clock(), value).
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        """Return the value stored under key, or None when it is missing or expired."""
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None

            expires_at, value = entry
            if expires_at < now:
                del self._entries[key]
                return None
            return value

    def __len__(self) -> int:
        """Return the number of stored entries, expired ones not yet dropped included."""
        with self._lock:
            return len(self._entries)

    def items(self) -> list[tuple[Hashable, Any]]:
        """Return (key, value) for every entry that has not expired."""
        now = self._clock()
        with self._lock:
            return [
                (key, value)
                for key, (expires_at, value) in self._entries.items()
                if expires_at >= now
            ]

    def put(self, key: Hashable, value: Any) -> None:
        """Store value under key, evicting the oldest entry when full."""
        if self.ttl_seconds <= 0:
            return

        expires_at = self._clock() + self.ttl_seconds
        with self._lock:
            self._entries[key] = (expires_at, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def discard(self, key: Hashable) -> None:
        """Forget the entry of key, if any."""
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()
