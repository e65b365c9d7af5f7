"""Handlers that create and delete posts and reposts."""

from flask import Blueprint, jsonify

from services.common.auth import require_same_user
from services.common.errors import conflict, forbidden
from services.common.validation import Fields, json_object

from . import data
from .posts import authenticated_user, post_or_404, post_url, render
from .state import connection

blueprint = Blueprint("writing", __name__)

MAX_TEXT_LENGTH = 280


@blueprint.post("/compose/post")
def compose():
    """Publish a post by the authenticated user."""
    user = authenticated_user()
    body = json_object({"username", "text"})
    fields = Fields(body)
    named = fields.username("username", required=False)
    text = fields.text("text", max_length=MAX_TEXT_LENGTH, strip=True)
    fields.check()
    author = require_same_user(named, user["username"], "username")

    with connection() as conn:
        post = data.insert_post(conn, author, text)

    response = jsonify(render(post))
    response.status_code = 201
    response.headers["Location"] = post_url(post["id"])
    return response


@blueprint.post("/repost/<int:post_id>")
def repost(post_id: int):
    """Repost a post; a repost of a repost points at the original."""
    user = authenticated_user()
    body = json_object({"username"}, optional=True)
    fields = Fields(body)
    named = fields.username("username", required=False)
    fields.check()
    author = require_same_user(named, user["username"], "username")

    with connection() as conn:
        post = post_or_404(conn, post_id)
        original_id = post["original_post_id"] or post["id"]
        created = data.insert_repost(conn, author, original_id)
        if created is None:
            # Nothing inserted: either a repost exists or the original just vanished.
            post_or_404(conn, original_id)
            raise conflict(f"{author} already reposted post {original_id}")

    response = jsonify(render(created))
    response.status_code = 201
    response.headers["Location"] = post_url(created["id"])
    return response


@blueprint.delete("/delete/post/<int:post_id>")
def delete(post_id: int):
    """Delete one of the authenticated user's posts, and its reposts."""
    user = authenticated_user()

    with connection() as conn:
        post = post_or_404(conn, post_id)
        if post["username"] != user["username"]:
            raise forbidden(f"post {post_id} belongs to {post['username']}, not {user['username']}")
        data.delete_post(conn, post_id)

    return jsonify({"message": f"post {post_id} deleted"})
