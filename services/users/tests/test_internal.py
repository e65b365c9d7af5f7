"""Tests of the internal endpoint that the email worker calls for an address."""

from dataclasses import replace

import pytest

from services.conftest import SERVICE_TOKEN
from services.users import create_app

from .conftest import create_user

INTERNAL = {"X-Service-Token": SERVICE_TOKEN}


def test_internal_user_returns_email(client):
    create_user(client, "Ada", email="ada@example.com")

    response = client.get("/internal/users/ada", headers=INTERNAL)

    assert response.status_code == 200
    assert response.get_json() == {"username": "Ada", "email": "ada@example.com"}


def test_internal_user_unknown_404(client):
    response = client.get("/internal/users/nobody", headers=INTERNAL)

    assert response.status_code == 404
    assert response.get_json()["message"] == "user nobody does not exist"


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"X-Service-Token": "wrong-token-of-some-length"}, 403)],
)
def test_internal_user_bad_token(client, headers, status):
    create_user(client, "ada", email="ada@example.com")

    response = client.get("/internal/users/ada", headers=headers)

    assert response.status_code == status
    assert "ada@example.com" not in response.get_data(as_text=True)


def test_internal_user_disabled_without_token(session_app, users_database):
    closed = create_app(replace(session_app.extensions["users"].settings, service_token=None))
    try:
        response = closed.test_client().get("/internal/users/ada", headers=INTERNAL)
    finally:
        closed.extensions["users"].pool.close()

    assert response.status_code == 403
