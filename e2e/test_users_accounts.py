"""Accounts on the users service: register, authenticate, look up, update and delete."""

import secrets

import pytest

from e2e.support import (
    DEFAULT_PASSWORD,
    assert_error,
    assert_json,
    assert_no_password_in,
    location_path,
    unique_username,
)

PROFILE_FIELDS = {"id", "username", "email", "bio"}


def new_user_body(name=None, **overrides) -> dict:
    """Build a valid POST /user/new body for the user `name`, then apply `overrides`."""
    name = name or unique_username("new")
    body = {
        "username": name,
        "email": f"{name.lower()}@example.test",
        "password": DEFAULT_PASSWORD,
    }
    body.update(overrides)
    return body


# POST /user/new


def test_create_user_returns_profile(users):
    body = new_user_body(bio="writes tests")

    response = users.post("/user/new", json=body)

    assert response.status_code == 201, response.text
    assert_json(response)
    profile = response.json()
    assert set(profile) == PROFILE_FIELDS
    assert isinstance(profile["id"], int)
    assert profile["username"] == body["username"]
    assert profile["email"] == body["email"]
    assert profile["bio"] == "writes tests"


def test_create_user_sets_location(users):
    body = new_user_body()

    response = users.post("/user/new", json=body)

    assert response.status_code == 201, response.text
    assert location_path(response).endswith(f"/user/{body['username']}")


def test_create_user_accepts_limits(users):
    username = unique_username("x" * 19)
    body = new_user_body(username, password="p" * 8, bio="b" * 160)

    response = users.post("/user/new", json=body)

    assert len(username) == 30
    assert response.status_code == 201, response.text
    assert response.json()["bio"] == "b" * 160


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("username", "has-hyphen"),
        ("username", "x" * 31),
        ("username", ""),
        ("username", "has space"),
        ("username", "bøb"),
        ("username", "nul\u0000name"),
        ("password", "p" * 7),
        ("bio", "b" * 161),
        ("bio", "nul\u0000bio"),
        ("email", "nul\u0000@example.test"),
    ],
    ids=[
        "username-hyphen",
        "username-31-chars",
        "username-empty",
        "username-space",
        "username-non-ascii",
        "username-nul",
        "password-7-chars",
        "bio-161-chars",
        "bio-nul",
        "email-nul",
    ],
)
def test_create_user_rejects_invalid_field(users, field, value):
    body = new_user_body(unique_username("bad"), **{field: value})

    response = users.post("/user/new", json=body)

    assert_error(response, 400)
    assert_error(users.get(f"/user/{body['username']}"), 404)


def test_create_user_username_taken_any_case(users):
    suffix = secrets.token_hex(5)
    first = new_user_body(f"Bob_x{suffix}")
    second = new_user_body(f"bob_X{suffix}", email=f"other_{suffix}@example.test")
    assert users.post("/user/new", json=first).status_code == 201

    response = users.post("/user/new", json=second)

    assert_error(response, 409)
    profile = users.get(f"/user/{second['username']}").json()
    assert profile["username"] == first["username"]


def test_create_user_email_taken_any_case(users):
    first = new_user_body()
    second = new_user_body(email=first["email"].upper())
    assert users.post("/user/new", json=first).status_code == 201

    response = users.post("/user/new", json=second)

    assert_error(response, 409)
    assert_error(users.get(f"/user/{second['username']}"), 404)


# GET /user/authenticate


def test_authenticate_returns_own_profile(users, make_user):
    alice = make_user("alice", bio="hello")

    response = users.get("/user/authenticate", auth=alice)

    assert response.status_code == 200, response.text
    assert response.json() == {
        "id": alice.id,
        "username": alice.username,
        "email": alice.email,
        "bio": "hello",
    }


def test_password_never_returned(users, make_user, make_follow):
    alice = make_user("alice")
    bob = make_user("bob")
    make_follow(alice, bob)
    update = {"user_id": alice.id, "column": "password", "content": "another password"}

    responses = [
        users.get("/user/authenticate", auth=alice),
        users.get(f"/user/{alice.username}"),
        users.get(f"/user/{bob.username}/followers"),
        users.get(f"/user/{alice.username}/following"),
        users.put("/user/update", auth=alice, json=update),
    ]

    for response in responses:
        assert response.status_code == 200, response.text
        assert_no_password_in(response)


# GET /user/{username}


def test_get_user_returns_public_profile(users, make_user):
    alice = make_user("alice", bio="hello")

    response = users.get(f"/user/{alice.username}")

    assert response.status_code == 200, response.text
    assert response.json() == {
        "id": alice.id,
        "username": alice.username,
        "bio": "hello",
        "followers": 0,
        "following": 0,
    }


