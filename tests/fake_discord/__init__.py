"""A small fake Discord (REST v10 + Gateway v10) on 127.0.0.1 for end-to-end tests of the real bot."""

from __future__ import annotations

from .server import FakeDiscord, Recorded

__all__ = ["FakeDiscord", "Recorded"]
