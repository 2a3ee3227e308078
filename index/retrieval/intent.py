"""What a question asks: its language, its terms, the time it names, the type of answer it wants.

One `QueryIntent` per question, read once; retrieval, features and adjusters all read it instead of
re-parsing the question text.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from index.text.analysis import analyze_query
from index.text.language import detect_language
from index.text.lexicon import YEAR, YEAR_DIGITS

_SINCE = re.compile(rf"\b(since|after|desde|despu[eé]s de)\s+{YEAR_DIGITS}\b", re.I)
_BEFORE = re.compile(rf"\b(before|until|antes de|hasta)\s+{YEAR_DIGITS}\b", re.I)
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
# The answer types a question asks for (one place decides: the features and the growth rule read these).
NUMBER_QUESTION = re.compile(
    r"\b(how (many|much|long|old|far|tall|big|large|high)|what (percent|percentage|number|amount)|"
    r"cu[aá]nt[oa]s?)\b",
    re.I,
)
DATE_QUESTION = re.compile(
    r"\b(when|what (year|date|day|month|century|decade)|cu[aá]ndo|qu[eé] (a[nñ]o|fecha))\b", re.I
)
NAME_QUESTION = re.compile(r"\b(who|whom|whose|qui[eé]n(es)?)\b", re.I)
PLACE_QUESTION = re.compile(
    r"d[oó]nde|qu[eé] (lugar|ciudad|pa[ií]s|regi[oó]n|provincia|estado|localidad|zona|estadio)", re.I
)
_TYPES = {"number": NUMBER_QUESTION, "date": DATE_QUESTION, "name": NAME_QUESTION, "place": PLACE_QUESTION}


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

    def holds(self, year: int) -> bool:
        """True when `year` falls within the named range (an open end holds every year on that side)."""
        return (self.first_year is None or self.first_year <= year) and (
            self.last_year is None or year <= self.last_year
        )

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
    years = [int(y) for y in YEAR.findall(lower)]
    if years:
        return DateIntent(min(years), max(years), present)
    return DateIntent(present=present)


@dataclass(frozen=True)
class QueryIntent:
    """A question read once: normalised text, language, BM25 terms, time, asked-for answer types."""

    text: str
    language: str
    terms: list[str] = field(default_factory=list)
    dates: DateIntent = field(default_factory=DateIntent)
    asks: frozenset[str] = frozenset()  # of "number", "date", "name", "place"


def question_types(question: str) -> frozenset[str]:
    """The answer types a question asks for: "number", "date", "name" and/or "place"."""
    return frozenset(name for name, pattern in _TYPES.items() if pattern.search(question))


def read_intent(question: str, today: dt.date) -> QueryIntent:
    """Read a question once: language, terms, dates (relative to `today`) and answer types."""
    text = " ".join(question.split())
    return QueryIntent(
        text=text,
        language=detect_language(text),
        terms=analyze_query(text),
        dates=parse_date_intent(text, today),
        asks=question_types(text),
    )
