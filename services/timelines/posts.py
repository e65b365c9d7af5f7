"""Render posts and find the post or user a request is about."""

import psycopg
from flask import url_for

from services.common.auth import request_credentials
from services.common.errors import not_found
from services.common.pagination import format_timestamp
from services.common.validation import MAX_ID

from . import data
from .state import state


def render(post: data.Row) -> dict:
    """Return the JSON form of a post."""
    original_id = post["original_post_id"]
    return {
        "id": post["id"],
        "username": post["username"],
        "text": post["text"],
        "timestamp": format_timestamp(post["created_at"]),
        "repost": original_id is not None,
        "original_post_url": post_url(original_id) if original_id is not None else None,
    }


def post_url(post_id: int) -> str:
    """Return the absolute URL of a post, under PUBLIC_URL when it is set."""
    public_url = state().settings.public_url
    if public_url:
        return f"{public_url}/posts/{post_id}"
    return url_for("reading.show_post", post_id=post_id, _external=True)


def post_or_404(conn: psycopg.Connection, post_id: int) -> data.Row:
    """Return the post with this id, or raise a 404."""
    post = data.find_post(conn, post_id) if post_id <= MAX_ID else None
    if post is None:
        raise not_found(f"post {post_id} does not exist")
    return post


def authenticated_user() -> dict:
    """Return the account whose credentials came with the request, or raise a 401."""
    return state().users.authenticate(request_credentials())


def existing_username(username: str) -> str:
    """Return username as the users service spells it, or raise a 404."""
    spelling = state().users.existing_username(username)
    if spelling is None:
        raise not_found(f"user {username} does not exist")
    return spelling
