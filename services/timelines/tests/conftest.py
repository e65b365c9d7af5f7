"""Fixtures for the timelines service tests: a real users service over HTTP,
and the timelines app, each on its own throwaway database."""

import os
from dataclasses import replace

import pytest
import requests

from services.conftest import LiveServer, database_settings, throwaway_database, truncate_all
from services.timelines import create_app
from services.timelines.settings import TimelinesSettings
from services.users import create_app as create_users_app
from services.users.settings import UsersSettings


@pytest.fixture(scope="session")
def users_service(admin_url):
    """Serve a users app over HTTP on 127.0.0.1 for the whole session."""
    with throwaway_database(admin_url, "tl_users") as url:
        settings = UsersSettings(database=database_settings(url), auth_cache_ttl_s=30.0)
        app = create_users_app(settings)
        with LiveServer(app) as server:
            server.database_url = url
            yield server
        app.extensions["users"].pool.close()


@pytest.fixture(scope="session")
def timelines_database(admin_url):
    """Return the URL of an empty database for the timelines service."""
    with throwaway_database(admin_url, "timelines") as url:
        yield url


@pytest.fixture(scope="session")
def settings(timelines_database, users_service):
    """Return timelines settings pointing at the test database and users service."""
    os.environ.pop("PUBLIC_URL", None)
    return replace(
        TimelinesSettings.from_env(),
        database=database_settings(timelines_database),
        users_url=users_service.url,
        public_url="http://timelines.localhost",
    )


@pytest.fixture(scope="session")
def session_app(settings):
    """Build one timelines app for the whole session."""
    app = create_app(settings)
    yield app
    app.extensions["timelines"].pool.close()


@pytest.fixture
def app(session_app, timelines_database, users_service):
    """Return the timelines app with empty tables on both services."""
    truncate_all(timelines_database)
    truncate_all(users_service.database_url)
    session_app.extensions["timelines"].users.credentials.clear()
    return session_app


@pytest.fixture
def client(app):
    """Return a test client of the timelines app."""
    return app.test_client()


@pytest.fixture
def make_user(users_service):
    """Create users in the users service; return a function taking a username."""

    def make(username: str, password: str = "password") -> dict:
        response = requests.post(
            f"{users_service.url}/user/new",
            json={"username": username, "email": f"{username}@example.com", "password": password},
            timeout=10,
        )
        assert response.status_code == 201, response.text
        return response.json()

    return make


@pytest.fixture
def follow(users_service):
    """Make one user follow another through the users service."""

    def make(follower: str, following: str) -> None:
        response = requests.post(
            f"{users_service.url}/user/follow",
            json={"following_username": following},
            auth=(follower, "password"),
            timeout=10,
        )
        assert response.status_code == 201, response.text

    return make
