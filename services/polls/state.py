"""Per-app resources of the polls service, reachable from a request."""

from dataclasses import dataclass

from flask import current_app

from services.common.users_client import UsersClient

from .data import Store
from .settings import PollsSettings


@dataclass
class PollsState:
    """The DynamoDB tables and the users client that one app instance owns."""

    settings: PollsSettings
    store: Store
    users: UsersClient


def state() -> PollsState:
    """Return the state of the app handling the current request."""
    return current_app.extensions["polls"]


def store() -> Store:
    """Return the DynamoDB tables of the app handling the current request."""
    return state().store
