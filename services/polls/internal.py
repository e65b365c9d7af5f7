"""Endpoints that only workers call: remove the polls and votes of a deleted account."""

import logging
import random
import time

from flask import Blueprint, jsonify

from services.common.errors import bad_request, unavailable
from services.common.internal import internal_blueprint
from services.common.validation import USERNAME_PATTERN

from . import data
from .state import store
from .voting import RETRY_DELAY_S, VOTE_ATTEMPTS

log = logging.getLogger(__name__)


def create_blueprint(token: str | None) -> Blueprint:
    """Create the /internal blueprint, guarded by the service token."""
    blueprint = internal_blueprint("internal", token)
    blueprint.add_url_rule(
        "/users/<username>/polls", view_func=delete_user_polls, methods=["DELETE"]
    )
    blueprint.add_url_rule(
        "/users/<username>/votes", view_func=delete_user_votes, methods=["DELETE"]
    )
    return blueprint


def delete_user_polls(username: str):
    """Delete every poll of a user with its votes; 200 even if there were none."""
    username = _path_username(username)

    poll_ids = data.owner_poll_ids(store(), username)
    for poll_id in poll_ids:
        # A poll deleted meanwhile still gets its leftover votes deleted.
        data.delete_poll(store(), username, poll_id)
        data.delete_votes(store(), poll_id)

    return jsonify(
        {"message": f"deleted {len(poll_ids)} polls of {username}", "deleted": len(poll_ids)}
    )


def delete_user_votes(username: str):
    """Withdraw every vote of a user from other users' polls, open or closed; 200 even if none.

    Each vote leaves its poll's tally in the same transaction, so totals
    stay equal to the stored votes.
    """
    username = _path_username(username)

    votes = data.voter_votes(store(), username)
    for vote in votes:
        _withdraw(vote, username)

    return jsonify(
        {"message": f"withdrew {len(votes)} votes of {username}", "withdrawn": len(votes)}
    )


def _withdraw(vote: data.Row, voter: str) -> None:
    poll_id = vote["poll_id"]
    owner = vote["owner_key"] or data.find_poll_owner(store(), poll_id)
    if owner is None:
        data.delete_vote(store(), poll_id, voter)
        return

    for attempt in range(1, VOTE_ATTEMPTS + 1):
        if data.withdraw_vote(
            store(), owner=owner, poll_id=poll_id, voter=voter, option=vote["option"]
        ):
            return

        # Emulators do not always return the cancellation reasons, so read both items.
        if data.find_vote(store(), poll_id, voter) is None:
            return
        if data.find_poll(store(), owner, poll_id) is None:
            data.delete_vote(store(), poll_id, voter)
            return

        log.warning(
            "withdrawing the vote of %s from poll %s cancelled by a conflict, attempt %s of %s",
            voter,
            poll_id,
            attempt,
            VOTE_ATTEMPTS,
        )
        if attempt < VOTE_ATTEMPTS:
            time.sleep(random.uniform(0, RETRY_DELAY_S * attempt))  # noqa: S311 - jitter only

    raise unavailable(f"poll {poll_id} is busy, withdrawing the vote of {voter} failed; try again")


def _path_username(username: str) -> str:
    if not USERNAME_PATTERN.fullmatch(username):
        raise bad_request(
            f"invalid username {username!r}: use 1-30 of A-Z a-z 0-9 _",
            {"username": "must be 1-30 of A-Z a-z 0-9 _"},
        )
    return username
