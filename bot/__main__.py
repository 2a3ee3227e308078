"""`python -m bot`: read settings, wire the core into the bot, and run it until SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import functools
import logging
import signal
import sqlite3
import sys
from collections.abc import Callable

import discord
from pydantic import ValidationError

from bot.client import NewsQuoteBot
from bot.intents import REFUSED, may_fall_back, wants_message_content
from bot.protocols import AnswererLike, BuilderLike
from bot.settings import BotSettings
from bot.storage import Storage, StorageError

log = logging.getLogger("bot")

NO_TOKEN = (
    "DISCORD_TOKEN is not set: put the bot token from the Developer Portal (Bot -> Reset Token) in .env."
)
BAD_TOKEN = (
    "Discord rejected DISCORD_TOKEN: reset the token in the Developer Portal (Bot -> Reset Token) "
    "and update .env."
)
INTENTS = (
    "The Message Content intent is not enabled for this bot (MESSAGE_CONTENT_INTENT=on): turn on 'Message "
    "Content Intent' under Bot -> Privileged Gateway Intents in the Developer Portal and restart, or set "
    "MESSAGE_CONTENT_INTENT=auto to run without Q&A-channel auto-answers."
)


def fail(message: str) -> int:
    """Log one clear line (no traceback) and return the exit status."""
    log.error("%s", message)
    return 1


def load_settings() -> BotSettings | None:
    """Read settings; on invalid values log one line per problem and return None."""
    try:
        return BotSettings()  # type: ignore[call-arg]  # pydantic-settings fills fields from the env
    except ValidationError as exc:
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]).upper()
            log.error("Invalid setting %s: %s", field, err["msg"])
        return None


def ensure_index(builder: BuilderLike) -> None:
    """Build the index first when none exists, so the bot has something to quote."""
    if builder.has_index():
        return
    log.info("No index found (or built with another model): building it from the corpus first")
    summary = builder.build()
    log.info("%s", summary.describe())


async def run(make_bot: Callable[[bool], NewsQuoteBot], settings: BotSettings, token: str) -> None:
    """Run the bot until it closes; if Discord refuses Message Content ("auto"), reconnect without it."""
    message_content = wants_message_content(settings.message_content_intent)
    while True:
        try:
            await run_once(make_bot(message_content), token)
            return
        except discord.PrivilegedIntentsRequired:
            if not may_fall_back(settings.message_content_intent, message_content):
                raise
            log.warning("%s", REFUSED)
            message_content = False


async def run_once(bot: NewsQuoteBot, token: str) -> None:
    """Run one bot until it closes; SIGTERM and SIGINT close the gateway connection cleanly."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, functools.partial(_request_close, bot, sig))
    async with bot:
        await bot.start(token)


def open_storage(settings: BotSettings) -> Storage:
    """Open the settings database; import the old JSONL feedback log into it the first time."""
    storage = Storage(settings.database_file, settings.guild_defaults())
    storage.import_feedback_jsonl(settings.feedback_file)
    return storage


def _make_bot(
    settings: BotSettings,
    answerer: AnswererLike,
    builder: BuilderLike,
    storage: Storage,
    message_content: bool,
) -> NewsQuoteBot:
    return NewsQuoteBot(settings, answerer, builder, message_content=message_content, storage=storage)


def _request_close(bot: NewsQuoteBot, sig: signal.Signals) -> None:
    log.info("Received %s: closing the connection", sig.name)
    asyncio.get_running_loop().create_task(bot.close())


def healthcheck() -> int:
    """`python -m bot healthcheck`: exit 0 only while a running bot is connected and has an index."""
    settings = load_settings()
    if settings is None:
        return 2
    from bot.health import check_status

    problem = check_status(settings.health_file)
    if problem:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    print("healthy")
    return 0


def feedback() -> int:
    """`python -m bot feedback export ...`: votes from the database as JSONL or CSV."""
    settings = load_settings_with_logging()
    if settings is None:
        return 2
    from bot.feedback import feedback_command

    try:
        return feedback_command(sys.argv[2:], settings)
    except (StorageError, sqlite3.Error, OSError) as exc:
        return fail(f"Cannot export feedback from DATABASE_FILE {settings.database_file}: {exc}")


def main() -> int:
    """Entry point: returns the process exit status."""
    if sys.argv[1:] == ["healthcheck"]:
        return healthcheck()
    if sys.argv[1:2] == ["feedback"]:
        return feedback()
    settings = load_settings_with_logging()
    if settings is None:
        return 2
    if settings.discord_token is None or not settings.discord_token.get_secret_value().strip():
        return fail(NO_TOKEN)
    if settings.discord_api_base:
        discord.http.Route.BASE = settings.discord_api_base
    from index.errors import NewsQuoteError
    from index.services import build_services

    try:
        services = build_services(settings)
        ensure_index(services.builder)
        # Load the index now: a model mismatch or a broken index fails here, in one line, not per question.
        services.answerer.stats()
    except NewsQuoteError as exc:
        return fail(str(exc))
    try:
        storage = open_storage(settings)
    except (StorageError, sqlite3.Error, OSError) as exc:
        return fail(f"Cannot open DATABASE_FILE {settings.database_file}: {exc}")
    make_bot = functools.partial(_make_bot, settings, services.answerer, services.builder, storage)
    try:
        asyncio.run(run(make_bot, settings, settings.discord_token.get_secret_value()))
    except discord.LoginFailure:
        return fail(BAD_TOKEN)
    except discord.PrivilegedIntentsRequired:
        return fail(INTENTS)
    except KeyboardInterrupt:
        pass
    finally:
        storage.close()
    log.info("Bot stopped")
    return 0


def load_settings_with_logging() -> BotSettings | None:
    """Set up logging (at the configured level) and load settings."""
    discord.utils.setup_logging(level=logging.INFO)
    settings = load_settings()
    if settings is not None:
        set_log_levels(settings.log_level, settings.discord_debug_payloads)
    return settings


def set_log_levels(level: str, discord_payloads: bool = False) -> None:
    """The configured level for our loggers; discord.py's stay at INFO unless its payloads are asked for."""
    logging.getLogger().setLevel(level.upper())
    # At DEBUG, discord.gateway logs every gateway event (other members' messages), discord.http and
    # discord.webhook every request with its URL (interaction tokens) and body: not for a routine DEBUG.
    floor = logging.DEBUG if discord_payloads else logging.INFO
    logging.getLogger("discord").setLevel(max(floor, logging.getLogger().getEffectiveLevel()))


if __name__ == "__main__":
    sys.exit(main())
