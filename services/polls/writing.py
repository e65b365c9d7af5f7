"""Handlers that create and delete polls."""

from flask import Blueprint, jsonify

from services.common.auth import require_same_user
from services.common.errors import not_found
from services.common.validation import Fields, json_object

from . import data
from .polls import authenticated_user, poll_url, render_created
from .state import store
from .validation import integer, option_texts

blueprint = Blueprint("writing", __name__)

MAX_QUESTION_LENGTH = 280
# From 5 minutes to 30 days.
MIN_EXPIRES_IN_S = 300
MAX_EXPIRES_IN_S = 30 * 24 * 60 * 60


@blueprint.post("/poll")
def create_poll():
    """Create a poll by the authenticated user."""
    user = authenticated_user()
    body = json_object({"username", "question", "options", "expires_in"})
    fields = Fields(body)
    named = fields.username("username", required=False)
    question = fields.text("question", max_length=MAX_QUESTION_LENGTH, strip=True)
    options = option_texts(fields, "options")
    expires_in = integer(
        fields, "expires_in", minimum=MIN_EXPIRES_IN_S, maximum=MAX_EXPIRES_IN_S, required=False
    )
    fields.check()
    owner = require_same_user(named, user["username"], "username")

    created_at_ms = data.now_ms()
    expires_at_ms = created_at_ms + expires_in * 1000 if expires_in is not None else None
    poll = data.insert_poll(
        store(),
        poll_id=data.next_poll_id(store()),
        username=owner,
        question=question,
        options=options,
        created_at_ms=created_at_ms,
        expires_at_ms=expires_at_ms,
    )

    response = jsonify(render_created(poll))
    response.status_code = 201
    response.headers["Location"] = poll_url(poll)
    return response


@blueprint.delete("/poll/delete")
def delete_poll():
    """Delete one of the authenticated user's polls, and its votes."""
    user = authenticated_user()
    body = json_object({"username", "poll_id"})
    fields = Fields(body)
    named = fields.username("username", required=False)
    poll_id = fields.identifier("poll_id")
    fields.check()
    owner = require_same_user(named, user["username"], "username")

    if not data.delete_poll(store(), owner, poll_id):
        raise not_found(f"poll {poll_id} by {owner} does not exist")
    data.delete_votes(store(), poll_id)

    return jsonify({"message": f"poll {poll_id} by {owner} deleted"})
