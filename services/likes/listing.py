"""Handlers that list a user's likes and the most liked posts."""

import re

from flask import Blueprint, jsonify, request

from services.common.errors import bad_request, not_found
from services.common.pagination import next_link, requested_limit

from .state import state

blueprint = Blueprint("listing", __name__)

ORDER_CURSOR = re.compile(r"\d{1,18}")


@blueprint.get("/like/posts/<username>")
def liked_posts(username: str):
    """List the ids of the posts a user likes, newest like first."""
    limit = requested_limit()
    before = _requested_order_cursor()
    spelling = state().users.existing_username(username)
    if spelling is None:
        raise not_found(f"user {username} does not exist")

    entries = state().store.liked_posts(spelling, before, limit + 1)

    headers = {}
    if len(entries) > limit:
        headers = next_link(limit, str(entries[limit - 1].order))
    posts = [entry.post_id for entry in entries[:limit]]
    return jsonify({"username": spelling, "posts": posts}), 200, headers


@blueprint.get("/like/popular")
def popular():
    """List the most liked posts, most likes first and the newer post first on ties."""
    limit = requested_limit(default=5, maximum=50)
    base_url = state().settings.timelines_public_url

    ranking = state().store.popular(limit)

    return jsonify(
        [
            {"post_id": post_id, "likes": likes, "post_url": f"{base_url}/posts/{post_id}"}
            for post_id, likes in ranking
        ]
    )


def _requested_order_cursor() -> int | None:
    raw = request.args.get("before")
    if raw is None:
        return None
    if not ORDER_CURSOR.fullmatch(raw):
        raise bad_request(
            f"before={raw!r} is not a cursor from a previous page's Link header",
            {"before": "invalid cursor"},
        )
    return int(raw)
