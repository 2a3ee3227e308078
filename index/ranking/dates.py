"""Date adjusters: years the question names as soft filters, the newest "now" statement first.

The question's time is read once into `QueryIntent.dates` (index/retrieval/intent.py).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from index.ranking.results import SentenceScore
from index.retrieval.intent import DateIntent
from index.store.generations import Snapshot
from index.text.lexicon import MONTHS_ES, YEAR

# Words by which a sentence states the present ("He now directs Zamalek in Egypt").
_STATES_PRESENT = re.compile(
    r"\b(now|currently|presently|nowadays|at present|at the moment|at this moment|these days|"
    r"ahora|actualmente|en la actualidad|hoy en d[ií]a)\b",
    re.I,
)
# Quotation marks: a "now" inside them is a speaker's words ("“The priority right now is Zamalek,” said
# Osorio" when offered another job), not the story stating the present.
_OPENS = "“«"
_CLOSES = "”»"


def states_present(sentence: str) -> bool:
    """Whether the sentence itself states the present: a "now" word outside any quotation."""
    for match in _STATES_PRESENT.finditer(sentence):
        before = sentence[: match.start()]
        opened = sum(before.count(c) for c in _OPENS) + before.count('"') % 2
        if opened <= sum(before.count(c) for c in _CLOSES):
            return True
    return False


# Boosts stay below the reranker's typical gap between a right and a wrong sentence: dates break ties
# between candidates that answer equally well, they do not make an off-topic sentence win.
IN_RANGE_BOOST = 0.08
OUT_OF_RANGE_FACTOR = 0.75
PRESENT_BOOST = 0.12
RECENCY_DAYS = 730


@dataclass(frozen=True)
class DateAdjustment:
    """The date adjusters' tunables (a ranking profile holds one), in units of the pipeline's scale."""

    in_range_boost: float = IN_RANGE_BOOST
    out_of_range_factor: float = OUT_OF_RANGE_FACTOR
    present_boost: float = PRESENT_BOOST
    recency_days: int = RECENCY_DAYS


_MONTHS_ES = list(MONTHS_ES)
_LEADING_ES = re.compile(r"\A\s*(\d{1,2}) de (" + "|".join(_MONTHS_ES) + r") de (\d{4})\b", re.I)


def leading_date(text: str) -> dt.date | None:
    """The publication date a news text opens with ("4 de mayo de 2012 ..."), if any."""
    found = _LEADING_ES.match(text)
    if not found:
        return None
    day, month, year = int(found.group(1)), _MONTHS_ES.index(found.group(2).lower()) + 1, int(found.group(3))
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def apply_date_intent(
    snap: Snapshot, scored: list[SentenceScore], intent: DateIntent, adjust: DateAdjustment = DateAdjustment()
) -> list[SentenceScore]:
    """Re-rank candidates by time: years as soft filters, newer first for the present."""
    if intent.empty or not scored:
        return scored
    dates = {s.row: snap.article_of(s.row).date for s in scored}
    newest = max((d for d in dates.values() if d is not None), default=None)
    out = []
    for s in scored:
        when, score = dates[s.row], s.score
        if intent.ranged:
            score = _ranged_score(score, when, _named_years(snap, s.row), intent, adjust)
        if when is not None and newest is not None and intent.present:
            age = (newest - when).days
            score += adjust.present_boost * max(0.0, 1.0 - age / adjust.recency_days)
        out.append(SentenceScore(s.row, score, s.cosine))
    out.sort(key=lambda s: (-s.score, s.row))
    return out


def _ranged_score(
    score: float, when: dt.date | None, named: list[int], intent: DateIntent, adjust: DateAdjustment
) -> float:
    """In range when the article is of those years or the sentence names one ("the 2014 final" in a 2023
    story); out of range only when the article is dated and the sentence names no year in range."""
    if (when is not None and intent.holds(when.year)) or any(intent.holds(y) for y in named):
        return score + adjust.in_range_boost
    return score * adjust.out_of_range_factor if when is not None else score


def _named_years(snap: Snapshot, row: int) -> list[int]:
    return [int(y) for y in YEAR.findall(snap.sentence_text(row))]


def present_statements_first(
    snap: Snapshot, ordered: list[SentenceScore], relevance: list[SentenceScore], threshold: float
) -> list[SentenceScore]:
    """For a present-tense question: relevant sentences of the newest article that say "now" lead.

    "Where does Osorio coach now?" is answered by the newest story's "He now directs Zamalek", even when an
    older story's "Osorio is still a sought-after coach" matches more words. Relevant means the calibrated
    confidence clears the answer threshold, so this never promotes an off-topic sentence.
    """
    dates = {s.row: snap.article_of(s.row).date for s in ordered}
    newest = max((d for d in dates.values() if d is not None), default=None)
    confidence = {s.row: s.score for s in relevance}
    lead = [
        s
        for s in ordered
        if newest is not None
        and dates[s.row] == newest
        and confidence.get(s.row, 0.0) >= threshold
        and states_present(snap.sentence_text(s.row))
    ]
    if not lead:
        return ordered
    top = ordered[0].score
    # Lifted above the former best, most confident first (the same scale that let them lead), so quote
    # assembly keeps them first.
    lead.sort(key=lambda s: -confidence[s.row])
    lifted = [SentenceScore(s.row, top + confidence[s.row], s.cosine) for s in lead]
    chosen = {s.row for s in lead}
    return lifted + [s for s in ordered if s.row not in chosen]
