"""Tests of account deletion: the internal endpoints and the account worker, against
live services and real stores."""

import pytest
import requests

from services.common.jobs import JobProducer

from .conftest import wait_until
from .test_handlers import tube_stats

NEW_INTERNAL_ENDPOINTS = [
    ("timelines_service", "GET", "/internal/users/ada/posts"),
    ("timelines_service", "DELETE", "/internal/users/ada/posts"),
    ("likes_service", "DELETE", "/internal/posts/likes"),
    ("likes_service", "DELETE", "/internal/users/ada/likes"),
    ("polls_service", "DELETE", "/internal/users/ada/polls"),
    ("polls_service", "DELETE", "/internal/users/ada/votes"),
]


def call(url: str, method: str, path: str, username: str, **kwargs) -> requests.Response:
    return requests.request(method, url + path, auth=(username, "password"), timeout=10, **kwargs)


@pytest.fixture
def world(clean, make_user, users_service, timelines_service, likes_service, polls_service):
    """Create ada's and grace's posts, reposts, likes, polls and votes; return their ids."""
    for name in ("ada", "grace", "linus"):
        make_user(name)

    def post(username: str, text: str) -> int:
        response = call(
            timelines_service.url, "POST", "/compose/post", username, json={"text": text}
        )
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def repost(username: str, post_id: int) -> int:
        response = call(timelines_service.url, "POST", f"/repost/{post_id}", username)
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def like(username: str, post_id: int) -> None:
        response = call(likes_service.url, "POST", "/like", username, json={"post_id": post_id})
        assert response.status_code == 200, response.text

    def poll(username: str) -> int:
        body = {"question": "tea or coffee?", "options": ["tea", "coffee"]}
        response = call(polls_service.url, "POST", "/poll", username, json=body)
        assert response.status_code == 201, response.text
        return response.json()["poll_id"]

    def vote(username: str, owner: str, poll_id: int) -> None:
        body = {"poll_id": poll_id, "owner_username": owner, "vote": 1}
        response = call(polls_service.url, "PUT", "/poll/vote", username, json=body)
        assert response.status_code == 200, response.text

    ids = {
        "ada_post": post("ada", "by ada"),
        "grace_post": post("grace", "by grace"),
    }
    ids["grace_repost_of_ada"] = repost("grace", ids["ada_post"])
    ids["ada_repost_of_grace"] = repost("ada", ids["grace_post"])
    like("grace", ids["ada_post"])
    like("linus", ids["grace_repost_of_ada"])
    like("ada", ids["grace_post"])
    like("linus", ids["grace_post"])
    ids["ada_poll"] = poll("ada")
    ids["grace_poll"] = poll("grace")
    vote("grace", "ada", ids["ada_poll"])
    vote("ada", "grace", ids["grace_poll"])
    vote("linus", "grace", ids["grace_poll"])
    return ids


def delete_account(users_service, username: str, user_id: int) -> None:
    response = call(
        users_service.url, "DELETE", "/user/delete", username, json={"user_id": user_id}
    )
    assert response.status_code == 200, response.text


def assert_ada_gone(world, timelines_service, likes_service, polls_service) -> None:
    posts = requests.get(f"{timelines_service.url}/posts/all", timeout=10).json()
    assert [post["id"] for post in posts] == [world["grace_post"]]

    count = requests.get(f"{likes_service.url}/like/{world['grace_post']}", timeout=10).json()
    assert count["likes"] == 1
    popular = requests.get(f"{likes_service.url}/like/popular", timeout=10).json()
    assert [(entry["post_id"], entry["likes"]) for entry in popular] == [(world["grace_post"], 1)]
    liked = requests.get(f"{likes_service.url}/like/posts/grace", timeout=10).json()
    assert liked["posts"] == []
    liked = requests.get(f"{likes_service.url}/like/posts/linus", timeout=10).json()
    assert liked["posts"] == [world["grace_post"]]

    ada_poll = requests.get(f"{polls_service.url}/poll/results/ada/{world['ada_poll']}", timeout=10)
    assert ada_poll.status_code == 404
    grace_poll = requests.get(
        f"{polls_service.url}/poll/results/grace/{world['grace_poll']}", timeout=10
    ).json()
    assert grace_poll["total_votes"] == 1
    assert [option["votes"] for option in grace_poll["options"]] == [1, 0]


@pytest.mark.parametrize(("service", "method", "path"), NEW_INTERNAL_ENDPOINTS)
def test_account_endpoints_need_token(request, service, method, path):
    url = request.getfixturevalue(service).url

    response = requests.request(method, url + path, json={"post_ids": []}, timeout=10)

    assert response.status_code == 401
    assert response.json()["status"] == "401 Unauthorized"


def test_account_endpoints_each_remove_and_repeat(
    world, worker_settings, timelines_service, likes_service, polls_service
):
    headers = {"X-Service-Token": worker_settings.service_token}

    def internal(url: str, method: str, path: str, **kwargs) -> dict:
        response = requests.request(method, url + path, headers=headers, timeout=10, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    listed = internal(timelines_service.url, "GET", "/internal/users/ada/posts")
    assert sorted(listed["post_ids"]) == sorted(
        [world["ada_post"], world["grace_repost_of_ada"], world["ada_repost_of_grace"]]
    )

    for _ in range(2):
        internal(
            likes_service.url,
            "DELETE",
            "/internal/posts/likes",
            json={"post_ids": listed["post_ids"]},
        )
        internal(likes_service.url, "DELETE", "/internal/users/ada/likes")
        internal(timelines_service.url, "DELETE", "/internal/users/ada/posts")
        internal(polls_service.url, "DELETE", "/internal/users/ada/polls")
        internal(polls_service.url, "DELETE", "/internal/users/ada/votes")

        assert_ada_gone(world, timelines_service, likes_service, polls_service)


def test_account_worker_removes_everything(
    world,
    run_worker,
    users_service,
    timelines_service,
    likes_service,
    polls_service,
    queue_settings,
):
    delete_account(users_service, "ada", 1)

    run_worker("account")

    wait_until(lambda: tube_stats(queue_settings, "account")["current-jobs-ready"] == 0)
    wait_until(lambda: tube_stats(queue_settings, "account")["current-jobs-reserved"] == 0)
    assert tube_stats(queue_settings, "account")["current-jobs-buried"] == 0
    assert_ada_gone(world, timelines_service, likes_service, polls_service)


def test_account_job_delivered_twice_harmless(
    world,
    run_worker,
    users_service,
    timelines_service,
    likes_service,
    polls_service,
    queue_settings,
):
    delete_account(users_service, "ada", 1)
    producer = JobProducer(queue_settings)
    producer.put("account", {"username": "ada", "user_id": 1})
    producer.close()

    run_worker("account")

    wait_until(lambda: tube_stats(queue_settings, "account")["current-jobs-ready"] == 0)
    wait_until(lambda: tube_stats(queue_settings, "account")["current-jobs-reserved"] == 0)
    assert tube_stats(queue_settings, "account")["current-jobs-buried"] == 0
    assert_ada_gone(world, timelines_service, likes_service, polls_service)
