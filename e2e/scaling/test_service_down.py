"""With every likes instance down, likes.localhost returns 503 and the other hosts still work."""

import time

from e2e.scaling.stack import wait_until
from e2e.support import assert_error

# Right after the kill, HAProxy still routes to the instance, and the refused
# connections become a 503 after its retries.
MAX_FIRST_503_S = 10
# The registry drops the instance after 3 failed checks 2 s apart, then the
# templater reloads HAProxy with an empty likes backend.
MAX_REGISTRY_LEAVE_S = 15
MAX_HAPROXY_LEAVE_S = 25
# scripts/up waits up to 60 s for the health check through HAProxy, so at its
# exit likes.localhost should return 200 at once. This bound is slack.
MAX_RECOVERY_S = 30


def wait_for_status(client, path: str, status: int, *, timeout_s: float, description: str):
    """Send GET path until it returns status, and return that response."""
    last = []

    def has_status() -> bool:
        last[:] = [client.get(path)]
        return last[0].status_code == status

    wait_until(has_status, timeout_s=timeout_s, interval_s=0.5, description=description)
    return last[0]


def check_other_services(users, timelines, author) -> None:
    response = timelines.get("/posts/all")
    assert response.status_code == 200, response.text[:500]
    response = users.get(f"/user/{author.username}")
    assert response.status_code == 200, response.text[:500]


def test_likes_down_returns_503_then_recovers(scaled_stack, users, timelines, likes, author):
    stack = scaled_stack

    stack.kill("likes")
    killed_at = time.monotonic()
    response = wait_for_status(
        likes,
        "/like/popular",
        503,
        timeout_s=MAX_FIRST_503_S,
        description="likes.localhost to answer 503 after its only instance was killed",
    )
    first_503_s = time.monotonic() - killed_at
    assert_error(response, 503)
    check_other_services(users, timelines, author)

    wait_until(
        lambda: not stack.registry_urls("likes"),
        timeout_s=MAX_REGISTRY_LEAVE_S,
        description="the registry to drop the killed likes instance",
    )
    wait_until(
        lambda: not stack.backend_servers("likes"),
        timeout_s=MAX_HAPROXY_LEAVE_S,
        description="HAProxy's likes backend to have no server",
    )
    empty_backend_s = time.monotonic() - killed_at
    assert_error(likes.get("/like/popular"), 503)
    check_other_services(users, timelines, author)

    restart_started = time.monotonic()
    stack.run_up()
    response = wait_for_status(
        likes,
        "/like/popular",
        200,
        timeout_s=MAX_RECOVERY_S,
        description="likes.localhost to answer 200 after scripts/up",
    )
    recovery_s = time.monotonic() - restart_started
    assert isinstance(response.json(), list), response.text[:500]

    print(
        f"likes down: first 503 after {first_503_s:.1f} s, empty backend after "
        f"{empty_backend_s:.1f} s, 200 again {recovery_s:.1f} s after scripts/up began"
    )
