"""/ask, and the answer path every way to ask shares: thin glue that calls the answerer off the event loop."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import time
from dataclasses import dataclass
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.feedback import FeedbackLog
from bot.i18n import Lang, pick_lang, t
from bot.markdown import clean_question
from bot.protocols import BotLike
from bot.ratelimit import InFlight, QuestionLimits
from bot.render import notice, page_count, render_answer, stale_note
from bot.storage import GuildConfig
from bot.views import AnswerView
from index.errors import NewsQuoteError
from index.models import Answer

log = logging.getLogger(__name__)

NONE = discord.AllowedMentions.none()
APOLOGY = t("apology", "en")
BUSY = t("busy", "en")
EXAMPLE = "what did Osorio win with Nacional?"  # answered by the default corpus (tests/test_docs.py)


def slow_down(retry_after: float, lang: Lang = "en", scope: str = "user") -> str:
    """The polite rate-limit reply (the asker's own limit, or the whole server's)."""
    return t(f"slow_down_{scope}", lang, seconds=max(1, round(retry_after)))


def too_long(length: int, limit: int, lang: Lang) -> str:
    """The reply to an over-long question."""
    return t("too_long", lang, length=length, limit=limit)


def unanswered_text(answer: Answer, lang: Lang) -> str:
    """The notice for an answer without quotes, in `lang` (the core's own message is English)."""
    # The core's message for an empty index tells an operator what to run: members get the fixed text.
    if lang == "en" and answer.message and answer.status != "empty_index":
        return answer.message
    key = {"invalid_question": "invalid_question", "empty_index": "empty_index"}.get(
        answer.status, "no_answer"
    )
    return t(key, lang, problem=answer.message)


def private_here(interaction: discord.Interaction, config: GuildConfig) -> bool:
    """Answer privately: outside servers, where only the user installed the app, or if the server says so."""
    if interaction.guild_id is None or not interaction.is_guild_integration():
        return True
    return not config.public_answers


@dataclass(frozen=True)
class Trigger:
    """Why a message is a question for the bot, and the question text."""

    kind: Literal["mention", "qa_channel", "reply", "dm"]
    question: str


def parse_message(
    content: str,
    *,
    bot_id: int,
    self_role_id: int | None,
    channel_id: int,
    qa_channel_ids: set[int],
    replied_to_bot: bool = False,
    in_dm: bool = False,
) -> Trigger | None:
    """Decide whether a (non-bot) message is a question for us; strip our mention from it.

    Mentions, replies to the bot and DMs carry their text without the Message Content intent; Q&A channels
    need it, so the caller passes no Q&A channels when the intent is off.
    """
    tokens = [rf"<@!?{bot_id}>"] + ([rf"<@&{self_role_id}>"] if self_role_id else [])
    pattern = re.compile("|".join(tokens))
    mentioned = pattern.search(content) is not None
    question = " ".join(pattern.sub(" ", content).split())
    if channel_id in qa_channel_ids:
        return Trigger("qa_channel", question)
    if mentioned:
        return Trigger("mention", question)
    if replied_to_bot:
        return Trigger("reply", question)
    if in_dm:
        return Trigger("dm", question)
    return None


class BusyError(Exception):
    """No free slot to answer within the wait time."""


class AskCog(commands.Cog):
    """Answers /ask; the message, forum and "Find sources" cogs answer through its reply_parts."""

    def __init__(self, bot: BotLike) -> None:
        self.bot = bot
        self.settings = bot.settings
        self.limits = QuestionLimits(
            self.settings.rate_limit_questions,
            self.settings.rate_limit_guild_questions,
            self.settings.rate_limit_seconds,
        )
        self.in_flight = InFlight(self.settings.max_in_flight)
        self.feedback = FeedbackLog(bot.storage)

    async def guild_config(self, guild_id: int | None) -> GuildConfig:
        """A server's settings, read at question time (off the event loop)."""
        return await asyncio.to_thread(self.bot.storage.guild_config, guild_id)

    def rate_limited(self, user_id: int, guild_id: int | None, lang: Lang) -> str | None:
        """The polite reply when the asker or their server asks too fast; None when the question may go on."""
        hit = self.limits.hit(user_id, guild_id)
        return None if hit is None else slow_down(hit.retry_after, lang, hit.scope)

    async def answer(self, question: str) -> Answer:
        """Ask the answerer in a worker thread, within the bot-wide in-flight cap."""
        if not await self.in_flight.acquire(self.settings.busy_wait_seconds):
            raise BusyError
        started = time.perf_counter()
        # Bidi overrides, zero-width characters and NUL change what a question seems to say, not what it asks.
        question = clean_question(question)
        try:
            answer = await asyncio.to_thread(self.bot.answerer.ask, question, self.settings.quote_pool)
        finally:
            self.in_flight.release()
        top = answer.quotes[0].score if answer.quotes else 0.0
        log.info(
            "Answered in %.0f ms (%s): %d quotes, top score %.3f",
            (time.perf_counter() - started) * 1000,
            answer.status,
            len(answer.quotes),
            top,
        )
        log.debug("Question was: %r", question)
        return answer

    async def reply_parts(
        self,
        question: str,
        asker_id: int,
        *,
        lang: Lang = "en",
        per_page: int | None = None,
        guild_id: int | None = None,
        publish: bool = False,
    ) -> tuple[dict[str, Any], AnswerView | None]:
        """Answer and turn the result into send() keyword arguments plus the view (if any).

        `publish` adds a "Post publicly" button, for answers first shown only to the asker.
        """
        try:
            answer = await self.answer(question)
        except BusyError:
            return {"content": t("busy", lang)}, None
        except NewsQuoteError as exc:
            log.error("Could not answer: %s", exc)
            return {"content": t("cannot_answer", lang)}, None
        except Exception:
            log.exception("Failed to answer a question")
            return {"content": t("apology", lang)}, None
        if not answer.quotes:
            return {"content": notice(unanswered_text(answer, lang))}, None
        per_page = per_page or self.settings.per_page
        note = stale_note(answer, dt.date.today(), self.settings.stale_after_days, lang)
        view = AnswerView(
            answer,
            asker_id,
            self.feedback,
            per_page,
            page_count(answer, per_page),
            self.settings.view_timeout_seconds,
            lang=lang,
            guild_id=guild_id,
            publish=publish,
            note=note,
        )
        # Rendering is linear, but a page of huge quotes is still work the gateway heartbeat must not wait on.
        embed = await asyncio.to_thread(render_answer, answer, per_page=per_page, lang=lang, note=note)
        return {"embed": embed}, view

    @app_commands.command(
        name="ask",
        description=app_commands.locale_str("Ask the news articles a question; get quoted passages."),
    )
    @app_commands.describe(
        question=app_commands.locale_str("Your question, e.g. what did Osorio win with Nacional?")
    )
    @app_commands.rename(question=app_commands.locale_str("question"))
    # Usable where the bot is installed to a server and where a user installed the app: DMs, group DMs,
    # servers without the bot. Answers there are private (see private_here).
    @app_commands.allowed_installs(guilds=True, users=True)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def ask(self, interaction: discord.Interaction, question: app_commands.Range[str, 1, 4000]) -> None:
        """Slash command: rate-limit, defer, answer, then follow up with the embed."""
        config = await self.guild_config(interaction.guild_id)
        await self.answer_interaction(
            interaction, question, config, private=private_here(interaction, config)
        )

    async def answer_interaction(
        self, interaction: discord.Interaction, question: str, config: GuildConfig, *, private: bool
    ) -> None:
        """Check, rate-limit, defer, answer and follow up (publicly or only for the asker)."""
        lang = pick_lang(config.language, locale=interaction.locale)
        limit = self.settings.max_question_chars
        if len(question) > limit:
            await interaction.response.send_message(too_long(len(question), limit, lang), ephemeral=True)
            return
        refusal = self.rate_limited(interaction.user.id, interaction.guild_id, lang)
        if refusal is not None:
            await interaction.response.send_message(refusal, ephemeral=True)
            return
        # Embedding and search can take more than the 3 s Discord allows before the first response.
        await interaction.response.defer(thinking=True, ephemeral=private)
        kwargs, view = await self.reply_parts(
            question,
            interaction.user.id,
            lang=lang,
            per_page=config.quotes_per_answer,
            guild_id=interaction.guild_id,
            publish=private,
        )
        if view is not None:
            kwargs["view"] = view
        message = await interaction.followup.send(
            wait=True, allowed_mentions=NONE, ephemeral=private, **kwargs
        )
        if view is not None:
            view.message = message
