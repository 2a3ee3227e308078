"""/reindex (Manage Server or an admin role) and /about."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Iterable

import discord
from discord import app_commands
from discord.ext import commands

import bot
from bot.protocols import BotLike
from index.errors import IndexLocked, NewsQuoteError
from index.models import IndexStats

log = logging.getLogger(__name__)

DENIED = "Only members with **Manage Server** or an admin role can rebuild the index."
RUNNING = "A rebuild is already running; I'll keep answering from the current index meanwhile."
NO_INDEX = "No index is loaded yet: an admin can run /reindex, or `python -m index build`."
LOCKED = "Another build (e.g. `python -m index build`) holds the index lock; try again when it finishes."


def may_reindex(manage_guild: bool, role_ids: Iterable[int], admin_role_ids: Collection[int]) -> bool:
    """Whether a member may run /reindex: Manage Server, or any of the configured admin roles."""
    return manage_guild or any(role in admin_role_ids for role in role_ids)


def member_may_reindex(user: discord.User | discord.Member, admin_role_ids: Collection[int]) -> bool:
    """Apply `may_reindex` to a Discord user; outside a guild (a DM) nobody may."""
    if not isinstance(user, discord.Member):
        return False
    return may_reindex(user.guild_permissions.manage_guild, (r.id for r in user.roles), admin_role_ids)


def about_embed(stats: IndexStats) -> discord.Embed:
    """The /about card: what the index holds and how it was built."""
    embed = discord.Embed(
        title="NewsQuote",
        description="I answer questions by quoting news articles verbatim, with title, date and source.",
        colour=discord.Colour.blurple(),
    )
    embed.add_field(name="Articles", value=f"{stats.articles:,}")
    embed.add_field(name="Chunks", value=f"{stats.chunks:,}")
    embed.add_field(name="Model", value=discord.utils.escape_markdown(stats.model)[:1024])
    embed.add_field(name="Index built", value=stats.built_at.strftime("%Y-%m-%d %H:%M UTC"))
    embed.add_field(name="Index format", value=str(stats.format_version))
    ranking = ", ".join(f"{lang}: {name}" for lang, name in stats.scorers.items()) or "hand-set"
    embed.add_field(name="Quote ranking", value=discord.utils.escape_markdown(ranking)[:1024])
    embed.add_field(name="Bot version", value=bot.__version__)
    return embed


class AdminCog(commands.Cog):
    """Index administration and information."""

    def __init__(self, client: BotLike) -> None:
        self.client = client
        self.building = asyncio.Lock()

    @app_commands.command(name="reindex", description="Rebuild the index from the corpus (admins only).")
    @app_commands.guild_only()
    async def reindex(self, interaction: discord.Interaction) -> None:
        """Run the incremental build in a worker thread and report its summary."""
        if not member_may_reindex(interaction.user, self.client.settings.admin_role_ids):
            await interaction.response.send_message(DENIED, ephemeral=True)
            return
        if self.building.locked():
            await interaction.response.send_message(RUNNING, ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self.building:
            text = await self.run_build()
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())

    async def run_build(self) -> str:
        """Build off the event loop; turn the outcome into one line for the admin."""
        log.info("Reindex requested")
        try:
            summary = await asyncio.to_thread(self.client.builder.build)
        except IndexLocked:
            return LOCKED
        except NewsQuoteError as exc:
            log.error("Reindex failed: %s", exc)
            return f"The rebuild failed: {exc}"[:2000]
        except Exception:
            log.exception("Reindex failed")
            return "Sorry — the rebuild failed unexpectedly; the details are in the bot's log."
        log.info("%s", summary.describe())
        return summary.describe()[:2000]

    @app_commands.command(
        name="about", description="What this bot knows: articles, chunks, model, index date."
    )
    async def about(self, interaction: discord.Interaction) -> None:
        """Show index statistics."""
        try:
            stats = await asyncio.to_thread(self.client.answerer.stats)
        except NewsQuoteError as exc:
            await interaction.response.send_message(f"No index is loaded: {exc}"[:2000], ephemeral=True)
            return
        if stats is None:
            await interaction.response.send_message(NO_INDEX, ephemeral=True)
            return
        await interaction.response.send_message(
            embed=about_embed(stats), allowed_mentions=discord.AllowedMentions.none()
        )
