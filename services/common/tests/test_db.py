"""Tests of the pools' checkout check and of read-only connections, on a real Postgres."""

import select
import time

import psycopg
import pytest

from services.common.db import (
    DatabaseSettings,
    check_idle_connection,
    create_pool,
    read_connection,
)


def test_check_passes_open_connection(admin_url):
    with psycopg.connect(admin_url) as conn:
        conn.execute("SELECT 1").fetchall()

        check_idle_connection(conn)


def test_check_rejects_terminated_backend(admin_url):
    with (
        psycopg.connect(admin_url, autocommit=True) as conn,
        psycopg.connect(admin_url, autocommit=True) as admin,
    ):
        admin.execute("SELECT pg_terminate_backend(%s)", (conn.info.backend_pid,))
        # The backend exits after the signal, so wait up to 5 s for its socket.
        select.select([conn.fileno()], [], [], 5.0)

        with pytest.raises(psycopg.OperationalError):
            check_idle_connection(conn)


def test_check_rejects_closed_connection(admin_url):
    conn = psycopg.connect(admin_url)
    conn.close()

    with pytest.raises(psycopg.OperationalError):
        check_idle_connection(conn)


def test_pool_replaces_terminated_connection(admin_url):
    pool = one_connection_pool(admin_url)
    try:
        with pool.connection() as conn:
            first_pid = conn.info.backend_pid
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (first_pid,))
            wait_for_exit(admin, first_pid)

        with pool.connection() as conn:
            second_pid = conn.execute("SELECT pg_backend_pid() AS pid").fetchone()["pid"]
    finally:
        pool.close()

    assert second_pid != first_pid


def wait_for_exit(admin: psycopg.Connection, pid: int) -> None:
    """Wait up to 5 s for a backend to leave pg_stat_activity, and its socket to close."""
    deadline = time.monotonic() + 5.0
    query = "SELECT 1 FROM pg_stat_activity WHERE pid = %s"
    while admin.execute(query, (pid,)).fetchone() and time.monotonic() < deadline:
        time.sleep(0.05)
    # The process closes its socket as it exits, just after leaving the view.
    time.sleep(0.2)


def test_read_connection_restores_transactions(admin_url):
    pool = one_connection_pool(admin_url)
    try:
        with read_connection(pool) as conn:
            reading_autocommit = conn.autocommit
        with pool.connection() as conn:
            writing_autocommit = conn.autocommit
    finally:
        pool.close()

    assert reading_autocommit is True
    assert writing_autocommit is False


def one_connection_pool(admin_url: str):
    """Open a pool of one connection to the admin database."""
    settings = DatabaseSettings(
        url=admin_url,
        pool_min=1,
        pool_max=1,
        pool_timeout_s=5.0,
        connect_timeout_s=2,
        statement_timeout_ms=1000,
        startup_timeout_s=0.0,
    )
    return create_pool(settings, "test_db_pool")
