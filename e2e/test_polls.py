"""Creating, reading and deleting polls on the polls service."""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from e2e.support import (
    DEFAULT_PASSWORD,
    TIMESTAMP_PATTERN,
    assert_error,
    basic_auth,
    location_path,
)

CREATED_FIELDS = {"poll_id", "username", "question", "options", "url"}
MISSING_POLL_ID = 2**31 - 1
# Poll ids come from one counter for every user. A check for polls written by a
# rejected request looks at most this many ids between two valid polls.
MAX_ID_GAP = 100


# Creating a user costs a slow password hash, so the tests of this module share
# three users. Each test works on polls that it creates, and checks only those.
@pytest.fixture
def alice(make_user, reuse):
    return reuse("alice", lambda: make_user("Alice_Polls"))


@pytest.fixture
def bob(make_user, reuse):
    return reuse("bob", lambda: make_user("bob"))


def results(polls, owner: str, poll_id: int):
    return polls.get(f"/poll/results/{owner}/{poll_id}")


def assert_poll_exists(polls, poll: dict) -> None:
    response = results(polls, poll["username"], poll["poll_id"])
    assert response.status_code == 200, response.text


def assert_no_poll_written(polls, make_poll, owner, last_poll: dict) -> dict:
    """Fail if owner has a poll newer than last_poll, other than a new valid one.

    A rejected request that still stored a poll took an id between last_poll's and
    the new poll's, because the ids come from one counter. Return the new poll.
    """
    next_poll = make_poll(owner)
    gap = next_poll["poll_id"] - last_poll["poll_id"]
    assert 1 <= gap <= MAX_ID_GAP, (last_poll, next_poll)

    for poll_id in range(last_poll["poll_id"] + 1, next_poll["poll_id"]):
        assert_error(results(polls, owner.username, poll_id), 404)
    return next_poll


# POST /poll


def test_create_poll_returns_poll(polls, alice):
    body = {"question": "Tea or coffee?", "options": ["tea", "coffee", "water"]}

    response = polls.post("/poll", auth=alice, json={"username": alice.username, **body})

    assert response.status_code == 201, response.text
    poll = response.json()
    assert set(poll) == CREATED_FIELDS
    assert isinstance(poll["poll_id"], int)
    assert poll["username"] == alice.username
    assert poll["question"] == "Tea or coffee?"
    assert poll["options"] == ["tea", "coffee", "water"]


def test_create_poll_url_and_location(polls, alice):
    response = polls.post("/poll", auth=alice, json={"question": "Up?", "options": ["y", "n"]})

    assert response.status_code == 201, response.text
    poll = response.json()
    expected_path = f"/poll/results/{alice.username}/{poll['poll_id']}"
    assert urlsplit(poll["url"]).scheme == "http"
    assert urlsplit(poll["url"]).hostname == "polls.localhost"
    assert urlsplit(poll["url"]).path == expected_path
    assert location_path(response) == expected_path
    assert results(polls, alice.username, poll["poll_id"]).status_code == 200


@pytest.mark.parametrize("spelling", [str.upper, str.lower], ids=["upper-case", "lower-case"])
def test_create_poll_username_any_case(polls, alice, spelling):
    body = {"username": spelling(alice.username), "question": "Case?", "options": ["a", "b"]}

    response = polls.post("/poll", auth=alice, json=body)

    assert response.status_code == 201, response.text
    assert response.json()["username"] == alice.username


def test_create_poll_ids_distinct(alice, make_poll):
    first = make_poll(alice)
    second = make_poll(alice)

    assert second["poll_id"] != first["poll_id"]


VALID_EDGE_BODIES = {
    "four-options": {"options": ["a", "b", "c", "d"]},
    "100-char-option": {"options": ["a" * 100, "b"]},
    "280-char-question": {"question": "q" * 280},
    "280-emoji-question": {"question": "\N{GRINNING FACE}" * 280},
    "1-char-question": {"question": "?"},
    "expires_in-300": {"expires_in": 300},
    "expires_in-2592000": {"expires_in": 2_592_000},
}


@pytest.mark.parametrize("changes", list(VALID_EDGE_BODIES.values()), ids=list(VALID_EDGE_BODIES))
def test_create_poll_edge_values_accepted(polls, alice, changes):
    body = {"question": "Edge?", "options": ["yes", "no"], **changes}

    response = polls.post("/poll", auth=alice, json=body)

    assert response.status_code == 201, response.text
    poll = response.json()
    assert poll["question"] == body["question"]
    assert poll["options"] == body["options"]


