"""SQL for accounts and follows; handlers never build SQL themselves."""

from typing import Any

import psycopg
from psycopg import errors

from services.common.pagination import Page, keyset_params

Row = dict[str, Any]

# First key of the advisory locks on login_failures; any constant that no
# other advisory lock of this database uses.
LOGIN_FAILURES_LOCK_CLASS = 0x6C6F67  # "log"

FIND_USER = """
    SELECT id, username, email, bio, password_hash
    FROM users
    WHERE lower(username) = lower(%s)
"""

FIND_USER_BY_ID = """
    SELECT id, username, email, bio, password_hash
    FROM users
    WHERE id = %s
"""

INSERT_USER = """
    INSERT INTO users (username, email, password_hash, bio)
    VALUES (%(username)s, %(email)s, %(password_hash)s, %(bio)s)
    RETURNING id, username, email, bio
"""

UPDATE_COLUMNS = {
    "email": "UPDATE users SET email = %s WHERE id = %s RETURNING id, username, email, bio",
    "bio": "UPDATE users SET bio = %s WHERE id = %s RETURNING id, username, email, bio",
    "password_hash": """
        UPDATE users SET password_hash = %s WHERE id = %s RETURNING id, username, email, bio
    """,
}

DELETE_USER = "DELETE FROM users WHERE id = %s RETURNING username"

FOLLOW_COUNTS = """
    SELECT
        (SELECT count(*) FROM follows WHERE following_id = %(id)s) AS followers,
        (SELECT count(*) FROM follows WHERE follower_id = %(id)s) AS following
"""

INSERT_FOLLOW = """
    INSERT INTO follows (follower_id, following_id)
    VALUES (%s, %s)
    ON CONFLICT ON CONSTRAINT follows_pair_key DO NOTHING
    RETURNING id
"""

DELETE_FOLLOW = """
    DELETE FROM follows
    WHERE follower_id = %s AND following_id = %s
    RETURNING id
"""

FOLLOWERS_PAGE = """
    SELECT u.username, f.created_at, f.id
    FROM follows f
    JOIN users u ON u.id = f.follower_id
    WHERE f.following_id = %(user_id)s
      AND (f.created_at, f.id) < (%(before_at)s, %(before_id)s)
    ORDER BY f.created_at DESC, f.id DESC
    LIMIT %(fetch)s
"""

FOLLOWING_PAGE = """
    SELECT u.username, f.created_at, f.id
    FROM follows f
    JOIN users u ON u.id = f.following_id
    WHERE f.follower_id = %(user_id)s
      AND (f.created_at, f.id) < (%(before_at)s, %(before_id)s)
    ORDER BY f.created_at DESC, f.id DESC
    LIMIT %(fetch)s
"""

# Serializes the login attempts for one username, so that concurrent attempts
# cannot all see a free slot in the failure budget. The first key is a
# constant of this table; the second is a hash of the username.
LOCK_LOGIN_FAILURES = "SELECT pg_advisory_xact_lock(%(lock_class)s, hashtext(%(username_key)s))"

DELETE_EXPIRED_LOGIN_FAILURES = """
    DELETE FROM login_failures
    WHERE failed_at <= clock_timestamp() - make_interval(secs => %(window_s)s)
"""

# Seconds until the oldest failure in the window expires, with the count.
LOGIN_FAILURES_IN_WINDOW = """
    SELECT
        count(*) AS failures,
        extract(epoch FROM min(failed_at) + make_interval(secs => %(window_s)s)
            - clock_timestamp()) AS retry_after_s
    FROM login_failures
    WHERE username_key = %(username_key)s
      AND failed_at > clock_timestamp() - make_interval(secs => %(window_s)s)
"""

INSERT_LOGIN_FAILURE = """
    INSERT INTO login_failures (username_key) VALUES (%(username_key)s) RETURNING id
"""

DELETE_LOGIN_FAILURE = "DELETE FROM login_failures WHERE id = %s"

ALL_FOLLOWING = """
    SELECT u.username
    FROM follows f
    JOIN users u ON u.id = f.following_id
    WHERE f.follower_id = %s
    ORDER BY u.username
"""


class Taken(Exception):
    """A unique username or email is already in use."""

    def __init__(self, field: str):
        super().__init__(field)
        self.field = field


def find_user(conn: psycopg.Connection, username: str) -> Row | None:
    """Return the user whose username matches whatever the letter case."""
    return conn.execute(FIND_USER, (username,)).fetchone()


