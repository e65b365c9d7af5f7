"""Tests of the users service client against a live users service."""

import pytest
import requests

from services.common.auth import Credentials
from services.common.discovery import ServiceLocator
from services.common.errors import ApiError
from services.common.users_client import UsersClient


def test_authenticate_due_entry_used_while_checking():
    # Nothing listens on the discard port, so a request would raise a 503.
    client = UsersClient("http://127.0.0.1:9", timeout_s=1.0, auth_cache_ttl_s=60.0)
    client.credentials.REFRESH_FRACTION = 1.0
    credentials = Credentials("ada", "password")
    key = client.credentials.key(credentials)
    client.credentials.put(key, {"username": "ada"})

    with client.credentials.verifying(key):
        user = client.authenticate(credentials)

    assert user == {"username": "ada"}


def test_authenticate_refresh_401_discards_entry(users_service, make_user):
    make_user("refreshed_ada")
    client = UsersClient(users_service.url, timeout_s=5.0, auth_cache_ttl_s=60.0)
    client.credentials.REFRESH_FRACTION = 1.0
    # An entry verified before the password changed, now due for a refresh.
    credentials = Credentials("refreshed_ada", "old password")
    key = client.credentials.key(credentials)
    client.credentials.put(key, {"username": "refreshed_ada"})

    with pytest.raises(ApiError) as raised:
        client.authenticate(credentials)

    assert raised.value.status == 401
    assert client.credentials.get(key) is None


def test_authenticate_passes_on_throttle_429(users_service, make_user):
    make_user("throttled_ada")
    budget = 10
    for _ in range(budget):
        response = requests.get(
            f"{users_service.url}/user/authenticate",
            auth=("throttled_ada", "wrong password"),
            timeout=10,
        )
        assert response.status_code == 401
    client = UsersClient(users_service.url, timeout_s=5.0, auth_cache_ttl_s=0.0)

    with pytest.raises(ApiError) as raised:
        client.authenticate(Credentials("throttled_ada", "password"))

    assert raised.value.status == 429
    assert raised.value.message.startswith("too many failed logins for user throttled_ada")
    assert int(raised.value.headers["Retry-After"]) > 0


def test_existing_username_cached_spelling(users_service, make_user):
    make_user("Spelled_Ada")
    client = UsersClient(users_service.url, timeout_s=5.0, auth_cache_ttl_s=60.0)

    first = client.existing_username("spelled_ada")
    # Nothing listens on port 9, so only the cache can return the spelling.
    client.locator = ServiceLocator("users", "http://127.0.0.1:9", registry_url=None)
    second = client.existing_username("SPELLED_ADA")

    assert first == "Spelled_Ada"
    assert second == "Spelled_Ada"


def test_existing_username_missing_not_cached(users_service, make_user):
    client = UsersClient(users_service.url, timeout_s=5.0, auth_cache_ttl_s=60.0)

    before = client.existing_username("late_ada")
    make_user("late_ada")
    after = client.existing_username("late_ada")

    assert before is None
    assert after == "late_ada"


def test_users_client_ignores_proxy_variables(users_service, make_user, monkeypatch):
    make_user("direct_ada")
    # Nothing listens on port 9, so a request sent through this proxy fails.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "")
    client = UsersClient(users_service.url, timeout_s=5.0, auth_cache_ttl_s=60.0)

    assert client.existing_username("direct_ada") == "direct_ada"
