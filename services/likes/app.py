"""App factory of the likes service."""

import logging
from pathlib import Path

import redis
from flask import Flask

from services.common.app import add_health_check, add_openapi_document, create_base_app
from services.common.errors import error_response
from services.common.jobs import JobProducer
from services.common.timelines_client import TimelinesClient
from services.common.users_client import UsersClient

from . import internal, liking, listing
from .settings import LikesSettings
from .state import LikesState
from .store import LikeStore

log = logging.getLogger(__name__)

OPENAPI_DOCUMENT = Path(__file__).parent / "openapi.json"


def create_app(settings: LikesSettings | None = None) -> Flask:
    """Build the likes app: connect to Redis, register routes."""
    settings = settings or LikesSettings.from_env()
    app = create_base_app("likes")

    client = redis.Redis.from_url(
        settings.redis_url,
        socket_connect_timeout=1,
        socket_timeout=2,
        health_check_interval=30,
    )
    store = LikeStore(client)
    app.extensions["likes"] = LikesState(
        settings=settings,
        store=store,
        users=UsersClient(
            settings.users_url, settings.service_timeout_s, settings.auth_cache_ttl_s
        ),
        timelines=TimelinesClient(
            settings.timelines_url, settings.service_timeout_s, settings.post_cache_ttl_s
        ),
        jobs=JobProducer(settings.queue),
    )

    app.register_blueprint(liking.blueprint)
    app.register_blueprint(listing.blueprint)
    app.register_blueprint(internal.create_blueprint(settings.service_token))
    app.register_error_handler(redis.ConnectionError, _redis_down)
    app.register_error_handler(redis.TimeoutError, _redis_down)
    add_health_check(app, store.answers)
    add_openapi_document(app, OPENAPI_DOCUMENT)
    return app


def _redis_down(error: redis.RedisError):
    log.warning("redis unavailable: %s", error)
    return error_response(503, "the likes store is unavailable, try again shortly")
