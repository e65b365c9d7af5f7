"""Tests of liking, unliking, counts, a user's likes and the popular ranking."""

import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from services.common.jobs import QueueSettings, connect
from services.conftest import SERVICE_TOKEN
from services.likes import create_app

from .conftest import basic

INTERNAL = {"X-Service-Token": SERVICE_TOKEN}


def like(client, acting_user: str, post_id, **extra):
    return client.post("/like", json={"post_id": post_id, **extra}, headers=basic(acting_user))


def unlike(client, username: str, post_id):
    return client.delete("/unlike", json={"post_id": post_id}, headers=basic(username))


def test_like_then_duplicate_409(client, make_user, make_post):
    make_user("ada")
    post_id = make_post("ada")

    first = like(client, "ada", post_id)
    second = like(client, "ADA", post_id)

    assert first.status_code == 200
    assert first.get_json() == {
        "message": f"ada likes post {post_id}",
        "post_id": post_id,
        "likes": 1,
    }
    assert second.status_code == 409
    assert client.get(f"/like/{post_id}").get_json()["likes"] == 1


def test_like_concurrent_duplicates_count_once(app, make_user, make_post):
    make_user("ada")
    post_id = make_post("ada")

    def like_once(_):
        return like(app.test_client(), "ada", post_id).status_code

    with ThreadPoolExecutor(max_workers=10) as executor:
        statuses = list(executor.map(like_once, range(20)))

    assert statuses.count(200) == 1
    assert statuses.count(409) == 19
    assert app.test_client().get(f"/like/{post_id}").get_json()["likes"] == 1


def test_unlike_concurrent_never_negative(app, make_user, make_post):
    make_user("ada")
    post_id = make_post("ada")
    like(app.test_client(), "ada", post_id)

    def unlike_once(_):
        return unlike(app.test_client(), "ada", post_id).status_code

    with ThreadPoolExecutor(max_workers=10) as executor:
        statuses = list(executor.map(unlike_once, range(10)))

    assert statuses.count(200) == 1
    assert statuses.count(404) == 9
    assert app.test_client().get(f"/like/{post_id}").get_json()["likes"] == 0
    assert app.test_client().get("/like/popular").get_json() == []


def test_unlike_not_liked_404(client, make_user, make_post):
    make_user("ada")
    post_id = make_post("ada")

    response = unlike(client, "ada", post_id)

    assert response.status_code == 404
    assert response.get_json()["message"] == f"ada does not like post {post_id}"


def test_like_for_someone_else_403(client, make_user, make_post):
    make_user("ada")
    make_user("grace")
    post_id = make_post("ada")

    response = like(client, "ada", post_id, username="grace")

    assert response.status_code == 403
    assert client.get(f"/like/{post_id}").get_json()["likes"] == 0


@pytest.mark.parametrize(
    "body", [{}, {"post_id": "abc"}, {"post_id": 0}, {"post_id": True}, {"post_id": 1, "x": 1}]
)
def test_like_invalid_body_400_writes_nothing(app, client, make_user, body):
    make_user("ada")

    response = client.post("/like", json=body, headers=basic("ada"))

    assert response.status_code == 400
    assert app.extensions["likes"].store.client.dbsize() == 0


def test_like_without_credentials_401(client):
    response = client.post("/like", json={"post_id": 1})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_like_puts_like_job(client, make_user, queue_settings):
    make_user("ada")

    response = like(client, "ADA", 987654)

    assert response.status_code == 200
    queue = connect(queue_settings, watch="like")
    try:
        job = queue.reserve(timeout=0)
        queue.delete(job)
    finally:
        queue.close()
    body = json.loads(job.body)
    assert body.pop("request_id")
    assert body == {"username": "ada", "post_id": 987654}


