"""Fixtures for the users service tests: the app on a throwaway database."""

import base64

import pytest

from services.conftest import SERVICE_TOKEN, database_settings, throwaway_database, truncate_all
from services.users import create_app
from services.users.settings import UsersSettings


@pytest.fixture(scope="session")
def users_database(admin_url):
    """Return the URL of an empty database for the users service."""
    with throwaway_database(admin_url, "users") as url:
        yield url


@pytest.fixture(scope="session")
def session_app(users_database, queue_settings):
    """Build one users app for the whole session."""
    settings = UsersSettings(
        database=database_settings(users_database),
        auth_cache_ttl_s=30.0,
        service_token=SERVICE_TOKEN,
        queue=queue_settings,
    )
    app = create_app(settings)
    yield app
    app.extensions["users"].pool.close()
    app.extensions["users"].jobs.close()


@pytest.fixture
def app(session_app, users_database):
    """Return the users app with empty tables and an empty credential cache."""
    truncate_all(users_database)
    session_app.extensions["users"].credentials.clear()
    return session_app


@pytest.fixture
def client(app):
    """Return a test client of the users app."""
    return app.test_client()


def basic(username: str, password: str) -> dict[str, str]:
    """Return an Authorization header with HTTP Basic credentials."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def create_user(client, username: str, password: str = "password", **extra) -> dict:
    """Create a user through the API and return the response body."""
    body = {"username": username, "email": f"{username}@example.com", "password": password}
    body.update(extra)
    response = client.post("/user/new", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()
