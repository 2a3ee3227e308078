"""Predicates and helpers the end-to-end tests share: replies, pings, buttons, clicks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .server import FakeDiscord, Recorded


def no_pings(allowed: dict[str, Any]) -> bool:
    """allowed_mentions that can ping nobody: no parse, no explicit users/roles, no reply ping."""
    return (
        allowed["parse"] == []
        and not allowed.get("users")
        and not allowed.get("roles")
        and not allowed.get("replied_user", False)
    )


def replying_to(message: dict[str, Any]) -> Callable[[Recorded], bool]:
    """Predicate: a REST request whose body replies to `message`."""
    return lambda r: (
        isinstance(r.body, dict)
        and str((r.body.get("message_reference") or {}).get("message_id")) == message["id"]
    )


def buttons(body: dict[str, Any]) -> dict[str, str]:
    """Button label (or emoji) -> custom_id, in a message body or an interaction callback's data."""
    out = {}
    for row in body.get("components", []):
        for button in row["components"]:
            out[button.get("label") or button["emoji"]["name"]] = button["custom_id"]
    return out


def click(
    fake: FakeDiscord, message: dict[str, Any], custom_id: str, **kwargs: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Click a button; return (the interaction, its callback body).

    discord.py registers a view only after the send() that carries it returns, so a click racing the reply
    can be ignored, as a real one would; click again (bounded) until the bot answers.
    """
    for _ in range(20):
        interaction = fake.click(message, custom_id, **kwargs)
        try:
            done = fake.wait_for("POST", rf"^/interactions/{interaction['id']}/", timeout=1.5)
        except TimeoutError:
            continue
        return interaction, done.body
    raise AssertionError("the bot never answered the click")


def every_message_pings_no_one(fake: FakeDiscord) -> None:
    """Assert that every message the bot posted or edited, whatever the path, could ping nobody."""
    for request in fake.requests():
        payload = request.body.get("data", request.body) if isinstance(request.body, dict) else None
        if isinstance(payload, dict) and ("content" in payload or "embeds" in payload):
            assert no_pings(payload["allowed_mentions"]), (request.path, payload)
