"""Tests of composing, reading, reposting and deleting posts."""

import base64
import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import psycopg
import pytest

from services.timelines import create_app, data

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def basic(username: str, password: str = "password") -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def compose(client, username: str, text: str):
    return client.post("/compose/post", json={"text": text}, headers=basic(username))


def post_count(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM posts").fetchone()[0]


def test_compose_returns_post(client, make_user):
    make_user("Ada")

    response = compose(client, "ada", "  hello, world  ")

    assert response.status_code == 201
    post = response.get_json()
    assert set(post) == {"id", "username", "text", "timestamp", "repost", "original_post_url"}
    assert post["username"] == "Ada"
    assert post["text"] == "hello, world"
    assert TIMESTAMP.fullmatch(post["timestamp"])
    assert post["repost"] is False
    assert post["original_post_url"] is None
    assert response.headers["Location"] == f"http://timelines.localhost/posts/{post['id']}"


def test_compose_280_emoji_byte_for_byte(client, make_user):
    make_user("ada")
    text = "😀" * 280

    created = compose(client, "ada", text)
    fetched = client.get(f"/posts/{created.get_json()['id']}")

    assert created.status_code == 201
    assert fetched.status_code == 200
    assert fetched.get_json()["text"] == text
    assert text.encode() in fetched.data


@pytest.mark.parametrize(
    "raw_body",
    [
        json.dumps({"text": "😀" * 281}),
        json.dumps({"text": "nul \u0000 inside"}),
        json.dumps({"text": "   "}),
        json.dumps({"text": ""}),
        json.dumps({"text": 42}),
        json.dumps({}),
        json.dumps(["hello"]),
        '{"text": "\\ud800"}',
        json.dumps({"text": "hi", "mood": "happy"}),
    ],
)
def test_compose_invalid_400_writes_nothing(client, make_user, timelines_database, raw_body):
    make_user("ada")

    response = client.post(
        "/compose/post", data=raw_body, content_type="application/json", headers=basic("ada")
    )

    assert response.status_code == 400
    assert response.get_json()["status"] == "400 Bad Request"
    assert post_count(timelines_database) == 0


def test_compose_for_someone_else_403(client, make_user):
    make_user("ada")
    make_user("grace")

    response = client.post(
        "/compose/post", json={"username": "grace", "text": "hi"}, headers=basic("ada")
    )

    assert response.status_code == 403


def test_compose_without_credentials_401(client):
    response = client.post("/compose/post", json={"text": "hi"})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize("password", ["with:colon", "pässwörd 🔑"])
def test_compose_colon_and_utf8_passwords(client, make_user, password):
    make_user("ada", password=password)

    response = client.post("/compose/post", json={"text": "hi"}, headers=basic("ada", password))

    assert response.status_code == 201


def test_credential_cache_holds_no_password(app, client, make_user):
    make_user("ada", password="secret password")

    compose(client, "ada", "one")
    client.post("/compose/post", json={"text": "two"}, headers=basic("ada", "secret password"))

    entries = app.extensions["timelines"].users.credentials._entries
    assert len(entries) == 1
    for key, (_refresh_at, user) in entries.items():
        assert b"secret" not in key
        assert "secret password" not in json.dumps(user)


def test_repost_of_repost_points_at_original(client, make_user):
    for name in ("ada", "grace", "linus"):
        make_user(name)
    original = compose(client, "ada", "original").get_json()
    first = client.post(f"/repost/{original['id']}", headers=basic("grace")).get_json()

    response = client.post(f"/repost/{first['id']}", headers=basic("linus"))

    assert response.status_code == 201
    repost = response.get_json()
    assert repost["repost"] is True
    assert repost["text"] == "original"
    assert repost["original_post_url"] == f"http://timelines.localhost/posts/{original['id']}"


def test_repost_twice_409(client, make_user):
    make_user("ada")
    make_user("grace")
    original = compose(client, "ada", "original").get_json()

    first = client.post(f"/repost/{original['id']}", headers=basic("grace"))
    second = client.post(f"/repost/{original['id']}", headers=basic("grace"))

    assert first.status_code == 201
    assert second.status_code == 409


def test_repost_missing_post_404(client, make_user):
    make_user("ada")

    response = client.post("/repost/12345", headers=basic("ada"))

    assert response.status_code == 404


def test_insert_repost_concurrent_duplicates_store_one(app, client, make_user):
    make_user("ada")
    original = compose(client, "ada", "original").get_json()
    pool = app.extensions["timelines"].pool

    def repost_once(_):
        with pool.connection() as conn:
            return data.insert_repost(conn, "ada", original["id"])

    with ThreadPoolExecutor(max_workers=8) as executor:
        results = list(executor.map(repost_once, range(10)))

    assert sum(result is not None for result in results) == 1


def test_delete_post_also_deletes_reposts(client, make_user, timelines_database):
    make_user("ada")
    make_user("grace")
    original = compose(client, "ada", "original").get_json()
    client.post(f"/repost/{original['id']}", headers=basic("grace"))

    forbidden = client.delete(f"/delete/post/{original['id']}", headers=basic("grace"))
    deleted = client.delete(f"/delete/post/{original['id']}", headers=basic("ada"))

    assert forbidden.status_code == 403
    assert deleted.status_code == 200
    assert post_count(timelines_database) == 0
    assert client.get(f"/posts/{original['id']}").status_code == 404


def test_all_posts_pages_with_shared_timestamp(client, timelines_database):
    with psycopg.connect(timelines_database) as conn:
        # One transaction: all 25 posts get the same created_at.
        for number in range(25):
            conn.execute(
                "INSERT INTO posts (username, text) VALUES ('ada', %s)", (f"post {number}",)
            )

    seen = []
    url = "/posts/all?limit=10"
    pages = 0
    while url and pages < 10:
        response = client.get(url)
        assert response.status_code == 200
        seen.extend(post["id"] for post in response.get_json())
        # New posts arriving between pages must not shift later pages.
        with psycopg.connect(timelines_database) as conn:
            conn.execute("INSERT INTO posts (username, text) VALUES ('ada', 'late')")
        link = response.headers.get("Link")
        url = link[link.index("<") + 1 : link.index(">")] if link else None
        pages += 1

    assert pages == 3
    assert seen == list(range(25, 0, -1))


def test_user_posts_unknown_user_404(client):
    response = client.get("/nobody/posts")

    assert response.status_code == 404
    assert response.get_json()["message"] == "user nobody does not exist"


def test_user_posts_any_case(client, make_user):
    make_user("Ada")
    compose(client, "ada", "mine")

    response = client.get("/ADA/posts")

    assert response.status_code == 200
    assert [post["text"] for post in response.get_json()] == ["mine"]


def test_home_shows_followed_authors_only(client, make_user, follow):
    for name in ("ada", "grace", "linus"):
        make_user(name)
    follow("ada", "grace")
    compose(client, "grace", "from grace 1")
    compose(client, "linus", "from linus")
    compose(client, "grace", "from grace 2")

    response = client.get("/ada/home", headers=basic("ada"))

    assert response.status_code == 200
    assert [post["text"] for post in response.get_json()] == ["from grace 2", "from grace 1"]


def test_home_of_other_user_403(client, make_user):
    make_user("ada")
    make_user("grace")

    response = client.get("/grace/home", headers=basic("ada"))

    assert response.status_code == 403


def test_users_service_down_503(settings):
    app = create_app(replace(settings, users_url="http://127.0.0.1:9"))
    try:
        response = app.test_client().post(
            "/compose/post", json={"text": "hi"}, headers=basic("ada")
        )
    finally:
        app.extensions["timelines"].pool.close()

    assert response.status_code == 503
    assert response.get_json()["status"] == "503 Service Unavailable"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/no/such/path", 404),
        ("delete", "/posts/all", 405),
        ("get", "/posts/not-a-number", 404),
        ("get", "/posts/all/", 200),
    ],
)
def test_routing_errors_are_json(client, method, path, status):
    response = getattr(client, method)(path)

    assert response.status_code == status
    assert response.is_json
    if status == 405:
        assert "GET" in response.headers["Allow"]
