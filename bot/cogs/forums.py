"""Forum channels: a new post in a configured forum gets an answer in its thread, with a "Solved" button."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bot.i18n import Lang, lang_of_locale, pick_lang, t
from bot.protocols import BotLike

if TYPE_CHECKING:
    from bot.cogs.ask import AskCog

log = logging.getLogger(__name__)

NONE = discord.AllowedMentions.none()
# A forum tag is its "solved" tag when one of its words is one of these (e.g. "✅ Solved", "Resuelto").
SOLVED_WORDS = frozenset({"solved", "resolved", "resuelto", "resuelta", "solucionado", "solucionada"})


def solved_tag(tags: Iterable[discord.ForumTag]) -> discord.ForumTag | None:
    """The forum's tag that marks a post solved, if it has one."""
    for tag in tags:
        if SOLVED_WORDS & set(re.findall(r"\w+", tag.name.casefold())):
            return tag
    return None


def forum_question(title: str, body: str, limit: int) -> str:
    """A forum post as a question: its title, then its text (empty without the intent); at most `limit`."""
    question = " ".join(f"{title} {body}".split())
    return question[:limit].rsplit(" ", 1)[0] if len(question) > limit else question


class SolvedButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"nq:solved:(?P<owner>\d+)"):
    """Applies the forum's solved tag; for the post's author or members with Manage Threads.

    A dynamic item, so it keeps working after the answer's other buttons expire and across restarts.
    """

    def __init__(self, owner_id: int, lang: Lang = "en") -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=t("solved", lang),
            emoji="✅",
            style=discord.ButtonStyle.success,
            custom_id=f"nq:solved:{owner_id}",
        )
        super().__init__(button)
        self.owner_id = owner_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> SolvedButton:
        """Rebuild the button from a click on any message carrying it."""
        return cls(int(match["owner"]), lang_of_locale(interaction.locale))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Tag the post solved, or say privately why not."""
        lang = lang_of_locale(interaction.locale)
        thread = interaction.channel
        if not isinstance(thread, discord.Thread) or not isinstance(thread.parent, discord.ForumChannel):
            await interaction.response.send_message(t("no_solved_tag", lang), ephemeral=True)
            return
        if interaction.user.id != self.owner_id and not interaction.permissions.manage_threads:
            await interaction.response.send_message(t("not_poster", lang), ephemeral=True)
            return
        tag = solved_tag(thread.parent.available_tags)
        if tag is None:
            await interaction.response.send_message(t("no_solved_tag", lang), ephemeral=True)
            return
        try:
            await thread.add_tags(tag, reason=f"Marked solved by {interaction.user.id}")
        except discord.HTTPException as exc:
            log.warning("Could not tag forum post %s solved: %s", thread.id, exc)
            await interaction.response.send_message(t("cannot_tag", lang), ephemeral=True)
            return
        await interaction.response.send_message(
            t("marked_solved", lang, tag=tag.name), ephemeral=True, allowed_mentions=NONE
        )


class ForumsCog(commands.Cog):
    """Answers new posts in the forum channels a server configured."""

    def __init__(self, client: BotLike, ask: AskCog) -> None:
        self.client = client
        self.ask = ask

    async def cog_load(self) -> None:
        """Register the Solved button so clicks reach it whatever message carries it."""
        self.client.add_dynamic_items(SolvedButton)

    @commands.Cog.listener()
    async def on_thread_create(self, thread: discord.Thread) -> None:
        """A new forum post: answer it in its thread when its forum is configured."""
        if not isinstance(thread.parent, discord.ForumChannel) or thread.owner_id is None:
            return
        if self.client.user is not None and thread.owner_id == self.client.user.id:
            return
        config = await self.ask.guild_config(thread.guild.id)
        if thread.parent_id not in config.forum_channel_ids:
            return
        try:
            await self.answer_post(thread, config.language, config.quotes_per_answer)
        except discord.HTTPException:
            log.exception("Could not answer the forum post %s", thread.id)

    async def answer_post(self, thread: discord.Thread, language: str, per_page: int) -> None:
        """Ask the post's title and text; post the answer (or a polite refusal) in the thread."""
        question = forum_question(
            thread.name, await self.starter_text(thread), self.client.settings.max_question_chars
        )
        lang = pick_lang(language, text=question)
        refusal = self.ask.rate_limited(thread.owner_id or 0, thread.guild.id, lang)
        if refusal is not None:
            await thread.send(refusal, allowed_mentions=NONE)
            return
        kwargs, view = await self.ask.reply_parts(
            question, thread.owner_id or 0, lang=lang, per_page=per_page, guild_id=thread.guild.id
        )
        buttons = view if view is not None else discord.ui.View(timeout=None)
        buttons.add_item(SolvedButton(thread.owner_id or 0, lang))
        sent = await thread.send(allowed_mentions=NONE, view=buttons, **kwargs)
        if view is not None:
            view.message = sent

    async def starter_text(self, thread: discord.Thread) -> str:
        """The post's first message (its id is the thread's); empty if it cannot be read."""
        message = thread.starter_message
        if message is None:
            try:
                message = await thread.fetch_message(thread.id)
            except discord.HTTPException as exc:
                log.debug("No starter message for forum post %s: %s", thread.id, exc)
                return ""
        return message.content
