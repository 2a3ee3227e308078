"""Which supporting quotes an answer shows, and in what order: one list for the CLI, JSON, bot and eval.

The bot pages through this list `per_page` quotes at a time and does nothing else to it, so a question
asked in the terminal gets the quotes Discord shows, in the same order.
"""

from __future__ import annotations

from collections.abc import Sequence

from index.models import Quote

# Supporting quotes whose confidence is below this share of the best one's are noise, not support.
SUPPORTING_MIN_RATIO = 0.4
# Passages ranked per question before the relevance cut and the article mix (the bot pages through up
# to this many); a larger count asked for ranks that many.
QUOTE_POOL = 12


def keep_relevant(quotes: Sequence[Quote], ratio: float) -> list[Quote]:
    """The best quote plus those whose confidence is at least `ratio` times its own (the tail is noise)."""
    if not quotes:
        return []
    top = _confidence(quotes[0])
    floor = top * ratio
    return [quotes[0]] + [q for q in quotes[1:] if top > 0 and _confidence(q) >= floor]


def _confidence(quote: Quote) -> float:
    # The confidence is comparable between quotes; `score` only orders them (trained models are peaky).
    return quote.confidence if quote.confidence is not None else quote.score


def mix_articles(quotes: Sequence[Quote], per_page: int) -> list[Quote]:
    """Reorder ranked quotes so that each page of `per_page` prefers supporting quotes from other articles.

    A page opens with the best quote left, takes the best quotes of articles not yet on it, and is
    filled up with the best of the rest: [A, B, B', C] in pages of 3 reads [A, B, C], [B'].
    """
    remaining = list(quotes)
    out: list[Quote] = []
    while remaining:
        page = [remaining.pop(0)]
        seen = {page[0].article_id}
        for quote in list(remaining):
            if len(page) == per_page:
                break
            if quote.article_id not in seen:
                page.append(quote)
                seen.add(quote.article_id)
                remaining.remove(quote)
        while len(page) < per_page and remaining:
            page.append(remaining.pop(0))
        out.extend(page)
    return out


def present(quotes: Sequence[Quote], ratio: float, per_page: int) -> list[Quote]:
    """The quotes an answer shows: the relevant ones, mixed across articles page by page."""
    return mix_articles(keep_relevant(quotes, ratio), max(per_page, 1))