def test_like_queue_down_503_undoes_like(settings, app, make_user, make_post):
    make_user("ada")
    post_id = make_post("ada")
    down = QueueSettings(host="127.0.0.1", port=9, connect_timeout_s=1.0, command_timeout_s=1.0)
    broken = create_app(replace(settings, queue=down))

    try:
        response = broken.test_client().post(
            "/like", json={"post_id": post_id}, headers=basic("ada")
        )
    finally:
        broken.extensions["likes"].jobs.close()

    assert response.status_code == 503
    assert response.get_json()["status"] == "503 Service Unavailable"
    assert app.test_client().get(f"/like/{post_id}").get_json()["likes"] == 0
    assert app.test_client().get("/like/popular").get_json() == []
    assert app.test_client().get("/like/posts/ada").get_json()["posts"] == []


def test_internal_remove_like(client, make_user, make_post):
    make_user("ada")
    post_id = make_post("ada")
    like(client, "ada", post_id)
    body = {"username": "ada", "post_id": post_id}

    removed = client.delete("/internal/likes", json=body, headers=INTERNAL)
    again = client.delete("/internal/likes", json=body, headers=INTERNAL)

    assert removed.status_code == 200
    assert removed.get_json()["likes"] == 0
    assert again.status_code == 404
    assert client.get("/like/popular").get_json() == []


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"X-Service-Token": "wrong-token-of-some-length"}, 403)],
)
def test_internal_remove_like_bad_token(client, make_user, make_post, headers, status):
    make_user("ada")
    post_id = make_post("ada")
    like(client, "ada", post_id)

    response = client.delete(
        "/internal/likes", json={"username": "ada", "post_id": post_id}, headers=headers
    )

    assert response.status_code == status
    assert client.get(f"/like/{post_id}").get_json()["likes"] == 1


def test_like_count_unknown_post_404(client):
    response = client.get("/like/424242")

    assert response.status_code == 404
    assert response.get_json()["message"] == "post 424242 does not exist"


def test_popular_orders_by_likes_then_newer_post(client, make_user, make_post):
    for name in ("ada", "grace", "linus"):
        make_user(name)
    old, middle, new = make_post("ada", "old"), make_post("ada", "middle"), make_post("ada", "new")
    for name in ("ada", "grace"):
        like(client, name, middle)
    like(client, "linus", old)
    like(client, "linus", new)

    response = client.get("/like/popular")

    assert response.status_code == 200
    assert [(item["post_id"], item["likes"]) for item in response.get_json()] == [
        (middle, 2),
        (new, 1),
        (old, 1),
    ]
    assert response.get_json()[0]["post_url"] == f"http://timelines.localhost/posts/{middle}"


def test_popular_ties_order_by_numeric_id(client, make_user):
    make_user("ada")
    # 9 and 10 compare the other way round as plain strings.
    for post_id in (9, 10, 100):
        like(client, "ada", post_id)

    response = client.get("/like/popular")

    assert [item["post_id"] for item in response.get_json()] == [100, 10, 9]


@pytest.mark.parametrize("query", ["limit=0", "limit=51", "limit=x"])
def test_popular_bad_limit_400(client, query):
    assert client.get(f"/like/popular?{query}").status_code == 400


def test_liked_posts_pages_newest_first(client, make_user):
    make_user("Ada")
    for post_id in range(1, 8):
        like(client, "ada", post_id)

    seen = []
    url = "/like/posts/ada?limit=3"
    pages = 0
    while url and pages < 5:
        response = client.get(url)
        assert response.status_code == 200
        assert response.get_json()["username"] == "Ada"
        seen.extend(response.get_json()["posts"])
        link = response.headers.get("Link")
        url = re.search(r"<([^>]+)>", link).group(1) if link else None
        pages += 1

    assert pages == 3
    assert seen == [7, 6, 5, 4, 3, 2, 1]


def test_liked_posts_unknown_user_404(client):
    assert client.get("/like/posts/nobody").status_code == 404


def test_redis_down_503(settings, make_user):
    make_user("ada")
    app = create_app(replace(settings, redis_url="redis://127.0.0.1:9/0"))

    response = app.test_client().post("/like", json={"post_id": 1}, headers=basic("ada"))
    health = app.test_client().get("/health-check")

    assert response.status_code == 503
    assert response.get_json()["status"] == "503 Service Unavailable"
    assert health.status_code == 503
