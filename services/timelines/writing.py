"""Handlers that create and delete posts and reposts."""

import re
import uuid

from flask import Blueprint, jsonify, request

from services.common.auth import require_same_user
from services.common.errors import bad_request, conflict, forbidden
from services.common.jobs import TIMELINE_TUBE
from services.common.validation import Fields, json_object

from . import data
from .posts import authenticated_user, post_or_404, post_url, render
from .state import connection, state

blueprint = Blueprint("writing", __name__)

MAX_TEXT_LENGTH = 280
# Printable ASCII without spaces, as clients usually send a UUID or a hash.
IDEMPOTENCY_KEY_PATTERN = re.compile(r"[!-~]{1,255}")


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


@blueprint.post("/compose/async/post")
def compose_async():
    """Accept a post by the authenticated user and put a job that publishes it."""
    user = authenticated_user()
    body = json_object({"username", "text"})
    fields = Fields(body)
    named = fields.username("username", required=False)
    text = fields.text("text", max_length=MAX_TEXT_LENGTH, strip=True)
    fields.check()
    author = require_same_user(named, user["username"], "username")
    key = _idempotency_key()

    job_id = str(uuid.uuid4())
    job = {"job_id": job_id, "username": author, "text": text}
    if key is None:
        state().jobs.put_or_503(TIMELINE_TUBE, job)
        return _accepted(job_id)

    with connection() as conn:
        earlier_job_id = data.claim_idempotency_key(conn, author, key, job_id)
        if earlier_job_id is not None:
            return _accepted(earlier_job_id)
        # The put comes before the commit, so a failed put rolls the key back
        # and a retry with the same key can still succeed.
        state().jobs.put_or_503(TIMELINE_TUBE, job)
        # NOTE: if the commit fails after a successful put, the job runs but the
        # key is not stored, so a retry with the same key puts a second job.

    return _accepted(job_id)


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


def parse_job_id(value: str | None) -> str | None:
    """Return value as a canonical UUID string, or None when it is not a UUID."""
    if value is None:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not IDEMPOTENCY_KEY_PATTERN.fullmatch(key):
        raise bad_request(
            "invalid Idempotency-Key header: send 1 to 255 printable ASCII characters, no spaces",
            {"Idempotency-Key": "must be 1 to 255 printable ASCII characters without spaces"},
        )
    return key


def _accepted(job_id: str):
    response = jsonify({"message": "post accepted for publishing", "job_id": job_id})
    response.status_code = 202
    return response