def test_get_user_ignores_case(users, make_user):
    alice = make_user("Alice_Mixed")

    response = users.get(f"/user/{alice.username.upper()}")

    assert response.status_code == 200, response.text
    assert response.json()["username"] == alice.username


def test_get_user_unknown_names_user(users):
    username = unique_username("nobody")

    response = users.get(f"/user/{username}")

    body = assert_error(response, 404)
    assert username in body["message"]


@pytest.mark.parametrize(
    "path_name",
    ["x" * 31, "b%C3%B8b", "nul%00name", "has-hyphen"],
    ids=["31-chars", "non-ascii", "nul", "hyphen"],
)
def test_get_user_invalid_name_not_found(users, path_name):
    response = users.get(f"/user/{path_name}")

    assert_error(response, 404)


# PUT /user/update


def test_update_bio(users, make_user):
    alice = make_user("alice")

    response = users.put(
        "/user/update",
        auth=alice,
        json={"user_id": alice.id, "column": "bio", "content": "new bio"},
    )

    assert response.status_code == 200, response.text
    assert response.json()["bio"] == "new bio"
    assert users.get(f"/user/{alice.username}").json()["bio"] == "new bio"


def test_update_email(users, make_user):
    alice = make_user("alice")
    new_email = f"new_{alice.username.lower()}@example.test"

    response = users.put(
        "/user/update",
        auth=alice,
        json={"user_id": alice.id, "column": "email", "content": new_email},
    )

    assert response.status_code == 200, response.text
    assert response.json()["email"] == new_email
    assert users.get("/user/authenticate", auth=alice).json()["email"] == new_email


def test_update_email_taken_any_case(users, make_user):
    alice = make_user("alice")
    bob = make_user("bob")

    response = users.put(
        "/user/update",
        auth=alice,
        json={"user_id": alice.id, "column": "email", "content": bob.email.upper()},
    )

    assert_error(response, 409)
    assert users.get("/user/authenticate", auth=alice).json()["email"] == alice.email


def test_update_password(users, make_user):
    alice = make_user("alice")
    new_password = "a brand new password"

    response = users.put(
        "/user/update",
        auth=alice,
        json={"user_id": alice.id, "column": "password", "content": new_password},
    )

    assert response.status_code == 200, response.text
    assert_error(users.get("/user/authenticate", auth=alice), 401)
    response = users.get("/user/authenticate", auth=(alice.username, new_password))
    assert response.status_code == 200, response.text


def test_update_username_rejected(users, make_user):
    alice = make_user("alice")

    response = users.put(
        "/user/update",
        auth=alice,
        json={"user_id": alice.id, "column": "username", "content": unique_username("renamed")},
    )

    assert_error(response, 400)
    assert users.get(f"/user/{alice.username}").json()["username"] == alice.username


@pytest.mark.parametrize(
    ("column", "content"),
    [
        ("colour", "red"),
        ("id", 1),
        ("bio", "b" * 161),
        ("bio", "nul\u0000bio"),
        ("bio", 42),
        ("password", "p" * 7),
        ("email", None),
    ],
    ids=[
        "unknown-column",
        "id-column",
        "bio-161-chars",
        "bio-nul",
        "bio-number",
        "password-7-chars",
        "email-null",
    ],
)
def test_update_rejects_invalid_change(users, make_user, reuse, column, content):
    alice = reuse("unchanged", lambda: make_user("alice", bio="unchanged"))

    response = users.put(
        "/user/update", auth=alice, json={"user_id": alice.id, "column": column, "content": content}
    )

    assert_error(response, 400)
    response = users.get("/user/authenticate", auth=alice)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "id": alice.id,
        "username": alice.username,
        "email": alice.email,
        "bio": "unchanged",
    }


def test_update_accepts_user_id_string(users, make_user):
    alice = make_user("alice")

    response = users.put(
        "/user/update",
        auth=alice,
        json={"user_id": str(alice.id), "column": "bio", "content": "from httpie"},
    )

    assert response.status_code == 200, response.text
    assert users.get(f"/user/{alice.username}").json()["bio"] == "from httpie"


# Each maps the user's own id to a user_id value that is neither an integer nor a
# string of ASCII digits, so it must be rejected even though int() accepts several.
BAD_USER_IDS = {
    "letter": lambda user_id: f"{user_id}a",
    "plus-sign": lambda user_id: f"+{user_id}",
    "leading-space": lambda user_id: f" {user_id}",
    "empty": lambda user_id: "",
    "arabic-indic-digits": lambda user_id: str(user_id).translate(
        str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    ),
    "boolean": lambda user_id: True,
    "float": lambda user_id: float(user_id),
    "null": lambda user_id: None,
    "list": lambda user_id: [user_id],
    "object": lambda user_id: {"id": user_id},
}


