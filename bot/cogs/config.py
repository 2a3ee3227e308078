"""/config: per-server settings stored in SQLite; Discord hides it from members without Manage Server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.i18n import Lang, pick_lang, t
from bot.protocols import BotLike
from bot.storage import GuildConfig, toggled

NONE = discord.AllowedMentions.none()
SHOWN_CHANNELS = 20


def describe_config(config: GuildConfig, lang: Lang, *, message_content: bool) -> str:
    """`/config show`: every setting of a server, one per line."""

    def channels(ids: frozenset[int]) -> str:
        # At most SHOWN_CHANNELS each, so the reply stays under Discord's 2,000 characters.
        shown = [f"<#{i}>" for i in sorted(ids)[:SHOWN_CHANNELS]]
        more = len(ids) - len(shown)
        return ", ".join(shown) + (f" (+{more})" if more > 0 else "") or t("none", lang)

    text = t(
        "config_show",
        lang,
        qa=channels(config.qa_channel_ids),
        forums=channels(config.forum_channel_ids),
        threads=t("yes" if config.answer_in_threads else "no", lang),
        quotes=config.quotes_per_answer,
        visibility=t("public" if config.public_answers else "private", lang),
        language=t(f"lang_{config.language}", lang),
    )
    if config.qa_channel_ids and not message_content:
        text += t("config_intent_off", lang)
    return text


class ConfigCog(commands.Cog):
    """Server settings; Discord shows /config only to Manage Server unless an owner re-assigns it."""

    # default_permissions is enforced by Discord (and editable under Server Settings -> Integrations);
    # there is deliberately no check in code that would override an owner's choice there.
    config = app_commands.Group(
        name="config",
        description=_("Server settings for the news bot (Manage Server)."),
        default_permissions=discord.Permissions(manage_guild=True),
        allowed_contexts=app_commands.AppCommandContext(guild=True),
        allowed_installs=app_commands.AppInstallationType(guild=True),
    )

    def __init__(self, client: BotLike) -> None:
        self.client = client

    async def _reply(
        self, interaction: discord.Interaction, change: Callable[[GuildConfig], GuildConfig] | None
    ) -> None:
        """Apply `change` (if any) to this server's settings and show the result privately."""
        storage, guild_id = self.client.storage, interaction.guild_id
        if guild_id is None:
            return
        if change is None:
            config = await asyncio.to_thread(storage.guild_config, guild_id)
        else:
            config = await asyncio.to_thread(storage.update_guild, guild_id, change)
        lang = pick_lang(config.language, locale=interaction.locale)
        head = t("config_current" if change is None else "config_saved", lang)
        body = describe_config(config, lang, message_content=self.client.intents.message_content)
        await interaction.response.send_message(f"{head}\n{body}", ephemeral=True, allowed_mentions=NONE)

    @config.command(name="show", description=_("Show this server's settings."))
    async def show(self, interaction: discord.Interaction) -> None:
        """Print the current settings."""
        await self._reply(interaction, None)

    @config.command(
        name="qa-channel",
        description=_("Answer every message in a channel (needs the Message Content intent)."),
    )
    @app_commands.describe(channel=_("The channel."), enabled=_("On or off."))
    async def qa_channel(
        self, interaction: discord.Interaction, channel: discord.TextChannel, enabled: bool
    ) -> None:
        """Add or remove a Q&A channel."""
        await self._reply(
            interaction, lambda c: replace(c, qa_channel_ids=toggled(c.qa_channel_ids, channel.id, enabled))
        )

    @config.command(name="forum", description=_("Answer every new post in a forum channel."))
    @app_commands.describe(channel=_("The channel."), enabled=_("On or off."))
    async def forum(
        self, interaction: discord.Interaction, channel: discord.ForumChannel, enabled: bool
    ) -> None:
        """Add or remove a forum channel."""
        await self._reply(
            interaction,
            lambda c: replace(c, forum_channel_ids=toggled(c.forum_channel_ids, channel.id, enabled)),
        )

    @config.command(name="threads", description=_("Answer Q&A-channel questions in a thread."))
    @app_commands.describe(enabled=_("On or off."))
    async def threads(self, interaction: discord.Interaction, enabled: bool) -> None:
        """Answer in threads or in the channel."""
        await self._reply(interaction, lambda c: replace(c, answer_in_threads=enabled))

    @config.command(name="quotes", description=_("Quotes per answer."))
    @app_commands.describe(count=_("How many (1-10)."))
    async def quotes(self, interaction: discord.Interaction, count: app_commands.Range[int, 1, 10]) -> None:
        """Quotes per page of an answer."""
        await self._reply(interaction, lambda c: replace(c, quotes_per_answer=count))

    @config.command(
        name="visibility", description=_("Whether answers to /ask are public or private by default.")
    )
    @app_commands.describe(value=_("public or private"))
    @app_commands.choices(
        value=[
            app_commands.Choice(name=_("public"), value="public"),
            app_commands.Choice(name=_("private"), value="private"),
        ]
    )
    async def visibility(self, interaction: discord.Interaction, value: app_commands.Choice[str]) -> None:
        """Public or private answers by default."""
        await self._reply(interaction, lambda c: replace(c, public_answers=value.value == "public"))

    @config.command(name="language", description=_("The language of the bot's messages here."))
    @app_commands.describe(value=_("The language of the bot's messages here."))
    @app_commands.choices(
        value=[
            app_commands.Choice(name=_("each member's language"), value="auto"),
            app_commands.Choice(name=_("English"), value="en"),
            app_commands.Choice(name=_("Spanish"), value="es"),
        ]
    )
    async def language(self, interaction: discord.Interaction, value: app_commands.Choice[str]) -> None:
        """Fix the language of the bot's messages in this server, or follow each member's."""
        await self._reply(interaction, lambda c: replace(c, language=value.value))  # type: ignore[arg-type]
