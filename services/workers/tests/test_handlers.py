"""Tests of each worker against real beanstalkd, Postgres, Redis, the DynamoDB
emulator and the mail catcher."""

import json
from dataclasses import replace

import greenstalk
import requests

from services.common.jobs import JobProducer, connect

from .conftest import wait_until


def login(username: str) -> tuple[str, str]:
    return (username, "password")


def all_posts(timelines_service) -> list[dict]:
    response = requests.get(f"{timelines_service.url}/posts/all", timeout=10)
    assert response.status_code == 200
    return response.json()


def tube_stats(queue_settings, tube: str) -> dict:
    client = connect(queue_settings)
    try:
        return client.stats_tube(tube)
    except greenstalk.NotFoundError:
        return {"current-jobs-ready": 0, "current-jobs-buried": 0, "current-jobs-reserved": 0}
    finally:
        client.close()


def compose_async(timelines_service, username: str, text: str) -> str:
    response = requests.post(
        f"{timelines_service.url}/compose/async/post",
        json={"text": text},
        auth=login(username),
        timeout=10,
    )
    assert response.status_code == 202, response.text
    return response.json()["job_id"]


def create_poll(polls_service, username: str) -> str:
    response = requests.post(
        f"{polls_service.url}/poll",
        json={"question": "tea or coffee?", "options": ["tea", "coffee"]},
        auth=login(username),
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return response.json()["url"]


def test_timeline_worker_inserts_async_post(run_worker, make_user, timelines_service):
    make_user("ada")
    compose_async(timelines_service, "ada", "posted later")

    run_worker("timeline")

    posts = wait_until(lambda: all_posts(timelines_service))
    assert [(post["username"], post["text"]) for post in posts] == [("ada", "posted later")]


def test_timeline_worker_same_job_twice_one_post(
    run_worker, make_user, timelines_service, queue_settings
):
    make_user("ada")
    job = {"job_id": "6b1f3c0e-8f57-4c1e-9a39-3f0a4b7d2c11", "username": "ada", "text": "once"}
    producer = JobProducer(queue_settings)
    producer.put("timeline", job)
    producer.put("timeline", job)
    producer.close()

    run_worker("timeline")

    wait_until(lambda: tube_stats(queue_settings, "timeline")["current-jobs-ready"] == 0)
    wait_until(lambda: tube_stats(queue_settings, "timeline")["current-jobs-reserved"] == 0)
    assert len(all_posts(timelines_service)) == 1


def test_timeline_worker_puts_poll_job(make_user, timelines_service, queue_settings, run_worker):
    make_user("ada")
    text = "vote http://polls.localhost:8080/poll/results/ada/42 now"
    compose_async(timelines_service, "ada", text)

    run_worker("timeline")

    wait_until(lambda: tube_stats(queue_settings, "poll")["current-jobs-ready"] == 1)
    client = connect(queue_settings, watch="poll")
    try:
        body = json.loads(client.reserve(timeout=1).body)
    finally:
        client.close()
    # The poll job keeps the id of the request behind the timeline job.
    assert body.pop("request_id")
    assert body == {
        "post_id": all_posts(timelines_service)[0]["id"],
        "username": "ada",
        "text": text,
    }


def test_like_worker_removes_like_of_missing_post_and_emails(
    run_worker, make_user, likes_service, mailbox
):
    make_user("ada")
    response = requests.post(
        f"{likes_service.url}/like", json={"post_id": 4242}, auth=login("ada"), timeout=10
    )
    assert response.status_code == 200

    run_worker("like")
    run_worker("email")

    mails = mailbox.wait_for("ada@example.com")
    assert len(mails) == 1
    assert "4242" in mails[0].subject
    assert "does not exist" in mails[0].body
    assert mails[0].message_id == "<like.4242.ada@microblog.localhost>"
    count = requests.get(f"{likes_service.url}/like/posts/ada", timeout=10).json()
    assert count["posts"] == []
    assert requests.get(f"{likes_service.url}/like/popular", timeout=10).json() == []


def test_like_worker_keeps_like_of_existing_post(
    run_worker, make_user, likes_service, timelines_service, queue_settings, mailbox
):
    make_user("ada")
    post = requests.post(
        f"{timelines_service.url}/compose/post", json={"text": "hi"}, auth=login("ada"), timeout=10
    ).json()
    requests.post(
        f"{likes_service.url}/like", json={"post_id": post["id"]}, auth=login("ada"), timeout=10
    )

    run_worker("like")

    wait_until(lambda: tube_stats(queue_settings, "like")["current-jobs-ready"] == 0)
    wait_until(lambda: tube_stats(queue_settings, "like")["current-jobs-reserved"] == 0)
    assert tube_stats(queue_settings, "email")["current-jobs-ready"] == 0
    likes = requests.get(f"{likes_service.url}/like/posts/ada", timeout=10).json()
    assert likes["posts"] == [post["id"]]


def test_poll_worker_deletes_post_with_missing_poll(
    run_worker, make_user, timelines_service, polls_service, mailbox
):
    make_user("ada")
    existing = create_poll(polls_service, "ada")
    missing = "http://polls.localhost/poll/results/ada/987654"
    compose_async(timelines_service, "ada", f"{existing} and {missing}")

    for tube in ("timeline", "poll", "email"):
        run_worker(tube)

    mails = mailbox.wait_for("ada@example.com")
    assert len(mails) == 1
    assert missing in mails[0].body
    assert existing not in mails[0].body
    assert all_posts(timelines_service) == []


def test_poll_worker_keeps_post_with_existing_poll(
    run_worker, make_user, timelines_service, polls_service, queue_settings
):
    make_user("ada")
    url = create_poll(polls_service, "ada")
    compose_async(timelines_service, "ada", f"vote {url}")

    run_worker("timeline")
    run_worker("poll")

    wait_until(lambda: all_posts(timelines_service))
    wait_until(lambda: tube_stats(queue_settings, "poll").get("total-jobs") == 1)
    wait_until(lambda: tube_stats(queue_settings, "poll")["current-jobs-reserved"] == 0)
    wait_until(lambda: tube_stats(queue_settings, "poll")["current-jobs-ready"] == 0)
    assert len(all_posts(timelines_service)) == 1
    assert tube_stats(queue_settings, "email")["current-jobs-ready"] == 0


def test_malformed_job_buried_next_processed(
    run_worker, make_user, timelines_service, queue_settings
):
    make_user("ada")
    client = connect(queue_settings, use="timeline")
    try:
        client.put(b"\xff not json")
        client.put(json.dumps({"job_id": "nope", "username": "ada", "text": "x"}).encode())
    finally:
        client.close()
    compose_async(timelines_service, "ada", "still processed")

    run_worker("timeline")

    wait_until(lambda: all_posts(timelines_service))
    wait_until(lambda: tube_stats(queue_settings, "timeline")["current-jobs-buried"] == 2)
    assert [post["text"] for post in all_posts(timelines_service)] == ["still processed"]


def test_failing_job_buried_after_max_attempts(
    run_worker, worker_settings, make_user, queue_settings
):
    make_user("ada")
    # A wrong token makes every call fail with a 403, a failure that may pass.
    settings = replace(worker_settings, service_token="wrong-token-of-some-length")
    producer = JobProducer(queue_settings)
    producer.put("like", {"username": "ada", "post_id": 1})
    producer.close()

    run_worker("like", replace(settings, max_attempts=2, retry_base_delay_s=0))

    wait_until(lambda: tube_stats(queue_settings, "like")["current-jobs-buried"] == 1)
