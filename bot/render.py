"""Answer -> Discord embeds and messages within Discord's limits; pure functions, no I/O."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import discord

from bot.i18n import Lang, language_name, long_date, t
from bot.links import deep_link, outlet
from bot.markdown import ELLIPSIS, Escaped, escape_cut, neutralise
from index.models import Answer, Quote, other_language

MESSAGE_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000

ATTRIBUTION_LIMIT = 700  # the line under a quote: title, date, source and "Also in" together
ALSO_IN_LIMIT = 300
SOURCE_NAME_LIMIT = 80

NO_ANSWER_LABEL = "The articles don't answer this; closest passage:"
NO_ANSWER_PLAIN = "The articles don't answer this."

COLOR_ANSWER = discord.Colour.blurple()
COLOR_NO_ANSWER = discord.Colour.light_grey()

# A sentence ends at . ! ? or … (optionally followed by closing quotes/brackets) and whitespace.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+")


@dataclass(frozen=True)
class Limits:
    """Character budgets; the defaults are Discord's hard limits."""

    description: int = DESCRIPTION_LIMIT
    field_value: int = FIELD_VALUE_LIMIT
    total: int = EMBED_TOTAL_LIMIT


def shorten_words(text: str, limit: int) -> str:
    """Cut plain text to `limit` characters at a word boundary, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    space = cut.rfind(" ")
    if space > 0:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def sentence_units(text: str, hl_start: int, hl_end: int) -> list[tuple[int, int]]:
    """Split text into sentence spans, with the highlight [hl_start, hl_end) as one unit of its own."""
    cuts = {0, len(text)}
    cuts.update(m.end() for m in _SENTENCE_END.finditer(text))
    if hl_end > hl_start:
        cuts = {c for c in cuts if not hl_start < c < hl_end} | {hl_start, hl_end}
    points = sorted(c for c in cuts if 0 <= c <= len(text))
    return [(a, b) for a, b in itertools.pairwise(points) if b > a]


@dataclass(frozen=True)
class _Span:
    """What to show of a quote: text[start:end], the highlight, and where an ellipsis goes."""

    start: int
    end: int
    hl: tuple[int, int]
    lead: bool
    trail: bool
    bold: bool


def _span(esc: Escaped, a: int, b: int, hl: tuple[int, int], clipped: tuple[bool, bool], bold: bool) -> _Span:
    """text[a:b] trimmed of whitespace; bold only when the highlight is one part of a longer passage."""
    text = esc.text
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    bold = bold and (a < hl[0] or b > hl[1])
    first, last = esc.content
    return _Span(a, b, hl, a > first or clipped[0], b < last or clipped[1], bold)


def _cost(esc: Escaped, span: _Span) -> int:
    """An upper bound on the rendered length of `span` (exact but for bold markers on blank lines)."""
    a, b = max(span.hl[0], span.start), min(span.hl[1], span.end)
    bold_lines = esc.newlines[b] - esc.newlines[a] + 1 if span.bold and b > a else 0
    return 2 + esc.cost(span.start, span.end) + span.lead + span.trail + 4 * bold_lines


def _render(esc: Escaped, span: _Span) -> str:
    """Block-quote the span line by line, bolding the highlight, with ellipses where it was cut."""
    text, lines, pos = esc.text, [], span.start
    while True:
        newline = text.find("\n", pos, span.end)
        end = span.end if newline < 0 else newline
        lines.append(_render_line(esc, pos, end, span))
        if newline < 0:
            break
        pos = newline + 1
    return "> " + ELLIPSIS * span.lead + "\n> ".join(lines) + ELLIPSIS * span.trail


def _render_line(esc: Escaped, start: int, end: int, span: _Span) -> str:
    a, b = max(span.hl[0], start), min(span.hl[1], end)
    while a < b and esc.text[a].isspace():
        a += 1
    while b > a and esc.text[b - 1].isspace():
        b -= 1
    if not span.bold or b <= a or esc.cost(a, b) == 0:
        return esc.join(start, end)
    return esc.join(start, a) + "**" + esc.join(a, b) + "**" + esc.join(b, end)


def fit_quote(
    text: str, hl_start: int, hl_end: int, budget: int, clipped: tuple[bool, bool] = (False, False)
) -> str:
    """Block-quote the highlight plus as much sentence context as fits in `budget` characters."""
    if not text.strip():
        return ""
    esc = Escaped(text)
    bold = hl_end > hl_start
    if not bold:
        # No best sentence known: start from the first sentence and bold nothing.
        hl_start, hl_end = sentence_units(text, 0, 0)[0] if text else (0, 0)
    hl = (hl_start, hl_end)
    best = _span(esc, hl_start, hl_end, hl, clipped, bold)
    if _cost(esc, best) > budget:
        return _fit_words(esc, best, budget)
    units = sentence_units(text, hl_start, hl_end)
    i = j = next(k for k, u in enumerate(units) if u[0] == hl_start)
    grown = True
    while grown:
        grown = False
        # Context after the best sentence reads more naturally, so try it first.
        for ni, nj in ((i, j + 1), (i - 1, j)):
            if ni >= 0 and nj < len(units):
                candidate = _span(esc, units[ni][0], units[nj][1], hl, clipped, bold)
                if _cost(esc, candidate) <= budget:
                    i, j, grown = ni, nj, True
    return _render(esc, _span(esc, units[i][0], units[j][1], hl, clipped, bold))


def _fit_words(esc: Escaped, span: _Span, budget: int) -> str:
    """Cut one over-long sentence between words (between letters when it has no spaces), in one pass."""
    room = budget - 2 - span.lead - len(ELLIPSIS)
    if room < 1:
        return ("> " + ELLIPSIS)[:budget]
    cut = esc.word_cut(span.start, span.end, room)
    # Part of one sentence: there is nothing around it for bold to set it apart from.
    return _render(esc, _span(esc, span.start, cut, span.hl, (span.lead, True), False))


def quote_date(quote: Quote, lang: Lang = "en") -> str:
    """The quote's date as shown next to its source."""
    return quote.date.isoformat() if quote.date else t("undated", lang)


