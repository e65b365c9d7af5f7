"""Fixtures shared by the services' integration tests: real Postgres databases
and real HTTP servers on 127.0.0.1."""

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from urllib.parse import urlsplit, urlunsplit

import greenstalk
import psycopg
import pytest
import requests
from werkzeug.serving import make_server

from services.common.db import DatabaseSettings
from services.common.jobs import TUBES, QueueSettings, connect, parse_address
from services.users import create_app as create_users_app
from services.users.settings import UsersSettings

# Sent by test workers to the /internal/ endpoints of test services.
SERVICE_TOKEN = "test-service-token-not-secret"

# Bound on the jobs that emptying one tube deletes, so a runaway producer
# fails the test instead of looping.
MAX_DRAINED_JOBS = 10_000


@pytest.fixture(scope="session")
def admin_url() -> str:
    """Return the URL of a Postgres database whose role may create databases."""
    url = os.environ.get("TEST_DATABASE_ADMIN_URL")
    if not url:
        pytest.fail(
            "TEST_DATABASE_ADMIN_URL is not set: run scripts/test, or point it at a "
            "Postgres database whose role has CREATEDB"
        )
    return url


@pytest.fixture(scope="session")
def queue_settings() -> QueueSettings:
    """Return settings for a beanstalkd whose tubes the tests may empty at will."""
    address = os.environ.get("TEST_BEANSTALKD_ADDRESS")
    if not address:
        pytest.fail(
            "TEST_BEANSTALKD_ADDRESS is not set: run scripts/test, or start beanstalkd "
            "(beanstalkd -l 127.0.0.1 -p 11300) and set it to host:port"
        )
    host, port = parse_address("TEST_BEANSTALKD_ADDRESS", address)
    return QueueSettings(host=host, port=port, connect_timeout_s=1.0, command_timeout_s=2.0)


def drain_tubes(settings: QueueSettings) -> None:
    """Delete every ready, delayed and buried job of the microblog tubes.

    Jobs reserved by a live connection cannot be deleted; they come back when
    that connection closes.
    """
    client = connect(settings)
    try:
        for tube in TUBES:
            client.use(tube)
            for peek in (client.peek_ready, client.peek_delayed, client.peek_buried):
                for _ in range(MAX_DRAINED_JOBS):
                    try:
                        client.delete(peek())
                    except greenstalk.NotFoundError:
                        break
    finally:
        client.close()


@pytest.fixture
def unused_listener() -> Iterator[tuple[str, int]]:
    """Listen on a free port without ever accepting, like a hung server; yield (host, port)."""
    sock = socket.create_server(("127.0.0.1", 0), backlog=16)
    try:
        yield sock.getsockname()
    finally:
        sock.close()


@contextmanager
def throwaway_database(admin_url: str, name: str) -> Iterator[str]:
    """Create an empty database for one test session and drop it afterwards."""
    database = f"{name}_test_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')

    parts = urlsplit(admin_url)
    try:
        yield urlunsplit(parts._replace(path=f"/{database}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def database_settings(url: str) -> DatabaseSettings:
    """Return pool settings for tests: the defaults, on the given database."""
    os.environ.pop("DATABASE_URL", None)
    return replace(DatabaseSettings.from_env(url), url=url, startup_timeout_s=5.0)


def truncate_all(url: str) -> None:
    """Empty every table except the migration log, resetting identities."""
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'schema_migrations'"
            )
        ]
        if tables:
            names = ", ".join(f'"{table}"' for table in tables)
            conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


class LiveServer:
    """A WSGI app served over real HTTP on 127.0.0.1, on a free port, in a thread."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture(scope="session")
def users_service(admin_url, queue_settings):
    """Serve a users app over HTTP on 127.0.0.1 for the whole session."""
    with throwaway_database(admin_url, "live_users") as url:
        settings = UsersSettings(
            database=database_settings(url),
            auth_cache_ttl_s=30.0,
            service_token=SERVICE_TOKEN,
            queue=queue_settings,
        )
        app = create_users_app(settings)
        with LiveServer(app) as server:
            server.database_url = url
            yield server
        app.extensions["users"].pool.close()
        app.extensions["users"].jobs.close()


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
