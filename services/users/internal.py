"""Endpoints that only workers call: the email address of a user."""

from flask import Blueprint, jsonify

from services.common.internal import internal_blueprint

from .lookups import user_or_404
from .state import connection


def create_blueprint(token: str | None) -> Blueprint:
    """Create the /internal blueprint, guarded by the service token."""
    blueprint = internal_blueprint("internal", token)
    blueprint.add_url_rule("/users/<username>", view_func=user_email, methods=["GET"])
    return blueprint


def user_email(username: str):
    """Return a user's username and email address, which the public profile leaves out."""
    with connection() as conn:
        user = user_or_404(conn, username)
    return jsonify({"username": user["username"], "email": user["email"]})
