"""Tests of registration, lookups and the health checker."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask, jsonify

from services.conftest import LiveServer
from services.registry import create_app
from services.registry.settings import RegistrySettings


@pytest.fixture
def app():
    """Return a registry whose checker runs only when a test asks."""
    return create_app(
        RegistrySettings(
            check_interval_s=60, check_timeout_s=0.5, max_failures=3, start_checker=False
        )
    )


@pytest.fixture
def client(app):
    return app.test_client()


def register(client, service="timelines", url="http://127.0.0.1:5102"):
    return client.post("/register", json={"service": service, "url": url})


class SwitchableService:
    """A tiny app whose /health-check answers 200 or 503 as the test sets."""

    def __init__(self):
        self.healthy = True
        self.app = Flask("switchable")

        @self.app.get("/health-check")
        def health_check():
            return jsonify({}), 200 if self.healthy else 503


def test_register_returns_whole_map(client):
    response = register(client, url="http://127.0.0.1:5102/")

    assert response.status_code == 200
    assert response.get_json() == {
        "users": {},
        "timelines": {"http://127.0.0.1:5102": True},
        "likes": {},
        "polls": {},
    }


def test_register_twice_keeps_one(client):
    register(client)
    response = register(client)

    assert response.get_json()["timelines"] == {"http://127.0.0.1:5102": True}


def test_register_unknown_service_422(client):
    response = register(client, service="payments")

    assert response.status_code == 422
    assert response.get_json()["status"] == "422 Unprocessable Entity"


@pytest.mark.parametrize(
    "url",
    [
        "127.0.0.1:5102",
        "ftp://127.0.0.1:5102",
        "http://",
        "http://127.0.0.1:5102/path",
        "http://user:pw@127.0.0.1:5102",
        "http://127.0.0.1:99999",
        "http://127.0.0.1:5102?x=1",
    ],
)
def test_register_bad_url_400(client, url):
    response = register(client, url=url)

    assert response.status_code == 400
    assert client.get("/services").get_json()["timelines"] == {}


@pytest.mark.parametrize("body", [{}, {"service": "users"}, {"service": 1, "url": "http://a:1"}])
def test_register_invalid_body_400(client, body):
    assert client.post("/register", json=body).status_code == 400


def test_deregister_then_404(client):
    register(client)

    first = client.delete(
        "/register", json={"service": "timelines", "url": "http://127.0.0.1:5102"}
    )
    second = client.delete(
        "/register", json={"service": "timelines", "url": "http://127.0.0.1:5102"}
    )

    assert first.status_code == 200
    assert first.get_json()["timelines"] == {}
    assert second.status_code == 404


def test_available_lists_live_instances(client):
    register(client, url="http://127.0.0.1:5102")
    register(client, url="http://127.0.0.1:5202")

    response = client.get("/available/timelines")

    assert response.status_code == 200
    assert response.get_json() == {
        "timelines": {"http://127.0.0.1:5102": True, "http://127.0.0.1:5202": True}
    }


@pytest.mark.parametrize("service", ["timelines", "payments"])
def test_available_none_or_unknown_404(client, service):
    response = client.get(f"/available/{service}")

    assert response.status_code == 404


def test_concurrent_registrations_all_kept(app):
    urls = [f"http://127.0.0.1:{6000 + number}" for number in range(40)]

    def register_one(url):
        return register(app.test_client(), url=url).status_code

    with ThreadPoolExecutor(max_workers=10) as executor:
        statuses = list(executor.map(register_one, urls))

    assert statuses == [200] * 40
    assert sorted(app.test_client().get("/services").get_json()["timelines"]) == sorted(urls)


def test_checker_drops_after_consecutive_failures(app, client):
    service = SwitchableService()
    checker = app.extensions["registry"]["checker"]
    with LiveServer(service.app) as server:
        register(client, url=server.url)
        service.healthy = False

        checker.check_all()
        checker.check_all()
        still_there = client.get("/available/timelines").status_code
        checker.check_all()
        dropped = client.get("/available/timelines").status_code

    assert still_there == 200
    assert dropped == 404


def test_checker_failure_count_resets_on_success(app, client):
    service = SwitchableService()
    checker = app.extensions["registry"]["checker"]
    with LiveServer(service.app) as server:
        register(client, url=server.url)

        for healthy in (False, False, True, False, False):
            service.healthy = healthy
            checker.check_all()

        response = client.get("/available/timelines")

    assert response.status_code == 200


def test_checker_drops_unreachable_instance(app, client):
    checker = app.extensions["registry"]["checker"]
    register(client, url="http://127.0.0.1:9")

    for _ in range(3):
        checker.check_all()

    assert client.get("/available/timelines").status_code == 404


def test_heartbeat_keeps_failure_count(app, client):
    checker = app.extensions["registry"]["checker"]
    register(client, url="http://127.0.0.1:9")

    for _ in range(3):
        checker.check_all()
        register(client, url="http://127.0.0.1:9")
    checker.check_all()

    # The last heartbeat re-added it after the drop; one failure is not enough.
    assert client.get("/available/timelines").status_code == 200
    for _ in range(3):
        checker.check_all()
    assert client.get("/available/timelines").status_code == 404


def test_heartbeat_after_drop_registers_again(app, client):
    checker = app.extensions["registry"]["checker"]
    register(client, url="http://127.0.0.1:9")
    for _ in range(3):
        checker.check_all()

    response = register(client, url="http://127.0.0.1:9")

    assert response.get_json()["timelines"] == {"http://127.0.0.1:9": True}


def test_checker_thread_survives_errors(monkeypatch):
    app = create_app(RegistrySettings(check_interval_s=0.05, check_timeout_s=0.5, max_failures=3))
    checker = app.extensions["registry"]["checker"]
    calls = []

    def failing_round():
        calls.append(1)
        raise RuntimeError("simulated bug in one round")

    monkeypatch.setattr(checker, "check_all", failing_round)
    try:
        deadline_rounds = 0
        while len(calls) < 3 and deadline_rounds < 100:
            checker._stop.wait(0.05)
            deadline_rounds += 1
    finally:
        checker.stop()

    assert len(calls) >= 3
