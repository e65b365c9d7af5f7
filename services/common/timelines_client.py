"""Ask the timelines service whether a post exists."""

import threading
import time

from .service_client import ServiceClient
from .validation import MAX_ID


class TimelinesClient(ServiceClient):
    """HTTP client of the timelines service, remembering existing posts briefly.

    Only posts found are cached, so a post deleted meanwhile still counts as
    existing for up to exists_ttl_s seconds on this instance.
    """

    def __init__(self, base_url: str, timeout_s: float, exists_ttl_s: float = 30.0):
        super().__init__("timelines", base_url, timeout_s)
        self.exists_ttl_s = exists_ttl_s
        self._seen: dict[int, float] = {}
        self._lock = threading.Lock()

    def post_exists(self, post_id: int) -> bool:
        """Return True when the timelines service has a post with this id."""
        if not 1 <= post_id <= MAX_ID:
            return False
        if self._recently_seen(post_id):
            return True

        path = f"/posts/{post_id}"
        response = self.get(path)
        if response.status_code == 404:
            return False
        self.json(response, path)

        with self._lock:
            if len(self._seen) > 100_000:
                self._seen.clear()
            self._seen[post_id] = time.monotonic() + self.exists_ttl_s
        return True

    def _recently_seen(self, post_id: int) -> bool:
        with self._lock:
            expires_at = self._seen.get(post_id)
        return expires_at is not None and expires_at > time.monotonic()
