"""The timelines service: posts, reposts and the timelines built from them."""

from .app import create_app

__all__ = ["create_app"]
