"""Tests of async posting and of the internal endpoints that the timeline and poll workers call."""

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import greenstalk
import psycopg
import pytest

from services.common.jobs import QueueSettings, connect
from services.conftest import SERVICE_TOKEN
from services.timelines import create_app

from .test_posts import basic, compose, post_count

INTERNAL = {"X-Service-Token": SERVICE_TOKEN}


def compose_async(client, username: str, text: str, key: str | None = None):
    headers = basic(username)
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post("/compose/async/post", json={"text": text}, headers=headers)


def timeline_jobs(queue_settings) -> list[dict]:
    """Reserve and delete every ready job of tube timeline; return their bodies."""
    client = connect(queue_settings, watch="timeline")
    bodies = []
    try:
        for _ in range(100):
            try:
                job = client.reserve(timeout=0)
            except greenstalk.TimedOutError:
                break
            body = json.loads(job.body)
            # Every job names the request that caused it, for tracing.
            assert body.pop("request_id")
            bodies.append(body)
            client.delete(job)
    finally:
        client.close()
    return bodies


def insert_job_post(client, job_id: str, username: str = "ada", text: str = "from a job"):
    body = {"job_id": job_id, "username": username, "text": text}
    return client.post("/internal/posts", json=body, headers=INTERNAL)


def test_compose_async_puts_timeline_job(client, make_user, queue_settings):
    make_user("ada")

    response = compose_async(client, "ADA", "  hello later  ")

    assert response.status_code == 202
    body = response.get_json()
    assert body["message"] == "post accepted for publishing"
    assert timeline_jobs(queue_settings) == [
        {"job_id": body["job_id"], "username": "ada", "text": "hello later"}
    ]


@pytest.mark.parametrize("text", ["", "   ", "x" * 281, "nul\u0000"])
def test_compose_async_invalid_text_400_puts_nothing(client, make_user, queue_settings, text):
    make_user("ada")

    response = compose_async(client, "ada", text)

    assert response.status_code == 400
    assert timeline_jobs(queue_settings) == []


def test_compose_async_without_credentials_401(client, queue_settings):
    response = client.post("/compose/async/post", json={"text": "hi"})

    assert response.status_code == 401
    assert timeline_jobs(queue_settings) == []


def test_compose_async_same_key_one_job(client, make_user, queue_settings):
    make_user("ada")

    first = compose_async(client, "ada", "once", key="key-1")
    second = compose_async(client, "ada", "once", key="key-1")

    assert first.status_code == 202
    assert second.status_code == 202
    assert second.get_json() == first.get_json()
    assert len(timeline_jobs(queue_settings)) == 1


def test_compose_async_key_is_per_user(client, make_user, queue_settings):
    make_user("ada")
    make_user("grace")

    first = compose_async(client, "ada", "hi", key="shared")
    second = compose_async(client, "grace", "hi", key="shared")

    assert first.get_json()["job_id"] != second.get_json()["job_id"]
    assert len(timeline_jobs(queue_settings)) == 2


def test_compose_async_concurrent_same_key_one_job(app, make_user, queue_settings):
    make_user("ada")
    compose(app.test_client(), "ada", "warm the credential cache")

    def send(_):
        response = compose_async(app.test_client(), "ada", "once", key="concurrent")
        return response.status_code, response.get_json()["job_id"]

    with ThreadPoolExecutor(max_workers=8) as executor:
        results = list(executor.map(send, range(16)))

    assert {status for status, _ in results} == {202}
    assert len({job_id for _, job_id in results}) == 1
    assert len(timeline_jobs(queue_settings)) == 1


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "caf\u00e9"])
def test_compose_async_bad_key_400(client, make_user, queue_settings, key):
    make_user("ada")

    response = client.post(
        "/compose/async/post",
        json={"text": "hi"},
        headers={**basic("ada"), "Idempotency-Key": key.encode().decode("latin-1")},
    )

    assert response.status_code == 400
    assert timeline_jobs(queue_settings) == []


