"""Fixtures for the end-to-end suite, which talks to a running stack through HAProxy.

E2E_BASE_URL sets HAProxy's address (default http://127.0.0.1:8080). When no server
accepts connections there, every test is skipped. With E2E_REQUIRE_STACK=1 they fail
instead, so that a CI run cannot pass without a stack. E2E_MAILBOX_URL sets the mail
catcher's HTTP API (default http://127.0.0.1:8025), which only the tests that read
email use.
"""

import os

import pytest
import requests

from e2e.mailbox import Mailbox
from e2e.support import (
    DEFAULT_PASSWORD,
    ServiceClient,
    User,
    unique_username,
)

CALL_PASSED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Record whether each test's call phase passed, for the `reuse` fixture."""
    report = yield
    if report.when == "call":
        item.stash[CALL_PASSED] = report.passed
    return report


@pytest.fixture(scope="session")
def base_url() -> str:
    return os.environ.get("E2E_BASE_URL", "http://127.0.0.1:8080")


@pytest.fixture(scope="session")
def users(base_url) -> ServiceClient:
    return ServiceClient(base_url, "users.localhost")


@pytest.fixture(scope="session")
def timelines(base_url) -> ServiceClient:
    return ServiceClient(base_url, "timelines.localhost")


@pytest.fixture(scope="session")
def likes(base_url) -> ServiceClient:
    return ServiceClient(base_url, "likes.localhost")


@pytest.fixture(scope="session")
def polls(base_url) -> ServiceClient:
    return ServiceClient(base_url, "polls.localhost")


@pytest.fixture(scope="session", autouse=True)
def running_stack(base_url, users, timelines):
    """Skip or fail the whole suite when HAProxy does not accept connections."""
    try:
        users.get("/health-check")
    except requests.ConnectionError:
        message = f"no stack is listening at {base_url}. Start it with scripts/up --detach."
        if os.environ.get("E2E_REQUIRE_STACK") == "1":
            pytest.fail(message)
        pytest.skip(message)

    for client in (users, timelines):
        response = client.get("/health-check")
        assert response.status_code == 200, f"{client.host} health check: {response.text[:200]}"


@pytest.fixture(scope="session")
def mailbox() -> Mailbox:
    """Return a mail catcher client. Skip the test, or fail it, when the catcher is down."""
    base_url = os.environ.get("E2E_MAILBOX_URL", "http://127.0.0.1:8025")
    client = Mailbox(base_url)
    try:
        client.messages()
    except requests.ConnectionError:
        message = f"no mail catcher is listening at {base_url}. Set E2E_MAILBOX_URL."
        if os.environ.get("E2E_REQUIRE_STACK") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return client


@pytest.fixture(scope="module")
def reusable_values() -> dict:
    return {}


@pytest.fixture
def reuse(request, reusable_values):
    """Return a function get(key, build) that builds a value once per module.

    Creating a user costs a slow password hash, so tests that must leave their
    user unchanged share one. A value is dropped when a test that used it fails,
    because that test may have changed it, and the next test builds a new one.
    """
    used_keys = []

    def get(key, build):
        if key not in reusable_values:
            reusable_values[key] = build()
        used_keys.append(key)
        return reusable_values[key]

    yield get

    if not request.node.stash.get(CALL_PASSED, False):
        for key in used_keys:
            reusable_values.pop(key, None)


@pytest.fixture
def make_user(users):
    """Return a function that registers a user with a unique name and returns a User."""

    def create(prefix="u", *, password=DEFAULT_PASSWORD, username=None, email=None, bio=None):
        username = username or unique_username(prefix)
        email = email or f"{username.lower()}@example.test"
        body = {"username": username, "email": email, "password": password}
        if bio is not None:
            body["bio"] = bio

        response = users.post("/user/new", json=body)
        assert response.status_code == 201, response.text[:500]
        return User(response.json()["id"], username, email, password)

    return create


@pytest.fixture
def make_post(timelines):
    """Return a function that composes a post as a user and returns the post object."""

    def create(author: User, text: str | None = None) -> dict:
        response = timelines.post(
            "/compose/post", auth=author, json={"text": text or f"post by {author.username}"}
        )
        assert response.status_code == 201, response.text[:500]
        return response.json()

    return create


@pytest.fixture
def make_follow(users):
    """Return a function that makes one user follow another."""

    def follow(follower: User, following: User) -> None:
        response = users.post(
            "/user/follow",
            auth=follower,
            json={"follower_username": follower.username, "following_username": following.username},
        )
        assert response.status_code == 201, response.text[:500]

    return follow


@pytest.fixture
def make_like(likes):
    """Return a function that makes a user like a post and returns the new like count."""

    def like(liker: User, post_id: int) -> int:
        response = likes.post("/like", auth=liker, json={"post_id": post_id})
        assert response.status_code == 200, response.text[:500]
        return response.json()["likes"]

    return like


@pytest.fixture
def make_poll(polls):
    """Return a function that creates a poll as a user and returns the created poll object.

    The poll has the options "yes" and "no" unless `options` is given.
    """

    def create(owner: User, question: str = "Ready?", options=("yes", "no"), **extra) -> dict:
        body = {"question": question, "options": list(options), **extra}
        response = polls.post("/poll", auth=owner, json=body)
        assert response.status_code == 201, response.text[:500]
        return response.json()

    return create
