"""App factory of the users service."""

from pathlib import Path

from flask import Flask

from services.common.app import add_health_check, add_openapi_document, create_base_app
from services.common.auth import CredentialCache
from services.common.db import create_pool, database_answers, migrate
from services.common.jobs import JobProducer

from . import accounts, follows, internal
from .settings import UsersSettings
from .state import UsersState

MIGRATIONS = Path(__file__).parent / "migrations"
OPENAPI_DOCUMENT = Path(__file__).parent / "openapi.json"


def create_app(settings: UsersSettings | None = None) -> Flask:
    """Build the users app: apply migrations, open the pool, register routes."""
    settings = settings or UsersSettings.from_env()
    app = create_base_app("users")

    migrate(settings.database, MIGRATIONS, "users")
    pool = create_pool(settings.database, "users")
    app.extensions["users"] = UsersState(
        settings=settings,
        pool=pool,
        credentials=CredentialCache(settings.auth_cache_ttl_s),
        jobs=JobProducer(settings.queue) if settings.queue else None,
    )

    app.register_blueprint(accounts.blueprint)
    app.register_blueprint(follows.blueprint)
    app.register_blueprint(internal.create_blueprint(settings.service_token))
    add_health_check(app, lambda: database_answers(pool))
    add_openapi_document(app, OPENAPI_DOCUMENT)
    return app
