"""Handlers that read polls."""

from flask import Blueprint, jsonify

from .polls import poll_or_404, render_results

blueprint = Blueprint("reading", __name__)


@blueprint.get("/poll/results/<username>/<poll_id>")
def results(username: str, poll_id: str):
    """Return a poll with the votes for each option."""
    poll = poll_or_404(username, poll_id)
    return jsonify(render_results(poll))
