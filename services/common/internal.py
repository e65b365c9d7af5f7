"""Guard the /internal/ endpoints that workers call, with a token shared by the services."""

import hmac
import os

from flask import Blueprint, request

from .errors import ApiError, forbidden
from .settings import SettingsError

TOKEN_HEADER = "X-Service-Token"  # noqa: S105 - a header name, not a secret
MIN_TOKEN_LENGTH = 16


def service_token_from_env() -> str | None:
    """Return SERVICE_TOKEN, or None when it is unset, which rejects every internal call."""
    token = os.environ.get("SERVICE_TOKEN") or None
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        raise SettingsError(
            f"environment variable SERVICE_TOKEN must be at least {MIN_TOKEN_LENGTH} characters"
        )
    return token


def internal_blueprint(name: str, token: str | None) -> Blueprint:
    """Create a blueprint under /internal whose every request must carry the service token."""
    blueprint = Blueprint(name, __name__, url_prefix="/internal")

    @blueprint.before_request
    def check_service_token():
        sent = request.headers.get(TOKEN_HEADER)
        if not token:
            raise forbidden("internal endpoints are disabled: SERVICE_TOKEN is not set")
        if not sent:
            raise ApiError(401, f"internal endpoint: send the service token in {TOKEN_HEADER}")
        # Constant-time comparison, so response timing does not reveal the token.
        if not hmac.compare_digest(sent.encode(), token.encode()):
            raise forbidden(f"internal endpoint: the {TOKEN_HEADER} header is wrong")

    return blueprint
