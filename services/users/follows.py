"""Handlers for following, unfollowing and listing follows."""

from flask import Blueprint, jsonify
from psycopg import errors

from services.common.auth import require_same_user
from services.common.errors import bad_request, conflict, not_found
from services.common.pagination import paged_response, requested_page
from services.common.validation import Fields, json_object

from . import data
from .lookups import authenticated_user, user_or_404
from .state import connection, read_connection

blueprint = Blueprint("follows", __name__)


@blueprint.post("/user/follow")
def follow():
    """Make the authenticated user follow another user."""
    user = authenticated_user()
    follower_name, following_name = _follow_pair()

    require_same_user(follower_name, user["username"], "follower_username")
    if following_name.lower() == user["username"].lower():
        raise bad_request(
            f"user {user['username']} cannot follow themselves",
            {"following_username": "must name another user"},
        )

    with connection() as conn:
        target = user_or_404(conn, following_name)
        try:
            created = data.insert_follow(conn, user["id"], target["id"])
        except errors.ForeignKeyViolation:
            # One of the two accounts was deleted after the lookup.
            raise not_found(f"user {following_name} does not exist") from None

    if not created:
        raise conflict(f"{user['username']} already follows {target['username']}")
    return jsonify({"follower": user["username"], "following": target["username"]}), 201


@blueprint.delete("/user/unFollow")
def unfollow():
    """Make the authenticated user stop following another user."""
    user = authenticated_user()
    follower_name, following_name = _follow_pair()
    require_same_user(follower_name, user["username"], "follower_username")

    with connection() as conn:
        target = user_or_404(conn, following_name)
        deleted = data.delete_follow(conn, user["id"], target["id"])

    if not deleted:
        raise not_found(f"{user['username']} does not follow {target['username']}")
    return jsonify({"message": f"{user['username']} no longer follows {target['username']}"})


@blueprint.get("/user/<username>/followers")
def followers(username: str):
    """List the users who follow username, newest follow first."""
    page = requested_page()
    with read_connection() as conn:
        user = user_or_404(conn, username)
        rows = data.followers_page(conn, user["id"], page)

    items, headers = paged_response(rows, page, _username_item)
    return jsonify(items), 200, headers


@blueprint.get("/user/<username>/following")
def following(username: str):
    """List the users whom username follows, newest follow first."""
    page = requested_page()
    with read_connection() as conn:
        user = user_or_404(conn, username)
        rows = data.following_page(conn, user["id"], page)

    items, headers = paged_response(rows, page, _username_item)
    return jsonify(items), 200, headers


@blueprint.get("/user/<username>/following/names")
def following_names(username: str):
    """Return every username that username follows, in one response.

    The timelines service builds home timelines from this list, so it is not
    paginated.
    """
    with read_connection() as conn:
        user = user_or_404(conn, username)
        names = data.all_following(conn, user["id"])

    return jsonify({"username": user["username"], "following": names})


def _follow_pair() -> tuple[str | None, str]:
    body = json_object({"follower_username", "following_username"})
    fields = Fields(body)
    follower_name = fields.username("follower_username", required=False)
    following_name = fields.username("following_username")
    fields.check()
    return follower_name, following_name


def _username_item(row: data.Row) -> dict[str, str]:
    return {"username": row["username"]}
