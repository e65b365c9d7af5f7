"""Unit tests of the URL an instance advertises to the registry."""

import socket

import pytest

from services.common.registration import Registration, default_service_url

ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - a HOST value under test, nothing binds it


def test_default_url_keeps_specific_host():
    assert default_service_url("127.0.0.1", "5102") == "http://127.0.0.1:5102"


@pytest.mark.parametrize("host", [ALL_INTERFACES, "", "::"])
def test_default_url_wildcard_uses_own_address(monkeypatch, host):
    monkeypatch.setattr(socket, "gethostname", lambda: "timelines-replica-2")
    monkeypatch.setattr(
        socket, "gethostbyname", lambda name: {"timelines-replica-2": "172.18.0.7"}[name]
    )

    assert default_service_url(host, "8000") == "http://172.18.0.7:8000"


def test_from_env_prefers_service_url(monkeypatch):
    monkeypatch.setenv("REGISTRY_URL", "http://registry:5000")
    monkeypatch.setenv("SERVICE_NAME", "timelines")
    monkeypatch.setenv("HOST", ALL_INTERFACES)
    monkeypatch.setenv("PORT", "8000")
    monkeypatch.setenv("SERVICE_URL", "http://timelines-1:8000")

    registration = Registration.from_env()

    assert registration is not None
    assert registration.url == "http://timelines-1:8000"


def test_from_env_wildcard_host_advertises_ip(monkeypatch):
    monkeypatch.setenv("REGISTRY_URL", "http://registry:5000")
    monkeypatch.setenv("SERVICE_NAME", "timelines")
    monkeypatch.setenv("HOST", ALL_INTERFACES)
    monkeypatch.setenv("PORT", "8000")
    monkeypatch.delenv("SERVICE_URL", raising=False)
    monkeypatch.setattr(socket, "gethostname", lambda: "replica")
    monkeypatch.setattr(socket, "gethostbyname", lambda name: "172.18.0.9")

    registration = Registration.from_env()

    assert registration is not None
    assert registration.url == "http://172.18.0.9:8000"


def test_from_env_without_registry(monkeypatch):
    monkeypatch.delenv("REGISTRY_URL", raising=False)

    assert Registration.from_env() is None
