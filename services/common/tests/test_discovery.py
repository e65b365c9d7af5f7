"""Tests of instance lookup through the registry and the client's failover."""

from flask import Flask, jsonify

from services.common.discovery import ServiceLocator
from services.common.service_client import ServiceClient
from services.conftest import LiveServer
from services.registry import create_app as create_registry_app
from services.registry.settings import RegistrySettings


def make_registry():
    return create_registry_app(
        RegistrySettings(
            check_interval_s=60, check_timeout_s=1, max_failures=3, start_checker=False
        )
    )


def echo_app(name: str) -> Flask:
    app = Flask(name)

    @app.get("/who")
    def who():
        return jsonify({"name": name})

    return app


def test_locator_without_registry_uses_fallback():
    locator = ServiceLocator("users", "http://127.0.0.1:5101/", registry_url=None)

    assert locator.candidates() == ["http://127.0.0.1:5101"]


def test_locator_registry_down_uses_fallback():
    locator = ServiceLocator("users", "http://127.0.0.1:5101", registry_url="http://127.0.0.1:9")

    assert locator.candidates() == ["http://127.0.0.1:5101"]


def test_locator_lists_registered_instances():
    registry = make_registry()
    with LiveServer(registry) as server:
        for port in (7001, 7002):
            registry.test_client().post(
                "/register", json={"service": "users", "url": f"http://127.0.0.1:{port}"}
            )
        locator = ServiceLocator("users", "http://127.0.0.1:5101", registry_url=server.url)

        candidates = locator.candidates()

    assert sorted(candidates) == ["http://127.0.0.1:7001", "http://127.0.0.1:7002"]


def test_locator_keeps_last_list_when_registry_stops():
    registry = make_registry()
    with LiveServer(registry) as server:
        registry.test_client().post(
            "/register", json={"service": "users", "url": "http://127.0.0.1:7001"}
        )
        locator = ServiceLocator("users", "http://127.0.0.1:5101", server.url, cache_ttl_s=0)
        locator.candidates()

    assert locator.candidates() == ["http://127.0.0.1:7001"]


def test_client_skips_instance_that_refuses(monkeypatch):
    registry = make_registry()
    with LiveServer(registry) as registry_server, LiveServer(echo_app("alive")) as alive:
        for url in ("http://127.0.0.1:9", alive.url):
            registry.test_client().post("/register", json={"service": "users", "url": url})
        monkeypatch.setenv("REGISTRY_URL", registry_server.url)
        client = ServiceClient("users", "http://127.0.0.1:9", timeout_s=2)

        names = [client.json(client.get("/who"), "/who")["name"] for _ in range(10)]

    assert names == ["alive"] * 10
