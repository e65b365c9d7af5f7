"""The handler that records votes, one per user and poll."""

import logging
import random
import time

from flask import Blueprint, jsonify

from services.common.auth import require_same_user
from services.common.errors import bad_request, conflict, not_found, unavailable
from services.common.pagination import format_timestamp
from services.common.validation import Fields, json_object

from . import data
from .polls import authenticated_user, poll_or_404
from .state import store
from .validation import MAX_OPTIONS, integer

log = logging.getLogger(__name__)

blueprint = Blueprint("voting", __name__)

# Transactions that DynamoDB cancels because concurrent ones touched the same
# poll are tried again, this many times in all, after a short random delay.
VOTE_ATTEMPTS = 4
RETRY_DELAY_S = 0.05


@blueprint.put("/poll/vote")
def vote():
    """Record the authenticated user's vote for one option of a poll."""
    user = authenticated_user()
    body = json_object({"poll_id", "owner_username", "voter_username", "vote"})
    fields = Fields(body)
    poll_id = fields.identifier("poll_id")
    owner = fields.username("owner_username")
    named_voter = fields.username("voter_username", required=False)
    option = integer(fields, "vote", minimum=1, maximum=MAX_OPTIONS)
    fields.check()
    voter = require_same_user(named_voter, user["username"], "voter_username")

    poll = poll_or_404(owner, poll_id)
    if option > len(poll["options"]):
        raise bad_request(
            f"vote {option} is invalid: poll {poll_id} has options 1 to {len(poll['options'])}",
            {"vote": f"must be an integer from 1 to {len(poll['options'])}"},
        )

    _record_vote_once(poll, voter, option)
    return jsonify(
        {"message": f"{voter} voted for option {option} in poll {poll_id} by {poll['username']}"}
    )


def _record_vote_once(poll: data.Row, voter: str, option: int) -> None:
    """Record the vote, or raise the 404, 409 or 503 that explains why DynamoDB did not."""
    owner, poll_id = poll["username"], poll["poll_id"]
    for attempt in range(1, VOTE_ATTEMPTS + 1):
        at_ms = data.now_ms()
        if data.record_vote(
            store(), owner=owner, poll_id=poll_id, voter=voter, option=option, at_ms=at_ms
        ):
            return

        # Emulators do not always return the cancellation reasons, so read both items.
        current = data.find_poll(store(), owner, poll_id)
        if current is None:
            raise not_found(f"poll {poll_id} by {owner} does not exist")
        if data.find_vote(store(), poll_id, voter) is not None:
            raise conflict(f"{voter} already voted in poll {poll_id} by {owner}")
        if data.is_closed(current, at_ms):
            closed_at = format_timestamp(data.to_datetime(current["expires_at_ms"]))
            raise conflict(f"poll {poll_id} by {owner} closed at {closed_at}")

        # Every condition is met now, so the cause was most likely a concurrent transaction.
        log.warning(
            "vote transaction on poll %s by %s cancelled by a conflict, attempt %s of %s",
            poll_id,
            owner,
            attempt,
            VOTE_ATTEMPTS,
        )
        if attempt < VOTE_ATTEMPTS:
            time.sleep(random.uniform(0, RETRY_DELAY_S * attempt))  # noqa: S311 - jitter only

    raise unavailable(f"poll {poll_id} by {owner} is busy, try the vote again shortly")
