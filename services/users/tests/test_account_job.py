"""Tests of the account job that deleting an account puts on tube account."""

import json
import socket
from dataclasses import replace

import pytest

from services.common.jobs import ACCOUNT_TUBE, QueueSettings, connect
from services.conftest import drain_tubes
from services.users import create_app

from .conftest import basic, create_user


@pytest.fixture
def drained(queue_settings):
    """Empty the tubes before and after a test."""
    drain_tubes(queue_settings)
    yield queue_settings
    drain_tubes(queue_settings)


def reserve_account_job(queue_settings) -> dict | None:
    client = connect(queue_settings, watch=ACCOUNT_TUBE, timeout_s=3.0)
    try:
        job = client.reserve(timeout=1)
        client.delete(job)
        return json.loads(job.body)
    except Exception:  # noqa: BLE001 - any failure means no job
        return None
    finally:
        client.close()


def test_delete_user_puts_account_job(client, drained):
    create_user(client, "Ada")

    response = client.delete("/user/delete", json={"user_id": 1}, headers=basic("ada", "password"))

    assert response.status_code == 200
    job = reserve_account_job(drained)
    assert job is not None
    assert job["username"] == "Ada"
    assert job["user_id"] == 1


def test_delete_user_queue_down_503_keeps_account(app, users_database, drained):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings = replace(
        app.extensions["users"].settings,
        queue=QueueSettings("127.0.0.1", port, connect_timeout_s=0.5, command_timeout_s=0.5),
    )
    down_app = create_app(settings)
    down = down_app.test_client()
    try:
        create_user(down, "ada")

        response = down.delete(
            "/user/delete", json={"user_id": 1}, headers=basic("ada", "password")
        )

        assert response.status_code == 503
        assert response.get_json()["message"].startswith("the job queue is unavailable")
        assert down.get("/user/ada").status_code == 200
        assert reserve_account_job(drained) is None
    finally:
        down_app.extensions["users"].pool.close()
        down_app.extensions["users"].jobs.close()


def test_delete_user_without_queue_503(app, drained):
    settings = replace(app.extensions["users"].settings, queue=None)
    no_queue_app = create_app(settings)
    no_queue = no_queue_app.test_client()
    try:
        create_user(no_queue, "ada")

        response = no_queue.delete(
            "/user/delete", json={"user_id": 1}, headers=basic("ada", "password")
        )

        assert response.status_code == 503
        assert no_queue.get("/user/ada").status_code == 200
    finally:
        no_queue_app.extensions["users"].pool.close()
