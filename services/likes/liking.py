"""Handlers that like and unlike posts and read a post's count."""

import logging

import redis
from flask import Blueprint, jsonify

from services.common.auth import request_credentials, require_same_user
from services.common.errors import conflict, not_found, unavailable
from services.common.jobs import LIKE_TUBE, QueueUnavailable
from services.common.validation import Fields, json_object

from .state import state
from .store import AlreadyDone

log = logging.getLogger(__name__)

blueprint = Blueprint("liking", __name__)


@blueprint.post("/like")
def like():
    """Record that the authenticated user likes a post."""
    username, post_id = _acting_user_and_post()

    try:
        count = state().store.like(username, post_id)
    except AlreadyDone:
        raise conflict(f"{username} already likes post {post_id}") from None

    _request_post_check(username, post_id)
    return jsonify(
        {"message": f"{username} likes post {post_id}", "post_id": post_id, "likes": count}
    )


@blueprint.delete("/unlike")
def unlike():
    """Remove the authenticated user's like of a post."""
    username, post_id = _acting_user_and_post()

    try:
        count = state().store.unlike(username, post_id)
    except AlreadyDone:
        raise not_found(f"{username} does not like post {post_id}") from None

    return jsonify(
        {
            "message": f"{username} no longer likes post {post_id}",
            "post_id": post_id,
            "likes": count,
        }
    )


@blueprint.get("/like/<int:post_id>")
def like_count(post_id: int):
    """Return how many users like a post that exists."""
    if not state().timelines.post_exists(post_id):
        raise not_found(f"post {post_id} does not exist")

    return jsonify({"post_id": post_id, "likes": state().store.count(post_id)})


def _acting_user_and_post() -> tuple[str, int]:
    """Authenticate the request and return the acting username and the post id."""
    user = state().users.authenticate(request_credentials())
    body = json_object({"username", "post_id"})
    fields = Fields(body)
    named = fields.username("username", required=False)
    post_id = fields.identifier("post_id")
    fields.check()

    return require_same_user(named, user["username"], "username"), post_id


def _request_post_check(username: str, post_id: int) -> None:
    """Put a job on tube like that checks the liked post exists, or undo the like and raise a 503.

    A like is stored before its post is checked, so likes stay fast. Undoing
    the like when the put fails keeps the rule that every stored like has a
    check queued, without an outbox that some process would have to drain;
    the client sees a 503 and can send the like again.
    """
    try:
        state().jobs.put(LIKE_TUBE, {"username": username, "post_id": post_id})
        return
    except QueueUnavailable:
        pass

    try:
        state().store.unlike(username, post_id)
    except AlreadyDone:
        pass  # A concurrent unlike removed it first.
    except redis.RedisError:
        # NOTE: the like stays without a check; only a later unlike removes it.
        log.error("like of post %s by %s kept without a check: undo failed", post_id, username)
    raise unavailable("the job queue is unavailable, the like was not stored; try again shortly")
