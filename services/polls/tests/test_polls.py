"""Tests of creating, reading and deleting polls."""

import json
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from services.polls import data

from .conftest import basic, poll_id_counter, scan_items

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def create_poll(client, authenticated_as: str, **body):
    """Create a poll through the API; the body defaults to a two-option question."""
    body.setdefault("question", "Tea or coffee?")
    body.setdefault("options", ["tea", "coffee"])
    return client.post("/poll", json=body, headers=basic(authenticated_as))


def vote(client, username: str, owner: str, poll_id: int, option: int):
    body = {"poll_id": poll_id, "owner_username": owner, "vote": option}
    return client.put("/poll/vote", json=body, headers=basic(username))


def test_create_returns_poll(client, make_user):
    make_user("Ada")

    response = create_poll(
        client, "ada", question="  Best language?  ", options=[" Python ", "Rust", "Go"]
    )

    assert response.status_code == 201
    poll = response.get_json()
    assert set(poll) == {"poll_id", "username", "question", "options", "url"}
    assert poll["poll_id"] == 1
    assert poll["username"] == "Ada"
    assert poll["question"] == "Best language?"
    assert poll["options"] == ["Python", "Rust", "Go"]
    assert poll["url"] == "http://polls.localhost/poll/results/Ada/1"
    assert response.headers["Location"] == poll["url"]


def test_create_names_self_explicitly(client, make_user):
    make_user("ada")

    response = create_poll(client, "ada", username="ADA")

    assert response.status_code == 201
    assert response.get_json()["username"] == "ada"


def test_create_boundaries_accepted(client, make_user):
    make_user("ada")
    question = "😀" * 280
    options = ["a" * 100, "b", "c", "😀" * 100]

    longest = create_poll(client, "ada", question=question, options=options, expires_in=2_592_000)
    shortest = create_poll(client, "ada", expires_in=300)

    assert longest.status_code == 201
    assert longest.get_json()["question"] == question
    assert longest.get_json()["options"] == options
    assert shortest.status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {"question": "Q?", "options": ["only one"]},
        {"question": "Q?", "options": ["a", "b", "c", "d", "e"]},
        {"question": "Q?", "options": []},
        {"question": "Q?", "options": ["Tea", " tea "]},
        {"question": "Q?", "options": ["a" * 101, "b"]},
        {"question": "Q?", "options": ["   ", "b"]},
        {"question": "Q?", "options": ["a", 2]},
        {"question": "Q?", "options": ["a", None]},
        {"question": "Q?", "options": "a,b"},
        {"question": "Q?", "options": {"1": "a", "2": "b"}},
        {"question": "Q?", "options": ["nul \u0000", "b"]},
        {"question": "Q?"},
        {"question": "", "options": ["a", "b"]},
        {"question": "   ", "options": ["a", "b"]},
        {"question": "😀" * 281, "options": ["a", "b"]},
        {"question": 42, "options": ["a", "b"]},
        {"options": ["a", "b"]},
        {"question": "Q?", "options": ["a", "b"], "expires_in": 299},
        {"question": "Q?", "options": ["a", "b"], "expires_in": 2_592_001},
        {"question": "Q?", "options": ["a", "b"], "expires_in": True},
        {"question": "Q?", "options": ["a", "b"], "expires_in": 300.0},
        {"question": "Q?", "options": ["a", "b"], "expires_in": "300"},
        {"question": "Q?", "options": ["a", "b"], "colour": "blue"},
        {"question": "Q?", "options": ["a", "b"], "username": "not a name!"},
    ],
)
def test_create_invalid_400_writes_nothing(client, make_user, store, body):
    make_user("ada")

    response = client.post("/poll", json=body, headers=basic("ada"))

    assert response.status_code == 400
    assert response.get_json()["status"] == "400 Bad Request"
    assert response.get_json()["errors"]
    assert poll_id_counter(store) == 0
    assert scan_items(store, store.polls_table) == []


