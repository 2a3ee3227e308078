"""Buttons under an answer: a "More quotes" pager for the asker, and 👍/👎 feedback for everyone."""

from __future__ import annotations

import asyncio
import logging

import discord

from bot.compare import compare_sources, render_comparison
from bot.feedback import FeedbackLog
from bot.render import render_answer
from index.models import Answer

log = logging.getLogger(__name__)

NOT_YOURS = "Only the person who asked can page through these quotes; ask your own question to get yours."
THANKS = "Thanks — your feedback was recorded."
ALREADY_VOTED = "You already voted on this answer."
COMPARE_LABEL = "Compare sources"


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
        note: str = "",
    ) -> None:
        super().__init__(timeout=timeout)
        self.answer = answer
        self.note = note  # shown on every page (e.g. that the newest article is old)
        self.asker_id = asker_id
        self.feedback = feedback
        self.per_page = per_page
        self.pages = pages
        self.page = 0
        self.voters: set[int] = set()
        self.message: discord.Message | discord.InteractionMessage | discord.WebhookMessage | None = None
        if pages <= 1:
            self.remove_item(self.more)
        if len(compare_sources(answer.quotes)) < 2:
            self.remove_item(self.compare)

    @discord.ui.button(label="More quotes", style=discord.ButtonStyle.secondary)
    async def more(self, interaction: discord.Interaction, button: discord.ui.Button[AnswerView]) -> None:
        """Show the next page of quotes (asker only); wraps back to the first page at the end."""
        if interaction.user.id != self.asker_id:
            await interaction.response.send_message(NOT_YOURS, ephemeral=True)
            return
        self.page = (self.page + 1) % self.pages
        button.label = "Back to the top" if self.page == self.pages - 1 else "More quotes"
        embed = await asyncio.to_thread(
            render_answer, self.answer, page=self.page, per_page=self.per_page, note=self.note
        )
        await interaction.response.edit_message(embed=embed, view=self)

    @discord.ui.button(label=COMPARE_LABEL, style=discord.ButtonStyle.secondary)
    async def compare(self, interaction: discord.Interaction, button: discord.ui.Button[AnswerView]) -> None:
        """Show, privately, one quote per source side by side, oldest to newest, with dates."""
        embed = await asyncio.to_thread(render_comparison, self.answer)
        await interaction.response.send_message(
            embed=embed, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )

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

    async def _vote(self, interaction: discord.Interaction, vote: str) -> None:
        if interaction.user.id in self.voters:
            await interaction.response.send_message(ALREADY_VOTED, ephemeral=True)
            return
        self.voters.add(interaction.user.id)
        await asyncio.to_thread(self.feedback.record, self.answer, interaction.user.id, vote)
        await interaction.response.send_message(THANKS, ephemeral=True)

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
            await interaction.response.send_message("Sorry, that didn't work.", ephemeral=True)
