"""What the bot needs from the core, and what the cogs need from the bot; real objects and fakes fit."""

from __future__ import annotations

from typing import Any, Protocol

import discord
from discord import app_commands

from bot.settings import BotSettings
from bot.storage import Storage
from index.models import Answer, BuildSummary, IndexStats


class AnswererLike(Protocol):
    """Answers questions with ranked verbatim quotes; synchronous and thread-safe."""

    def ask(self, question: str, max_quotes: int | None = None) -> Answer:
        """Return up to `max_quotes` ranked quotes for the question."""
        ...

    def stats(self) -> IndexStats | None:
        """Describe the index currently in use; None when there is none."""
        ...

    def warm_up(self) -> None:
        """Load the embedding model now rather than on the first question."""
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
    storage: Storage

    @property
    def intents(self) -> discord.Intents:
        """The gateway intents this connection was granted (Message Content or not)."""
        ...

    @property
    def tree(self) -> app_commands.CommandTree[Any]:
        """The application command tree (context menus are added to it)."""
        ...

    def add_dynamic_items(self, *items: type[discord.ui.DynamicItem[Any]]) -> None:
        """Register persistent components (the forum's Solved button)."""
        ...

    @property
    def user(self) -> discord.ClientUser | None:
        """The bot's own user once logged in."""
        ...
