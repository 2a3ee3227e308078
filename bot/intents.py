"""Gateway intents: Message Content is privileged; asked for only when configured; the bot copes without."""

from __future__ import annotations

from typing import Literal

import discord

IntentMode = Literal["auto", "on", "off"]

REFUSED = (
    "Discord refused the Message Content intent, so Q&A-channel auto-answers are off (slash commands, "
    "'Find sources', forum posts' titles, mentions, replies to the bot and DMs still work): to enable them, "
    "turn on 'Message Content Intent' under Bot -> Privileged Gateway Intents in the Developer Portal and "
    "restart, or set MESSAGE_CONTENT_INTENT=off to stop asking for it."
)


def bot_intents(message_content: bool) -> discord.Intents:
    """Default intents (guild and DM messages included), plus Message Content when asked for."""
    intents = discord.Intents.default()
    intents.message_content = message_content
    return intents


def wants_message_content(mode: IntentMode) -> bool:
    """Whether the first connection asks for Message Content ("auto" asks, and falls back if refused)."""
    return mode != "off"


def may_fall_back(mode: IntentMode, asked: bool) -> bool:
    """After a refusal: reconnect without the intent only in "auto" mode, and only once."""
    return mode == "auto" and asked
