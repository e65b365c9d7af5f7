"""Find the user a request is about or acts as, or raise the matching error."""

import psycopg

from services.common.auth import request_credentials
from services.common.errors import not_found, unauthorized
from services.common.validation import USERNAME_PATTERN

from . import data
from .passwords import hash_password, needs_rehash, spend_verification_time, verify_password
from .state import connection, state


def user_or_404(conn: psycopg.Connection, username: str) -> data.Row:
    """Return the user named username, or raise a 404."""
    user = None
    if USERNAME_PATTERN.fullmatch(username):
        user = data.find_user(conn, username)
    if user is None:
        raise not_found(f"user {username} does not exist")
    return user


def user_by_id_or_404(conn: psycopg.Connection, user_id: int) -> data.Row:
    """Return the user with this id, or raise a 404."""
    user = data.find_user_by_id(conn, user_id)
    if user is None:
        raise not_found(f"user id {user_id} does not exist")
    return user


def authenticated_user() -> data.Row:
    """Return the user whose Basic credentials came with the request, or raise a 401.

    A verified username and password is remembered for a few seconds together
    with the hash it matched, so repeated requests skip the slow hash while a
    changed password takes effect at once.
    """
    credentials = request_credentials()
    cache = state().credentials

    with connection() as conn:
        user = data.find_user(conn, credentials.username)

    if user is None:
        spend_verification_time(credentials.password)
        raise unauthorized("invalid username or password")

    key = cache.key(credentials)
    if cache.get(key) == user["password_hash"]:
        return user

    if not verify_password(user["password_hash"], credentials.password):
        raise unauthorized("invalid username or password")

    cache.put(key, user["password_hash"])
    if needs_rehash(user["password_hash"]):
        _upgrade_hash(user["id"], credentials.password)
    return user


def _upgrade_hash(user_id: int, password: str) -> None:
    with connection() as conn:
        data.update_user(conn, user_id, "password_hash", hash_password(password))
