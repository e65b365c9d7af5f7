"""One JSON error shape for every status, built in one place."""

import logging
from http import HTTPStatus

import psycopg
import psycopg_pool
from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error that becomes a JSON response with the given HTTP status."""

    def __init__(
        self,
        status: int,
        message: str,
        errors: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = headers or {}


def bad_request(message: str, errors: dict[str, str] | None = None) -> ApiError:
    """Build a 400 error, with per-field details when there are any."""
    return ApiError(400, message, errors)


def not_found(message: str) -> ApiError:
    """Build a 404 error."""
    return ApiError(404, message)


def forbidden(message: str) -> ApiError:
    """Build a 403 error."""
    return ApiError(403, message)


def conflict(message: str) -> ApiError:
    """Build a 409 error."""
    return ApiError(409, message)


def unavailable(message: str) -> ApiError:
    """Build a 503 error for a dependency that does not respond."""
    return ApiError(503, message)


def unauthorized(message: str) -> ApiError:
    """Build a 401 error with the challenge that HTTP Basic clients expect."""
    return ApiError(401, message, headers={"WWW-Authenticate": 'Basic realm="microblog"'})


def error_response(status: int, message: str, errors: dict[str, str] | None = None):
    """Build the JSON error response shared by all services."""
    phrase = HTTPStatus(status).phrase
    body = {"status": f"{status} {phrase}", "message": message}
    if errors:
        body["errors"] = errors

    response = jsonify(body)
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    """Return every error, Flask's own and unexpected ones included, as JSON."""

    @app.errorhandler(ApiError)
    def handle_api_error(error: ApiError):
        response = error_response(error.status, error.message, error.errors)
        response.headers.update(error.headers)
        return response

    @app.errorhandler(HTTPException)
    def handle_http_exception(error: HTTPException):
        status = error.code or 500
        response = error_response(status, _describe(error))

        # Keep headers such as Allow on a 405.
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(psycopg_pool.PoolTimeout)
    @app.errorhandler(psycopg.OperationalError)
    def handle_database_down(error: Exception):
        log.warning("database unavailable: %s", error)
        return error_response(503, "the database is unavailable, try again shortly")

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        log.error("unhandled error", exc_info=error)
        return error_response(500, "internal error, see the service log")


def _describe(error: HTTPException) -> str:
    """Turn Werkzeug's HTML-flavoured description into one plain sentence."""
    if error.code == 404:
        return "no such resource; check the path"
    if error.code == 405:
        return "method not allowed on this path"
    if error.code == 413:
        return "request body too large"
    return (error.description or HTTPStatus(error.code or 500).phrase).strip()