MISSING = object()

INVALID_POLL_BODIES = {
    "one-option": {"options": ["only"]},
    "five-options": {"options": ["a", "b", "c", "d", "e"]},
    "no-options": {"options": []},
    "duplicate-options-other-case": {"options": ["Tea", "tea"]},
    "101-char-option": {"options": ["a" * 101, "b"]},
    "empty-option": {"options": ["", "b"]},
    "number-option": {"options": [1, 2]},
    "options-string": {"options": "yes,no"},
    "options-object": {"options": {"1": "yes", "2": "no"}},
    "options-missing": {"options": MISSING},
    "empty-question": {"question": ""},
    "281-char-question": {"question": "q" * 281},
    "question-number": {"question": 42},
    "question-missing": {"question": MISSING},
    "expires_in-299": {"expires_in": 299},
    "expires_in-2592001": {"expires_in": 2_592_001},
    "expires_in-boolean": {"expires_in": True},
    "expires_in-fraction": {"expires_in": 600.5},
    "expires_in-letters": {"expires_in": "soon"},
    "username-number": {"username": 42},
    "username-invalid": {"username": "not a name!"},
    "unknown-field": {"colour": "red"},
}


def apply_changes(body: dict, changes: dict) -> dict:
    """Return a copy of body with `changes` applied, where MISSING drops a field."""
    changed = dict(body)
    for field, value in changes.items():
        if value is MISSING:
            changed.pop(field)
        else:
            changed[field] = value
    return changed


@pytest.fixture
def carol(make_user, reuse):
    """Return a user whose polls only the tests of rejected requests create."""
    return reuse("carol", lambda: make_user("carol"))


@pytest.fixture
def last_valid_poll(carol, make_poll, reuse):
    """Return a dict whose "poll" is carol's newest poll, which the tests keep up to date."""
    return reuse("last valid poll", lambda: {"poll": make_poll(carol)})


@pytest.mark.parametrize(
    "changes", list(INVALID_POLL_BODIES.values()), ids=list(INVALID_POLL_BODIES)
)
def test_create_poll_invalid_body_rejected(polls, carol, make_poll, last_valid_poll, changes):
    body = apply_changes({"question": "Valid?", "options": ["yes", "no"]}, changes)

    response = polls.post("/poll", auth=carol, json=body)

    assert_error(response, 400)
    last_valid_poll["poll"] = assert_no_poll_written(
        polls, make_poll, carol, last_valid_poll["poll"]
    )


JSON_TYPE = {"Content-Type": "application/json"}
VALID_RAW_BODY = b'{"question": "Valid?", "options": ["yes", "no"]}'

# (expected status, keyword arguments of a request with a malformed body)
MALFORMED_POLL_REQUESTS = {
    "text-plain": (415, {"data": VALID_RAW_BODY, "headers": {"Content-Type": "text/plain"}}),
    "no-content-type": (415, {"data": VALID_RAW_BODY}),
    "form": (415, {"data": {"question": "Valid?", "options": ["yes", "no"]}}),
    "truncated-json": (400, {"data": VALID_RAW_BODY[:-3], "headers": JSON_TYPE}),
    "json-array": (400, {"data": b"[" + VALID_RAW_BODY + b"]", "headers": JSON_TYPE}),
    "empty-body": (400, {"data": b"", "headers": JSON_TYPE}),
}


@pytest.mark.parametrize(
    ("status", "request_arguments"),
    list(MALFORMED_POLL_REQUESTS.values()),
    ids=list(MALFORMED_POLL_REQUESTS),
)
def test_create_poll_malformed_body_rejected(
    polls, carol, make_poll, last_valid_poll, status, request_arguments
):
    response = polls.post("/poll", auth=carol, **request_arguments)

    assert_error(response, status)
    last_valid_poll["poll"] = assert_no_poll_written(
        polls, make_poll, carol, last_valid_poll["poll"]
    )


def test_create_poll_for_other_user_forbidden(polls, carol, bob, make_poll):
    last_poll = make_poll(bob)
    body = {"username": bob.username, "question": "Whose?", "options": ["mine", "yours"]}

    response = polls.post("/poll", auth=carol, json=body)

    assert_error(response, 403)
    assert_no_poll_written(polls, make_poll, bob, last_poll)


