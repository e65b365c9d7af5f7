"""Render polls and find the poll or user a request is about."""

from services.common.auth import request_credentials
from services.common.errors import not_found
from services.common.pagination import format_timestamp
from services.common.validation import USERNAME_PATTERN, parse_id

from . import data
from .state import state, store


def render_created(poll: data.Row) -> dict:
    """Return the JSON form of a poll that was just created."""
    return {
        "poll_id": poll["poll_id"],
        "username": poll["username"],
        "question": poll["question"],
        "options": poll["options"],
        "url": poll_url(poll),
    }


def render_results(poll: data.Row) -> dict:
    """Return the JSON form of a poll with the votes for each option."""
    expires_at_ms = poll["expires_at_ms"]
    counted = zip(poll["options"], poll["votes"], strict=True)
    return {
        "poll_id": poll["poll_id"],
        "username": poll["username"],
        "question": poll["question"],
        "options": [
            {"option": number, "text": text, "votes": votes}
            for number, (text, votes) in enumerate(counted, start=1)
        ],
        "total_votes": sum(poll["votes"]),
        "expires_at": (
            format_timestamp(data.to_datetime(expires_at_ms)) if expires_at_ms is not None else None
        ),
    }


def poll_url(poll: data.Row) -> str:
    """Return the public URL of a poll's results, under PUBLIC_URL."""
    return f"{state().settings.public_url}/poll/results/{poll['username']}/{poll['poll_id']}"


def poll_or_404(owner: str, poll_id: int | str) -> data.Row:
    """Return owner's poll with this id, or raise a 404.

    poll_id may be the raw path segment, so a value that is not a valid id is a 404 too.
    """
    number = parse_id(poll_id)
    poll = None
    if number is not None and USERNAME_PATTERN.fullmatch(owner):
        poll = data.find_poll(store(), owner, number)
    if poll is None:
        raise not_found(f"poll {poll_id} by {owner} does not exist")
    return poll


def authenticated_user() -> dict:
    """Return the account whose credentials came with the request, or raise a 401."""
    return state().users.authenticate(request_credentials())
