"""Per-app resources of the timelines service, reachable from a request."""

from dataclasses import dataclass

from flask import current_app
from psycopg_pool import ConnectionPool

from services.common import db
from services.common.jobs import JobProducer
from services.common.users_client import UsersClient

from .settings import TimelinesSettings


@dataclass
class TimelinesState:
    """The pool, the users client and the job producer that one app instance owns."""

    settings: TimelinesSettings
    pool: ConnectionPool
    users: UsersClient
    jobs: JobProducer


def state() -> TimelinesState:
    """Return the state of the app handling the current request."""
    return current_app.extensions["timelines"]


def connection():
    """Borrow a database connection; the transaction commits when the block ends."""
    return state().pool.connection()


def read_connection():
    """Borrow a database connection in autocommit mode, for handlers that only read."""
    return db.read_connection(state().pool)
