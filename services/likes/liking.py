"""Handlers that like and unlike posts and read a post's count."""

from flask import Blueprint, jsonify

from services.common.auth import request_credentials, require_same_user
from services.common.errors import conflict, not_found
from services.common.validation import Fields, json_object

from .state import state
from .store import AlreadyDone

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
    """Ask for a later check that the liked post exists.

    A like is stored before its post is checked, so likes stay fast.
    """
    # TODO: put a job on beanstalkd tube `like` once the job queue exists; the
    # like worker removes the like and emails the user when the post is missing.
    # Until then the like is only recorded in the likes:unvalidated set.
    state().store.record_unvalidated(username, post_id)
