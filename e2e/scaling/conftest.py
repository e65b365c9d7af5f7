"""Fixtures for the scaling tests, which kill and restart service instances of a running stack.

The stack must have been started with `scripts/up --detach --scale timelines=3`,
with REGISTRY_CHECK_INTERVAL_S=2 in the environment of scripts/up, so that
the registry drops a dead instance within a few seconds. Settings
(environment):

  E2E_BASE_URL      HAProxy, e.g. http://127.0.0.1:18080
  E2E_REGISTRY_URL  the registry, e.g. http://127.0.0.1:15000
  E2E_STATS_URL     HAProxy's stats page, e.g. http://127.0.0.1:18404/
  E2E_STATE_DIR     the stack's state folder, whose run/ folder contains the pid files
  MICROBLOG_STATE_DIR and every MICROBLOG_*_PORT of that stack, which the
  tests pass on to scripts/up when they restart an instance

When a setting is missing or the stack does not answer, the tests that need
the stack are skipped, or fail with E2E_REQUIRE_STACK=1. Each of those tests
starts and ends with three healthy timelines instances and one likes
instance, so they can run in any order.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from e2e.scaling.stack import Stack, WaitTimeout, url_port, wait_until
from e2e.support import DEFAULT_PASSWORD, User, unique_username

TIMELINES_COUNT = 3
TIMELINES_INSTANCES = ("timelines", "timelines-2", "timelines-3")
WATCHED_INSTANCES = {"timelines": TIMELINES_INSTANCES, "likes": ("likes",)}
# Seconds for a restored stack to settle. The registry drops a stale
# instance after 3 failed checks 2 s apart. The templater then waits 1 s for
# the map to settle and at least 2 s between reloads.
RESTORE_TIMEOUT_S = 45

PORT_VARIABLES = tuple(
    f"MICROBLOG_{name}_PORT"
    for name in (
        "HTTP",
        "STATS",
        "PG",
        "REDIS",
        "DYNAMODB",
        "USERS",
        "TIMELINES",
        "LIKES",
        "POLLS",
        "BEANSTALKD",
        "SMTP",
        "MAIL_UI",
        "REGISTRY",
    )
)
URL_VARIABLES = ("E2E_BASE_URL", "E2E_REGISTRY_URL", "E2E_STATS_URL")


def skip_or_fail(message: str) -> None:
    if os.environ.get("E2E_REQUIRE_STACK") == "1":
        pytest.fail(message)
    pytest.skip(message)


def check_settings() -> None:
    """Fail when the E2E_* settings and the MICROBLOG_* settings name different stacks.

    scripts/up would otherwise start an instance that registers with another
    stack's registry or writes to another stack's database.
    """
    state_dir = Path(os.environ["E2E_STATE_DIR"]).resolve()
    microblog_state_dir = Path(os.environ["MICROBLOG_STATE_DIR"]).resolve()
    assert state_dir == microblog_state_dir, (
        f"E2E_STATE_DIR {state_dir} differs from MICROBLOG_STATE_DIR {microblog_state_dir}: "
        "set both to the state folder of the stack under test"
    )

    for url_variable, port_variable in (
        ("E2E_BASE_URL", "MICROBLOG_HTTP_PORT"),
        ("E2E_REGISTRY_URL", "MICROBLOG_REGISTRY_PORT"),
        ("E2E_STATS_URL", "MICROBLOG_STATS_PORT"),
    ):
        url_port_number = urlsplit(os.environ[url_variable]).port
        assert url_port_number == int(os.environ[port_variable]), (
            f"{url_variable} {os.environ[url_variable]} does not use port "
            f"{port_variable}={os.environ[port_variable]}: set both for the same stack"
        )


@pytest.fixture(scope="session")
def stack() -> Stack:
    """Return the stack under test, or skip (fail with E2E_REQUIRE_STACK=1) without one."""
    required = (*URL_VARIABLES, "E2E_STATE_DIR", "MICROBLOG_STATE_DIR", *PORT_VARIABLES)
    missing = [name for name in required if not os.environ.get(name)]
    if missing:
        skip_or_fail(f"the scaling tests need these settings of a running stack: {missing}")
    check_settings()

    stack = Stack(
        base_url=os.environ["E2E_BASE_URL"].rstrip("/"),
        registry_url=os.environ["E2E_REGISTRY_URL"].rstrip("/"),
        stats_url=os.environ["E2E_STATS_URL"],
        state_dir=Path(os.environ["E2E_STATE_DIR"]),
    )
    try:
        requests.get(f"{stack.registry_url}/health-check", timeout=5)
        requests.get(f"{stack.stats_url.rstrip('/')}/;csv", timeout=5)
    except requests.ConnectionError as error:
        skip_or_fail(f"no stack answers at {stack.registry_url} and {stack.stats_url}: {error}")
    return stack


@pytest.fixture(scope="session")
def base_url(stack) -> str:
    """Override the suite's default HAProxy address with the one of the stack under test."""
    return stack.base_url


@pytest.fixture(scope="session", autouse=True)
def running_stack():
    """Replace the suite's check for a stack, because the templater test needs none.

    The tests that need a stack request the `stack` fixture instead.
    """


@pytest.fixture(scope="session")
def author(users) -> User:
    """Register one user who composes the posts of the load runs."""
    username = unique_username("scaling")
    response = users.post(
        "/user/new",
        json={
            "username": username,
            "email": f"{username}@example.test",
            "password": DEFAULT_PASSWORD,
        },
    )
    assert response.status_code == 201, response.text[:500]
    return User(response.json()["id"], username, f"{username}@example.test", DEFAULT_PASSWORD)


@pytest.fixture
def scaled_stack(stack):
    """Yield the stack with 3 timelines instances and 1 likes instance, and restore that after."""
    restore(stack)
    try:
        yield stack
    finally:
        restore(stack)


def restore(stack: Stack) -> None:
    """Start the missing instances, then wait until the registry and HAProxy list exactly them."""
    missing = [
        instance
        for instances in WATCHED_INSTANCES.values()
        for instance in instances
        if stack.running_pid(instance) is None
    ]
    if missing:
        stack.run_up("--scale", f"timelines={TIMELINES_COUNT}")

    try:
        wait_until(
            lambda: is_settled(stack),
            timeout_s=RESTORE_TIMEOUT_S,
            interval_s=0.5,
            description="the registry and HAProxy to list exactly the running instances",
        )
    except WaitTimeout as error:
        raise WaitTimeout(f"{error}\n{describe(stack)}") from None


def is_settled(stack: Stack) -> bool:
    """Return True when the registry and HAProxy list exactly the running instances, all UP."""
    for service, instances in WATCHED_INSTANCES.items():
        if any(stack.running_pid(instance) is None for instance in instances):
            return False
        expected = {stack.instance_url(instance) for instance in instances}
        if stack.registry_urls(service) != expected:
            return False

        servers = stack.backend_servers(service)
        if set(servers) != {url_port(url) for url in expected}:
            return False
        if any(server.status != "UP" for server in servers.values()):
            return False
    return True


def describe(stack: Stack) -> str:
    """Describe the watched instances, the registry and HAProxy, for a failure message."""
    lines = []
    for service, instances in WATCHED_INSTANCES.items():
        pids = {instance: stack.running_pid(instance) for instance in instances}
        servers = {
            port: f"{server.status} stot={server.total_sessions}"
            for port, server in stack.backend_servers(service).items()
        }
        lines.append(f"{service}: pids {pids}")
        lines.append(f"  registry {sorted(stack.registry_urls(service))}")
        lines.append(f"  HAProxy servers by port {servers}")
    return "\n".join(lines)