def find_user_by_id(conn: psycopg.Connection, user_id: int) -> Row | None:
    """Return the user with this id."""
    return conn.execute(FIND_USER_BY_ID, (user_id,)).fetchone()


def insert_user(conn: psycopg.Connection, fields: Row) -> Row:
    """Insert a user and return its public fields; raise Taken on a duplicate."""
    try:
        return conn.execute(INSERT_USER, fields).fetchone()
    except errors.UniqueViolation as error:
        raise Taken(_taken_field(error)) from None


def update_user(conn: psycopg.Connection, user_id: int, column: str, value: str) -> Row | None:
    """Set one column of a user; raise Taken when the new email is in use."""
    try:
        return conn.execute(UPDATE_COLUMNS[column], (value, user_id)).fetchone()
    except errors.UniqueViolation as error:
        raise Taken(_taken_field(error)) from None


def delete_user(conn: psycopg.Connection, user_id: int) -> bool:
    """Delete a user and, by cascade, every follow from or to them."""
    return conn.execute(DELETE_USER, (user_id,)).fetchone() is not None


def follow_counts(conn: psycopg.Connection, user_id: int) -> Row:
    """Return how many followers the user has and how many accounts they follow."""
    return conn.execute(FOLLOW_COUNTS, {"id": user_id}).fetchone()


def insert_follow(conn: psycopg.Connection, follower_id: int, following_id: int) -> bool:
    """Record a follow; return False when it already existed.

    ON CONFLICT lets concurrent identical requests resolve to one insert, with
    no error for the others.
    """
    return conn.execute(INSERT_FOLLOW, (follower_id, following_id)).fetchone() is not None


def delete_follow(conn: psycopg.Connection, follower_id: int, following_id: int) -> bool:
    """Remove a follow; return False when there was none."""
    return conn.execute(DELETE_FOLLOW, (follower_id, following_id)).fetchone() is not None


def followers_page(conn: psycopg.Connection, user_id: int, page: Page) -> list[Row]:
    """Return one page of the user's followers, newest follow first, plus one row."""
    return conn.execute(FOLLOWERS_PAGE, {"user_id": user_id, **keyset_params(page)}).fetchall()


def following_page(conn: psycopg.Connection, user_id: int, page: Page) -> list[Row]:
    """Return one page of the accounts the user follows, newest follow first, plus one row."""
    return conn.execute(FOLLOWING_PAGE, {"user_id": user_id, **keyset_params(page)}).fetchall()


def all_following(conn: psycopg.Connection, user_id: int) -> list[str]:
    """Return the usernames of every account the user follows."""
    return [row["username"] for row in conn.execute(ALL_FOLLOWING, (user_id,))]


def login_failures_in_window(conn: psycopg.Connection, username: str, window_s: float) -> Row:
    """Return the failed logins of username in the last window_s seconds.

    The row has failures, the count, and retry_after_s, the seconds until the
    oldest of them leaves the window (None when there are none).
    """
    params = {"username_key": username.lower(), "window_s": window_s}
    return conn.execute(LOGIN_FAILURES_IN_WINDOW, params).fetchone()


def reserve_login_failure(
    conn: psycopg.Connection, username: str, budget: int, window_s: float
) -> tuple[int | None, float]:
    """Record a failed login in advance, unless the budget of the window is spent.

    Returns (id, 0.0) of the new row, which the caller deletes when the
    password turns out to be right, or (None, seconds until a slot frees up).
    The advisory lock lasts until the transaction ends, so the caller must
    commit before verifying the password.
    """
    params = {
        "lock_class": LOGIN_FAILURES_LOCK_CLASS,
        "username_key": username.lower(),
        "window_s": window_s,
    }
    conn.execute(LOCK_LOGIN_FAILURES, params)
    conn.execute(DELETE_EXPIRED_LOGIN_FAILURES, params)

    spent = conn.execute(LOGIN_FAILURES_IN_WINDOW, params).fetchone()
    if spent["failures"] >= budget:
        return None, float(spent["retry_after_s"])
    return conn.execute(INSERT_LOGIN_FAILURE, params).fetchone()["id"], 0.0


def cancel_login_failure(conn: psycopg.Connection, failure_id: int) -> None:
    """Delete a failure recorded in advance, once the password proved right."""
    conn.execute(DELETE_LOGIN_FAILURE, (failure_id,))


def _taken_field(error: errors.UniqueViolation) -> str:
    constraint = error.diag.constraint_name or ""
    return "email" if "email" in constraint else "username"
