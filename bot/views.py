"""Buttons under an answer: a "More quotes" pager for the asker, 👍/👎 feedback, and "Post publicly"."""

from __future__ import annotations

import asyncio
import logging

import discord

from bot.compare import compare_sources, render_comparison
from bot.feedback import FeedbackLog
from bot.i18n import Lang, t
from bot.render import render_answer
from index.models import Answer

log = logging.getLogger(__name__)

NONE = discord.AllowedMentions.none()
NOT_YOURS = t("not_yours", "en")
THANKS = t("thanks", "en")
ALREADY_VOTED = t("already_voted", "en")


class AnswerView(discord.ui.View):
    """Pager and feedback buttons for one answer; expires after `timeout` seconds."""

    def __init__(
        self,
        answer: Answer,
        asker_id: int,
        feedback: FeedbackLog,
        per_page: int,
        pages: int,
        timeout: float,
        *,
        lang: Lang = "en",
        guild_id: int | None = None,
        publish: bool = False,
        note: str = "",
    ) -> None:
        super().__init__(timeout=timeout)
        self.answer = answer
        self.asker_id = asker_id
        self.feedback = feedback
        self.per_page = per_page
        self.pages = pages
        self.lang = lang
        self.note = note  # shown on every page (e.g. that the newest article is old)
        self.guild_id = guild_id
        self.page = 0
        self.voters: set[int] = set()
        self.message: discord.Message | discord.InteractionMessage | discord.WebhookMessage | None = None
        self.more.label = t("more", lang)
        self.post.label = t("post_publicly", lang)
        self.compare.label = t("compare", lang)
        if pages <= 1:
            self.remove_item(self.more)
        if len(compare_sources(answer.quotes)) < 2:
            self.remove_item(self.compare)
        if not publish:
            self.remove_item(self.post)

    @discord.ui.button(label="More quotes", style=discord.ButtonStyle.secondary)
    async def more(self, interaction: discord.Interaction, button: discord.ui.Button[AnswerView]) -> None:
        """Show the next page of quotes (asker only); wraps back to the first page at the end."""
        if interaction.user.id != self.asker_id:
            await interaction.response.send_message(t("not_yours", self.lang), ephemeral=True)
            return
        self.page = (self.page + 1) % self.pages
        button.label = t("back_to_top" if self.page == self.pages - 1 else "more", self.lang)
        embed = await asyncio.to_thread(
            render_answer, self.answer, page=self.page, per_page=self.per_page, lang=self.lang, note=self.note
        )
        await interaction.response.edit_message(embed=embed, view=self)

    @discord.ui.button(label="Compare sources", style=discord.ButtonStyle.secondary)
    async def compare(self, interaction: discord.Interaction, button: discord.ui.Button[AnswerView]) -> None:
        """Show, privately, one quote per source side by side, oldest to newest, with dates."""
        embed = await asyncio.to_thread(render_comparison, self.answer, None, self.lang)
        await interaction.response.send_message(embed=embed, ephemeral=True, allowed_mentions=NONE)

    @discord.ui.button(emoji="👍", style=discord.ButtonStyle.secondary)
    async def vote_up(self, interaction: discord.Interaction, button: discord.ui.Button[AnswerView]) -> None:
        """Record that the answer helped."""
        await self._vote(interaction, "up")

    @discord.ui.button(emoji="👎", style=discord.ButtonStyle.secondary)
    async def vote_down(
        self, interaction: discord.Interaction, button: discord.ui.Button[AnswerView]
    ) -> None:
        """Record that the answer missed."""
        await self._vote(interaction, "down")

    @discord.ui.button(label="Post publicly", style=discord.ButtonStyle.primary)
    async def post(self, interaction: discord.Interaction, button: discord.ui.Button[AnswerView]) -> None:
        """Post the page the asker is looking at to the channel, for everyone (a private answer's button)."""
        embed = await asyncio.to_thread(
            render_answer, self.answer, page=self.page, per_page=self.per_page, lang=self.lang, note=self.note
        )
        public = AnswerView(
            self.answer,
            self.asker_id,
            self.feedback,
            self.per_page,
            self.pages,
            self.timeout or 600.0,
            lang=self.lang,
            guild_id=self.guild_id,
            note=self.note,
        )
        # Responding to a click on a private message with a non-ephemeral message posts it in the channel;
        # that works even where only the user installed the app.
        await interaction.response.send_message(embed=embed, view=public, allowed_mentions=NONE)
        public.message = await interaction.original_response()
        button.disabled = True
        if self.message is not None:
            try:
                await self.message.edit(content=t("posted", self.lang), view=self)
            except discord.HTTPException as exc:
                log.debug("Could not mark the private answer as posted: %s", exc)

    async def _vote(self, interaction: discord.Interaction, vote: str) -> None:
        if interaction.user.id in self.voters:
            await interaction.response.send_message(t("already_voted", self.lang), ephemeral=True)
            return
        self.voters.add(interaction.user.id)
        await asyncio.to_thread(self.feedback.record, self.answer, interaction.user.id, vote, self.guild_id)
        await interaction.response.send_message(t("thanks", self.lang), ephemeral=True)

    async def on_timeout(self) -> None:
        """Grey the buttons out so nobody clicks a dead control."""
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        if self.message is not None:
            try:
                await self.message.edit(view=self)
            except discord.HTTPException as exc:
                # The message may be gone or the interaction token expired; the buttons are dead either way.
                log.debug("Could not disable buttons: %s", exc)

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[AnswerView]
    ) -> None:
        """Log the failure with its traceback and apologise to the clicker."""
        log.exception("Button %s failed", item, exc_info=error)
        if not interaction.response.is_done():
            await interaction.response.send_message(t("button_failed", self.lang), ephemeral=True)
