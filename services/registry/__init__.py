"""The registry: the live map from service name to instance URLs."""

from .app import create_app

__all__ = ["create_app"]
