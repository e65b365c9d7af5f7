"""Handlers for creating, reading, changing and deleting accounts."""

from flask import Blueprint, jsonify, url_for

from services.common.errors import bad_request, conflict, forbidden, not_found, unavailable
from services.common.jobs import ACCOUNT_TUBE
from services.common.validation import Fields, json_object

from . import data
from .lookups import authenticated_user, user_by_id_or_404, user_or_404
from .passwords import hash_password
from .state import connection, read_connection, state

blueprint = Blueprint("accounts", __name__)

PASSWORD_LENGTH = {"min_length": 8, "max_length": 1024}
BIO_LENGTH = {"min_length": 0, "max_length": 160}
UPDATABLE_COLUMNS = ("email", "password", "bio")


@blueprint.post("/user/new")
def create_user():
    """Create an account and return its public fields."""
    body = json_object({"username", "email", "password", "bio"})
    fields = Fields(body)
    username = fields.username("username")
    email = fields.email("email")
    password = fields.text("password", **PASSWORD_LENGTH)
    bio = fields.text("bio", required=False, **BIO_LENGTH) or ""
    fields.check()

    password_hash = hash_password(password)
    with connection() as conn:
        try:
            user = data.insert_user(
                conn,
                {"username": username, "email": email, "password_hash": password_hash, "bio": bio},
            )
        except data.Taken as taken:
            value = username if taken.field == "username" else email
            raise conflict(f"{taken.field} {value} is already taken") from None

    response = jsonify(user)
    response.status_code = 201
    response.headers["Location"] = url_for(
        "accounts.show_user", username=user["username"], _external=True
    )
    return response


@blueprint.get("/user/authenticate")
def authenticate():
    """Check the request's credentials and return the account they belong to."""
    user = authenticated_user()
    return jsonify(_private_fields(user))


@blueprint.get("/user/<username>")
def show_user(username: str):
    """Return a user's public profile with follower and following counts."""
    with read_connection() as conn:
        user = user_or_404(conn, username)
        counts = data.follow_counts(conn, user["id"])

    return jsonify(
        {
            "id": user["id"],
            "username": user["username"],
            "bio": user["bio"],
            "followers": counts["followers"],
            "following": counts["following"],
        }
    )


@blueprint.put("/user/update")
def update_user():
    """Change the email, password or bio of the authenticated user."""
    user = authenticated_user()
    body = json_object({"user_id", "column", "content"})
    fields = Fields(body)
    user_id = fields.identifier("user_id")
    column = fields.text("column", max_length=64)
    fields.check()

    content = _checked_content(fields, column)

    with connection() as conn:
        target = user_by_id_or_404(conn, user_id)
    if target["id"] != user["id"]:
        raise forbidden(f"user {user['username']} cannot change user id {user_id}")

    # Hash before borrowing a connection: the slow hash must not hold one.
    if column == "password":
        column, content = "password_hash", hash_password(content)

    with connection() as conn:
        try:
            updated = data.update_user(conn, user_id, column, content)
        except data.Taken:
            raise conflict(f"email {content} is already taken") from None

    if updated is None:
        raise not_found(f"user id {user_id} does not exist")
    return jsonify(updated)


@blueprint.delete("/user/delete")
def delete_user():
    """Delete the authenticated user's account and follows, and put a job that removes the rest.

    The account job makes the worker remove the user's posts, likes, polls
    and votes in the other services.
    """
    user = authenticated_user()
    body = json_object({"user_id"})
    fields = Fields(body)
    user_id = fields.identifier("user_id")
    fields.check()
    jobs = state().jobs
    if jobs is None:
        raise unavailable("account deletion is disabled: the job queue is not configured")

    with connection() as conn:
        target = user_by_id_or_404(conn, user_id)
        if target["id"] != user["id"]:
            raise forbidden(f"user {user['username']} cannot delete user id {user_id}")
        deleted = data.delete_user(conn, user_id)
        if deleted:
            # Put before the commit: a failed put raises a 503, which rolls
            # the delete back, so no account goes without its job.
            jobs.put_or_503(ACCOUNT_TUBE, {"username": target["username"], "user_id": target["id"]})
            # NOTE: if the commit fails after the put, the job removes the
            # content of an account that still exists.

    if not deleted:
        raise not_found(f"user id {user_id} does not exist")
    return jsonify({"message": f"user {user['username']} deleted"})


def _checked_content(fields: Fields, column: str) -> str:
    """Validate the new value of an update against the rules of its column."""
    if column == "username":
        raise bad_request("username cannot change", {"column": "username cannot change"})
    if column not in UPDATABLE_COLUMNS:
        raise bad_request(
            f"column {column} cannot be updated: use one of {', '.join(UPDATABLE_COLUMNS)}",
            {"column": f"must be one of {', '.join(UPDATABLE_COLUMNS)}"},
        )

    if column == "email":
        content = fields.email("content")
    elif column == "password":
        content = fields.text("content", **PASSWORD_LENGTH)
    else:
        content = fields.text("content", **BIO_LENGTH)
    fields.check()
    return content


def _private_fields(user: data.Row) -> data.Row:
    return {key: user[key] for key in ("id", "username", "email", "bio")}
