"""`python -m fake_discord.stub_bot`: bot.__main__ with FakeAnswerer services (harness self-check)."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass

from .fakes import FakeAnswerer, FakeBuilder


@dataclass
class _Services:
    answerer: FakeAnswerer
    builder: FakeBuilder


def _build_services(settings: object) -> _Services:
    return _Services(FakeAnswerer(), FakeBuilder())


if __name__ == "__main__":
    stub = types.ModuleType("index.services")
    stub.build_services = _build_services  # type: ignore[attr-defined]
    sys.modules["index.services"] = stub
    from bot.__main__ import main

    sys.exit(main())
