"""Fixtures for the fault tests, which stop and restart the stores and the users service.

They run against the same stack and with the same settings as the scaling
tests (see e2e/scaling/conftest.py): E2E_BASE_URL, E2E_REGISTRY_URL,
E2E_STATS_URL, E2E_STATE_DIR, and MICROBLOG_STATE_DIR with every
MICROBLOG_*_PORT of that stack, which scripts/down and scripts/up need. A
component is stopped with `scripts/down COMPONENT` and started again with
`scripts/up --detach --scale timelines=3`, which starts whatever is missing.
"""

import time
from pathlib import Path

import pytest
import requests

from e2e.scaling import conftest as scaling_fixtures
from e2e.scaling.stack import (
    Stack,
    WaitTimeout,
    run_script,
    service_of,
    url_port,
    wait_until,
)
from e2e.support import DEFAULT_PASSWORD, User, basic_auth, unique_username

# Seconds for one request of a fault test. A request that takes longer
# counts as a hang.
REQUEST_TIMEOUT_S = 5
# Seconds for every service to pass its health check through HAProxy again
# after a restart: the instances re-register within one heartbeat (5 s),
# and the templater reloads HAProxy a few seconds later.
HEALTHY_TIMEOUT_S = 45

SERVICES = ("users", "timelines", "likes", "polls")
# The processes that must keep running through every fault: a restart of
# one of them would hide a pool or client that does not recover by itself.
SERVICE_INSTANCES = ("users", "timelines", "timelines-2", "timelines-3", "likes", "polls")
WORKERS = ("worker-timeline", "worker-like", "worker-poll", "worker-email", "worker-account")
STORES = ("postgres", "redis", "dynamodb", "beanstalkd")

# The scaling tests' fixture, which checks the settings and that the stack responds.
stack = scaling_fixtures.stack


@pytest.fixture(scope="session")
def base_url(stack) -> str:
    """Override the suite's default HAProxy address with the one of the stack under test."""
    return stack.base_url


def component_pid(stack: Stack, name: str) -> int | None:
    """Return the PID in a component's pid file when that process is alive."""
    try:
        pid = int((stack.state_dir / "run" / f"{name}.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    if not Path(f"/proc/{pid}").exists():
        return None
    return pid


def process_pids(stack: Stack) -> dict[str, int | None]:
    """Return the PIDs of the service instances and workers, which must not restart."""
    return {name: component_pid(stack, name) for name in (*SERVICE_INSTANCES, *WORKERS)}


def run_down(component: str) -> None:
    """Stop one component of the stack with scripts/down."""
    run_script("down", component)


def send(
    base_url: str,
    host: str,
    method: str,
    path: str,
    *,
    user: User | None = None,
    json=None,
    headers: dict[str, str] | None = None,
) -> tuple[requests.Response, float]:
    """Send one request through HAProxy with a short timeout; return it and its seconds."""
    all_headers = {"Host": host, **(headers or {})}
    if user is not None:
        all_headers["Authorization"] = basic_auth(*user.credentials)

    started = time.monotonic()
    response = requests.request(
        method,
        base_url + path,
        headers=all_headers,
        json=json,
        timeout=REQUEST_TIMEOUT_S,
        allow_redirects=False,
    )
    return response, time.monotonic() - started


def all_healthy(stack: Stack) -> bool:
    """Return True when every service passes its health check through HAProxy."""
    for service in SERVICES:
        try:
            response, _ = send(stack.base_url, f"{service}.localhost", "GET", "/health-check")
        except requests.RequestException:
            return False
        if response.status_code != 200:
            return False
    return True


def settled(stack: Stack) -> bool:
    """Return True when the registry contains every instance and HAProxy routes to each.

    Passing health checks through HAProxy is not enough after a fault: the
    registry may have dropped an instance that HAProxy still routes to, and
    the templater then removes it until the next heartbeat registers it again.
    """
    try:
        for service in SERVICES:
            expected = {
                stack.port(instance)
                for instance in SERVICE_INSTANCES
                if service_of(instance) == service
            }
            registered = {url_port(url) for url in stack.registry_urls(service)}
            servers = stack.backend_servers(service)
            if registered != expected or set(servers) != expected:
                return False
            if any(row.status != "UP" for row in servers.values()):
                return False
    except requests.RequestException:
        return False
    return all_healthy(stack)


def restore(stack: Stack) -> None:
    """Start whatever component is missing and wait until every service is healthy."""
    names = (*STORES, *SERVICE_INSTANCES, *WORKERS, "registry", "haproxy", "templater")
    if any(component_pid(stack, name) is None for name in names):
        stack.run_up("--scale", f"timelines={scaling_fixtures.TIMELINES_COUNT}")
    try:
        wait_until(
            lambda: settled(stack),
            timeout_s=HEALTHY_TIMEOUT_S,
            interval_s=0.5,
            description="every instance to be registered, routed to and healthy",
        )
    except WaitTimeout as error:
        tails = "\n".join(f"--- {name}\n{stack.log_tail(name)}" for name in SERVICES)
        raise WaitTimeout(f"{error}\n{tails}") from None


@pytest.fixture
def whole_stack(stack):
    """Yield the stack with every component running and healthy, and restore that after."""
    restore(stack)
    try:
        yield stack
    finally:
        restore(stack)


@pytest.fixture(scope="session")
def make_account(stack):
    """Return a function that registers a user with a unique name and returns a User."""

    def create(prefix: str) -> User:
        username = unique_username(prefix)
        email = f"{username.lower()}@example.test"
        body = {"username": username, "email": email, "password": DEFAULT_PASSWORD}
        response, _ = send(stack.base_url, "users.localhost", "POST", "/user/new", json=body)
        assert response.status_code == 201, response.text[:500]
        return User(response.json()["id"], username, email, DEFAULT_PASSWORD)

    return create
