"""The commands.Bot subclass: settings, answerer and builder come in through the constructor."""

from __future__ import annotations

import asyncio
import logging

import discord
import yarl
from discord import app_commands
from discord.ext import commands

from bot.health import INTERVAL_SECONDS, write_status
from bot.i18n import Translator, lang_of_locale, t
from bot.intents import bot_intents
from bot.protocols import AnswererLike, BuilderLike
from bot.settings import BotSettings
from bot.storage import Storage

log = logging.getLogger(__name__)

APOLOGY = t("command_apology", "en")


class QuoteTree(app_commands.CommandTree):
    """Command tree whose errors are logged with a traceback and answered with an apology."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError, /
    ) -> None:
        """Log a failed slash command with its traceback and apologise to the user."""
        log.exception(
            "Slash command %s failed", interaction.command and interaction.command.name, exc_info=error
        )
        apology = t("command_apology", lang_of_locale(interaction.locale))
        try:
            if interaction.response.is_done():
                await interaction.followup.send(apology, ephemeral=True)
            else:
                await interaction.response.send_message(apology, ephemeral=True)
        except discord.HTTPException as exc:
            log.warning("Could not send the apology: %s", exc)


class NewsQuoteBot(commands.AutoShardedBot):
    """Answers questions with verbatim quotes; cogs are added in `setup_hook`.

    discord.py's own sharding: one process runs SHARD_IDS of SHARD_COUNT shards (all of Discord's
    recommended count when unset), so several processes can split a large bot between them.
    """

    def __init__(
        self,
        settings: BotSettings,
        answerer: AnswererLike,
        builder: BuilderLike,
        *,
        message_content: bool = True,
        storage: Storage | None = None,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=bot_intents(message_content),
            # Nothing the bot says may ping anyone, whatever the question or article contains.
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            tree_cls=QuoteTree,
            shard_count=settings.shard_count,
            shard_ids=settings.shard_ids or None,  # type: ignore[arg-type]  # None: all shards
        )
        self.settings = settings
        self.answerer = answerer
        self.builder = builder
        self.storage = storage or Storage(settings.database_file, settings.guild_defaults())
        # Up from the gateway's hello until a disconnect: messages are answered from then on, before
        # discord.py's "ready" (which waits for every guild to stream in).
        self._gateway_up = False
        self._shards_up: dict[int, bool] = {}

    async def setup_hook(self) -> None:
        """Add the cogs and sync the slash commands (globally, and to the test guild if set)."""
        from bot.cogs.admin import AdminCog
        from bot.cogs.ask import AskCog
        from bot.cogs.config import ConfigCog
        from bot.cogs.forums import ForumsCog
        from bot.cogs.messages import MessagesCog
        from bot.cogs.sources import SourcesCog

        if self.settings.discord_api_base:
            await self.use_local_gateway()
        ask = AskCog(self)
        await self.add_cog(ask)
        await self.add_cog(MessagesCog(self, ask))
        await self.add_cog(SourcesCog(self, ask))
        await self.add_cog(ForumsCog(self, ask))
        await self.add_cog(AdminCog(self))
        await self.add_cog(ConfigCog(self))
        await self.tree.set_translator(Translator())
        await self.sync_commands()
        self._health_task = asyncio.create_task(self._keep_status_fresh())

    async def _keep_status_fresh(self) -> None:
        """Rewrite the health status file every few seconds while the bot runs."""
        while not self.is_closed():
            await self.refresh_status()
            await asyncio.sleep(INTERVAL_SECONDS)

    async def refresh_status(self) -> None:
        """Write whether the gateway is up and an index is loaded to the health status file."""
        index_loaded = await asyncio.to_thread(self.answerer.stats) is not None
        shards = self.shard_status()
        up = all(s["connected"] for s in shards.values()) if shards else self._gateway_up
        write_status(
            self.settings.health_file,
            connected=up and not self.is_closed(),
            index_loaded=index_loaded,
            shards=shards,
        )

    def shard_status(self) -> dict[int, dict[str, object]]:
        """Each shard this process runs: connected or not, and its heartbeat latency when known."""
        ids = self.shard_ids or range(self.shard_count or 0)
        status: dict[int, dict[str, object]] = {}
        for shard_id in ids:
            info = self.get_shard(shard_id)
            latency = info.latency if info is not None else float("nan")
            status[shard_id] = {
                "connected": self._shards_up.get(shard_id, False),
                "latency_ms": round(latency * 1000)
                if latency == latency and latency != float("inf")
                else None,
            }
        return status

    async def close(self) -> None:
        """Mark the status as disconnected, drop a pending "ready", then close the gateway connection."""
        try:
            write_status(self.settings.health_file, connected=False, index_loaded=False)
        except OSError as exc:
            log.warning("Could not update the health status: %s", exc)
        # discord.py holds "ready" back until guilds stop streaming in, and its close() leaves the client
        # without a loop: a "ready" still pending then fails in a task nobody awaits, and a SIGTERM during
        # a reconnect logged "Task exception was never retrieved" with a traceback. Cancelled, it is quiet.
        pending = [getattr(self._connection, "_ready_task", None)]
        pending += list(getattr(self._connection, "_ready_tasks", {}).values())  # one per shard
        for task in pending:
            if task is not None and not task.done():
                task.cancel()
        await super().close()

    async def use_local_gateway(self) -> None:
        """Connect the websocket to the gateway URL the API base reports (for the fake Discord in tests)."""
        _shards, url, _limits = await self.http.get_bot_gateway()
        # discord.py connects a non-sharded client to DEFAULT_GATEWAY; point it where GET /gateway/bot says.
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
        log.info("Using the gateway at %s", url)

    async def sync_commands(self) -> None:
        """Sync app commands; a failure is logged and the bot keeps running with the old commands."""
        try:
            synced = await self.tree.sync()
            log.info("Synced %d global commands", len(synced))
            if self.settings.discord_guild_id:
                guild = discord.Object(id=self.settings.discord_guild_id)
                self.tree.copy_global_to(guild=guild)
                synced = await self.tree.sync(guild=guild)
                log.info("Synced %d commands to guild %s", len(synced), guild.id)
        except discord.HTTPException as exc:
            log.warning("Could not sync slash commands (%s); existing ones stay registered", exc)

    async def on_shard_connect(self, shard_id: int) -> None:
        """A shard's session is up."""
        self._shards_up[shard_id] = True
        await self.refresh_status()

    async def on_shard_resumed(self, shard_id: int) -> None:
        """A shard resumed its session."""
        await self.on_shard_connect(shard_id)

    async def on_shard_disconnect(self, shard_id: int) -> None:
        """A shard lost its connection; discord.py reconnects it."""
        self._shards_up[shard_id] = False

    async def on_connect(self) -> None:
        """Report healthy as soon as the gateway session is up."""
        self._gateway_up = True
        await self.refresh_status()

    async def on_resumed(self) -> None:
        """A dropped session was resumed: healthy again."""
        await self.on_connect()

    async def on_disconnect(self) -> None:
        """The gateway connection dropped; discord.py reconnects on its own."""
        self._gateway_up = False

    async def on_ready(self) -> None:
        """Log who we are once the gateway says we're in, and report healthy at once."""
        await self.refresh_status()
        log.info(
            "Logged in as %s (id %s) in %d guilds", self.user, self.user and self.user.id, len(self.guilds)
        )

    async def on_message(self, message: discord.Message, /) -> None:
        """Do nothing here: there are no prefix commands; the ask cog's listener handles messages."""
