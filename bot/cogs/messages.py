"""Mentions, replies to the bot, DMs and Q&A channels: a message that asks gets a reply (or a thread)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bot.cogs.ask import Trigger, parse_message, too_long
from bot.i18n import pick_lang, t
from bot.protocols import BotLike
from bot.render import thread_name
from bot.storage import GuildConfig
from bot.views import AnswerView

if TYPE_CHECKING:
    from bot.cogs.ask import AskCog

log = logging.getLogger(__name__)

NONE = discord.AllowedMentions.none()


def is_reply_to(message: discord.Message, user_id: int) -> bool:
    """Whether the message replies to one of `user_id`'s messages."""
    ref = message.reference
    resolved = ref.resolved if ref is not None else None
    return isinstance(resolved, discord.Message) and resolved.author.id == user_id


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


class MessagesCog(commands.Cog):
    """Answers the messages that ask, through the ask cog's shared answer path."""

    def __init__(self, bot: BotLike, ask: AskCog) -> None:
        self.bot = bot
        self.ask = ask
        self.settings = bot.settings

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer mentions, replies, DMs and Q&A-channel messages; ignore the rest (bots and webhooks too)."""
        if message.author.bot or message.webhook_id is not None or self.bot.user is None:
            return
        intent = self.bot.intents.message_content
        # Without Message Content only mentions, replies and DMs carry text: skip the settings lookup for
        # the rest of the chatter, and never treat Q&A channels (their messages arrive empty) as questions.
        if not intent and self.trigger(message, set()) is None:
            return
        config = await self.ask.guild_config(message.guild.id if message.guild else None)
        trigger = self.trigger(message, set(config.qa_channel_ids) if intent else set())
        if trigger is None:
            return
        try:
            await self.handle(message, trigger, config)
        except discord.HTTPException:
            log.exception("Could not reply in channel %s", message.channel.id)

    def trigger(self, message: discord.Message, qa_channels: set[int]) -> Trigger | None:
        """`parse_message` applied to a Discord message."""
        assert self.bot.user is not None
        self_role = message.guild.self_role if message.guild else None
        return parse_message(
            message.content,
            bot_id=self.bot.user.id,
            self_role_id=self_role.id if self_role else None,
            channel_id=message.channel.id,
            qa_channel_ids=qa_channels,
            replied_to_bot=is_reply_to(message, self.bot.user.id),
            in_dm=message.guild is None,
        )

    async def handle(self, message: discord.Message, trigger: Trigger, config: GuildConfig) -> None:
        """Validate, rate-limit, answer, and post the answer (in a thread when configured)."""
        lang = pick_lang(config.language, text=trigger.question)
        if not trigger.question:
            # An empty reply is what a reply without a ping looks like without Message Content: ignore it.
            if trigger.kind in ("mention", "dm"):
                await self.send_reply(message, {"content": t("help", lang, name=self.bot.user)}, None)
            return
        limit = self.settings.max_question_chars
        guild_id = message.guild.id if message.guild else None
        refusal = (
            too_long(len(trigger.question), limit, lang)
            if len(trigger.question) > limit
            else self.ask.rate_limited(message.author.id, guild_id, lang)
        )
        if refusal is not None:
            # A message cannot be answered privately: the short reply deletes itself.
            await message.reply(refusal, allowed_mentions=NONE, mention_author=False, delete_after=30)
            return
        async with typing_indicator(message.channel):
            kwargs, view = await self.ask.reply_parts(
                trigger.question,
                message.author.id,
                lang=lang,
                per_page=config.quotes_per_answer,
                guild_id=guild_id,
            )
        threaded = trigger.kind == "qa_channel" and config.answer_in_threads
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
