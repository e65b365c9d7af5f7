"""The polls service: polls, their options and one vote per user, stored in DynamoDB."""

from .app import create_app

__all__ = ["create_app"]
