"""Per-app resources of the users service, reachable from a request."""

from dataclasses import dataclass

from flask import current_app
from psycopg_pool import ConnectionPool

from services.common import db
from services.common.auth import CredentialCache
from services.common.jobs import JobProducer

from .settings import UsersSettings


@dataclass
class UsersState:
    """The pool and caches that one app instance owns."""

    settings: UsersSettings
    pool: ConnectionPool
    credentials: CredentialCache
    # None when no queue is configured, which disables account deletion.
    jobs: JobProducer | None = None


def state() -> UsersState:
    """Return the state of the app handling the current request."""
    return current_app.extensions["users"]


def connection():
    """Borrow a database connection; the transaction commits when the block ends."""
    return state().pool.connection()


def read_connection():
    """Borrow a database connection in autocommit mode, for handlers that only read."""
    return db.read_connection(state().pool)
