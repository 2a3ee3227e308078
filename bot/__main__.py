"""`python -m bot`: read settings, wire the core into the bot, and run it until SIGTERM or Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import signal
import sqlite3
import sys
import time
from collections.abc import Callable
from typing import TextIO

import discord

from bot.client import NewsQuoteBot
from bot.intents import REFUSED, may_fall_back, wants_message_content
from bot.protocols import AnswererLike, BuilderLike
from bot.settings import BotSettings
from bot.storage import Storage, StorageError
from index.errors import NewsQuoteError
from index.settings import SettingsError
from index.settings import load_settings as read_settings

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
        return read_settings(BotSettings)
    except SettingsError as exc:
        for line in str(exc).splitlines():
            log.error("%s", line[:1].upper() + line[1:])
        return None


def update_index(builder: BuilderLike) -> None:
    """Bring the index up to date with the corpus (incremental: about a second when nothing changed)."""
    if not builder.has_index():
        log.info("No index found (or built with another model): building it from the corpus first")
        log.info("%s", builder.build().describe())  # nothing to fall back on: a failure stops the bot
        return
    log.info("Bringing the index up to date with the corpus (articles added or changed since the last build)")
    try:
        log.info("%s", builder.build().describe())
    except (NewsQuoteError, OSError) as exc:
        # E.g. a build already running, or a corpus folder that went missing: the last index still answers.
        log.warning("Answering from the existing index: the start-up build did not run: %s", exc)


def warm_up(answerer: AnswererLike) -> None:
    """Load the embedding model now, so that the first question does not wait for it."""
    started = time.perf_counter()
    answerer.warm_up()
    log.info("Embedding model loaded in %.1fs", time.perf_counter() - started)


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


def feedback(argv: list[str]) -> int:
    """`python -m bot feedback export ...`: votes from the database as JSONL or CSV."""
    settings = load_settings_with_logging()
    if settings is None:
        return 2
    from bot.feedback import feedback_command

    try:
        return feedback_command(argv, settings)
    except (StorageError, sqlite3.Error, OSError) as exc:
        return fail(f"Cannot export feedback from DATABASE_FILE {settings.database_file}: {exc}")


def arguments(argv: list[str]) -> argparse.Namespace:
    """`python -m bot [run|healthcheck|feedback]`; everything else comes from settings (.env, environment)."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Run the Discord bot: brings the index up to date with the corpus, loads the model, "
        "connects. Settings come from the environment and .env (see .env.example and docs/bot.md).",
    )
    parser.add_argument(
        "command",
        nargs="?",
        choices=["run", "healthcheck", "feedback"],
        default="run",
        help="run the bot (default); check that a running bot is healthy (exit 0) for Docker; or "
        "'feedback export --format jsonl|csv [--out FILE]' to export the votes",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point: returns the process exit status."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["feedback"]:  # its own options: `python -m bot feedback export --help`
        return feedback(args[1:])
    if arguments(args).command == "healthcheck":
        return healthcheck()
    settings = load_settings_with_logging()
    if settings is None:
        return 2
    if settings.discord_token is None or not settings.discord_token.get_secret_value().strip():
        return fail(NO_TOKEN)
    if settings.discord_api_base:
        discord.http.Route.BASE = settings.discord_api_base
    from index.services import build_services

    try:
        services = build_services(settings)
        update_index(services.builder)
        # Load the index now: a model mismatch or a broken index fails here, in one line, not per question.
        services.answerer.stats()
        warm_up(services.answerer)
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
    formatter = plain_formatter(sys.stderr)
    if formatter is None:
        discord.utils.setup_logging(level=logging.INFO)
    else:
        discord.utils.setup_logging(level=logging.INFO, formatter=formatter)
    # faiss logs every CPU-specific library it fails to load, with the exception, at INFO.
    logging.getLogger("faiss.loader").setLevel(logging.WARNING)
    settings = load_settings()
    if settings is not None:
        set_log_levels(settings.log_level, settings.discord_debug_payloads)
    return settings


def plain_formatter(stream: TextIO) -> logging.Formatter | None:
    """None (discord.py's colours) on a terminal; plain lines otherwise: it would colour `docker logs` too."""
    if stream.isatty():
        return None
    return logging.Formatter("[{asctime}] [{levelname:<8}] {name}: {message}", "%Y-%m-%d %H:%M:%S", style="{")


def set_log_levels(level: str, discord_payloads: bool = False) -> None:
    """The configured level for our loggers; discord.py's stay at INFO unless its payloads are asked for."""
    logging.getLogger().setLevel(level.upper())
    # At DEBUG, discord.gateway logs every gateway event (other members' messages), discord.http and
    # discord.webhook every request with its URL (interaction tokens) and body: not for a routine DEBUG.
    floor = logging.DEBUG if discord_payloads else logging.INFO
    logging.getLogger("discord").setLevel(max(floor, logging.getLogger().getEffectiveLevel()))


if __name__ == "__main__":
    sys.exit(main())
