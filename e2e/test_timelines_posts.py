"""Single posts on the timelines service: compose, fetch and delete.

The compose tests share one "writer" per module and check only the posts they
made. The rejection tests share a "silent" user whose post list must stay empty.
"""

import json

import pytest

from e2e.support import assert_error, assert_json, assert_post_shape, location_path


def post_ids(timelines, user) -> list[int]:
    response = timelines.get(f"/{user.username}/posts", params={"limit": 100})
    assert response.status_code == 200, response.text
    return [post["id"] for post in response.json()]


# POST /compose/post


def test_compose_returns_post(timelines, make_user, reuse):
    writer = reuse("writer", lambda: make_user("writer"))

    response = timelines.post("/compose/post", auth=writer, json={"text": "hello world"})

    assert response.status_code == 201, response.text
    assert_json(response)
    post = response.json()
    assert_post_shape(post)
    assert post["username"] == writer.username
    assert post["text"] == "hello world"
    assert post["repost"] is False
    assert post["original_post_url"] is None


def test_compose_sets_location(timelines, make_user, reuse):
    writer = reuse("writer", lambda: make_user("writer"))

    response = timelines.post("/compose/post", auth=writer, json={"text": "located"})

    assert response.status_code == 201, response.text
    assert location_path(response).endswith(f"/posts/{response.json()['id']}")


def test_compose_accepts_json_charset(timelines, make_user, reuse):
    writer = reuse("writer", lambda: make_user("writer"))
    body = json.dumps({"text": "with charset"}).encode()

    response = timelines.post(
        "/compose/post",
        auth=writer,
        data=body,
        headers={"Content-Type": "application/json; charset=utf-8"},
    )

    assert response.status_code == 201, response.text
    assert response.json()["text"] == "with charset"


@pytest.mark.parametrize(
    "text",
    [
        "😀" * 280,
        "é" * 280,
        "e\u0301 stays decomposed",
        "line one\nline two\ttabbed",
        'quotes " and backslash \\ and <b>tags</b>',
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 outside the BMP and RTL שלום",
    ],
    ids=["280-emoji", "280-accented", "combining-mark", "inner-whitespace", "markup", "mixed"],
)
def test_compose_keeps_text_exactly(timelines, make_user, reuse, text):
    writer = reuse("writer", lambda: make_user("writer"))

    response = timelines.post("/compose/post", auth=writer, json={"text": text})

    assert response.status_code == 201, response.text
    assert response.json()["text"] == text
    fetched = timelines.get(f"/posts/{response.json()['id']}")
    assert fetched.status_code == 200, fetched.text
    assert fetched.json()["text"].encode() == text.encode()


def test_compose_trims_whitespace(timelines, make_user, reuse):
    writer = reuse("writer", lambda: make_user("writer"))

    response = timelines.post("/compose/post", auth=writer, json={"text": " \n\t trimmed \t\n "})

    assert response.status_code == 201, response.text
    assert response.json()["text"] == "trimmed"
    assert timelines.get(f"/posts/{response.json()['id']}").json()["text"] == "trimmed"


def test_compose_limit_counts_after_trimming(timelines, make_user, reuse):
    writer = reuse("writer", lambda: make_user("writer"))

    response = timelines.post("/compose/post", auth=writer, json={"text": "  " + "😀" * 280 + "  "})

    assert response.status_code == 201, response.text
    assert response.json()["text"] == "😀" * 280


@pytest.mark.parametrize(
    "text",
    ["😀" * 281, "x" * 281, "", "   ", "\n\t \r\n", "nul\u0000inside", "\u0000"],
    ids=["281-emoji", "281-ascii", "empty", "spaces", "whitespace-mix", "nul-inside", "nul-only"],
)
def test_compose_rejects_invalid_text(timelines, make_user, reuse, text):
    silent = reuse("silent", lambda: make_user("silent"))

    response = timelines.post("/compose/post", auth=silent, json={"text": text})

    assert_error(response, 400)
    assert post_ids(timelines, silent) == []


@pytest.mark.parametrize(
    "raw_body",
    [b'{"text": "\\ud800"}', b'{"text": "\\udc00 low"}', b'{"text": "\xff\xfe"}'],
    ids=["lone-high-surrogate", "lone-low-surrogate", "invalid-utf8"],
)
def test_compose_rejects_unencodable_text(timelines, make_user, reuse, raw_body):
    silent = reuse("silent", lambda: make_user("silent"))

    response = timelines.post(
        "/compose/post",
        auth=silent,
        data=raw_body,
        headers={"Content-Type": "application/json"},
    )

    assert_error(response, 400)
    assert post_ids(timelines, silent) == []


# GET /posts/{id}


def test_get_post_matches_composed(timelines, make_user, make_post):
    alice = make_user("alice")
    post = make_post(alice, "fetch me")

    response = timelines.get(f"/posts/{post['id']}")

    assert response.status_code == 200, response.text
    assert response.json() == post


def test_get_post_unknown_names_id(timelines):
    missing_id = 2**31 - 1

    response = timelines.get(f"/posts/{missing_id}")

    body = assert_error(response, 404)
    assert str(missing_id) in body["message"]


@pytest.mark.parametrize(
    "path_id",
    ["0", "-1", "abc", str(10**20), "1.5"],
    ids=["zero", "negative", "letters", "huge", "decimal"],
)
def test_get_post_bad_id_not_found(timelines, path_id):
    response = timelines.get(f"/posts/{path_id}")

    assert_error(response, 404)


# DELETE /delete/post/{id}


def test_delete_post_by_author(timelines, make_user, make_post):
    alice = make_user("alice")
    post = make_post(alice)

    response = timelines.delete(f"/delete/post/{post['id']}", auth=alice)

    assert response.status_code == 200, response.text
    assert isinstance(response.json()["message"], str)
    assert_error(timelines.get(f"/posts/{post['id']}"), 404)
    assert post_ids(timelines, alice) == []


def test_delete_post_by_other_forbidden(timelines, make_user, make_post):
    alice = make_user("alice")
    bob = make_user("bob")
    post = make_post(alice)

    response = timelines.delete(f"/delete/post/{post['id']}", auth=bob)

    assert_error(response, 403)
    assert timelines.get(f"/posts/{post['id']}").status_code == 200


def test_delete_post_missing_not_found(timelines, make_user):
    alice = make_user("alice")

    response = timelines.delete(f"/delete/post/{2**31 - 1}", auth=alice)

    assert_error(response, 404)


def test_delete_post_twice_not_found(timelines, make_user, make_post):
    alice = make_user("alice")
    post = make_post(alice)
    assert timelines.delete(f"/delete/post/{post['id']}", auth=alice).status_code == 200

    response = timelines.delete(f"/delete/post/{post['id']}", auth=alice)

    assert_error(response, 404)
