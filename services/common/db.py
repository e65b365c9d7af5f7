"""Connection pools, schema migrations and the database health check."""

import logging
import select
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from .settings import env_float, env_int, env_url

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DatabaseSettings:
    """Connection settings of a service's Postgres database."""

    url: str
    pool_min: int
    pool_max: int
    pool_timeout_s: float
    connect_timeout_s: int
    statement_timeout_ms: int
    startup_timeout_s: float

    @classmethod
    def from_env(cls, default_url: str) -> "DatabaseSettings":
        """Read DATABASE_URL and the DB_* variables."""
        return cls(
            url=env_url("DATABASE_URL", default_url, schemes=("postgresql", "postgres")),
            pool_min=env_int("DB_POOL_MIN", 1, minimum=0, maximum=100),
            pool_max=env_int("DB_POOL_MAX", 8, minimum=1, maximum=100),
            # Seconds a request waits for a connection. Each gunicorn thread
            # fits in the pool (4 threads, 8 connections), so a wait happens
            # only while the database is down, and then it is the time to a 503.
            pool_timeout_s=env_float("DB_POOL_TIMEOUT_S", 1.0, minimum=0.1),
            connect_timeout_s=env_int("DB_CONNECT_TIMEOUT_S", 2, minimum=1, maximum=60),
            # Below the gunicorn worker timeout (10 s) and HAProxy's server
            # timeout (15 s), so a slow query fails here first, as a JSON 503.
            statement_timeout_ms=env_int("DB_STATEMENT_TIMEOUT_MS", 3000, minimum=100),
            startup_timeout_s=env_float("DB_STARTUP_TIMEOUT_S", 30.0, minimum=0.0),
        )


def create_pool(settings: DatabaseSettings, name: str) -> ConnectionPool:
    """Open a pool whose connections return rows as dicts and time out queries."""
    pool = ConnectionPool(
        settings.url,
        min_size=min(settings.pool_min, settings.pool_max),
        max_size=settings.pool_max,
        timeout=settings.pool_timeout_s,
        kwargs={
            "row_factory": dict_row,
            "connect_timeout": settings.connect_timeout_s,
            "application_name": name,
            "options": f"-c statement_timeout={settings.statement_timeout_ms}",
        },
        # Test each connection on checkout, so connections broken by a
        # database restart are replaced instead of failing a request.
        check=check_idle_connection,
        name=name,
        open=False,
    )
    pool.open(wait=False)
    return pool


def check_idle_connection(conn: psycopg.Connection) -> None:
    """Raise OperationalError when the server has closed or written to an idle connection.

    The pool calls this before it lends a connection. A server that stops or
    terminates the backend closes the socket, so it becomes readable. This
    check costs no round trip, unlike the pool's own check_connection, which
    sent a query before every request. A readable socket can also carry a
    harmless message, such as a changed setting, and then the pool only
    opens a new connection.
    """
    if conn.closed or conn.broken:
        raise psycopg.OperationalError("the connection is closed")

    readable, _, _ = select.select([conn.fileno()], [], [], 0)
    if readable:
        # The pool discards a connection that failed its check only when it
        # is closed. Otherwise it takes the connection back, unchanged.
        conn.close()
        raise psycopg.OperationalError("the server closed or wrote to the idle connection")


@contextmanager
def read_connection(pool: ConnectionPool) -> Iterator[psycopg.Connection]:
    """Borrow a connection in autocommit mode, for handlers that only read.

    Each statement then runs without BEGIN and COMMIT, which saves two round
    trips per request. At READ COMMITTED, the default isolation level, each
    statement of a transaction takes its own snapshot anyway, so reads see
    the same data either way.
    """
    with pool.connection() as conn:
        conn.autocommit = True
        try:
            yield conn
        finally:
            _restore_transactions(conn)


def _restore_transactions(conn: psycopg.Connection) -> None:
    # A connection that keeps autocommit would run the writes of the next
    # borrower without a transaction, so one that cannot switch back is
    # closed, and the pool replaces it.
    try:
        conn.autocommit = False
    except psycopg.Error:
        conn.close()


def migrate(settings: DatabaseSettings, migrations: Path, name: str) -> None:
    """Apply the service's SQL migrations that the database has not seen yet.

    Waits up to the startup timeout for the database. An advisory lock makes
    instances that start together apply each migration exactly once.
    """
    deadline = time.monotonic() + settings.startup_timeout_s
    while True:
        try:
            _apply_migrations(settings, migrations, name)
            return
        except psycopg.OperationalError as error:
            if time.monotonic() >= deadline:
                raise
            log.warning("database not ready for migrations, retrying in 1 s: %s", error)
            time.sleep(1)


def _apply_migrations(settings: DatabaseSettings, migrations: Path, name: str) -> None:
    lock_id = zlib.crc32(f"microblog-migrations-{name}".encode())

    with (
        psycopg.connect(
            settings.url, connect_timeout=settings.connect_timeout_s, autocommit=True
        ) as conn,
        conn.transaction(),
    ):
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_id,))
        conn.execute(
            """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version text PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """
        )
        applied = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}

        for path in sorted(migrations.glob("*.sql")):
            if path.stem in applied:
                continue
            log.info("applying migration %s", path.name)
            conn.execute(path.read_text())
            conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (path.stem,))


def database_answers(pool: ConnectionPool) -> bool:
    """Return True when the database runs a trivial query within a second."""
    try:
        with pool.connection(timeout=1.0) as conn:
            conn.execute("SELECT 1")
        return True
    except Exception as error:  # noqa: BLE001 - any failure means unhealthy
        log.warning("health check failed: %s", error)
        return False
