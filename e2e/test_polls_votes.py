"""Voting in polls on the polls service: one vote per user and poll."""

import pytest

from e2e.support import assert_error, run_concurrently

MISSING_POLL_ID = 2**31 - 1


# Creating a user costs a slow password hash, so the tests of this module share
# their users. Each test votes only in polls that it creates, and checks only those.
@pytest.fixture
def owner(make_user, reuse):
    return reuse("owner", lambda: make_user("Owner_Votes"))


@pytest.fixture
def voters(make_user, reuse):
    return reuse("voters", lambda: [make_user(f"voter{index}") for index in range(3)])


@pytest.fixture
def poll(owner, make_poll) -> dict:
    """Return a new poll by `owner` with the options "yes" and "no"."""
    return make_poll(owner, "Yes or no?", ["yes", "no"])


def vote_body(poll: dict, option, **extra) -> dict:
    return {"poll_id": poll["poll_id"], "owner_username": poll["username"], "vote": option, **extra}


def vote_counts(polls, poll: dict) -> list[int]:
    """Return the votes of each option of a poll, in option order."""
    response = polls.get(f"/poll/results/{poll['username']}/{poll['poll_id']}")
    assert response.status_code == 200, response.text
    return [option["votes"] for option in response.json()["options"]]


def total_votes(polls, poll: dict) -> int:
    response = polls.get(f"/poll/results/{poll['username']}/{poll['poll_id']}")
    assert response.status_code == 200, response.text
    return response.json()["total_votes"]


# PUT /poll/vote


def test_vote_counts_for_option(polls, voters, poll):
    voter = voters[0]

    response = polls.put(
        "/poll/vote", auth=voter, json=vote_body(poll, 2, voter_username=voter.username)
    )

    assert response.status_code == 200, response.text
    assert set(response.json()) == {"message"}
    assert vote_counts(polls, poll) == [0, 1]
    assert total_votes(polls, poll) == 1


def test_vote_defaults_to_authenticated_user(polls, voters, poll):
    response = polls.put("/poll/vote", auth=voters[0], json=vote_body(poll, 1))

    assert response.status_code == 200, response.text
    assert vote_counts(polls, poll) == [1, 0]


@pytest.mark.parametrize("spelling", [str.upper, str.lower], ids=["upper-case", "lower-case"])
def test_vote_owner_username_any_case(polls, voters, poll, spelling):
    body = vote_body(poll, 1, owner_username=spelling(poll["username"]))

    response = polls.put("/poll/vote", auth=voters[0], json=body)

    assert response.status_code == 200, response.text
    assert vote_counts(polls, poll) == [1, 0]


def test_vote_by_owner_counts(polls, owner, poll):
    response = polls.put("/poll/vote", auth=owner, json=vote_body(poll, 1))

    assert response.status_code == 200, response.text
    assert total_votes(polls, poll) == 1


@pytest.mark.parametrize("second_option", [1, 2], ids=["same-option", "other-option"])
def test_vote_twice_conflict(polls, voters, poll, second_option):
    first = polls.put("/poll/vote", auth=voters[0], json=vote_body(poll, 1))
    assert first.status_code == 200, first.text

    response = polls.put("/poll/vote", auth=voters[0], json=vote_body(poll, second_option))

    assert_error(response, 409)
    assert vote_counts(polls, poll) == [1, 0]


def test_vote_concurrent_copies_count_once(polls, voters, poll):
    voter = voters[0]
    # A vote for option 0 is rejected after the credentials are checked, so it
    # puts them in the polls service's cache and the burst skips 10 password hashes.
    assert polls.put("/poll/vote", auth=voter, json=vote_body(poll, 0)).status_code == 400

    responses = run_concurrently(
        lambda: polls.put("/poll/vote", auth=voter, json=vote_body(poll, 1)), copies=10
    )

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [409] * 9
    assert vote_counts(polls, poll) == [1, 0]
    assert total_votes(polls, poll) == 1


def test_votes_by_several_users_add_up(polls, voters, owner, make_poll):
    poll = make_poll(owner, "Pick one", ["red", "green", "blue"])

    statuses = [
        polls.put("/poll/vote", auth=voter, json=vote_body(poll, option)).status_code
        for voter, option in zip(voters, [1, 1, 3], strict=True)
    ]

    assert statuses == [200, 200, 200]
    assert vote_counts(polls, poll) == [2, 0, 1]
    assert total_votes(polls, poll) == 3