def title_in_quote(quote: Quote) -> bool:
    """Whether the title is already in the quote (a title made from the article's first sentence)."""
    title = quote.title.strip().removesuffix(ELLIPSIS).strip()
    return bool(title) and title in quote.text


def attribution(
    quote: Quote, limit: int = ATTRIBUTION_LIMIT, with_title: bool = True, lang: Lang = "en"
) -> str:
    """The line under a quote: title (unless shown already), date next to the source link, other articles."""
    link = deep_link(quote)
    where = (
        f"[{escape_cut(outlet(quote), SOURCE_NAME_LIMIT)}]({link})"
        if link
        # Without a url the core names the publisher, else the title (shown already just before).
        else escape_cut(quote.source, 120)
        if quote.source != quote.title
        else ""
    )
    tail = f"{quote_date(quote, lang)} · {where}" if where else quote_date(quote, lang)
    if other_language(quote.language, lang):  # a Spanish reader quoted an English article: say so
        tail += " · " + t("in_language", lang, language=language_name(quote.language, lang))
    if len(tail) > limit // 2:
        tail = quote_date(quote, lang)
    line = "— "
    if with_title and not title_in_quote(quote):
        line += f"**{escape_cut(quote.title, max(limit - len(tail) - 10, 0))}** · "
    line += tail
    also_in = t("also_in", lang)
    room = min(ALSO_IN_LIMIT, limit - len(line) - 1 - len(also_in))
    if quote.also_in and room > 10:
        line += "\n" + also_in + escape_cut("; ".join(quote.also_in), room)
    return line


