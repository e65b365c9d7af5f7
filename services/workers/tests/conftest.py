"""Fixtures for the worker tests: real beanstalkd, Postgres, Redis, DynamoDB
emulator and mail catcher, and the services over HTTP on 127.0.0.1."""

import os
import secrets
import threading
import time
from functools import partial

import pytest
import redis
import requests

from e2e.mailbox import Mailbox
from infra.dynamodb.create_tables import DynamoDBSettings
from services.common.jobs import QueueSettings, parse_address
from services.conftest import (
    SERVICE_TOKEN,
    LiveServer,
    database_settings,
    drain_tubes,
    throwaway_database,
    truncate_all,
)
from services.likes import create_app as create_likes_app
from services.likes.settings import LikesSettings
from services.polls import create_app as create_polls_app
from services.polls.settings import PollsSettings
from services.timelines import create_app as create_timelines_app
from services.timelines.settings import TimelinesSettings
from services.workers.handlers import HANDLERS, Dependencies
from services.workers.runner import Worker
from services.workers.settings import WorkerSettings


def required_env(name: str, hint: str) -> str:
    """Return an environment variable, or fail the test with a hint on how to set it."""
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run scripts/test, or {hint}")
    return value


@pytest.fixture(scope="session")
def smtp_address() -> tuple[str, int]:
    """Return (host, port) of the mail catcher's SMTP server."""
    value = required_env(
        "TEST_SMTP_ADDRESS", "start MailDev or MailHog and set it to the SMTP host:port"
    )
    return parse_address("TEST_SMTP_ADDRESS", value)


@pytest.fixture(scope="session")
def mailbox() -> Mailbox:
    """Return a client of the mail catcher's HTTP API."""
    return Mailbox(
        required_env("TEST_MAILBOX_URL", "set it to the mail catcher's HTTP API base URL")
    )


class SlowDown:
    """WSGI middleware that delays the next requests to one path, to make a job outlive its TTR."""

    def __init__(self, app, path: str):
        self.app = app
        self.path = path
        self.delays: list[float] = []
        self.started = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        delay = 0.0
        if environ.get("PATH_INFO") == self.path:
            with self._lock:
                delay = self.delays.pop(0) if self.delays else 0.0
        if delay:
            self.started.set()
            time.sleep(delay)
        return self.app(environ, start_response)


@pytest.fixture(scope="session")
def timelines_service(admin_url, users_service, queue_settings):
    """Serve a timelines app over HTTP whose /internal/posts can be slowed down."""
    with throwaway_database(admin_url, "worker_timelines") as url:
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
        slow = SlowDown(app.wsgi_app, "/internal/posts")
        app.wsgi_app = slow
        with LiveServer(app) as server:
            server.database_url = url
            server.slow = slow
            server.app = app
            yield server
        app.extensions["timelines"].pool.close()
        app.extensions["timelines"].jobs.close()


@pytest.fixture(scope="session")
def redis_url() -> str:
    """Return the URL of a Redis database that the tests may empty at will."""
    return required_env("TEST_REDIS_URL", "point it at a Redis database the tests may flush")


@pytest.fixture(scope="session")
def likes_service(redis_url, users_service, timelines_service, queue_settings):
    """Serve a likes app over HTTP for the whole session."""
    settings = LikesSettings(
        redis_url=redis_url,
        users_url=users_service.url,
        timelines_url=timelines_service.url,
        timelines_public_url="http://timelines.localhost",
        service_timeout_s=3.0,
        auth_cache_ttl_s=0.0,
        post_cache_ttl_s=0.0,
        queue=queue_settings,
        service_token=SERVICE_TOKEN,
    )
    app = create_likes_app(settings)
    with LiveServer(app) as server:
        yield server
    app.extensions["likes"].jobs.close()


@pytest.fixture(scope="session")
def polls_service(users_service):
    """Serve a polls app over HTTP, on tables of this session in the DynamoDB emulator."""
    url = required_env("TEST_DYNAMODB_URL", "start the emulator (see infra/dynamodb/emulator.py)")
    dynamodb = DynamoDBSettings(
        url=url,
        region="us-east-1",
        access_key_id="test",
        secret_access_key="test",
        table_prefix=f"workers_{os.getpid()}_{secrets.token_hex(4)}_",
        connect_timeout_s=1.0,
        read_timeout_s=3.0,
        max_attempts=2,
        startup_timeout_s=10.0,
    )
    settings = PollsSettings(
        dynamodb=dynamodb,
        users_url=users_service.url,
        users_timeout_s=3.0,
        auth_cache_ttl_s=0.0,
        public_url="http://polls.localhost",
        service_token=SERVICE_TOKEN,
    )
    app = create_polls_app(settings)
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def worker_settings(
    queue_settings, users_service, timelines_service, likes_service, polls_service, smtp_address
) -> WorkerSettings:
    """Return worker settings with short retry delays, pointing at the test services."""
    return WorkerSettings(
        queue=queue_settings,
        users_url=users_service.url,
        timelines_url=timelines_service.url,
        likes_url=likes_service.url,
        polls_url=polls_service.url,
        service_timeout_s=5.0,
        smtp_host=smtp_address[0],
        smtp_port=smtp_address[1],
        smtp_timeout_s=3.0,
        mail_from="microblog@localhost",
        max_attempts=5,
        retry_base_delay_s=1,
        retry_max_delay_s=1,
        reserve_timeout_s=1,
        service_token=SERVICE_TOKEN,
    )


@pytest.fixture
def clean(queue_settings, redis_url, users_service, timelines_service, mailbox):
    """Empty the tubes, the stores and the inbox before a test."""
    drain_tubes(queue_settings)
    redis.Redis.from_url(redis_url).flushdb()
    truncate_all(users_service.database_url)
    truncate_all(timelines_service.database_url)
    timelines_service.slow.delays.clear()
    timelines_service.slow.started.clear()
    mailbox.clear()


@pytest.fixture
def run_worker(clean, worker_settings):
    """Start workers in threads; return start(tube, settings=None). All stop after the test."""
    started = []

    def start(tube: str, settings: WorkerSettings | None = None) -> Worker:
        settings = settings or worker_settings
        deps = Dependencies.create(settings)
        worker = Worker(tube, partial(HANDLERS[tube], deps), settings)
        thread = threading.Thread(target=worker.run, daemon=True)
        thread.start()
        started.append((worker, thread, deps))
        return worker

    yield start

    for worker, _, _ in started:
        worker.request_stop()
    for _, thread, deps in started:
        thread.join(timeout=15)
        assert not thread.is_alive(), "a worker did not stop within 15 s"
        deps.close()


@pytest.fixture
def make_user(users_service):
    """Create a user with the email address <username>@example.com; return the username."""

    def make(username: str) -> str:
        response = requests.post(
            f"{users_service.url}/user/new",
            json={"username": username, "email": f"{username}@example.com", "password": "password"},
            timeout=10,
        )
        assert response.status_code == 201, response.text
        return username

    return make


def wait_until(condition, timeout_s: float = 20.0, interval_s: float = 0.2):
    """Poll condition() until it returns a true value; return it, or fail after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval_s)
    raise AssertionError(f"condition not met within {timeout_s} s")


def queue_settings_for(host: str, port: int) -> QueueSettings:
    """Return queue settings for a beanstalkd that a test started itself."""
    return QueueSettings(host=host, port=port, connect_timeout_s=1.0, command_timeout_s=2.0)