@pytest.mark.parametrize("bad_user_id", list(BAD_USER_IDS.values()), ids=list(BAD_USER_IDS))
def test_update_rejects_bad_user_id(users, make_user, reuse, bad_user_id):
    alice = reuse("unchanged", lambda: make_user("alice", bio="unchanged"))
    user_id = bad_user_id(alice.id)

    response = users.put(
        "/user/update", auth=alice, json={"user_id": user_id, "column": "bio", "content": "changed"}
    )

    assert_error(response, 400)
    assert users.get(f"/user/{alice.username}").json()["bio"] == "unchanged"


def test_update_other_user_forbidden(users, make_user):
    alice = make_user("alice")
    bob = make_user("bob", bio="bob's own")

    response = users.put(
        "/user/update", auth=alice, json={"user_id": bob.id, "column": "bio", "content": "hacked"}
    )

    assert_error(response, 403)
    assert users.get(f"/user/{bob.username}").json()["bio"] == "bob's own"


def test_update_unknown_user_not_found(users, make_user):
    alice = make_user("alice")

    response = users.put(
        "/user/update", auth=alice, json={"user_id": 2**31 - 1, "column": "bio", "content": "x"}
    )

    assert_error(response, 404)


# No user has these ids, and a service may reject them as out of range instead.
@pytest.mark.parametrize(
    "user_id", [0, "0", 10**20, str(10**20)], ids=["zero", "zero-string", "huge", "huge-string"]
)
def test_update_out_of_range_user_id(users, make_user, reuse, user_id):
    alice = reuse("unchanged", lambda: make_user("alice", bio="unchanged"))

    response = users.put(
        "/user/update", auth=alice, json={"user_id": user_id, "column": "bio", "content": "x"}
    )

    assert response.status_code in (400, 404), response.text
    assert_error(response, response.status_code)
    assert users.get(f"/user/{alice.username}").json()["bio"] == "unchanged"


# DELETE /user/delete


def test_delete_user_removes_account(users, make_user):
    alice = make_user("alice")

    response = users.delete("/user/delete", auth=alice, json={"user_id": alice.id})

    assert response.status_code == 200, response.text
    assert isinstance(response.json()["message"], str)
    assert_error(users.get(f"/user/{alice.username}"), 404)
    assert_error(users.get("/user/authenticate", auth=alice), 401)


def test_delete_user_removes_follows(users, make_user, make_follow):
    alice = make_user("alice")
    bob = make_user("bob")
    carol = make_user("carol")
    make_follow(alice, bob)
    make_follow(carol, alice)
    assert users.get(f"/user/{bob.username}").json()["followers"] == 1
    assert users.get(f"/user/{carol.username}").json()["following"] == 1

    response = users.delete("/user/delete", auth=alice, json={"user_id": alice.id})

    assert response.status_code == 200, response.text
    assert users.get(f"/user/{bob.username}").json()["followers"] == 0
    assert users.get(f"/user/{carol.username}").json()["following"] == 0
    assert users.get(f"/user/{bob.username}/followers").json() == []
    assert users.get(f"/user/{carol.username}/following").json() == []


def test_delete_accepts_user_id_string(users, make_user):
    alice = make_user("alice")

    response = users.delete("/user/delete", auth=alice, json={"user_id": str(alice.id)})

    assert response.status_code == 200, response.text
    assert_error(users.get(f"/user/{alice.username}"), 404)


@pytest.mark.parametrize("bad_user_id", list(BAD_USER_IDS.values()), ids=list(BAD_USER_IDS))
def test_delete_rejects_bad_user_id(users, make_user, reuse, bad_user_id):
    alice = reuse("unchanged", lambda: make_user("alice", bio="unchanged"))
    user_id = bad_user_id(alice.id)

    response = users.delete("/user/delete", auth=alice, json={"user_id": user_id})

    assert_error(response, 400)
    assert users.get(f"/user/{alice.username}").status_code == 200


def test_delete_other_user_forbidden(users, make_user):
    alice = make_user("alice")
    bob = make_user("bob")

    response = users.delete("/user/delete", auth=alice, json={"user_id": bob.id})

    assert_error(response, 403)
    assert users.get(f"/user/{bob.username}").status_code == 200


def test_delete_unknown_user_not_found(users, make_user):
    alice = make_user("alice")

    response = users.delete("/user/delete", auth=alice, json={"user_id": 2**31 - 1})

    assert_error(response, 404)
    assert users.get(f"/user/{alice.username}").status_code == 200
