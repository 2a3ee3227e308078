"""What the bot needs from the core, and what the cogs need from the bot; real objects and fakes fit."""

from __future__ import annotations

from typing import Protocol

import discord

from bot.settings import BotSettings
from index.models import Answer, BuildSummary, IndexStats


class AnswererLike(Protocol):
    """Answers questions with ranked verbatim quotes; synchronous and thread-safe."""

    def ask(self, question: str, max_quotes: int | None = None) -> Answer:
        """Return up to `max_quotes` ranked quotes for the question."""
        ...

    def stats(self) -> IndexStats | None:
        """Describe the index currently in use; None when there is none."""
        ...


class BuilderLike(Protocol):
    """Builds the index; synchronous, takes an inter-process lock."""

    def build(self, full: bool = False) -> BuildSummary:
        """Build incrementally (or fully) and swap the new index in atomically."""
        ...

    def has_index(self) -> bool:
        """Whether an index exists to answer from."""
        ...


class BotLike(Protocol):
    """What the cogs need from the bot: its settings, the core objects, and who it is on Discord."""

    settings: BotSettings
    answerer: AnswererLike
    builder: BuilderLike

    @property
    def user(self) -> discord.ClientUser | None:
        """The bot's own user once logged in."""
        ...
