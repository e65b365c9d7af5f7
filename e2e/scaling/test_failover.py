"""Killing a timelines instance under load, then starting it again, fails no request."""

import contextlib
import time

from e2e.scaling.conftest import TIMELINES_COUNT
from e2e.scaling.load import LoadResult, TimelinesLoad
from e2e.scaling.stack import wait_until

VICTIM = "timelines-3"
# The registry checks every 2 s and drops an instance after 3 failed checks
# in a row, so a killed instance leaves within about 6 s plus one check's
# timeout. The rest is slack for a loaded machine.
MAX_REGISTRY_LEAVE_S = 15
# On top of that, the templater waits 1 s for the map to settle, at least
# 2 s between reloads, and polls every second.
MAX_HAPROXY_LEAVE_S = 25
MAX_RETURN_S = 30

LOAD_BEFORE_KILL_S = 3
KILL_LOAD_DURATION_S = 20
RESTART_LOAD_MAX_S = 45
# Requests that the restarted instance must serve before the load stops.
RESTARTED_MIN_SERVED = 5
# A load run sends 30 requests per second. Far fewer means the stack or this
# machine was too slow for the run to show anything.
MIN_REQUESTS_PER_S = 10


@contextlib.contextmanager
def running(load: TimelinesLoad):
    """Start the load and stop it on leaving the block, also when the block raised."""
    load.start()
    try:
        yield load
    finally:
        load.stop()


def assert_no_failures(stack, result: LoadResult, phase: str, min_requests: int) -> None:
    assert result.sent >= min_requests, f"{phase}: too few requests sent: {result.summary()}"
    assert result.statuses[201] > 0, f"{phase}: no post was composed: {result.summary()}"

    haproxy_log = f"last lines of the HAProxy log:\n{stack.log_tail('haproxy', 40)}"
    assert result.failure_count == 0, f"{phase}: {result.summary()}\n{haproxy_log}"
    assert result.server_errors == 0, f"{phase}: {result.summary()}\n{haproxy_log}"


def test_killed_timelines_instance_fails_over(scaled_stack, author):
    stack = scaled_stack
    old_port = stack.port(VICTIM)
    old_url = stack.instance_url(VICTIM)
    assert old_url in stack.registry_urls("timelines")

    with running(
        TimelinesLoad(stack.base_url, author, max_duration_s=KILL_LOAD_DURATION_S)
    ) as load:
        time.sleep(LOAD_BEFORE_KILL_S)
        killed_at = time.monotonic()
        stack.kill(VICTIM)

        wait_until(
            lambda: old_url not in stack.registry_urls("timelines"),
            timeout_s=MAX_REGISTRY_LEAVE_S,
            description=f"the registry to drop the killed {VICTIM} at {old_url} "
            "(the registry must run with REGISTRY_CHECK_INTERVAL_S=2)",
        )
        registry_leave_s = time.monotonic() - killed_at

        wait_until(
            lambda: old_port not in stack.backend_servers("timelines"),
            timeout_s=MAX_HAPROXY_LEAVE_S,
            description=f"HAProxy's timelines backend to drop the server on port {old_port}",
        )
        haproxy_leave_s = time.monotonic() - killed_at
        kill_result = load.wait()

    print(
        f"kill: left the registry after {registry_leave_s:.1f} s, "
        f"HAProxy after {haproxy_leave_s:.1f} s; load: {kill_result.summary()}"
    )
    assert_no_failures(
        stack, kill_result, "load during the kill", KILL_LOAD_DURATION_S * MIN_REQUESTS_PER_S
    )

    with running(TimelinesLoad(stack.base_url, author, max_duration_s=RESTART_LOAD_MAX_S)) as load:
        load_started = time.monotonic()
        time.sleep(1)
        restart_started = time.monotonic()
        stack.run_up("--scale", f"timelines={TIMELINES_COUNT}")
        new_url = stack.instance_url(VICTIM)
        new_port = stack.port(VICTIM)

        wait_until(
            lambda: new_url in stack.registry_urls("timelines"),
            timeout_s=MAX_RETURN_S,
            description=f"the restarted {VICTIM} at {new_url} to register",
        )
        registered_s = time.monotonic() - restart_started

        def served_by_new_instance() -> bool:
            server = stack.backend_servers("timelines").get(new_port)
            return server is not None and server.total_sessions >= RESTARTED_MIN_SERVED

        wait_until(
            served_by_new_instance,
            timeout_s=MAX_RETURN_S,
            description=f"the restarted {VICTIM} on port {new_port} to serve requests",
        )
        serving_s = time.monotonic() - restart_started
        restart_result = load.stop()
        restart_load_s = time.monotonic() - load_started

    print(
        f"restart: registered {registered_s:.1f} s after scripts/up began, "
        f"served through HAProxy after {serving_s:.1f} s; load: {restart_result.summary()}"
    )
    assert_no_failures(
        stack, restart_result, "load during the restart", int(restart_load_s * MIN_REQUESTS_PER_S)
    )
