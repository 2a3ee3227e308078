"""What a question asks for (answer type, head noun, rarest terms) and how closely a sentence follows it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple, Protocol

from index.analysis import analyze

# Answer types, checked in this order: "how many years" asks for a number, "what year" for a date.
_TYPE_PATTERNS = (
    ("number", r"\bhow (many|much|long|old|far|tall|big|large|high|fast)\b|"
               r"\bwhat (percent|percentage|number|amount)"),
    ("date", r"\bwhen\b|\b(what|which) (year|date|day|month|century|decade)\b|\bhow long ago\b"),
    ("name", r"\bwho(m|se)?\b"),
    ("place", r"\bwhere\b|"
              r"\b(what|which) (city|country|town|state|place|location|village|region|island|area)\b"),
)  # fmt: skip
_TYPES = tuple((name, re.compile(pattern, re.IGNORECASE)) for name, pattern in _TYPE_PATTERNS)
# "which/what X": the noun the answer is an instance of ("which song" -> song). Verbs after "what" are not.
_HEAD = re.compile(
    r"\b(?:which|what|how many|how much)\s+(?:(?:kind|type|sort|form|part|name|kinds|types)\s+of\s+)?"
    r"(?:(?:one|two|three|four|five|\d+)\s+)?(\w+)",
    re.I,
)
_NOT_HEAD_WORDS = (
    "is was are were did does do has have had can could would will should might may the a an of to in "
    "on for by with kind type sort"
)
_NOT_HEAD = frozenset(_NOT_HEAD_WORDS.split())
# Capitalised words after a preposition of place: candidates for "where" answers.
_PLACE = re.compile(r"\b(?:in|at|from|near|to|into|across|outside)\s+(?:the\s+)?([A-Z][\w'’-]+)")
_WINDOW = 6  # terms: how close together the question's terms sit in a sentence


class Cues(NamedTuple):
    """The question-side analysis, done once per question."""

    kind: str | None  # number, date, name, place, or None
    head: str | None  # stemmed head noun of "which/what X"
    ordered: tuple[str, ...]  # the question's terms in order
    rarest: tuple[str, ...]  # its two rarest terms (highest IDF), rarest first


def question_cues(question: str, language: str, idf: dict[str, float]) -> Cues:
    """Answer type, head noun and rarest terms of `question`."""
    kind = next((name for name, pattern in _TYPES if pattern.search(question)), None)
    match = _HEAD.search(question)
    head = None
    if match and match.group(1).lower() not in _NOT_HEAD:
        stems = analyze(match.group(1), language)
        head = stems[0] if stems else None
    rarest = tuple(sorted(idf, key=lambda t: (-idf[t], t))[:2])
    return Cues(kind, head, tuple(analyze(question, language)), rarest)


def places(text: str) -> frozenset[str]:
    """Lowercased capitalised words that follow a preposition of place (question-independent)."""
    return frozenset(m.lower() for m in _PLACE.findall(text))


class SentenceFacts(Protocol):
    """The question-independent analysis of one sentence (quote_features._Facts)."""

    @property
    def terms(self) -> tuple[str, ...]: ...
    @property
    def own(self) -> frozenset[str]: ...
    @property
    def names(self) -> frozenset[str]: ...
    @property
    def years(self) -> frozenset[str]: ...
    @property
    def numbers(self) -> frozenset[str]: ...
    @property
    def places(self) -> frozenset[str]: ...
    @property
    def flags(self) -> tuple[float, float, float]: ...  # month, percent, money


def typed_count(kind: str | None, facts: SentenceFacts, question_words: frozenset[str]) -> float:
    """How many spans of the asked type, not in the question, a sentence holds (0 when no type is asked)."""
    if kind == "date":
        return float(len(facts.years - question_words)) + facts.flags[0]
    if kind == "number":
        numbers = facts.numbers - question_words
        # "How many" is rarely answered by a year: a number that could be one counts half.
        return len(numbers - facts.years) + 0.5 * len(numbers & facts.years)
    if kind in ("name", "place"):
        return float(len((facts.names if kind == "name" else facts.places) - question_words))
    return 0.0


def cue_row(
    facts_of: Callable[[int], SentenceFacts],
    row: int,
    span: tuple[int, int],
    cues: Cues,
    question_words: frozenset[str],
) -> list[float]:
    """The cue features of sentence `row`, whose span (paragraph) is rows [first, end)."""
    facts = facts_of(row)
    first, end = span
    near = frozenset().union(*(facts_of(r).own for r in (row - 1, row + 1) if first <= r < end))
    rare = [t in facts.own for t in cues.rarest]
    run, window = alignment(cues, facts.terms)

    def typed_at(other: int) -> float:
        return typed_count(cues.kind, facts_of(other), question_words) if first <= other < end else -1.0

    return [
        typed_count(cues.kind, facts, question_words),
        -1.0 if cues.head is None else float(cues.head in facts.own),
        -1.0 if cues.head is None else float(cues.head in near),
        float(rare[0]) if rare else 0.0,
        sum(rare) / max(len(rare), 1),
        run,
        window,
        float(row - first),
        typed_at(row - 1),
        typed_at(row + 1),
    ]


def alignment(cues: Cues, terms: tuple[str, ...]) -> tuple[float, float]:
    """Longest run of question terms the sentence repeats in order, and the most of them in a short window,
    each as a share of the question's distinct terms."""
    asked = set(cues.ordered)
    if not asked or not terms:
        return 0.0, 0.0
    longest = 0
    previous = [0] * (len(terms) + 1)
    for q in cues.ordered:
        current = [0] * (len(terms) + 1)
        for j, t in enumerate(terms, start=1):
            if t == q:
                current[j] = previous[j - 1] + 1
                longest = max(longest, current[j])
        previous = current
    starts = range(max(len(terms) - _WINDOW, 0) + 1)
    dense = max(len(asked.intersection(terms[i : i + _WINDOW])) for i in starts)
    return longest / len(asked), dense / len(asked)