@pytest.mark.parametrize(
    "raw_body",
    ['{"question": "\\ud800", "options": ["a", "b"]}', "[]", "not json", ""],
)
def test_create_malformed_json_400(client, make_user, store, raw_body):
    make_user("ada")

    response = client.post(
        "/poll", data=raw_body, content_type="application/json", headers=basic("ada")
    )

    assert response.status_code == 400
    assert poll_id_counter(store) == 0


def test_create_non_json_415(client, make_user, store):
    make_user("ada")
    body = json.dumps({"question": "Q?", "options": ["a", "b"]})

    response = client.post("/poll", data=body, content_type="text/plain", headers=basic("ada"))

    assert response.status_code == 415
    assert response.is_json
    assert poll_id_counter(store) == 0


def test_create_for_someone_else_403(client, make_user, store):
    make_user("ada")
    make_user("grace")

    response = create_poll(client, "ada", username="grace")

    assert response.status_code == 403
    assert response.is_json
    assert scan_items(store, store.polls_table) == []


def test_create_without_credentials_401(client):
    response = client.post("/poll", json={"question": "Q?", "options": ["a", "b"]})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_create_wrong_password_401(client, make_user):
    make_user("ada")

    response = client.post(
        "/poll", json={"question": "Q?", "options": ["a", "b"]}, headers=basic("ada", "wrong")
    )

    assert response.status_code == 401


def test_create_concurrent_ids_distinct(app, make_user, store):
    make_user("ada")
    create_poll(app.test_client(), "ada")  # caches the credentials before the burst

    def create(_):
        return create_poll(app.test_client(), "ada").get_json()["poll_id"]

    with ThreadPoolExecutor(max_workers=8) as executor:
        ids = list(executor.map(create, range(10)))

    assert sorted(ids) == list(range(2, 12))
    assert poll_id_counter(store) == 11


def test_results_shows_votes_per_option(client, make_user):
    for name in ("ada", "grace", "linus"):
        make_user(name)
    poll_id = create_poll(client, "ada", options=["tea", "coffee", "water"]).get_json()["poll_id"]
    vote(client, "grace", "ada", poll_id, 2)
    vote(client, "linus", "ada", poll_id, 2)
    vote(client, "ada", "ada", poll_id, 3)

    response = client.get(f"/poll/results/ada/{poll_id}")

    assert response.status_code == 200
    assert response.get_json() == {
        "poll_id": poll_id,
        "username": "ada",
        "question": "Tea or coffee?",
        "options": [
            {"option": 1, "text": "tea", "votes": 0},
            {"option": 2, "text": "coffee", "votes": 2},
            {"option": 3, "text": "water", "votes": 1},
        ],
        "total_votes": 3,
        "expires_at": None,
    }


