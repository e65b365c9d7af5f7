"""Tests of voting: one vote per user and poll, counted once, only while the poll is open."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from services.conftest import LiveServer
from services.polls import data

from .conftest import basic, scan_items


def create_poll(client, username: str, options=("tea", "coffee")) -> int:
    response = client.post(
        "/poll",
        json={"question": "Tea or coffee?", "options": list(options)},
        headers=basic(username),
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["poll_id"]


def vote(client, username: str, owner: str, poll_id, option, **extra):
    body = {"poll_id": poll_id, "owner_username": owner, "vote": option, **extra}
    return client.put("/poll/vote", json=body, headers=basic(username))


def totals(client, owner: str, poll_id: int) -> list[int]:
    results = client.get(f"/poll/results/{owner}/{poll_id}").get_json()
    return [option["votes"] for option in results["options"]]


def insert_poll(store, *, expires_at_ms: int | None) -> int:
    """Store a poll by ada directly, so a test can choose an expiry in the past."""
    poll = data.insert_poll(
        store,
        poll_id=data.next_poll_id(store),
        username="ada",
        question="Tea or coffee?",
        options=["tea", "coffee"],
        created_at_ms=data.now_ms() - 600_000,
        expires_at_ms=expires_at_ms,
    )
    return poll["poll_id"]


def test_vote_counts_once(client, make_user):
    make_user("ada")
    make_user("Grace")
    poll_id = create_poll(client, "ada")

    response = vote(client, "grace", "ADA", poll_id, 2)

    assert response.status_code == 200
    assert response.get_json()["message"] == f"Grace voted for option 2 in poll {poll_id} by ada"
    assert totals(client, "ada", poll_id) == [0, 1]


def test_vote_with_string_poll_id_and_voter(client, make_user):
    make_user("ada")
    poll_id = create_poll(client, "ada")

    response = vote(client, "ada", "ada", str(poll_id), 1, voter_username="ADA")

    assert response.status_code == 200
    assert totals(client, "ada", poll_id) == [1, 0]


def test_vote_twice_409(client, make_user, store):
    make_user("ada")
    poll_id = create_poll(client, "ada")

    first = vote(client, "ada", "ada", poll_id, 1)
    second = vote(client, "ada", "ada", poll_id, 2)

    assert first.status_code == 200
    assert second.status_code == 409
    assert second.get_json()["message"] == f"ada already voted in poll {poll_id} by ada"
    assert totals(client, "ada", poll_id) == [1, 0]
    assert len(scan_items(store, store.votes_table)) == 1


def test_vote_concurrent_same_user_counts_once(app, make_user, store):
    make_user("ada")
    poll_id = create_poll(app.test_client(), "ada")
    # Verify the credentials once, so the burst below reaches DynamoDB together.
    assert vote(app.test_client(), "ada", "ada", poll_id, 9).status_code == 400

    with LiveServer(app) as server:

        def send_vote(_):
            response = requests.put(
                f"{server.url}/poll/vote",
                json={"poll_id": poll_id, "owner_username": "ada", "vote": 1},
                auth=("ada", "password"),
                timeout=30,
            )
            return response.status_code

        with ThreadPoolExecutor(max_workers=10) as executor:
            statuses = list(executor.map(send_vote, range(10)))

    assert sorted(statuses) == [200] + [409] * 9
    assert totals(app.test_client(), "ada", poll_id) == [1, 0]
    assert len(scan_items(store, store.votes_table)) == 1


def test_record_vote_concurrent_stores_one(app, store):
    poll_id = insert_poll(store, expires_at_ms=None)

    def record(_):
        return data.record_vote(
            store, owner="ada", poll_id=poll_id, voter="grace", option=1, at_ms=data.now_ms()
        )

    with ThreadPoolExecutor(max_workers=10) as executor:
        results = list(executor.map(record, range(10)))

    assert results.count(True) == 1
    assert data.find_poll(store, "ada", poll_id)["votes"] == [1, 0]


def test_votes_by_different_users_add_up(app, make_user, store):
    voters = [f"user{number}" for number in range(6)]
    make_user("ada")
    for name in voters:
        make_user(name)
    poll_id = create_poll(app.test_client(), "ada", options=("a", "b", "c"))

    def send_vote(number: int) -> int:
        option = number % 3 + 1
        return vote(app.test_client(), voters[number], "ada", poll_id, option).status_code

    with ThreadPoolExecutor(max_workers=6) as executor:
        statuses = list(executor.map(send_vote, range(6)))

    assert statuses == [200] * 6
    assert totals(app.test_client(), "ada", poll_id) == [2, 2, 2]
    assert app.test_client().get(f"/poll/results/ada/{poll_id}").get_json()["total_votes"] == 6
    assert len(scan_items(store, store.votes_table)) == 6


@pytest.mark.parametrize(
    "body",
    [
        {"vote": 3},
        {"vote": 0},
        {"vote": -1},
        {"vote": 5},
        {"vote": "1"},
        {"vote": 1.0},
        {"vote": True},
        {"vote": None},
        {"vote": [1]},
        {},
        {"vote": 1, "poll_id": "abc"},
        {"vote": 1, "poll_id": None},
        {"vote": 1, "owner_username": None},
        {"vote": 1, "owner_username": "bad name"},
        {"vote": 1, "voter_username": 7},
        {"vote": 1, "comment": "unknown field"},
    ],
)
def test_vote_invalid_400_changes_nothing(client, make_user, store, body):
    make_user("ada")
    poll_id = create_poll(client, "ada")
    request_body = {"poll_id": poll_id, "owner_username": "ada", **body}
    request_body = {name: value for name, value in request_body.items() if value is not None}

    response = client.put("/poll/vote", json=request_body, headers=basic("ada"))

    assert response.status_code == 400
    assert response.get_json()["status"] == "400 Bad Request"
    assert totals(client, "ada", poll_id) == [0, 0]
    assert scan_items(store, store.votes_table) == []


def test_vote_non_json_415(client, make_user):
    make_user("ada")
    poll_id = create_poll(client, "ada")

    response = client.put(
        "/poll/vote",
        data=f"poll_id={poll_id}&vote=1",
        headers=basic("ada"),
        content_type="text/plain",
    )

    assert response.status_code == 415
    assert totals(client, "ada", poll_id) == [0, 0]


@pytest.mark.parametrize(("owner", "poll_id"), [("ada", 99), ("grace", 1)])
def test_vote_unknown_poll_404(client, make_user, store, owner, poll_id):
    make_user("ada")
    make_user("grace")
    create_poll(client, "ada")

    response = vote(client, "ada", owner, poll_id, 1)

    assert response.status_code == 404
    assert scan_items(store, store.votes_table) == []


def test_vote_for_someone_else_403(client, make_user, store):
    make_user("ada")
    make_user("grace")
    poll_id = create_poll(client, "ada")

    response = vote(client, "ada", "ada", poll_id, 1, voter_username="grace")

    assert response.status_code == 403
    assert scan_items(store, store.votes_table) == []


def test_vote_without_credentials_401(client):
    response = client.put("/poll/vote", json={"poll_id": 1, "owner_username": "ada", "vote": 1})

    assert response.status_code == 401


def test_vote_on_expired_poll_409(client, make_user, store):
    make_user("ada")
    poll_id = insert_poll(store, expires_at_ms=data.now_ms() - 1000)

    response = vote(client, "ada", "ada", poll_id, 1)

    assert response.status_code == 409
    assert response.get_json()["message"].startswith(f"poll {poll_id} by ada closed at ")
    assert totals(client, "ada", poll_id) == [0, 0]
    assert scan_items(store, store.votes_table) == []


def test_vote_before_expiry_counts(client, make_user, store):
    make_user("ada")
    poll_id = insert_poll(store, expires_at_ms=data.now_ms() + 60_000)

    response = vote(client, "ada", "ada", poll_id, 2)

    assert response.status_code == 200
    assert totals(client, "ada", poll_id) == [0, 1]


def test_vote_retries_after_conflict(client, make_user, monkeypatch):
    make_user("ada")
    poll_id = create_poll(client, "ada")
    record_vote = data.record_vote
    calls = []

    def cancelled_once(*args, **kwargs):
        # A transaction cancelled while every condition is met is what a
        # conflict with a concurrent transaction looks like.
        calls.append(kwargs)
        if len(calls) == 1:
            return False
        return record_vote(*args, **kwargs)

    monkeypatch.setattr(data, "record_vote", cancelled_once)
    response = vote(client, "ada", "ada", poll_id, 1)

    assert response.status_code == 200
    assert len(calls) == 2
    assert totals(client, "ada", poll_id) == [1, 0]


def test_vote_endless_conflicts_503(client, make_user, monkeypatch):
    make_user("ada")
    poll_id = create_poll(client, "ada")
    monkeypatch.setattr(data, "record_vote", lambda *args, **kwargs: False)

    response = vote(client, "ada", "ada", poll_id, 1)

    assert response.status_code == 503
    assert (
        response.get_json()["message"]
        == f"poll {poll_id} by ada is busy, try the vote again shortly"
    )


def test_vote_after_delete_404(client, make_user):
    make_user("ada")
    poll_id = create_poll(client, "ada")
    client.delete("/poll/delete", json={"poll_id": poll_id}, headers=basic("ada"))

    response = vote(client, "ada", "ada", poll_id, 1)

    assert response.status_code == 404


def test_record_vote_deleted_poll_writes_nothing(app, store):
    poll_id = insert_poll(store, expires_at_ms=None)
    data.delete_poll(store, "ada", poll_id)

    recorded = data.record_vote(
        store, owner="ada", poll_id=poll_id, voter="grace", option=1, at_ms=data.now_ms()
    )

    assert recorded is False
    assert scan_items(store, store.votes_table) == []
    assert scan_items(store, store.polls_table) == []
