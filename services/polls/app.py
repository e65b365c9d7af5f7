"""App factory of the polls service."""

import logging
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError
from flask import Flask

from infra.dynamodb.create_tables import ensure_tables
from services.common.app import add_health_check, add_openapi_document, create_base_app
from services.common.errors import error_response
from services.common.users_client import UsersClient

from . import data, internal, reading, voting, writing
from .settings import PollsSettings
from .state import PollsState, store

log = logging.getLogger(__name__)

OPENAPI_DOCUMENT = Path(__file__).parent / "openapi.json"

# DynamoDB error codes that mean "too busy right now", sent with status 400.
BUSY_ERROR_CODES = {
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "ThrottlingException",
    "TransactionConflictException",
    "TransactionInProgressException",
}
UNAVAILABLE_MESSAGE = "DynamoDB is unavailable, try again shortly"


def create_app(settings: PollsSettings | None = None) -> Flask:
    """Build the polls app: create missing tables, connect to DynamoDB, register routes."""
    settings = settings or PollsSettings.from_env()
    app = create_base_app("polls")

    tables = data.Store.connect(settings.dynamodb)
    ensure_tables(
        tables.client, settings.dynamodb.table_prefix, settings.dynamodb.startup_timeout_s
    )
    app.extensions["polls"] = PollsState(
        settings=settings,
        store=tables,
        users=UsersClient(settings.users_url, settings.users_timeout_s, settings.auth_cache_ttl_s),
    )

    app.register_blueprint(reading.blueprint)
    app.register_blueprint(writing.blueprint)
    app.register_blueprint(voting.blueprint)
    app.register_blueprint(internal.create_blueprint(settings.service_token))
    _register_dynamodb_errors(app)
    add_health_check(app, lambda: data.dynamodb_responds(store()))
    add_openapi_document(app, OPENAPI_DOCUMENT)
    return app


def _register_dynamodb_errors(app: Flask) -> None:
    """Turn DynamoDB failures into JSON errors: 503 when it is down, slow, busy or
    missing a table, and 500 for the rest."""

    @app.errorhandler(BotoCoreError)
    def handle_botocore_error(error: BotoCoreError):
        # Refused or timed-out connections and read timeouts, after botocore's retries.
        if isinstance(error, BotocoreConnectionError | HTTPClientError):
            log.warning("DynamoDB unavailable: %s", error)
            return error_response(503, UNAVAILABLE_MESSAGE)
        log.error("DynamoDB request failed", exc_info=error)
        return error_response(500, "internal error, see the service log")

    @app.errorhandler(ClientError)
    def handle_client_error(error: ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        code = error.response.get("Error", {}).get("Code", "")
        if status >= 500 or code in BUSY_ERROR_CODES:
            log.warning("DynamoDB unavailable: %s", error)
            return error_response(503, UNAVAILABLE_MESSAGE)
        if code == "ResourceNotFoundException":
            # An emulator restarted without its tables, for example.
            log.error(
                "DynamoDB table missing, run python -m infra.dynamodb.create_tables: %s", error
            )
            return error_response(503, UNAVAILABLE_MESSAGE)
        log.error("DynamoDB rejected a request", exc_info=error)
        return error_response(500, "internal error, see the service log")
