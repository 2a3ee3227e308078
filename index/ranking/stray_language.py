"""Sentences foreign to both the question and their own story are quoted last.

Scraped news carries photo captions and credits in the source's language: an English story about Osorio opens
with "CALI. 7 de agosto de 2021. América y Once Caldas se enfrentaron en el estadio Pascual Guerrero...". For
"Why did Osorio leave América de Cali?" those Spanish lines matched "América" and "Cali" and came second and
third, above the English sentences that answer. A sentence in the question's language, or in its article's
(a Spanish quote in a Spanish story asked about in English), is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from index.ranking.results import SentenceScore
from index.store.generations import Snapshot
from index.text.language import detect_language

# Behind every sentence that fits, whatever the scale: the trees' probabilities are peaked, so a plain
# factor left a caption at 0.5 x 0.1 above fitting sentences at 0.01.
STRAY_FACTOR = 0.1
# Only the leading candidates are checked (about 11 us each): deeper ones are never quoted first anyway.
STRAY_DEPTH = 12


@dataclass(frozen=True)
class StrayAdjustment:
    """The stray-language adjuster's tunables (a ranking profile holds one)."""

    factor: float = STRAY_FACTOR
    depth: int = STRAY_DEPTH


def stray_rows(snap: Snapshot, rows: list[int], language: str) -> frozenset[int]:
    """The sentence rows whose language is neither the question's nor their article's (all three known)."""
    if language == "unknown":
        return frozenset()
    stray = set()
    for row in set(rows):
        own = sentence_language(snap, row)
        if own in ("unknown", language):
            continue  # most candidates: no need to look at the article
        # An article of no clear language (mixed, or too short to tell) has no foreign sentences.
        story = snap.article_of(row).language
        if story not in ("unknown", own):
            stray.add(row)
    return frozenset(stray)


def stray_last(
    scored: list[SentenceScore], stray: frozenset[int], factor: float = STRAY_FACTOR
) -> list[SentenceScore]:
    """Move the stray sentences behind all the others."""
    kept = [s for s in scored if s.row not in stray]
    moved = [s for s in scored if s.row in stray]
    if not kept or not moved:
        return scored
    # Scaled below the weakest kept sentence, keeping their own order (quote growth reads the scores).
    floor, top = min(s.score for s in kept), max(s.score for s in moved)
    scale = factor * floor / top if top > 0 else 0.0
    return kept + [SentenceScore(s.row, s.score * scale, s.cosine) for s in moved]


def crosses_language(snap: Snapshot, row: int, language: str) -> bool:
    """Whether the sentence and its story are both in a known language other than the question's."""
    if language == "unknown":
        return False
    story = snap.article_of(row).language
    return story not in ("unknown", language) and sentence_language(snap, row) == story


def answered_across(snap: Snapshot, row: int, language: str) -> bool:
    """Whether a question in `language` is answered from another language's story by this sentence.

    A sentence in the question's own language inside a foreign story (a Spanish caption in an English story,
    asked in Spanish) is not: its words can be read as the question's.
    """
    if language == "unknown":
        return False
    story = snap.article_of(row).language
    return story not in ("unknown", language) and sentence_language(snap, row) != language


def sentence_language(snap: Snapshot, row: int) -> str:
    """The detected language of one sentence row, detected once per snapshot."""
    # The same stories' sentences lead question after question: a dict per generation, at most one short
    # string per sentence row, spares re-reading them (about 11 us each).
    known: dict[int, str] = snap.derived("sentence_languages", dict)
    found = known.get(row)
    if found is None:
        found = known[row] = detect_language(snap.sentence_text(row))
    return found
