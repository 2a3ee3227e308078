"""Answer -> Discord embeds and messages within Discord's limits; pure functions, no I/O."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import discord

from index.models import Answer, Quote

MESSAGE_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000

ELLIPSIS = "…"
NO_ANSWER_LABEL = "The articles don't answer this; closest passage:"
NO_ANSWER_PLAIN = "The articles don't answer this."

COLOR_ANSWER = discord.Colour.blurple()
COLOR_NO_ANSWER = discord.Colour.light_grey()

# A sentence ends at . ! ? or … (optionally followed by closing quotes/brackets) and whitespace.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+")
_ORDERED_LIST = re.compile(r"^(\s*\d+)\.(\s)", re.MULTILINE)
_UNSAFE_URL = re.compile(r"[\s()<>\[\]]")


@dataclass(frozen=True)
class Limits:
    """Character budgets; the defaults are Discord's hard limits."""

    description: int = DESCRIPTION_LIMIT
    field_value: int = FIELD_VALUE_LIMIT
    total: int = EMBED_TOTAL_LIMIT


def escape(text: str) -> str:
    """Escape Discord markdown and mention syntax so text shows exactly as written."""
    text = discord.utils.escape_markdown(text, as_needed=False, ignore_links=True)
    # escape_markdown leaves ordered lists and <@id>/<#id>/<t:...> syntax alone; a backslash defuses both.
    text = _ORDERED_LIST.sub(r"\1\\.\2", text)
    return text.replace("<", "\\<")


def shorten_words(text: str, limit: int) -> str:
    """Cut plain text to `limit` characters at a word boundary, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    space = cut.rfind(" ")
    if space > 0:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def safe_url(url: str | None) -> str | None:
    """Return the url if it is http(s), with characters that would break a markdown link encoded."""
    if not url or not url.lower().startswith(("http://", "https://")):
        return None
    return _UNSAFE_URL.sub(lambda m: f"%{ord(m.group()):02X}", url)


def sentence_units(text: str, hl_start: int, hl_end: int) -> list[tuple[int, int]]:
    """Split text into sentence spans, with the highlight [hl_start, hl_end) as one unit of its own."""
    cuts = {0, len(text)}
    cuts.update(m.end() for m in _SENTENCE_END.finditer(text))
    if hl_end > hl_start:
        cuts = {c for c in cuts if not hl_start < c < hl_end} | {hl_start, hl_end}
    points = sorted(c for c in cuts if 0 <= c <= len(text))
    return [(a, b) for a, b in itertools.pairwise(points) if b > a]


def _quote_lines(text: str, start: int, end: int, hl: tuple[int, int]) -> str:
    """Render text[start:end] as a block quote, bolding the part inside `hl`, line by line."""
    lines: list[str] = []
    pos = start
    for raw_line in text[start:end].split("\n"):
        line_start, line_end = pos, pos + len(raw_line)
        pos = line_end + 1
        pieces: list[str] = []
        a, b = max(hl[0], line_start), min(hl[1], line_end)
        if b > a and text[a:b].strip():
            inner = text[a:b]
            lead = inner[: len(inner) - len(inner.lstrip())]
            trail = inner[len(inner.rstrip()) :]
            pieces += [escape(text[line_start:a]), lead, "**", escape(inner.strip()), "**", trail]
            pieces.append(escape(text[b:line_end]))
        else:
            pieces.append(escape(text[line_start:line_end]))
        lines.append("> " + "".join(pieces).strip())
    return "\n".join(lines)


def _render_span(text: str, a: int, b: int, hl: tuple[int, int]) -> str:
    """Block-quote text[a:b] (whitespace trimmed), with ellipses where the passage was cut."""
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    body = _quote_lines(text, a, b, hl)
    if a > 0:
        body = "> " + ELLIPSIS + body[2:]
    if b < len(text):
        body += ELLIPSIS
    return body


def fit_quote(text: str, hl_start: int, hl_end: int, budget: int) -> str:
    """Block-quote the highlight plus as much sentence context as fits in `budget` characters."""
    hl = (hl_start, hl_end)
    if hl_end <= hl_start:
        # No best sentence known: start from the first sentence and bold nothing.
        hl_start, hl_end = sentence_units(text, 0, 0)[0] if text else (0, 0)
    if len(_render_span(text, hl_start, hl_end, hl)) > budget:
        return _fit_words(text, hl_start, hl_end, budget, hl)
    units = sentence_units(text, hl_start, hl_end)
    i = j = next(k for k, u in enumerate(units) if u[0] == hl_start)
    grown = True
    while grown:
        grown = False
        # Context after the best sentence reads more naturally, so try it first.
        for ni, nj in ((i, j + 1), (i - 1, j)):
            if ni >= 0 and nj < len(units):
                candidate = _render_span(text, units[ni][0], units[nj][1], hl)
                if len(candidate) <= budget:
                    i, j, grown = ni, nj, True
    return _render_span(text, units[i][0], units[j][1], hl)


def _fit_words(text: str, start: int, end: int, budget: int, hl: tuple[int, int]) -> str:
    """Cut one over-long sentence at the last word boundary that fits."""
    spaces = [m.start() for m in re.finditer(r"\s", text[start:end])]
    for offset in reversed(spaces):
        candidate = _render_span(text, start, start + offset, hl)
        if len(candidate) <= budget:
            return candidate if candidate.endswith(ELLIPSIS) else candidate + ELLIPSIS
    # A single "word" longer than the budget (e.g. a huge URL): a hard cut is all that is left.
    return (_render_span(text, start, end, hl)[: max(budget - 1, 0)] + ELLIPSIS)[:budget]


def attribution(quote: Quote) -> str:
    """The line under a quote: title, date, source link and other articles carrying the passage."""
    date = quote.date.isoformat() if quote.date else "undated"
    line = f"— **{escape(quote.title)}**, {date}"
    url = safe_url(quote.url)
    if url:
        line += f" · [source]({url})"
    else:
        line += f" · {escape(quote.source)}"
    if quote.also_in:
        line += "\n" + shorten_words("Also in: " + "; ".join(quote.also_in), 300).replace("*", "\\*")
    return line


def render_quote(quote: Quote, budget: int) -> str:
    """A block-quoted passage plus its attribution, in at most `budget` characters."""
    meta = attribution(quote)
    if len(meta) > budget // 2:
        meta = shorten_words(meta, budget // 2)
    room = budget - len(meta) - 1
    return fit_quote(quote.text, quote.highlight_start, quote.highlight_end, room) + "\n" + meta


def paginate(quotes: Sequence[Quote], per_page: int) -> list[list[Quote]]:
    """Pages of `per_page` quotes, in the answer's order (the core chose and ordered them)."""
    size = max(per_page, 1)
    return [list(quotes[i : i + size]) for i in range(0, len(quotes), size)]


