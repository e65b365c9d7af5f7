"""The users service: accounts, password checks and the follow graph."""

from .app import create_app

__all__ = ["create_app"]