def test_compose_async_queue_down_503_fast(settings, app, make_user, timelines_database):
    make_user("ada")
    # Port 9 (discard) has no listener here, so the connection is refused.
    down = QueueSettings(host="127.0.0.1", port=9, connect_timeout_s=1.0, command_timeout_s=1.0)
    broken = create_app(replace(settings, queue=down))
    try:
        started = time.monotonic()
        response = compose_async(broken.test_client(), "ada", "lost?", key="retry-me")
        elapsed = time.monotonic() - started
    finally:
        broken.extensions["timelines"].pool.close()
        broken.extensions["timelines"].jobs.close()

    assert response.status_code == 503
    assert response.get_json()["status"] == "503 Service Unavailable"
    assert elapsed < 1.5
    with psycopg.connect(timelines_database) as conn:
        keys = conn.execute("SELECT count(*) FROM async_post_requests").fetchone()[0]
    assert keys == 0


def test_compose_async_unresponsive_queue_503_fast(settings, app, make_user, unused_listener):
    make_user("ada")
    host, port = unused_listener
    silent = QueueSettings(host=host, port=port, connect_timeout_s=1.0, command_timeout_s=1.0)
    broken = create_app(replace(settings, queue=silent))
    try:
        started = time.monotonic()
        response = compose_async(broken.test_client(), "ada", "lost?")
        elapsed = time.monotonic() - started
    finally:
        broken.extensions["timelines"].pool.close()
        broken.extensions["timelines"].jobs.close()

    assert response.status_code == 503
    assert elapsed < 2.5


def test_internal_insert_once_per_job(client, timelines_database):
    job_id = str(uuid.uuid4())

    first = insert_job_post(client, job_id)
    second = insert_job_post(client, job_id)

    assert first.status_code == 201
    assert second.status_code == 200
    assert second.get_json() == first.get_json()
    assert post_count(timelines_database) == 1


def test_internal_insert_concurrent_duplicates_store_one(app, timelines_database):
    job_id = str(uuid.uuid4())

    def send(_):
        return insert_job_post(app.test_client(), job_id).status_code

    with ThreadPoolExecutor(max_workers=8) as executor:
        statuses = list(executor.map(send, range(16)))

    assert statuses.count(201) == 1
    assert statuses.count(200) == 15
    assert post_count(timelines_database) == 1


def test_internal_insert_after_delete_410(client, timelines_database):
    job_id = str(uuid.uuid4())
    post_id = insert_job_post(client, job_id).get_json()["id"]
    client.delete(f"/internal/posts/{post_id}", headers=INTERNAL)

    response = insert_job_post(client, job_id)

    assert response.status_code == 410
    assert post_count(timelines_database) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"job_id": "not-a-uuid", "username": "ada", "text": "hi"},
        {"job_id": str(uuid.UUID(int=1)), "username": "no spaces", "text": "hi"},
        {"job_id": str(uuid.UUID(int=1)), "username": "ada", "text": ""},
        {"username": "ada", "text": "hi"},
    ],
)
def test_internal_insert_invalid_400(client, timelines_database, body):
    response = client.post("/internal/posts", json=body, headers=INTERNAL)

    assert response.status_code == 400
    assert post_count(timelines_database) == 0


def test_internal_delete_any_post(client, make_user, timelines_database):
    make_user("ada")
    post_id = compose(client, "ada", "doomed").get_json()["id"]

    deleted = client.delete(f"/internal/posts/{post_id}", headers=INTERNAL)
    again = client.delete(f"/internal/posts/{post_id}", headers=INTERNAL)

    assert deleted.status_code == 200
    assert again.status_code == 404
    assert post_count(timelines_database) == 0


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"X-Service-Token": "wrong-token-of-some-length"}, 403)],
)
def test_internal_rejects_bad_token(client, timelines_database, headers, status):
    body = {"job_id": str(uuid.uuid4()), "username": "ada", "text": "hi"}

    inserted = client.post("/internal/posts", json=body, headers=headers)
    deleted = client.delete("/internal/posts/1", headers=headers)

    assert inserted.status_code == status
    assert deleted.status_code == status
    assert post_count(timelines_database) == 0


def test_internal_disabled_without_token(settings, app, timelines_database):
    closed = create_app(replace(settings, service_token=None))
    try:
        response = closed.test_client().post(
            "/internal/posts",
            json={"job_id": str(uuid.uuid4()), "username": "ada", "text": "hi"},
            headers=INTERNAL,
        )
    finally:
        closed.extensions["timelines"].pool.close()
        closed.extensions["timelines"].jobs.close()

    assert response.status_code == 403
    assert response.get_json()["status"] == "403 Forbidden"
    assert post_count(timelines_database) == 0
