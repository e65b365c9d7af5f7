"""Endpoints that only workers call: insert the post of an async job, delete a post,
list and delete the posts of a deleted account."""

from flask import Blueprint, jsonify

from services.common.errors import ApiError, bad_request
from services.common.internal import internal_blueprint
from services.common.validation import USERNAME_PATTERN, Fields, json_object

from . import data
from .posts import post_or_404, post_url, render
from .state import connection
from .writing import MAX_TEXT_LENGTH, parse_job_id


def create_blueprint(token: str | None) -> Blueprint:
    """Create the /internal blueprint, guarded by the service token."""
    blueprint = internal_blueprint("internal", token)
    blueprint.add_url_rule("/posts", view_func=insert_job_post, methods=["POST"])
    blueprint.add_url_rule("/posts/<int:post_id>", view_func=delete_post, methods=["DELETE"])
    blueprint.add_url_rule("/users/<username>/posts", view_func=author_post_ids, methods=["GET"])
    blueprint.add_url_rule(
        "/users/<username>/posts", view_func=delete_author_posts, methods=["DELETE"]
    )
    return blueprint


def insert_job_post():
    """Insert the post of an async job once: 201 the first time, 200 with the same post after.

    A 410 means the job's post was inserted and deleted since, so it must
    not come back.
    """
    body = json_object({"job_id", "username", "text"})
    fields = Fields(body)
    job_id = fields.text("job_id", max_length=36)
    username = fields.username("username")
    text = fields.text("text", max_length=MAX_TEXT_LENGTH, strip=True)
    fields.check()
    job_id = parse_job_id(job_id)
    if job_id is None:
        raise bad_request(
            "invalid request body (job_id: must be a UUID)", {"job_id": "must be a UUID"}
        )

    with connection() as conn:
        post = data.insert_job_post(conn, job_id, username, text)
        status = 201
        if post is None:
            status = 200
            post = _earlier_job_post(conn, job_id)

    response = jsonify(render(post))
    response.status_code = status
    response.headers["Location"] = post_url(post["id"])
    return response


def delete_post(post_id: int):
    """Delete any post and, by cascade, its reposts."""
    with connection() as conn:
        post_or_404(conn, post_id)
        data.delete_post(conn, post_id)

    return jsonify({"message": f"post {post_id} deleted"})


def author_post_ids(username: str):
    """List the ids of a user's posts and reposts and of every repost of their posts.

    These are the posts that deleting the user's posts removes, so the worker
    can remove their likes first.
    """
    username = _path_username(username)
    with connection() as conn:
        post_ids = data.author_post_ids(conn, username)

    return jsonify({"username": username, "post_ids": post_ids})


def delete_author_posts(username: str):
    """Delete a user's posts and reposts, and every repost of their posts; 200 even if none."""
    username = _path_username(username)
    with connection() as conn:
        deleted = data.delete_author_posts(conn, username)

    return jsonify({"message": f"deleted {deleted} posts of {username}", "deleted": deleted})


def _path_username(username: str) -> str:
    if not USERNAME_PATTERN.fullmatch(username):
        raise bad_request(
            f"invalid username {username!r}: use 1-30 of A-Z a-z 0-9 _",
            {"username": "must be 1-30 of A-Z a-z 0-9 _"},
        )
    return username


def _earlier_job_post(conn, job_id: str) -> data.Row:
    post_id = data.job_post_id(conn, job_id)
    post = data.find_post(conn, post_id) if post_id is not None else None
    if post is None:
        raise ApiError(410, f"job {job_id} inserted post {post_id}, which is deleted since")
    return post
