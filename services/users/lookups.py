"""Find the user a request is about or acts as, or raise the matching error."""

import math

import psycopg

from services.common.auth import Credentials, request_credentials
from services.common.errors import ApiError, not_found, unauthorized
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
    """Return the user whose Basic credentials came with the request, or raise a 401 or 429.

    A verified username and password is remembered for a few seconds together
    with the hash it matched, so repeated requests skip the slow hash while a
    changed password takes effect at once.

    Each username may fail login_failure_budget times per sliding window of
    login_failure_window_s seconds. Past that, every attempt gets a 429 with
    Retry-After, the right password included, and no password is checked:
    checking it would let guessing go on at the speed of the hash. The block
    therefore locks the real user out too, but only while the window is
    full, which ends one window after the attacker stops.
    """
    credentials = request_credentials()
    cache = state().credentials
    settings = state().settings

    with connection() as conn:
        _raise_if_throttled(
            data.login_failures_in_window(
                conn, credentials.username, settings.login_failure_window_s
            ),
            settings.login_failure_budget,
            credentials.username,
        )
        user = data.find_user(conn, credentials.username)

    key = cache.key(credentials)
    cached_hash, due = cache.lookup(key)
    matches = user is not None and cached_hash == user["password_hash"]
    if matches and not due:
        return user

    # A valid entry due for a refresh waits for no one: if another thread is
    # already checking these credentials, this request uses the entry.
    with cache.verifying(key, wait=not matches) as checking:
        if not checking:
            return user
        cached_hash, due = cache.lookup(key)
        if user is not None and cached_hash == user["password_hash"] and not due:
            return user
        return _verify(credentials, user, key)


def _verify(credentials: Credentials, user: data.Row | None, key: bytes) -> data.Row:
    """Check the password with Argon2id, counting a failure, and cache it when it matches."""
    cache = state().credentials
    settings = state().settings

    # Counted as a failure before the slow check, so concurrent guesses
    # cannot all pass a count that none of them has added to yet.
    with connection() as conn:
        failure_id, retry_after_s = data.reserve_login_failure(
            conn,
            credentials.username,
            settings.login_failure_budget,
            settings.login_failure_window_s,
        )
    if failure_id is None:
        cache.discard(key)
        raise _too_many_failures(credentials.username, retry_after_s)

    if user is None:
        spend_verification_time(credentials.password)
        raise unauthorized("invalid username or password")
    if not verify_password(user["password_hash"], credentials.password):
        cache.discard(key)
        raise unauthorized("invalid username or password")

    with connection() as conn:
        data.cancel_login_failure(conn, failure_id)
    cache.put(key, user["password_hash"])
    if needs_rehash(user["password_hash"]):
        _upgrade_hash(user["id"], credentials.password)
    return user


def _raise_if_throttled(spent: data.Row, budget: int, username: str) -> None:
    if spent["failures"] >= budget:
        raise _too_many_failures(username, float(spent["retry_after_s"]))


def _too_many_failures(username: str, retry_after_s: float) -> ApiError:
    # Retry-After takes whole seconds; rounding up never invites an early retry.
    seconds = max(1, math.ceil(retry_after_s))
    return ApiError(
        429,
        f"too many failed logins for user {username}; try again in {seconds} s",
        headers={"Retry-After": str(seconds)},
    )


def _upgrade_hash(user_id: int, password: str) -> None:
    with connection() as conn:
        data.update_user(conn, user_id, "password_hash", hash_password(password))
