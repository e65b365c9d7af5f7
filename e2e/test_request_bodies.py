"""Rejection of bad request bodies on every endpoint that takes one, with nothing written."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import pytest
import requests

from e2e.support import assert_error, unique_username


@dataclass
class BodyEndpoint:
    """One endpoint with a body that would succeed, and a check that nothing was written."""

    send: Callable[..., requests.Response]
    valid_body: dict
    assert_nothing_written: Callable[[], None]


@pytest.fixture
def body_endpoint(users, timelines, make_user, make_follow, reuse):
    """Return a function that sets up the named endpoint, or reuses its earlier setup.

    A passing test of a rejected body leaves the setup unchanged, so it is shared
    unless `fresh` is true. create-user is always fresh because its check for
    "nothing written" registers the user.
    """

    def profile(user):
        return users.get(f"/user/{user.username}").json()

    def create_user():
        username = unique_username("body")
        body = {"username": username, "email": f"{username}@example.test", "password": "p" * 8}

        def assert_nothing_written():
            # Registering the same username and email only succeeds if neither is taken.
            response = users.post("/user/new", json=body)
            assert response.status_code == 201, response.text

        return BodyEndpoint(partial(users.post, "/user/new"), body, assert_nothing_written)

    def update_user():
        alice = make_user("alice", bio="unchanged")
        body = {"user_id": alice.id, "column": "bio", "content": "changed"}

        def assert_nothing_written():
            assert profile(alice)["bio"] == "unchanged"

        send = partial(users.put, "/user/update", auth=alice)
        return BodyEndpoint(send, body, assert_nothing_written)

    def delete_user():
        alice = make_user("alice")

        def assert_nothing_written():
            assert users.get(f"/user/{alice.username}").status_code == 200

        send = partial(users.delete, "/user/delete", auth=alice)
        return BodyEndpoint(send, {"user_id": alice.id}, assert_nothing_written)

    def follow():
        alice = make_user("alice")
        bob = make_user("bob")
        body = {"follower_username": alice.username, "following_username": bob.username}

        def assert_nothing_written():
            assert profile(bob)["followers"] == 0

        send = partial(users.post, "/user/follow", auth=alice)
        return BodyEndpoint(send, body, assert_nothing_written)

    def unfollow():
        alice = make_user("alice")
        bob = make_user("bob")
        make_follow(alice, bob)
        body = {"follower_username": alice.username, "following_username": bob.username}

        def assert_nothing_written():
            assert profile(bob)["followers"] == 1

        send = partial(users.delete, "/user/unFollow", auth=alice)
        return BodyEndpoint(send, body, assert_nothing_written)

    def compose():
        alice = make_user("alice")

        def assert_nothing_written():
            assert timelines.get(f"/{alice.username}/posts").json() == []

        send = partial(timelines.post, "/compose/post", auth=alice)
        return BodyEndpoint(send, {"text": "hello"}, assert_nothing_written)

    builders = {
        "create-user": create_user,
        "update-user": update_user,
        "delete-user": delete_user,
        "follow": follow,
        "unfollow": unfollow,
        "compose": compose,
    }

    def get(name, *, fresh=False):
        if fresh or name == "create-user":
            return builders[name]()
        return reuse(name, builders[name])

    return get


BODY_ENDPOINTS = ["create-user", "update-user", "delete-user", "follow", "unfollow", "compose"]


@pytest.mark.parametrize("name", BODY_ENDPOINTS)
def test_valid_body_accepted(body_endpoint, name):
    endpoint = body_endpoint(name, fresh=True)

    response = endpoint.send(json=endpoint.valid_body)

    assert response.status_code in (200, 201), response.text


# Each maps a valid body to raw bytes sent as application/json.
MALFORMED_BODIES = {
    "truncated": lambda body: json.dumps(body).encode()[:-3],
    "single-quotes": lambda body: str(body).encode(),
    "array": lambda body: json.dumps([body]).encode(),
    "string": lambda body: json.dumps(json.dumps(body)).encode(),
    "null": lambda body: b"null",
    "empty": lambda body: b"",
}


@pytest.mark.parametrize("make_raw", list(MALFORMED_BODIES.values()), ids=list(MALFORMED_BODIES))
@pytest.mark.parametrize("name", BODY_ENDPOINTS)
def test_malformed_json_rejected(body_endpoint, name, make_raw):
    endpoint = body_endpoint(name)

    response = endpoint.send(
        data=make_raw(endpoint.valid_body), headers={"Content-Type": "application/json"}
    )

    assert_error(response, 400)
    endpoint.assert_nothing_written()


# Each maps a valid body to the keyword arguments of a request that is not JSON.
NON_JSON_REQUESTS = {
    "text-plain": lambda body: {
        "data": json.dumps(body).encode(),
        "headers": {"Content-Type": "text/plain"},
    },
    "form": lambda body: {"data": body},
    "no-content-type": lambda body: {"data": json.dumps(body).encode()},
    "xml": lambda body: {
        "data": b"<body/>",
        "headers": {"Content-Type": "application/xml"},
    },
}


@pytest.mark.parametrize(
    "make_request", list(NON_JSON_REQUESTS.values()), ids=list(NON_JSON_REQUESTS)
)
@pytest.mark.parametrize("name", BODY_ENDPOINTS)
def test_non_json_body_unsupported(body_endpoint, name, make_request):
    endpoint = body_endpoint(name)

    response = endpoint.send(**make_request(endpoint.valid_body))

    assert_error(response, 415)
    endpoint.assert_nothing_written()


TEXT_FIELD_WRONG_VALUES = {"number": 42, "boolean": True, "null": None, "list": ["text"]}
ID_FIELD_WRONG_VALUES = {"letters": "abc", "null": None, "list": [1]}

# (endpoint, field, required, wrong values)
BODY_FIELDS = [
    ("create-user", "username", True, TEXT_FIELD_WRONG_VALUES),
    ("create-user", "email", True, TEXT_FIELD_WRONG_VALUES),
    ("create-user", "password", True, TEXT_FIELD_WRONG_VALUES),
    ("update-user", "user_id", True, ID_FIELD_WRONG_VALUES),
    ("update-user", "column", True, TEXT_FIELD_WRONG_VALUES),
    ("update-user", "content", True, TEXT_FIELD_WRONG_VALUES),
    ("delete-user", "user_id", True, ID_FIELD_WRONG_VALUES),
    # An omitted follower_username means the authenticated user, so it is only
    # wrong with a value of the wrong type.
    ("follow", "follower_username", False, {"number": 42, "list": ["text"]}),
    ("follow", "following_username", True, TEXT_FIELD_WRONG_VALUES),
    ("unfollow", "follower_username", False, {"number": 42, "list": ["text"]}),
    ("unfollow", "following_username", True, TEXT_FIELD_WRONG_VALUES),
    ("compose", "text", True, TEXT_FIELD_WRONG_VALUES),
]

MISSING = object()

FIELD_CASES = []
for endpoint_name, field, required, wrong_values in BODY_FIELDS:
    if required:
        FIELD_CASES.append(
            pytest.param(endpoint_name, field, MISSING, id=f"{endpoint_name}-{field}-missing")
        )
    for value_name, value in wrong_values.items():
        FIELD_CASES.append(
            pytest.param(endpoint_name, field, value, id=f"{endpoint_name}-{field}-{value_name}")
        )


@pytest.mark.parametrize(("name", "field", "wrong_value"), FIELD_CASES)
def test_invalid_field_rejected(body_endpoint, name, field, wrong_value):
    endpoint = body_endpoint(name)
    body = dict(endpoint.valid_body)
    if wrong_value is MISSING:
        del body[field]
    else:
        body[field] = wrong_value

    response = endpoint.send(json=body)

    assert_error(response, 400)
    endpoint.assert_nothing_written()


UNKNOWN_FIELDS = [
    pytest.param(name, {"unexpected": "value"}, id=f"{name}-unexpected") for name in BODY_ENDPOINTS
] + [
    pytest.param("create-user", {"is_admin": True}, id="create-user-is_admin"),
    pytest.param("create-user", {"id": 1}, id="create-user-id"),
]


@pytest.mark.parametrize(("name", "extra"), UNKNOWN_FIELDS)
def test_unknown_field_rejected(body_endpoint, name, extra):
    endpoint = body_endpoint(name)

    response = endpoint.send(json={**endpoint.valid_body, **extra})

    assert_error(response, 400)
    endpoint.assert_nothing_written()