def test_votes_in_other_poll_independent(polls, voters, owner, make_poll):
    first = make_poll(owner, "First?")
    second = make_poll(owner, "Second?")
    assert polls.put("/poll/vote", auth=voters[0], json=vote_body(first, 1)).status_code == 200

    response = polls.put("/poll/vote", auth=voters[0], json=vote_body(second, 2))

    assert response.status_code == 200, response.text
    assert vote_counts(polls, first) == [1, 0]
    assert vote_counts(polls, second) == [0, 1]


MISSING = object()

# Changes to a valid vote body for option 1 of a two-option poll.
INVALID_VOTE_CHANGES = {
    "vote-out-of-range": {"vote": 3},
    "vote-above-four": {"vote": 5},
    "vote-zero": {"vote": 0},
    "vote-negative": {"vote": -1},
    "vote-boolean": {"vote": True},
    "vote-fraction": {"vote": 1.5},
    "vote-letters": {"vote": "first"},
    "vote-null": {"vote": None},
    "vote-missing": {"vote": MISSING},
    "poll_id-missing": {"poll_id": MISSING},
    "poll_id-letters": {"poll_id": "abc"},
    "poll_id-boolean": {"poll_id": True},
    "owner_username-missing": {"owner_username": MISSING},
    "owner_username-number": {"owner_username": 42},
    "voter_username-number": {"voter_username": 42},
    "unknown-field": {"unexpected": "value"},
}


@pytest.mark.parametrize(
    "changes", list(INVALID_VOTE_CHANGES.values()), ids=list(INVALID_VOTE_CHANGES)
)
def test_vote_invalid_body_rejected(polls, voters, poll, changes):
    body = vote_body(poll, 1)
    for field, value in changes.items():
        if value is MISSING:
            body.pop(field)
        else:
            body[field] = value

    response = polls.put("/poll/vote", auth=voters[0], json=body)

    assert_error(response, 400)
    assert vote_counts(polls, poll) == [0, 0]
    assert total_votes(polls, poll) == 0
    # A vote stored without being counted would turn this one into a 409.
    retry = polls.put("/poll/vote", auth=voters[0], json=vote_body(poll, 1))
    assert retry.status_code == 200, retry.text


JSON_TYPE = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("status", "content_type", "make_raw"),
    [
        (415, "text/plain", lambda raw: raw),
        (400, "application/json", lambda raw: raw[:-3]),
        (400, "application/json", lambda raw: b"[" + raw + b"]"),
    ],
    ids=["text-plain", "truncated-json", "json-array"],
)
def test_vote_malformed_body_rejected(polls, voters, poll, status, content_type, make_raw):
    raw = (
        f'{{"poll_id": {poll["poll_id"]}, "owner_username": "{poll["username"]}", "vote": 1}}'
    ).encode()

    response = polls.put(
        "/poll/vote", auth=voters[0], data=make_raw(raw), headers={"Content-Type": content_type}
    )

    assert_error(response, status)
    assert total_votes(polls, poll) == 0


@pytest.mark.parametrize(
    "changes",
    [
        {"poll_id": MISSING_POLL_ID},
        {"owner_username": "nobody_at_all_x"},
        {"owner_username": "{voter}"},
    ],
    ids=["unknown-id", "unknown-owner", "wrong-owner"],
)
def test_vote_unknown_poll_not_found(polls, voters, poll, changes):
    voter = voters[0]
    body = vote_body(poll, 1)
    for field, value in changes.items():
        body[field] = value.format(voter=voter.username) if isinstance(value, str) else value

    response = polls.put("/poll/vote", auth=voter, json=body)

    assert_error(response, 404)
    assert total_votes(polls, poll) == 0


def test_vote_for_other_user_forbidden(polls, voters, poll):
    body = vote_body(poll, 1, voter_username=voters[1].username)

    response = polls.put("/poll/vote", auth=voters[0], json=body)

    assert_error(response, 403)
    assert total_votes(polls, poll) == 0
    # The other user has not voted, so their own vote still counts.
    own = polls.put("/poll/vote", auth=voters[1], json=vote_body(poll, 1))
    assert own.status_code == 200, own.text


def test_vote_on_deleted_poll_not_found(polls, owner, voters, poll):
    deleted = polls.delete("/poll/delete", auth=owner, json={"poll_id": poll["poll_id"]})
    assert deleted.status_code == 200, deleted.text

    response = polls.put("/poll/vote", auth=voters[0], json=vote_body(poll, 1))

    assert_error(response, 404)


def test_delete_poll_with_votes(polls, owner, voters, poll):
    assert polls.put("/poll/vote", auth=voters[0], json=vote_body(poll, 1)).status_code == 200

    response = polls.delete("/poll/delete", auth=owner, json={"poll_id": poll["poll_id"]})

    assert response.status_code == 200, response.text
    assert_error(polls.get(f"/poll/results/{poll['username']}/{poll['poll_id']}"), 404)
