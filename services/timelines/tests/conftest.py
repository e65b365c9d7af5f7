"""Fixtures for the timelines service tests: the app on a throwaway database,
talking to the real users service from services/conftest.py."""

import os
from dataclasses import replace

import pytest

from services.conftest import (
    SERVICE_TOKEN,
    database_settings,
    drain_tubes,
    throwaway_database,
    truncate_all,
)
from services.timelines import create_app
from services.timelines.settings import TimelinesSettings


@pytest.fixture(scope="session")
def timelines_database(admin_url):
    """Return the URL of an empty database for the timelines service."""
    with throwaway_database(admin_url, "timelines") as url:
        yield url


@pytest.fixture(scope="session")
def settings(timelines_database, users_service, queue_settings):
    """Return timelines settings pointing at the test database and users service."""
    os.environ.pop("PUBLIC_URL", None)
    return replace(
        TimelinesSettings.from_env(),
        database=database_settings(timelines_database),
        users_url=users_service.url,
        public_url="http://timelines.localhost",
        queue=queue_settings,
        service_token=SERVICE_TOKEN,
    )


@pytest.fixture(scope="session")
def session_app(settings):
    """Build one timelines app for the whole session."""
    app = create_app(settings)
    yield app
    app.extensions["timelines"].pool.close()
    app.extensions["timelines"].jobs.close()


@pytest.fixture
def app(session_app, timelines_database, users_service, queue_settings):
    """Return the timelines app with empty tables on both services and empty tubes."""
    drain_tubes(queue_settings)
    truncate_all(timelines_database)
    truncate_all(users_service.database_url)
    session_app.extensions["timelines"].users.clear_caches()
    return session_app


@pytest.fixture
def client(app):
    """Return a test client of the timelines app."""
    return app.test_client()
