"""Endpoints that only workers call: remove a like of a post that does not exist, and
remove the likes of deleted posts and of deleted accounts."""

from flask import Blueprint, jsonify

from services.common.errors import bad_request, not_found, unavailable
from services.common.internal import internal_blueprint
from services.common.validation import USERNAME_PATTERN, Fields, json_object, parse_id

from .state import state
from .store import AlreadyDone

# Post ids per request, so that a body stays well under the 64 KiB limit.
MAX_POST_IDS = 1000


def create_blueprint(token: str | None) -> Blueprint:
    """Create the /internal blueprint, guarded by the service token."""
    blueprint = internal_blueprint("internal", token)
    blueprint.add_url_rule("/likes", view_func=remove_like, methods=["DELETE"])
    blueprint.add_url_rule("/posts/likes", view_func=remove_post_likes, methods=["DELETE"])
    blueprint.add_url_rule(
        "/users/<username>/likes", view_func=remove_user_likes, methods=["DELETE"]
    )
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


def remove_post_likes():
    """Remove every like of the listed posts, with their rankings; 200 even if there were none."""
    body = json_object({"post_ids"})
    post_ids = body.get("post_ids")
    if (
        not isinstance(post_ids, list)
        or len(post_ids) > MAX_POST_IDS
        or any(type(value) is not int or parse_id(value) is None for value in post_ids)
    ):
        raise bad_request(
            f"invalid request body (post_ids: must list up to {MAX_POST_IDS} post ids)",
            {"post_ids": f"must be a list of up to {MAX_POST_IDS} positive integers"},
        )

    removed = sum(state().store.forget_post(post_id) for post_id in post_ids)
    return jsonify(
        {"message": f"removed {removed} likes of {len(post_ids)} posts", "removed": removed}
    )


def remove_user_likes(username: str):
    """Remove every like that a user gave, correcting counts and ranking; 200 even if none."""
    if not USERNAME_PATTERN.fullmatch(username):
        raise bad_request(
            f"invalid username {username!r}: use 1-30 of A-Z a-z 0-9 _",
            {"username": "must be 1-30 of A-Z a-z 0-9 _"},
        )

    left = state().store.forget_user_likes(username)
    if left:
        raise unavailable(f"{left} likes of {username} are left; send the request again")
    return jsonify({"message": f"removed the likes of {username}"})