def _footer(answer: Answer, page: int, pages: int, shown: tuple[int, int], total: int) -> str:
    """Footer text: which quotes these are, and the index date."""
    parts = [
        f"Quote {shown[0]} of {total}" if shown[0] == shown[1] else f"Quotes {shown[0]}–{shown[1]} of {total}"
    ]
    if pages > 1:
        parts.append(f"page {page + 1}/{pages}")
    if answer.index_built_at is not None:
        parts.append("index of " + answer.index_built_at.strftime("%Y-%m-%d %H:%M UTC"))
    return " · ".join(parts)[:FOOTER_LIMIT]


def render_answer(
    answer: Answer, page: int = 0, per_page: int = 3, limits: Limits | None = None
) -> discord.Embed:
    """The embed for one page of an answer: best quote as the description, the others as fields."""
    limits = limits or Limits()
    pages = paginate(answer.quotes, per_page)
    answered = answer.status == "answered"
    embed = discord.Embed(
        title=shorten_words(escape(answer.question), TITLE_LIMIT),
        colour=COLOR_ANSWER if answered else COLOR_NO_ANSWER,
    )
    if not pages:
        embed.description = shorten_words(escape(answer.message or NO_ANSWER_PLAIN), limits.description)
        return embed
    page = max(0, min(page, len(pages) - 1))
    first, *others = pages[page]
    before = sum(len(p) for p in pages[:page])
    embed.set_footer(
        text=_footer(answer, page, len(pages), (before + 1, before + len(pages[page])), len(answer.quotes))
    )
    # Share what the total allows among the fields, keeping room for the best quote in the description.
    spare = limits.total - len(embed) - min(limits.description, 1500)
    field_budget = min(limits.field_value, spare // max(len(others), 1) - FIELD_NAME_LIMIT)
    for quote in others:
        date = quote.date.isoformat() if quote.date else "undated"
        name = shorten_words(f"{escape(quote.title)} ({date})", FIELD_NAME_LIMIT)
        embed.add_field(name=name, value=render_quote(quote, field_budget), inline=False)
    label = "" if answered else f"**{NO_ANSWER_LABEL}**\n"
    room = min(limits.description, limits.total - len(embed)) - len(label)
    embed.description = label + render_quote(first, room)
    return embed


def page_count(answer: Answer, per_page: int = 3) -> int:
    """How many pages `render_answer` can show for this answer."""
    return len(paginate(answer.quotes, per_page))


def notice(text: str) -> str:
    """A plain message (apology, rate limit, help) that fits in one Discord message."""
    return shorten_words(text, MESSAGE_LIMIT)


def thread_name(question: str) -> str:
    """A thread title from the question: plain text, at most 100 characters."""
    name = " ".join(question.split()) or "Question"
    return shorten_words(name, 100)
