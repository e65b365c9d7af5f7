"""Tests of the limit on failed logins per username."""

import threading
import time
from dataclasses import replace

import pytest

from services.users import create_app

from .conftest import basic, create_user

BUDGET = 3
WINDOW_S = 2.0


@pytest.fixture(scope="module")
def throttled_session_app(session_app):
    """Build a users app with a small failure budget and a short window, on the same database."""
    settings = replace(
        session_app.extensions["users"].settings,
        login_failure_budget=BUDGET,
        login_failure_window_s=WINDOW_S,
    )
    app = create_app(settings)
    yield app
    app.extensions["users"].pool.close()


@pytest.fixture
def throttled(app, throttled_session_app):
    """Return a test client of the throttled app, with empty tables and caches."""
    throttled_session_app.extensions["users"].credentials.clear()
    return throttled_session_app.test_client()


def fail_logins(client, username: str, count: int) -> None:
    for _ in range(count):
        response = client.get("/user/authenticate", headers=basic(username, "wrong password"))
        assert response.status_code == 401


def test_throttle_after_budget_429_with_retry_after(throttled):
    create_user(throttled, "ada")
    fail_logins(throttled, "ada", BUDGET)

    response = throttled.get("/user/authenticate", headers=basic("ada", "wrong password"))

    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= WINDOW_S
    body = response.get_json()
    assert body["status"] == "429 Too Many Requests"
    assert body["message"].startswith("too many failed logins for user ada")
    assert set(body) == {"status", "message"}


def test_throttle_blocks_correct_password_too(throttled):
    create_user(throttled, "ada")
    fail_logins(throttled, "ada", BUDGET)

    response = throttled.get("/user/authenticate", headers=basic("ada", "password"))

    assert response.status_code == 429
    assert "Retry-After" in response.headers


def test_throttle_blocks_cached_credentials_too(throttled):
    create_user(throttled, "ada")
    assert throttled.get("/user/authenticate", headers=basic("ada", "password")).status_code == 200
    fail_logins(throttled, "ada", BUDGET)

    response = throttled.get("/user/authenticate", headers=basic("ada", "password"))

    assert response.status_code == 429


def test_throttle_applies_to_every_authenticated_path(throttled):
    create_user(throttled, "ada")
    create_user(throttled, "grace")
    fail_logins(throttled, "ADA", BUDGET)

    response = throttled.post(
        "/user/follow", json={"following_username": "grace"}, headers=basic("ada", "password")
    )

    assert response.status_code == 429


def test_throttle_lifts_after_window(throttled):
    create_user(throttled, "ada")
    fail_logins(throttled, "ada", BUDGET)
    blocked = throttled.get("/user/authenticate", headers=basic("ada", "password"))
    assert blocked.status_code == 429

    time.sleep(WINDOW_S + 0.2)
    response = throttled.get("/user/authenticate", headers=basic("ada", "password"))

    assert response.status_code == 200


def test_throttle_other_usernames_unaffected(throttled):
    create_user(throttled, "ada")
    create_user(throttled, "grace")
    fail_logins(throttled, "ada", BUDGET)

    response = throttled.get("/user/authenticate", headers=basic("grace", "password"))

    assert response.status_code == 200


def test_throttle_successes_do_not_count(throttled):
    create_user(throttled, "ada")
    for _ in range(BUDGET + 2):
        throttled.application.extensions["users"].credentials.clear()
        response = throttled.get("/user/authenticate", headers=basic("ada", "password"))
        assert response.status_code == 200

    fail_logins(throttled, "ada", BUDGET - 1)
    response = throttled.get("/user/authenticate", headers=basic("ada", "password"))

    assert response.status_code == 200


def test_throttle_unknown_username_counts_too(throttled):
    fail_logins(throttled, "nobody", BUDGET)

    response = throttled.get("/user/authenticate", headers=basic("nobody", "wrong password"))

    assert response.status_code == 429


def test_throttle_concurrent_guesses_only_budget_checked(throttled_session_app, throttled):
    create_user(throttled, "ada")
    attempts = 12
    statuses: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(attempts)

    def guess():
        client = throttled_session_app.test_client()
        start.wait(timeout=10)
        response = client.get("/user/authenticate", headers=basic("ada", "wrong password"))
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=guess) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(statuses) == attempts
    assert statuses.count(401) == BUDGET
    assert statuses.count(429) == attempts - BUDGET
