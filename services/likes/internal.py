"""Endpoints that only workers call: remove a like of a post that does not exist."""

from flask import Blueprint, jsonify

from services.common.errors import not_found
from services.common.internal import internal_blueprint
from services.common.validation import Fields, json_object

from .state import state
from .store import AlreadyDone


def create_blueprint(token: str | None) -> Blueprint:
    """Create the /internal blueprint, guarded by the service token."""
    blueprint = internal_blueprint("internal", token)
    blueprint.add_url_rule("/likes", view_func=remove_like, methods=["DELETE"])
    return blueprint


def remove_like():
    """Remove a user's like of a post, with its count and ranking; 404 when there is none."""
    body = json_object({"username", "post_id"})
    fields = Fields(body)
    username = fields.username("username")
    post_id = fields.identifier("post_id")
    fields.check()

    try:
        count = state().store.unlike(username, post_id)
    except AlreadyDone:
        raise not_found(f"{username} does not like post {post_id}") from None

    return jsonify(
        {"message": f"removed the like of {username}", "post_id": post_id, "likes": count}
    )
