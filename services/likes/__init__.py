"""The likes service: who liked which post, like counts and the popular ranking."""

from .app import create_app

__all__ = ["create_app"]
