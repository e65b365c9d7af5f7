"""Build a Flask app with the behaviour every service shares."""

import json
import logging
import time
import uuid
from pathlib import Path

from flask import Flask, g, jsonify, request

from .errors import error_response, register_error_handlers
from .logconfig import configure_logging, current_request_id
from .settings import env_str

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024


def create_base_app(name: str) -> Flask:
    """Create an app with JSON errors, optional trailing slashes and request logs."""
    configure_logging(env_str("LOG_LEVEL", "INFO"))

    app = Flask(name)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.sort_keys = False
    # Return text as UTF-8 rather than \u escapes, so a post's bytes come back as sent.
    app.json.ensure_ascii = False
    app.wsgi_app = OptionalTrailingSlash(app.wsgi_app)

    register_error_handlers(app)
    app.before_request(_start_timer)
    app.after_request(_log_request)
    app.teardown_request(_forget_request_id)
    return app


def add_health_check(app: Flask, check) -> None:
    """Serve GET /health-check: 200 when check() is true, 503 otherwise."""

    @app.get("/health-check")
    def health_check():
        """Report whether this instance's own store responds."""
        if check():
            return jsonify({"status": "ok"})
        return error_response(503, "the service's store does not answer")


def add_openapi_document(app: Flask, path: Path) -> None:
    """Serve the OpenAPI document at path as GET /openapi.json.

    The file is read once here, so a missing or invalid document stops start-up.
    """
    document = path.read_text(encoding="utf-8")
    json.loads(document)

    @app.get("/openapi.json")
    def openapi_document():
        """Return the OpenAPI document of this service."""
        return app.response_class(document, mimetype="application/json")


class OptionalTrailingSlash:
    """WSGI middleware that treats /path/ as /path, for every route."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if len(path) > 1 and path.endswith("/"):
            environ["PATH_INFO"] = path.rstrip("/") or "/"
        return self.wsgi_app(environ, start_response)


def _start_timer() -> None:
    g.started_at = time.perf_counter()
    # HAProxy sets X-Request-ID on every request; direct calls get a new id.
    request_id = request.headers.get("X-Request-ID", "")[:128] or uuid.uuid4().hex
    current_request_id.set(request_id)


def _forget_request_id(error: BaseException | None) -> None:
    # gthread workers reuse threads, so a later line must not show this id.
    current_request_id.set("-")


def _log_request(response):
    started_at = g.get("started_at")
    elapsed_ms = (time.perf_counter() - started_at) * 1000 if started_at else 0.0
    # HAProxy probes /health-check every few seconds; those lines would drown the rest.
    level = logging.DEBUG if request.path == "/health-check" else logging.INFO
    log.log(
        level,
        "%s %s %s %.1fms",
        request.method,
        request.path,
        response.status_code,
        elapsed_ms,
    )
    return response
