"""App factory of the timelines service."""

from pathlib import Path

from flask import Flask

from services.common.app import add_health_check, add_openapi_document, create_base_app
from services.common.db import create_pool, database_answers, migrate
from services.common.jobs import JobProducer
from services.common.users_client import UsersClient

from . import internal, reading, writing
from .settings import TimelinesSettings
from .state import TimelinesState

MIGRATIONS = Path(__file__).parent / "migrations"
OPENAPI_DOCUMENT = Path(__file__).parent / "openapi.json"


def create_app(settings: TimelinesSettings | None = None) -> Flask:
    """Build the timelines app: apply migrations, open the pool, register routes."""
    settings = settings or TimelinesSettings.from_env()
    app = create_base_app("timelines")

    migrate(settings.database, MIGRATIONS, "timelines")
    pool = create_pool(settings.database, "timelines")
    app.extensions["timelines"] = TimelinesState(
        settings=settings,
        pool=pool,
        users=UsersClient(settings.users_url, settings.users_timeout_s, settings.auth_cache_ttl_s),
        jobs=JobProducer(settings.queue),
    )

    app.register_blueprint(reading.blueprint)
    app.register_blueprint(writing.blueprint)
    app.register_blueprint(internal.create_blueprint(settings.service_token))
    add_health_check(app, lambda: database_answers(pool))
    add_openapi_document(app, OPENAPI_DOCUMENT)
    return app
