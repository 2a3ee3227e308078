"""/ask, mentions and Q&A channels: thin glue that calls the answerer off the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.feedback import FeedbackLog
from bot.protocols import BotLike
from bot.ratelimit import InFlight, RateLimiter
from bot.render import notice, page_count, render_answer, thread_name
from bot.views import AnswerView
from index.errors import NewsQuoteError
from index.models import Answer

log = logging.getLogger(__name__)

NONE = discord.AllowedMentions.none()
APOLOGY = "Sorry — something went wrong while answering that. Please try again in a moment."
BUSY = "I'm answering a lot of questions right now — please ask again in a moment."
HELP = "Ask me a question about the news articles, e.g. `@{name} who won the league in 2013?`"
TOO_LONG = "That question is too long ({length} characters); please keep it under {limit}."


def slow_down(retry_after: float) -> str:
    """The polite rate-limit reply."""
    return f"You're asking questions quickly — please wait {max(1, round(retry_after))} s and ask again."


@dataclass(frozen=True)
class Trigger:
    """Why a message is a question for the bot, and the question text."""

    kind: Literal["mention", "qa_channel"]
    question: str


def parse_message(
    content: str, *, bot_id: int, self_role_id: int | None, channel_id: int, qa_channel_ids: set[int]
) -> Trigger | None:
    """Decide whether a (non-bot) message is a question for us; strip our mention from it."""
    tokens = [rf"<@!?{bot_id}>"] + ([rf"<@&{self_role_id}>"] if self_role_id else [])
    pattern = re.compile("|".join(tokens))
    mentioned = pattern.search(content) is not None
    question = " ".join(pattern.sub(" ", content).split())
    if channel_id in qa_channel_ids:
        return Trigger("qa_channel", question)
    if mentioned:
        return Trigger("mention", question)
    return None


@contextlib.asynccontextmanager
async def typing_indicator(channel: discord.abc.Messageable) -> AsyncIterator[None]:
    """Show "typing…" while answering; a channel that refuses it must not stop the answer."""
    typing = channel.typing()
    try:
        await typing.__aenter__()
    except discord.HTTPException as exc:
        log.debug("No typing indicator: %s", exc)
        yield
        return
    try:
        yield
    finally:
        await typing.__aexit__(None, None, None)


class BusyError(Exception):
    """No free slot to answer within the wait time."""


class AskCog(commands.Cog):
    """Answers questions from /ask, mentions and the Q&A channels."""

    def __init__(self, bot: BotLike) -> None:
        self.bot = bot
        self.settings = bot.settings
        self.limiter = RateLimiter(self.settings.rate_limit_questions, self.settings.rate_limit_seconds)
        self.in_flight = InFlight(self.settings.max_in_flight)
        self.feedback = FeedbackLog(self.settings.feedback_file)

    async def answer(self, question: str) -> Answer:
        """Ask the answerer in a worker thread, within the bot-wide in-flight cap."""
        if not await self.in_flight.acquire(self.settings.busy_wait_seconds):
            raise BusyError
        started = time.perf_counter()
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

    async def reply_parts(self, question: str, asker_id: int) -> tuple[dict[str, Any], AnswerView | None]:
        """Answer and turn the result into send() keyword arguments plus the view (if any)."""
        try:
            answer = await self.answer(question)
        except BusyError:
            return {"content": BUSY}, None
        except NewsQuoteError as exc:
            log.error("Could not answer: %s", exc)
            return {"content": notice(f"I can't answer right now: {exc}")}, None
        except Exception:
            log.exception("Failed to answer a question")
            return {"content": APOLOGY}, None
        if not answer.quotes:
            return {"content": notice(answer.message or "The articles don't answer this.")}, None
        per_page = self.settings.per_page
        pages = page_count(answer, per_page)
        view = AnswerView(
            answer, asker_id, self.feedback, per_page, pages, self.settings.view_timeout_seconds
        )
        return {"embed": render_answer(answer, per_page=per_page)}, view

    @app_commands.command(name="ask", description="Ask the news articles a question; get quoted passages.")
    @app_commands.describe(question="Your question, e.g. who won the league in 2013?")
    async def ask(self, interaction: discord.Interaction, question: app_commands.Range[str, 1, 4000]) -> None:
        """Slash command: rate-limit, defer, answer, then follow up with the embed."""
        limit = self.settings.max_question_chars
        if len(question) > limit:
            await interaction.response.send_message(
                TOO_LONG.format(length=len(question), limit=limit), ephemeral=True
            )
            return
        retry_after = self.limiter.hit(interaction.user.id)
        if retry_after is not None:
            await interaction.response.send_message(slow_down(retry_after), ephemeral=True)
            return
        # Embedding and search can take more than the 3 s Discord allows before the first response.
        await interaction.response.defer(thinking=True)
        kwargs, view = await self.reply_parts(question, interaction.user.id)
        if view is not None:
            kwargs["view"] = view
        message = await interaction.followup.send(wait=True, allowed_mentions=NONE, **kwargs)
        if view is not None:
            view.message = message

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer mentions and Q&A-channel messages; ignore everything else, bots and webhooks included."""
        if message.author.bot or message.webhook_id is not None or self.bot.user is None:
            return
        self_role = message.guild.self_role if message.guild else None
        trigger = parse_message(
            message.content,
            bot_id=self.bot.user.id,
            self_role_id=self_role.id if self_role else None,
            channel_id=message.channel.id,
            qa_channel_ids=set(self.settings.qa_channel_ids),
        )
        if trigger is None:
            return
        try:
            await self.handle(message, trigger)
        except discord.HTTPException:
            log.exception("Could not reply in channel %s", message.channel.id)

    async def handle(self, message: discord.Message, trigger: Trigger) -> None:
        """Validate, rate-limit, answer, and post the answer (in a thread when configured)."""
        if not trigger.question:
            if trigger.kind == "mention":
                await self.send_reply(message, {"content": HELP.format(name=self.bot.user)}, None)
            return
        if len(trigger.question) > self.settings.max_question_chars:
            text = TOO_LONG.format(length=len(trigger.question), limit=self.settings.max_question_chars)
            await message.reply(text, allowed_mentions=NONE, mention_author=False, delete_after=30)
            return
        retry_after = self.limiter.hit(message.author.id)
        if retry_after is not None:
            await message.reply(
                slow_down(retry_after), allowed_mentions=NONE, mention_author=False, delete_after=30
            )
            return
        async with typing_indicator(message.channel):
            kwargs, view = await self.reply_parts(trigger.question, message.author.id)
        threaded = trigger.kind == "qa_channel" and self.settings.answer_in_threads
        if threaded and await self.send_in_thread(message, trigger.question, kwargs, view):
            return
        await self.send_reply(message, kwargs, view)

    async def send_reply(
        self, message: discord.Message, kwargs: dict[str, Any], view: AnswerView | None
    ) -> None:
        """Reply to the question message without pinging anyone."""
        if view is not None:
            kwargs["view"] = view
        sent = await message.reply(allowed_mentions=NONE, mention_author=False, **kwargs)
        if view is not None:
            view.message = sent

    async def send_in_thread(
        self, message: discord.Message, question: str, kwargs: dict[str, Any], view: AnswerView | None
    ) -> bool:
        """Open a thread on the question and answer there; False if a thread cannot be made here."""
        try:
            thread = await message.create_thread(name=thread_name(question), auto_archive_duration=1440)
        except (discord.HTTPException, ValueError) as exc:
            log.warning("Could not open a thread (%s); replying in the channel instead", exc)
            return False
        if view is not None:
            kwargs["view"] = view
        sent = await thread.send(allowed_mentions=NONE, **kwargs)
        if view is not None:
            view.message = sent
        return True
