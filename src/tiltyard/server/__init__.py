"""The arena: a FastAPI server over the store, with an HTTP API under /api/v1 and web pages."""

from tiltyard.server.app import create_app

__all__ = ["create_app"]
