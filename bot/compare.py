"""'Compare sources': what each outlet said, one quote per outlet side by side, oldest to newest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import discord

from bot.i18n import Lang, t
from bot.links import deep_link, outlet
from bot.markdown import escape_cut
from bot.render import COLOR_ANSWER, FIELD_NAME_LIMIT, TITLE_LIMIT, Limits, fit_quote, quote_date
from index.models import Answer, Quote

MAX_COMPARED = 6  # quotes side by side


def compare_sources(quotes: Sequence[Quote], limit: int = MAX_COMPARED) -> list[Quote]:
    """The best quote of each of the `limit` best-ranked outlets, oldest first (undated last)."""
    best: dict[str, Quote] = {}
    for quote in quotes:
        best.setdefault(outlet(quote), quote)
    chosen = list(best.values())[:limit]
    return sorted(chosen, key=lambda q: (q.date is None, q.date or dt.date.min))


def render_comparison(answer: Answer, limits: Limits | None = None, lang: Lang = "en") -> discord.Embed:
    """What each outlet said, side by side: one quote per source, oldest to newest, with dates."""
    limits = limits or Limits()
    chosen = compare_sources(answer.quotes)
    embed = discord.Embed(
        title=escape_cut(answer.question, TITLE_LIMIT),
        description=t("compare_description", lang),
        colour=COLOR_ANSWER,
    )
    budget = min(limits.field_value, (limits.total - len(embed)) // max(len(chosen), 1) - FIELD_NAME_LIMIT)
    for quote in chosen:
        name = f"{quote_date(quote, lang)} · {escape_cut(outlet(quote), FIELD_NAME_LIMIT - 20)}"
        link = deep_link(quote)
        meta = f"— **{escape_cut(quote.title, 200)}**" + (f" · [{t('read', lang)}]({link})" if link else "")
        clipped = (quote.clipped_start, quote.clipped_end)
        body = fit_quote(
            quote.text, quote.highlight_start, quote.highlight_end, budget - len(meta) - 1, clipped
        )
        embed.add_field(name=name, value=body + "\n" + meta, inline=len(chosen) <= 3)
    return embed