# GET /poll/results/{username}/{poll_id}


def test_results_of_new_poll(polls, alice, make_poll):
    poll = make_poll(alice, "Which one?", ["first", "second", "third"])

    response = results(polls, alice.username, poll["poll_id"])

    assert response.status_code == 200, response.text
    assert response.json() == {
        "poll_id": poll["poll_id"],
        "username": alice.username,
        "question": "Which one?",
        "options": [
            {"option": 1, "text": "first", "votes": 0},
            {"option": 2, "text": "second", "votes": 0},
            {"option": 3, "text": "third", "votes": 0},
        ],
        "total_votes": 0,
        "expires_at": None,
    }


def test_results_expires_at_after_expires_in(polls, alice, make_poll):
    created_at = datetime.now(UTC)
    poll = make_poll(alice, expires_in=600)

    response = results(polls, alice.username, poll["poll_id"])

    assert response.status_code == 200, response.text
    expires_at = response.json()["expires_at"]
    assert TIMESTAMP_PATTERN.match(expires_at), expires_at
    # The stack runs on this machine, so it reads the same clock. A minute's
    # margin covers the time the requests take.
    expected = created_at + timedelta(seconds=600)
    parsed = datetime.strptime(expires_at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert abs(parsed - expected) < timedelta(seconds=60), (parsed, expected)


@pytest.mark.parametrize("spelling", [str.upper, str.lower], ids=["upper-case", "lower-case"])
def test_results_owner_any_case(polls, alice, make_poll, spelling):
    poll = make_poll(alice)

    response = results(polls, spelling(alice.username), poll["poll_id"])

    assert response.status_code == 200, response.text
    assert response.json()["username"] == alice.username
    assert response.json()["poll_id"] == poll["poll_id"]


@pytest.mark.parametrize(
    "path",
    [
        "/poll/results/{owner}/" + str(MISSING_POLL_ID),
        "/poll/results/{other}/{poll_id}",
        "/poll/results/nobody_at_all_x/{poll_id}",
        "/poll/results/{owner}/abc",
        "/poll/results/{owner}/0",
        "/poll/results/{owner}/-1",
    ],
    ids=["unknown-id", "other-owner", "unknown-owner", "letters-id", "zero-id", "negative-id"],
)
def test_results_unknown_poll_not_found(polls, alice, bob, make_poll, reuse, path):
    poll = reuse("alice's poll", lambda: make_poll(alice))

    response = polls.get(
        path.format(owner=alice.username, other=bob.username, poll_id=poll["poll_id"])
    )

    assert_error(response, 404)


# DELETE /poll/delete


def test_delete_poll_by_owner(polls, alice, make_poll):
    poll = make_poll(alice)

    response = polls.delete(
        "/poll/delete", auth=alice, json={"username": alice.username, "poll_id": poll["poll_id"]}
    )

    assert response.status_code == 200, response.text
    assert set(response.json()) == {"message"}
    assert_error(results(polls, alice.username, poll["poll_id"]), 404)


def test_delete_poll_defaults_to_authenticated_user(polls, alice, make_poll):
    poll = make_poll(alice)

    response = polls.delete("/poll/delete", auth=alice, json={"poll_id": poll["poll_id"]})

    assert response.status_code == 200, response.text
    assert_error(results(polls, alice.username, poll["poll_id"]), 404)


def test_delete_poll_keeps_other_polls(polls, alice, make_poll):
    other_poll = make_poll(alice, "Kept?")
    deleted = make_poll(alice, "Deleted?")

    response = polls.delete("/poll/delete", auth=alice, json={"poll_id": deleted["poll_id"]})

    assert response.status_code == 200, response.text
    assert_poll_exists(polls, other_poll)


def test_delete_poll_naming_other_user_forbidden(polls, alice, bob, make_poll):
    poll = make_poll(alice)

    response = polls.delete(
        "/poll/delete", auth=bob, json={"username": alice.username, "poll_id": poll["poll_id"]}
    )

    assert_error(response, 403)
    assert_poll_exists(polls, poll)


def test_delete_other_users_poll_rejected(polls, alice, bob, make_poll):
    """bob names no owner, so the poll id can only mean one of his own polls.

    Either a 403 or a 404 keeps alice's poll, so the test accepts both.
    """
    poll = make_poll(alice)

    response = polls.delete("/poll/delete", auth=bob, json={"poll_id": poll["poll_id"]})

    assert response.status_code in (403, 404), response.text
    assert_error(response, response.status_code)
    assert_poll_exists(polls, poll)


def test_delete_unknown_poll_not_found(polls, alice):
    response = polls.delete("/poll/delete", auth=alice, json={"poll_id": MISSING_POLL_ID})

    body = assert_error(response, 404)
    assert str(MISSING_POLL_ID) in body["message"]


def test_delete_poll_twice_not_found(polls, alice, make_poll):
    poll = make_poll(alice)
    first = polls.delete("/poll/delete", auth=alice, json={"poll_id": poll["poll_id"]})
    assert first.status_code == 200, first.text

    response = polls.delete("/poll/delete", auth=alice, json={"poll_id": poll["poll_id"]})

    assert_error(response, 404)


INVALID_DELETE_BODIES = {
    "poll_id-missing": {"poll_id": MISSING},
    "poll_id-letters": {"poll_id": "abc"},
    "poll_id-zero": {"poll_id": 0},
    "poll_id-boolean": {"poll_id": True},
    "poll_id-null": {"poll_id": None},
    "username-number": {"username": 42},
    "unknown-field": {"unexpected": "value"},
}


@pytest.mark.parametrize(
    "changes", list(INVALID_DELETE_BODIES.values()), ids=list(INVALID_DELETE_BODIES)
)
def test_delete_poll_invalid_body_rejected(polls, alice, make_poll, reuse, changes):
    poll = reuse("alice's poll", lambda: make_poll(alice))
    body = apply_changes({"username": alice.username, "poll_id": poll["poll_id"]}, changes)

    response = polls.delete("/poll/delete", auth=alice, json=body)

    assert_error(response, 400)
    assert_poll_exists(polls, poll)


def test_delete_poll_non_json_unsupported(polls, alice, make_poll, reuse):
    poll = reuse("alice's poll", lambda: make_poll(alice))

    response = polls.delete(
        "/poll/delete", auth=alice, data=f'{{"poll_id": {poll["poll_id"]}}}', headers={}
    )

    assert_error(response, 415)
    assert_poll_exists(polls, poll)


# Authentication of POST /poll, PUT /poll/vote and DELETE /poll/delete


def authenticated_poll_requests(owner, poll: dict) -> list[tuple[str, str, dict]]:
    """Return (method, path, body) of each authenticated polls route, each valid for owner."""
    return [
        ("POST", "/poll", {"question": "Unauthorized?", "options": ["yes", "no"]}),
        (
            "PUT",
            "/poll/vote",
            {"poll_id": poll["poll_id"], "owner_username": owner.username, "vote": 1},
        ),
        ("DELETE", "/poll/delete", {"poll_id": poll["poll_id"]}),
    ]


POLL_ROUTE_IDS = ["create", "vote", "delete"]

AUTHORIZATION_CASES = {
    "none": lambda user: None,
    "wrong-password": lambda user: basic_auth(user.username, DEFAULT_PASSWORD + "x"),
    "unknown-user": lambda user: basic_auth(user.username + "_gone", DEFAULT_PASSWORD),
    "bearer-scheme": lambda user: "Bearer token",
    "bad-base64": lambda user: "Basic !!!not*base64!!!",
}


@pytest.mark.parametrize(
    "authorization", list(AUTHORIZATION_CASES.values()), ids=list(AUTHORIZATION_CASES)
)
@pytest.mark.parametrize("route_index", range(len(POLL_ROUTE_IDS)), ids=POLL_ROUTE_IDS)
def test_poll_routes_bad_credentials_unauthorized(
    polls, carol, make_poll, last_valid_poll, route_index, authorization
):
    poll = last_valid_poll["poll"]
    method, path, body = authenticated_poll_requests(carol, poll)[route_index]
    header = authorization(carol)
    headers = {} if header is None else {"Authorization": header}

    response = polls.request(method, path, json=body, headers=headers)

    assert_error(response, 401)
    assert "Basic" in response.headers.get("WWW-Authenticate", "")
    after = results(polls, carol.username, poll["poll_id"])
    assert after.status_code == 200, after.text
    assert after.json()["total_votes"] == 0
    last_valid_poll["poll"] = assert_no_poll_written(polls, make_poll, carol, poll)
