"""/reindex (Manage Server or an admin role) and /about."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Iterable
from pathlib import PurePath

import discord
from discord import app_commands
from discord.ext import commands

import bot
from bot.i18n import Lang, lang_of_locale, t
from bot.markdown import escape_cut
from bot.protocols import BotLike
from bot.reindex import run_build_process
from index.errors import NewsQuoteError
from index.models import IndexStats

log = logging.getLogger(__name__)

DENIED = t("reindex_denied", "en")
RUNNING = t("reindex_running", "en")
NO_INDEX = t("no_index", "en")
LOCKED = "Another build (e.g. `python -m index build`) holds the index lock; try again when it finishes."


def may_reindex(manage_guild: bool, role_ids: Iterable[int], admin_role_ids: Collection[int]) -> bool:
    """Whether a member may run /reindex: Manage Server, or any of the configured admin roles."""
    return manage_guild or any(role in admin_role_ids for role in role_ids)


def member_may_reindex(user: discord.User | discord.Member, admin_role_ids: Collection[int]) -> bool:
    """Apply `may_reindex` to a Discord user; outside a guild (a DM) nobody may."""
    if not isinstance(user, discord.Member):
        return False
    return may_reindex(user.guild_permissions.manage_guild, (r.id for r in user.roles), admin_role_ids)


def model_name(model: str) -> str:
    """The model as members may see it: a local path (EMBEDDING_MODEL=/models/x) shows its last part only."""
    return PurePath(model).name if model.startswith(("/", ".", "~")) else model


def about_embed(stats: IndexStats, lang: Lang = "en", votes: tuple[int, int] | None = None) -> discord.Embed:
    """The /about card: what the index holds, how it was built, and this server's 👍/👎 counts."""
    embed = discord.Embed(
        title="NewsQuote", description=t("about_description", lang), colour=discord.Colour.blurple()
    )
    embed.add_field(name=t("about_articles", lang), value=f"{stats.articles:,}")
    embed.add_field(name=t("about_chunks", lang), value=f"{stats.chunks:,}")
    embed.add_field(name=t("about_model", lang), value=escape_cut(stats.model_label(model_name), 1024))
    embed.add_field(name=t("about_built", lang), value=stats.built_at.strftime("%Y-%m-%d %H:%M UTC"))
    embed.add_field(name=t("about_format", lang), value=str(stats.format_version))
    ranking = ", ".join(f"{lang}: {name}" for lang, name in stats.scorers.items()) or "hand-set"
    embed.add_field(name=t("about_ranking", lang), value=escape_cut(ranking, 1024))
    if stats.deciders:
        deciding = ", ".join(f"{lang}: {name}" for lang, name in stats.deciders.items())
        embed.add_field(name=t("about_deciding", lang), value=escape_cut(deciding, 1024))
    embed.add_field(name=t("about_version", lang), value=bot.__version__)
    if votes is not None:
        embed.add_field(name=t("about_feedback", lang), value=f"👍 {votes[0]:,} · 👎 {votes[1]:,}")
    return embed


class AdminCog(commands.Cog):
    """Index administration and information."""

    def __init__(self, client: BotLike) -> None:
        self.client = client
        self.building = asyncio.Lock()

    @app_commands.command(
        name="reindex",
        description=app_commands.locale_str("Rebuild the index from the corpus (admins only)."),
    )
    @app_commands.guild_only()
    async def reindex(self, interaction: discord.Interaction) -> None:
        """Run the incremental build in a separate process and report its summary."""
        lang = lang_of_locale(interaction.locale)
        if not member_may_reindex(interaction.user, self.client.settings.admin_role_ids):
            await interaction.response.send_message(t("reindex_denied", lang), ephemeral=True)
            return
        if self.building.locked():
            await interaction.response.send_message(t("reindex_running", lang), ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self.building:
            text = await self.run_build(lang)
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())

    async def run_build(self, lang: Lang = "en") -> str:
        """Build in a child process (never on the bot's loop or heap); one line for the admin."""
        log.info("Reindex requested")
        settings = self.client.settings
        try:
            result = await run_build_process(
                settings, settings.reindex_memory_mb, settings.reindex_timeout_seconds
            )
        except OSError:
            log.exception("Reindex: could not start the build process")
            return t("reindex_failed", lang)
        if result.summary is not None:
            log.info("%s", result.summary.describe())
            return result.summary.describe()[:2000]
        if result.outcome == "locked":
            return LOCKED
        key = {"memory": "reindex_memory", "timeout": "reindex_timeout"}.get(result.outcome, "reindex_failed")
        return t(key, lang)

    @app_commands.command(
        name="about",
        description=app_commands.locale_str("What this bot knows: articles, chunks, model, index date."),
    )
    @app_commands.allowed_installs(guilds=True, users=True)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def about(self, interaction: discord.Interaction) -> None:
        """Show index statistics, and this server's feedback counts."""
        lang = lang_of_locale(interaction.locale)
        try:
            stats = await asyncio.to_thread(self.client.answerer.stats)
        except NewsQuoteError as exc:
            log.error("No index for /about: %s", exc)  # the detail is for the operator, not for members
            await interaction.response.send_message(t("cannot_answer", lang), ephemeral=True)
            return
        if stats is None:
            await interaction.response.send_message(t("no_index", lang), ephemeral=True)
            return
        votes = None
        if interaction.guild_id is not None:
            votes = await asyncio.to_thread(self.client.storage.vote_counts, interaction.guild_id)
        await interaction.response.send_message(
            embed=about_embed(stats, lang, votes),
            allowed_mentions=discord.AllowedMentions.none(),
            ephemeral=interaction.guild_id is None or not interaction.is_guild_integration(),
        )
