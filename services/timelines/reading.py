"""Handlers that read posts and timelines."""

from flask import Blueprint, jsonify

from services.common.errors import forbidden
from services.common.pagination import paged_response, requested_page

from . import data
from .posts import authenticated_user, existing_username, post_or_404, render
from .state import read_connection, state

blueprint = Blueprint("reading", __name__)


@blueprint.get("/posts/all")
def all_posts():
    """List every post, newest first."""
    page = requested_page()
    with read_connection() as conn:
        rows = data.all_posts_page(conn, page)

    items, headers = paged_response(rows, page, render)
    return jsonify(items), 200, headers


@blueprint.get("/posts/<int:post_id>")
def show_post(post_id: int):
    """Return one post."""
    with read_connection() as conn:
        post = post_or_404(conn, post_id)
    return jsonify(render(post))


@blueprint.get("/<username>/posts")
def user_posts(username: str):
    """List one user's posts and reposts, newest first."""
    page = requested_page()
    author = existing_username(username)

    with read_connection() as conn:
        rows = data.author_posts_page(conn, author, page)

    items, headers = paged_response(rows, page, render)
    return jsonify(items), 200, headers


@blueprint.get("/<username>/home")
def home(username: str):
    """List the posts of the accounts the authenticated user follows, newest first."""
    user = authenticated_user()
    if username.lower() != user["username"].lower():
        raise forbidden(f"user {user['username']} cannot read the home timeline of {username}")
    page = requested_page()

    authors = state().users.following(user["username"])
    rows = []
    if authors:
        with read_connection() as conn:
            rows = data.authors_posts_page(conn, authors, page)

    items, headers = paged_response(rows, page, render)
    return jsonify(items), 200, headers
