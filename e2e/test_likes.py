"""Liking and unliking posts, and the like count of one post, on the likes service."""

import pytest

from e2e.support import DEFAULT_PASSWORD, assert_error, basic_auth, run_concurrently

LIKE_FIELDS = {"message", "post_id", "likes"}
MISSING_POST_ID = 2**31 - 1


# Creating a user costs a slow password hash, so the tests of this module share
# three users. Each test likes only posts that it creates, and checks only those.
@pytest.fixture
def author(make_user, reuse):
    return reuse("author", lambda: make_user("author"))


@pytest.fixture
def bob(make_user, reuse):
    return reuse("bob", lambda: make_user("bob"))


@pytest.fixture
def carol(make_user, reuse):
    return reuse("carol", lambda: make_user("carol"))


@pytest.fixture
def post_id(author, make_post) -> int:
    """Return the id of a new post by `author`."""
    return make_post(author, "likeable")["id"]


def like_count(likes, post_id: int) -> int:
    response = likes.get(f"/like/{post_id}")
    assert response.status_code == 200, response.text
    return response.json()["likes"]


def liked_post_ids(likes, user) -> list[int]:
    """Return the ids of the newest 100 posts that a user likes."""
    response = likes.get(f"/like/posts/{user.username}", params={"limit": 100})
    assert response.status_code == 200, response.text
    return response.json()["posts"]


# POST /like


