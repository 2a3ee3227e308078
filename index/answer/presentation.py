"""Which supporting quotes an answer shows, and in what order: one list for the CLI, JSON, bot and eval.

The bot pages through this list `per_page` quotes at a time and does nothing else to it, so a question
asked in the terminal gets the quotes Discord shows, in the same order.
"""

from __future__ import annotations

from collections.abc import Sequence

from index.models import Quote

# Passages ranked per question before the relevance cut (the bot pages through up
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


def present(quotes: Sequence[Quote], ratio: float) -> list[Quote]:
    """The quotes an answer shows: the relevant ones, in rank order (pages follow the ranking).

    Pages used to prefer quotes from other articles; that pushed the right article's second sentence off
    the first page (English report @3 0.901 -> 0.891) and "Compare sources" now shows each outlet's best
    quote on demand, so the ranking decides alone (docs/quality.md).
    """
    return keep_relevant(quotes, ratio)
