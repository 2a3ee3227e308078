"""Time in questions: "in 2021", "last year", "now", "latest" -> a year range and a present-tense flag."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from index.answer.passages import SentenceScore
from index.store.generations import Snapshot

# A year the question names ("in 2021", "en 2019", "during 1998").
_YEAR = re.compile(r"\b(1[89]\d{2}|20\d{2})\b")
_SINCE = re.compile(r"\b(since|after|desde|despu[eé]s de)\s+(1[89]\d{2}|20\d{2})\b", re.I)
_BEFORE = re.compile(r"\b(before|until|antes de|hasta)\s+(1[89]\d{2}|20\d{2})\b", re.I)
_RELATIVE = {
    "last year": -1,
    "this year": 0,
    "el año pasado": -1,
    "el ano pasado": -1,
    "este año": 0,
    "este ano": 0,
}
_PRESENT = re.compile(
    r"\b(now|nowadays|currently|current|latest|today|these days|at the moment|presently|still|"
    r"most recent|recently|ahora|actualmente|hoy|hoy en d[ií]a|[uú]ltim[oa]s?|actual|todav[ií]a)\b",
    re.I,
)
# Words by which a sentence states the present ("He now directs Zamalek in Egypt").
_STATES_PRESENT = re.compile(
    r"\b(now|currently|presently|nowadays|at present|at the moment|at this moment|these days|"
    r"ahora|actualmente|en la actualidad|hoy en d[ií]a)\b",
    re.I,
)
# Boosts stay below the reranker's typical gap between a right and a wrong sentence: dates break ties
# between candidates that answer equally well, they do not make an off-topic sentence win.
IN_RANGE_BOOST = 0.08
OUT_OF_RANGE_FACTOR = 0.75
PRESENT_BOOST = 0.12
RECENCY_DAYS = 730


_MONTHS_ES = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
]
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


@dataclass(frozen=True)
class DateIntent:
    """What a question says about time: an inclusive year range and/or "the present"."""

    first_year: int | None = None
    last_year: int | None = None
    present: bool = False

    @property
    def ranged(self) -> bool:
        """True when the question names years ("in 2021", "since 2019", "last year")."""
        return self.first_year is not None or self.last_year is not None

    @property
    def empty(self) -> bool:
        """True when the question says nothing about time."""
        return self.first_year is None and self.last_year is None and not self.present


def parse_date_intent(question: str, today: dt.date) -> DateIntent:
    """Read the time a question asks about; relative phrases count from `today`."""
    lower = question.lower()
    present = bool(_PRESENT.search(lower))
    for phrase, delta in _RELATIVE.items():
        if phrase in lower:
            year = today.year + delta
            return DateIntent(year, year, present and delta == 0)
    if since := _SINCE.search(lower):
        return DateIntent(int(since.group(2)), None, present)
    if before := _BEFORE.search(lower):
        return DateIntent(None, int(before.group(2)) - 1, present)
    years = [int(y) for y in _YEAR.findall(lower)]
    if years:
        return DateIntent(min(years), max(years), present)
    return DateIntent(present=present)


def _in_range(year: int, intent: DateIntent) -> bool:
    low = intent.first_year if intent.first_year is not None else -10_000
    high = intent.last_year if intent.last_year is not None else 10_000
    return low <= year <= high


def apply_date_intent(snap: Snapshot, scored: list[SentenceScore], intent: DateIntent) -> list[SentenceScore]:
    """Re-rank candidates by time: years as soft filters, newer first for the present."""
    if intent.empty or not scored:
        return scored
    articles = snap.data.articles
    dates = {s.row: articles[int(snap.data.sentences[s.row, 0])].date for s in scored}
    newest = max((d for d in dates.values() if d is not None), default=None)
    out = []
    for s in scored:
        when, score = dates[s.row], s.score
        if intent.ranged:
            score = _ranged_score(score, when, _named_years(snap, s.row), intent)
        if when is not None and newest is not None and intent.present:
            age = (newest - when).days
            score += PRESENT_BOOST * max(0.0, 1.0 - age / RECENCY_DAYS)
        out.append(SentenceScore(s.row, score, s.cosine))
    out.sort(key=lambda s: (-s.score, s.row))
    return out


def _ranged_score(score: float, when: dt.date | None, named: list[int], intent: DateIntent) -> float:
    """In range when the article is of those years or the sentence names one ("the 2014 final" in a 2023
    story); out of range only when the article is dated and the sentence names no year in range."""
    if (when is not None and _in_range(when.year, intent)) or any(_in_range(y, intent) for y in named):
        return score + IN_RANGE_BOOST
    return score * OUT_OF_RANGE_FACTOR if when is not None else score


def _named_years(snap: Snapshot, row: int) -> list[int]:
    return [int(y) for y in _YEAR.findall(_sentence(snap, row))]


def present_statements_first(
    snap: Snapshot, ordered: list[SentenceScore], relevance: list[SentenceScore], threshold: float
) -> list[SentenceScore]:
    """For a present-tense question: relevant sentences of the newest article that say "now" lead.

    "Where does Osorio coach now?" is answered by the newest story's "He now directs Zamalek", even when an
    older story's "Osorio is still a sought-after coach" matches more words. Relevant means the calibrated
    confidence clears the answer threshold, so this never promotes an off-topic sentence.
    """
    articles, sentences = snap.data.articles, snap.data.sentences
    dates = {s.row: articles[int(sentences[s.row, 0])].date for s in ordered}
    newest = max((d for d in dates.values() if d is not None), default=None)
    confidence = {s.row: s.score for s in relevance}
    lead = [
        s
        for s in ordered
        if newest is not None
        and dates[s.row] == newest
        and confidence.get(s.row, 0.0) >= threshold
        and _STATES_PRESENT.search(_sentence(snap, s.row))
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


def _sentence(snap: Snapshot, row: int) -> str:
    article_row, start, end = (int(x) for x in snap.data.sentences[row])
    return str(snap.data.articles[article_row].text[start:end])
