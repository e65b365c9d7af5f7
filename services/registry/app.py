"""App factory and handlers of the registry.

The map lives in this process's memory, so the registry runs as one gunicorn
worker; instances rebuild it within one heartbeat after a restart.
"""

import logging
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, jsonify

from services.common.app import add_health_check, add_openapi_document, create_base_app
from services.common.errors import ApiError, bad_request, not_found
from services.common.validation import Fields, json_object

from .checker import HealthChecker
from .instances import InstanceMap
from .settings import KNOWN_SERVICES, RegistrySettings

log = logging.getLogger(__name__)

OPENAPI_DOCUMENT = Path(__file__).parent / "openapi.json"

blueprint = Blueprint("registry", __name__)


def create_app(settings: RegistrySettings | None = None) -> Flask:
    """Build the registry app and start its health checker."""
    settings = settings or RegistrySettings.from_env()
    app = create_base_app("registry")

    instances = InstanceMap(KNOWN_SERVICES)
    checker = HealthChecker(instances, settings)
    app.extensions["registry"] = {"instances": instances, "checker": checker}
    if settings.start_checker:
        checker.start()

    app.register_blueprint(blueprint)
    add_health_check(app, lambda: True)
    add_openapi_document(app, OPENAPI_DOCUMENT)
    return app


@blueprint.post("/register")
def register():
    """Add or refresh an instance and return the whole map."""
    service, url = _service_and_url()

    if _instances().register(service, url):
        log.info("registered %s instance %s", service, url)
    return jsonify(_instances().snapshot())


@blueprint.delete("/register")
def deregister():
    """Remove an instance and return the whole map."""
    service, url = _service_and_url()

    if not _instances().deregister(service, url):
        raise not_found(f"{service} instance {url} is not registered")
    log.info("deregistered %s instance %s", service, url)
    return jsonify(_instances().snapshot())


@blueprint.get("/available/<service>")
def available(service: str):
    """Return the live instances of one service."""
    if service not in KNOWN_SERVICES:
        raise not_found(f"unknown service {service}: use one of {', '.join(KNOWN_SERVICES)}")

    live = _instances().snapshot()[service]
    if not live:
        raise not_found(f"no live instance of {service}")
    return jsonify({service: live})


@blueprint.get("/services")
def services():
    """Return the whole map of live instances."""
    return jsonify(_instances().snapshot())


def _instances() -> InstanceMap:
    return current_app.extensions["registry"]["instances"]


def _service_and_url() -> tuple[str, str]:
    body = json_object({"service", "url"})
    fields = Fields(body)
    service = fields.text("service", max_length=64)
    url = fields.text("url", max_length=2048)
    fields.check()

    normalized = normalized_url(url)
    if normalized is None:
        raise bad_request(
            f"url {url!r} is invalid: use http://host:port with no path, query or credentials",
            {"url": "must be an http or https URL with a host and no path"},
        )
    if service not in KNOWN_SERVICES:
        raise ApiError(422, f"unknown service {service}: use one of {', '.join(KNOWN_SERVICES)}")
    return service, normalized


def normalized_url(url: str) -> str | None:
    """Return url without a trailing slash, or None when it is not a base URL."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None

    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.username or parts.password or parts.query or parts.fragment:
        return None
    if parts.path not in ("", "/") or (port is not None and not 1 <= port <= 65535):
        return None
    return f"{parts.scheme}://{parts.netloc}"
