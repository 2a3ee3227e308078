"""Apps -> "Find sources" on any message: its text becomes the question, answered privately first."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n import lang_of_locale, t
from bot.protocols import BotLike
from bot.render import shorten_words

if TYPE_CHECKING:
    from bot.cogs.ask import AskCog


def question_from(message: discord.Message, limit: int) -> str:
    """The message's text as a question: mentions shown as names, whitespace folded, cut to `limit`."""
    text = " ".join(message.clean_content.split())
    if len(text) <= limit:
        return text
    return shorten_words(text, limit + 1)[:-1].rstrip()  # cut at a word, without the ellipsis


class SourcesCog(commands.Cog):
    """The "Find sources" message context menu; works without Message Content (Discord sends the text)."""

    def __init__(self, client: BotLike, ask: AskCog) -> None:
        self.client = client
        self.ask = ask
        self.menu = app_commands.ContextMenu(
            name=app_commands.locale_str("Find sources"),
            callback=self.find_sources,
            allowed_installs=app_commands.AppInstallationType(guild=True, user=True),
            allowed_contexts=app_commands.AppCommandContext(
                guild=True, dm_channel=True, private_channel=True
            ),
        )

    async def cog_load(self) -> None:
        """Context menus cannot live in a cog's class body: register it on the tree."""
        self.client.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        """Take the context menu off the tree."""
        self.client.tree.remove_command(self.menu.name, type=self.menu.type)

    async def find_sources(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Answer the message's claim privately, with a "Post publicly" button."""
        question = question_from(message, self.client.settings.max_question_chars)
        if not question:
            lang = lang_of_locale(interaction.locale)
            await interaction.response.send_message(t("no_text", lang), ephemeral=True)
            return
        config = await self.ask.guild_config(interaction.guild_id)
        await self.ask.answer_interaction(interaction, question, config, private=True)