@pytest.mark.parametrize(
    "spelling", [str, str.upper, str.lower], ids=["same-case", "upper-case", "lower-case"]
)
def test_like_returns_count(likes, bob, post_id, spelling):
    response = likes.post(
        "/like", auth=bob, json={"username": spelling(bob.username), "post_id": post_id}
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == LIKE_FIELDS
    assert body["post_id"] == post_id
    assert body["likes"] == 1
    assert isinstance(body["message"], str)
    assert body["message"].strip()


def test_like_defaults_to_authenticated_user(likes, bob, post_id):
    response = likes.post("/like", auth=bob, json={"post_id": post_id})

    assert response.status_code == 200, response.text
    assert post_id in liked_post_ids(likes, bob)


def test_like_counts_each_user(likes, bob, carol, post_id, make_like):
    make_like(bob, post_id)

    response = likes.post("/like", auth=carol, json={"post_id": post_id})

    assert response.status_code == 200, response.text
    assert response.json()["likes"] == 2
    assert like_count(likes, post_id) == 2


def test_like_own_post_counts(likes, author, post_id):
    response = likes.post("/like", auth=author, json={"post_id": post_id})

    assert response.status_code == 200, response.text
    assert response.json()["likes"] == 1


def test_like_twice_conflict(likes, bob, post_id, make_like):
    make_like(bob, post_id)

    response = likes.post("/like", auth=bob, json={"post_id": post_id})

    assert_error(response, 409)
    assert like_count(likes, post_id) == 1
    assert liked_post_ids(likes, bob).count(post_id) == 1


def test_like_concurrent_copies_like_once(likes, bob, post_id):
    # An unlike of a post that bob does not like changes nothing, but puts his
    # verified credentials in the likes service's cache, so the burst does not
    # spend its time on 20 password hashes at once.
    assert likes.delete("/unlike", auth=bob, json={"post_id": post_id}).status_code == 404

    responses = run_concurrently(
        lambda: likes.post("/like", auth=bob, json={"post_id": post_id}), copies=20
    )

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [409] * 19
    assert [r.json()["likes"] for r in responses if r.status_code == 200] == [1]
    assert like_count(likes, post_id) == 1
    assert liked_post_ids(likes, bob).count(post_id) == 1


def test_like_for_other_user_forbidden(likes, bob, carol, post_id):
    response = likes.post("/like", auth=bob, json={"username": carol.username, "post_id": post_id})

    assert_error(response, 403)
    assert like_count(likes, post_id) == 0
    assert post_id not in liked_post_ids(likes, carol)
    assert post_id not in liked_post_ids(likes, bob)


MISSING = object()

INVALID_LIKE_BODIES = {
    "post_id-missing": {"post_id": MISSING},
    "post_id-letters": {"post_id": "abc"},
    "post_id-empty-string": {"post_id": ""},
    "post_id-zero": {"post_id": 0},
    "post_id-negative": {"post_id": -1},
    "post_id-fraction": {"post_id": 1.5},
    "post_id-boolean": {"post_id": True},
    "post_id-null": {"post_id": None},
    "post_id-list": {"post_id": [1]},
    "post_id-object": {"post_id": {"id": 1}},
    "post_id-too-large": {"post_id": 2**64},
    "username-number": {"username": 42},
    "username-list": {"username": ["bob"]},
    "unknown-field": {"unexpected": "value"},
}


def build_body(post_id: int, changes: dict) -> dict:
    """Return a valid like body for post_id with `changes` applied; MISSING drops a field."""
    body = {"post_id": post_id}
    for field, value in changes.items():
        if value is MISSING:
            body.pop(field)
        else:
            body[field] = value
    return body


@pytest.mark.parametrize(
    "changes", list(INVALID_LIKE_BODIES.values()), ids=list(INVALID_LIKE_BODIES)
)
def test_like_invalid_body_rejected(likes, bob, author, reuse, make_post, changes):
    target = reuse("untouched post", lambda: make_post(author, "never liked"))

    response = likes.post("/like", auth=bob, json=build_body(target["id"], changes))

    assert_error(response, 400)
    assert like_count(likes, target["id"]) == 0
    assert target["id"] not in liked_post_ids(likes, bob)


JSON_TYPE = {"Content-Type": "application/json"}

# Each maps a valid body to (expected status, keyword arguments of a request that
# sends it wrongly).
BAD_BODY_REQUESTS = {
    "truncated-json": (400, lambda body: {"data": b'{"post_id": ', "headers": JSON_TYPE}),
    "json-array": (400, lambda body: {"json": [body]}),
    "empty-body": (400, lambda body: {"data": b"", "headers": JSON_TYPE}),
    "text-plain": (
        415,
        lambda body: {"data": str(body), "headers": {"Content-Type": "text/plain"}},
    ),
    "form": (415, lambda body: {"data": body}),
}


@pytest.mark.parametrize(
    ("status", "make_request"), list(BAD_BODY_REQUESTS.values()), ids=list(BAD_BODY_REQUESTS)
)
def test_like_malformed_body_rejected(likes, bob, author, reuse, make_post, status, make_request):
    target = reuse("untouched post", lambda: make_post(author, "never liked"))

    response = likes.post("/like", auth=bob, **make_request({"post_id": target["id"]}))

    assert_error(response, status)
    assert like_count(likes, target["id"]) == 0
    assert target["id"] not in liked_post_ids(likes, bob)


# DELETE /unlike


def test_unlike_returns_count(likes, bob, carol, post_id, make_like):
    make_like(bob, post_id)
    make_like(carol, post_id)

    response = likes.delete(
        "/unlike", auth=bob, json={"username": bob.username, "post_id": post_id}
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == LIKE_FIELDS
    assert body["post_id"] == post_id
    assert body["likes"] == 1
    assert like_count(likes, post_id) == 1
    assert post_id not in liked_post_ids(likes, bob)
    assert post_id in liked_post_ids(likes, carol)


def test_unlike_then_like_again(likes, bob, post_id, make_like):
    make_like(bob, post_id)
    assert likes.delete("/unlike", auth=bob, json={"post_id": post_id}).status_code == 200

    response = likes.post("/like", auth=bob, json={"post_id": post_id})

    assert response.status_code == 200, response.text
    assert response.json()["likes"] == 1


def test_unlike_not_liked_not_found(likes, bob, carol, post_id, make_like):
    make_like(carol, post_id)

    response = likes.delete("/unlike", auth=bob, json={"post_id": post_id})

    body = assert_error(response, 404)
    assert str(post_id) in body["message"]
    assert like_count(likes, post_id) == 1


def test_unlike_twice_not_found(likes, bob, post_id, make_like):
    make_like(bob, post_id)
    assert likes.delete("/unlike", auth=bob, json={"post_id": post_id}).status_code == 200

    response = likes.delete("/unlike", auth=bob, json={"post_id": post_id})

    assert_error(response, 404)
    assert like_count(likes, post_id) == 0


def test_unlike_concurrent_copies_unlike_once(likes, bob, post_id, make_like):
    make_like(bob, post_id)

    responses = run_concurrently(
        lambda: likes.delete("/unlike", auth=bob, json={"post_id": post_id}), copies=10
    )

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [404] * 9
    assert [r.json()["likes"] for r in responses if r.status_code == 200] == [0]
    assert like_count(likes, post_id) == 0
    assert post_id not in liked_post_ids(likes, bob)


def test_unlike_for_other_user_forbidden(likes, bob, carol, post_id, make_like):
    make_like(carol, post_id)

    response = likes.delete(
        "/unlike", auth=bob, json={"username": carol.username, "post_id": post_id}
    )

    assert_error(response, 403)
    assert like_count(likes, post_id) == 1
    assert post_id in liked_post_ids(likes, carol)


@pytest.mark.parametrize(
    "changes",
    [
        INVALID_LIKE_BODIES["post_id-missing"],
        INVALID_LIKE_BODIES["post_id-letters"],
        INVALID_LIKE_BODIES["post_id-zero"],
        INVALID_LIKE_BODIES["post_id-boolean"],
        INVALID_LIKE_BODIES["unknown-field"],
    ],
    ids=["post_id-missing", "post_id-letters", "post_id-zero", "post_id-boolean", "unknown-field"],
)
def test_unlike_invalid_body_rejected(likes, bob, author, reuse, make_post, make_like, changes):
    def liked_post():
        post = make_post(author, "liked once")
        make_like(bob, post["id"])
        return post

    target = reuse("liked post", liked_post)

    response = likes.delete("/unlike", auth=bob, json=build_body(target["id"], changes))

    assert_error(response, 400)
    assert like_count(likes, target["id"]) == 1
    assert target["id"] in liked_post_ids(likes, bob)


# Authentication of POST /like and DELETE /unlike

LIKE_ROUTES = [("POST", "/like"), ("DELETE", "/unlike")]
LIKE_ROUTE_IDS = ["like", "unlike"]


@pytest.mark.parametrize(("method", "path"), LIKE_ROUTES, ids=LIKE_ROUTE_IDS)
def test_like_routes_no_credentials_unauthorized(likes, bob, post_id, make_like, method, path):
    make_like(bob, post_id)

    response = likes.request(method, path, json={"username": bob.username, "post_id": post_id})

    assert_error(response, 401)
    assert "Basic" in response.headers.get("WWW-Authenticate", "")
    assert like_count(likes, post_id) == 1


AUTHORIZATION_CASES = {
    "wrong-password": lambda user: basic_auth(user.username, DEFAULT_PASSWORD + "x"),
    "unknown-user": lambda user: basic_auth(user.username + "_gone", DEFAULT_PASSWORD),
    "bearer-scheme": lambda user: "Bearer token",
    "bad-base64": lambda user: "Basic !!!not*base64!!!",
}


@pytest.mark.parametrize(
    "authorization", list(AUTHORIZATION_CASES.values()), ids=list(AUTHORIZATION_CASES)
)
@pytest.mark.parametrize(("method", "path"), LIKE_ROUTES, ids=LIKE_ROUTE_IDS)
def test_like_routes_bad_credentials_unauthorized(
    likes, bob, post_id, make_like, method, path, authorization
):
    make_like(bob, post_id)

    response = likes.request(
        method,
        path,
        json={"post_id": post_id},
        headers={"Authorization": authorization(bob)},
    )

    assert_error(response, 401)
    assert like_count(likes, post_id) == 1


# GET /like/{post_id}


def test_like_count_of_new_post_zero(likes, post_id):
    response = likes.get(f"/like/{post_id}")

    assert response.status_code == 200, response.text
    assert response.json() == {"post_id": post_id, "likes": 0}


def test_like_count_follows_likes(likes, bob, carol, post_id, make_like):
    make_like(bob, post_id)
    make_like(carol, post_id)

    response = likes.get(f"/like/{post_id}")

    assert response.status_code == 200, response.text
    assert response.json() == {"post_id": post_id, "likes": 2}


@pytest.mark.parametrize("missing_id", [MISSING_POST_ID, 0], ids=["unknown", "zero"])
def test_like_count_missing_post_not_found(likes, missing_id):
    response = likes.get(f"/like/{missing_id}")

    body = assert_error(response, 404)
    assert str(missing_id) in body["message"]


def test_like_count_deleted_post_not_found(likes, timelines, author, post_id):
    assert timelines.delete(f"/delete/post/{post_id}", auth=author).status_code == 200

    response = likes.get(f"/like/{post_id}")

    assert_error(response, 404)


def test_like_count_non_numeric_id_not_found(likes):
    response = likes.get("/like/abc")

    assert_error(response, 404)
