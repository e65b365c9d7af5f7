"""Fixtures for the likes service tests: real Redis, and real users and
timelines services over HTTP."""

import base64
import os

import pytest
import redis
import requests

from services.conftest import (
    SERVICE_TOKEN,
    LiveServer,
    database_settings,
    drain_tubes,
    throwaway_database,
    truncate_all,
)
from services.likes import create_app
from services.likes.settings import LikesSettings
from services.timelines import create_app as create_timelines_app
from services.timelines.settings import TimelinesSettings


@pytest.fixture(scope="session")
def redis_url() -> str:
    """Return the URL of a Redis database that the tests may empty at will."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.fail(
            "TEST_REDIS_URL is not set: run scripts/test, or point it at a Redis "
            "database that the tests may flush, e.g. redis://127.0.0.1:6379/15"
        )
    return url


@pytest.fixture(scope="session")
def timelines_service(admin_url, users_service, queue_settings):
    """Serve a timelines app over HTTP on 127.0.0.1 for the whole session."""
    with throwaway_database(admin_url, "live_timelines") as url:
        settings = TimelinesSettings(
            database=database_settings(url),
            users_url=users_service.url,
            users_timeout_s=3.0,
            auth_cache_ttl_s=0.0,
            public_url=None,
            queue=queue_settings,
            service_token=SERVICE_TOKEN,
        )
        app = create_timelines_app(settings)
        with LiveServer(app) as server:
            server.database_url = url
            yield server
        app.extensions["timelines"].pool.close()
        app.extensions["timelines"].jobs.close()


@pytest.fixture(scope="session")
def settings(redis_url, users_service, timelines_service, queue_settings):
    """Return likes settings pointing at the test Redis and live services."""
    return LikesSettings(
        redis_url=redis_url,
        users_url=users_service.url,
        timelines_url=timelines_service.url,
        timelines_public_url="http://timelines.localhost",
        service_timeout_s=3.0,
        auth_cache_ttl_s=10.0,
        post_cache_ttl_s=30.0,
        queue=queue_settings,
        service_token=SERVICE_TOKEN,
    )


@pytest.fixture(scope="session")
def session_app(settings):
    """Build one likes app for the whole session."""
    app = create_app(settings)
    yield app
    app.extensions["likes"].jobs.close()


@pytest.fixture
def app(session_app, redis_url, users_service, timelines_service, queue_settings):
    """Return the likes app with empty Redis, empty service databases and empty tubes."""
    drain_tubes(queue_settings)
    redis.Redis.from_url(redis_url).flushdb()
    truncate_all(users_service.database_url)
    truncate_all(timelines_service.database_url)
    session_app.extensions["likes"].users.clear_caches()
    return session_app


@pytest.fixture
def client(app):
    """Return a test client of the likes app."""
    return app.test_client()


@pytest.fixture
def make_post(timelines_service):
    """Publish a post through the timelines service; return its id."""

    def make(username: str, text: str = "a post") -> int:
        response = requests.post(
            f"{timelines_service.url}/compose/post",
            json={"text": text},
            auth=(username, "password"),
            timeout=10,
        )
        assert response.status_code == 201, response.text
        return response.json()["id"]

    return make


def basic(username: str, password: str = "password") -> dict[str, str]:
    """Return an Authorization header with HTTP Basic credentials."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}