def render_quote(quote: Quote, budget: int, with_title: bool = True, lang: Lang = "en") -> str:
    """A block-quoted passage plus its attribution, in at most `budget` characters."""
    meta = attribution(quote, min(ATTRIBUTION_LIMIT, budget // 2), with_title, lang)
    room = budget - len(meta) - 1
    clipped = (quote.clipped_start, quote.clipped_end)
    return fit_quote(quote.text, quote.highlight_start, quote.highlight_end, room, clipped) + "\n" + meta


def field_name(quote: Quote) -> str:
    """A supporting quote's field name: its title, or its outlet when the quote already shows the title."""
    return escape_cut(outlet(quote) if title_in_quote(quote) else quote.title, FIELD_NAME_LIMIT)


def stale_note(answer: Answer, today: dt.date, max_age_days: int, lang: Lang = "en") -> str:
    """A note when the question asks about the present and every quote is older than `max_age_days`."""
    dates = [q.date for q in answer.quotes]
    if not answer.asks_about_present or not dates or None in dates:
        return ""  # an undated quote may well be recent: claim nothing
    newest = max(d for d in dates if d is not None)
    if (today - newest).days <= max_age_days:
        return ""
    return t("stale_note", lang, date=long_date(newest, lang))


def paginate(quotes: Sequence[Quote], per_page: int) -> list[list[Quote]]:
    """Pages of `per_page` quotes, in the answer's order (the core chose and ordered them)."""
    size = max(per_page, 1)
    return [list(quotes[i : i + size]) for i in range(0, len(quotes), size)]


def _footer(
    answer: Answer, page: int, pages: int, shown: tuple[int, int], total: int, lang: Lang = "en"
) -> str:
    """Footer text: which quotes these are, and the index date."""
    first, last = shown
    parts = [
        t("quote_one", lang, first=first, total=total)
        if first == last
        else t("quote_many", lang, first=first, last=last, total=total)
    ]
    if pages > 1:
        parts.append(t("page", lang, page=page + 1, pages=pages))
    if answer.index_built_at is not None:
        parts.append(t("index_of", lang, when=answer.index_built_at.strftime("%Y-%m-%d %H:%M UTC")))
    return " · ".join(parts)[:FOOTER_LIMIT]


def render_answer(
    answer: Answer,
    page: int = 0,
    per_page: int = 3,
    limits: Limits | None = None,
    lang: Lang = "en",
    note: str = "",
) -> discord.Embed:
    """The embed for one page of an answer: best quote as the description, the others as fields."""
    limits = limits or Limits()
    pages = paginate(answer.quotes, per_page)
    answered = answer.status == "answered"
    embed = discord.Embed(
        title=escape_cut(answer.question, TITLE_LIMIT),
        colour=COLOR_ANSWER if answered else COLOR_NO_ANSWER,
    )
    if not pages:
        message = answer.message if lang == "en" and answer.message else t("no_answer", lang)
        embed.description = escape_cut(message, limits.description)
        return embed
    page = max(0, min(page, len(pages) - 1))
    first, *others = pages[page]
    before = sum(len(p) for p in pages[:page])
    shown = (before + 1, before + len(pages[page]))
    embed.set_footer(text=_footer(answer, page, len(pages), shown, len(answer.quotes), lang))
    # Share what the total allows among the fields, keeping room for the best quote in the description.
    spare = limits.total - len(embed) - min(limits.description, 1500)
    field_budget = min(limits.field_value, spare // max(len(others), 1) - FIELD_NAME_LIMIT)
    for quote in others:
        # The title names the field, so the line under the quote leaves it out: each title shows once.
        value = render_quote(quote, field_budget, False, lang)
        embed.add_field(name=field_name(quote), value=value, inline=False)
    label = ("" if answered else f"**{t('no_answer_label', lang)}**\n") + (f"*{note}*\n" if note else "")
    room = min(limits.description, limits.total - len(embed)) - len(label)
    embed.description = label + render_quote(first, room, True, lang)
    return embed


def page_count(answer: Answer, per_page: int = 3) -> int:
    """How many pages `render_answer` can show for this answer."""
    return len(paginate(answer.quotes, per_page))


def notice(text: str) -> str:
    """A plain message (apology, rate limit, help) that fits in one Discord message."""
    return shorten_words(text, MESSAGE_LIMIT)


def thread_name(question: str) -> str:
    """A thread title from the question: plain text, at most 100 characters."""
    name = " ".join(neutralise(question).split()) or "Question"
    return shorten_words(name, 100)
