"""Per-app resources of the likes service, reachable from a request."""

from dataclasses import dataclass

from flask import current_app

from services.common.jobs import JobProducer
from services.common.timelines_client import TimelinesClient
from services.common.users_client import UsersClient

from .settings import LikesSettings
from .store import LikeStore


@dataclass
class LikesState:
    """The store, the service clients and the job producer that one app instance owns."""

    settings: LikesSettings
    store: LikeStore
    users: UsersClient
    timelines: TimelinesClient
    jobs: JobProducer


def state() -> LikesState:
    """Return the state of the app handling the current request."""
    return current_app.extensions["likes"]