def test_results_expires_at_iso_utc(client, make_user):
    make_user("ada")
    before = datetime.now(UTC)
    poll_id = create_poll(client, "ada", expires_in=600).get_json()["poll_id"]
    after = datetime.now(UTC)

    expires_at = client.get(f"/poll/results/ada/{poll_id}").get_json()["expires_at"]

    assert TIMESTAMP.fullmatch(expires_at)
    parsed = datetime.strptime(expires_at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert before + timedelta(seconds=600, milliseconds=-1) <= parsed
    assert parsed <= after + timedelta(seconds=600)


def test_results_owner_any_case(client, make_user):
    make_user("Ada")
    poll_id = create_poll(client, "ada").get_json()["poll_id"]

    response = client.get(f"/poll/results/aDA/{poll_id}/")

    assert response.status_code == 200
    assert response.get_json()["username"] == "Ada"


@pytest.mark.parametrize(
    "path",
    [
        "/poll/results/ada/2",
        "/poll/results/grace/1",
        "/poll/results/ada/abc",
        "/poll/results/ada/0",
        "/poll/results/ada/-1",
        "/poll/results/ada/1.0",
        "/poll/results/ada/99999999999999999999999",
        "/poll/results/no-such-name/1",
    ],
)
def test_results_unknown_poll_404(client, make_user, path):
    make_user("ada")
    create_poll(client, "ada")

    response = client.get(path)

    assert response.status_code == 404
    assert response.get_json()["status"] == "404 Not Found"


def test_delete_removes_poll_and_votes(client, make_user, store):
    for name in ("ada", "grace"):
        make_user(name)
    doomed = create_poll(client, "ada").get_json()["poll_id"]
    kept = create_poll(client, "ada").get_json()["poll_id"]
    for poll_id in (doomed, kept):
        vote(client, "ada", "ada", poll_id, 1)
        vote(client, "grace", "ada", poll_id, 2)

    response = client.delete("/poll/delete", json={"poll_id": doomed}, headers=basic("ada"))

    assert response.status_code == 200
    assert response.get_json()["message"] == f"poll {doomed} by ada deleted"
    assert client.get(f"/poll/results/ada/{doomed}").status_code == 404
    remaining_votes = {int(item["poll_id"]["N"]) for item in scan_items(store, store.votes_table)}
    assert remaining_votes == {kept}
    assert client.get(f"/poll/results/ada/{kept}").get_json()["total_votes"] == 2


def test_delete_with_string_id_and_username(client, make_user):
    make_user("Ada")
    poll_id = create_poll(client, "ada").get_json()["poll_id"]

    response = client.delete(
        "/poll/delete", json={"username": "ada", "poll_id": str(poll_id)}, headers=basic("ada")
    )

    assert response.status_code == 200


def test_delete_for_someone_else_403(client, make_user):
    make_user("ada")
    make_user("grace")
    poll_id = create_poll(client, "ada").get_json()["poll_id"]

    response = client.delete(
        "/poll/delete", json={"username": "ada", "poll_id": poll_id}, headers=basic("grace")
    )

    assert response.status_code == 403
    assert client.get(f"/poll/results/ada/{poll_id}").status_code == 200


def test_delete_another_users_poll_404(client, make_user):
    make_user("ada")
    make_user("grace")
    poll_id = create_poll(client, "ada").get_json()["poll_id"]

    response = client.delete("/poll/delete", json={"poll_id": poll_id}, headers=basic("grace"))

    assert response.status_code == 404
    assert client.get(f"/poll/results/ada/{poll_id}").status_code == 200


def test_delete_unknown_poll_404(client, make_user):
    make_user("ada")

    response = client.delete("/poll/delete", json={"poll_id": 7}, headers=basic("ada"))

    assert response.status_code == 404
    assert response.get_json()["message"] == "poll 7 by ada does not exist"


@pytest.mark.parametrize(
    "body",
    [{}, {"poll_id": "abc"}, {"poll_id": True}, {"poll_id": 0}, {"poll_id": 1, "extra": 1}],
)
def test_delete_invalid_body_400(client, make_user, body):
    make_user("ada")
    create_poll(client, "ada")

    response = client.delete("/poll/delete", json=body, headers=basic("ada"))

    assert response.status_code == 400
    assert client.get("/poll/results/ada/1").status_code == 200


def test_delete_without_credentials_401(client):
    response = client.delete("/poll/delete", json={"poll_id": 1})

    assert response.status_code == 401


def test_insert_poll_keeps_reserved_word_text(app, store):
    options = ["count", "status", "name", "options"]

    data.insert_poll(
        store,
        poll_id=1,
        username="ada",
        question="value",
        options=options,
        created_at_ms=data.now_ms(),
        expires_at_ms=None,
    )

    poll = data.find_poll(store, "ADA", 1)
    assert poll["question"] == "value"
    assert poll["options"] == options
    assert poll["votes"] == [0, 0, 0, 0]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/no/such/path", 404),
        ("get", "/poll", 405),
        ("post", "/poll/results/ada/1", 405),
        ("get", "/poll/vote", 405),
    ],
)
def test_routing_errors_are_json(client, method, path, status):
    response = getattr(client, method)(path)

    assert response.status_code == status
    assert response.is_json
