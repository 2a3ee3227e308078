"""Choose the quotes: score the sentences of the top chunks, grow the best into 1-3 sentence passages."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from index.retrieval.search import ChunkHit
from index.store.fact_match import weighted_share
from index.store.facts import keys_of
from index.store.generations import Snapshot
from index.text.analysis import analyze

MAX_QUOTE_CHARS = 400
MAX_QUOTE_SENTENCES = 3
# A sentence opening with one of these leans on the one before it ("He won six titles...").
_ANAPHORA = re.compile(
    r"^[\"“'‘(]?(he|she|it|they|this|that|these|those|his|her|its|their|there|but|however|also|"
    r"él|ella|ellos|ellas|esto|este|esta|eso|su|sus|pero|sin embargo)\b",
    re.IGNORECASE,
)
_DUPLICATE_COSINE = 0.95
# The hand-set sentence score, by evidence (names as in rerank.FEATURES). The answer threshold in the manifest
# is calibrated on this scale; rerank.hand_scores recomputes it from candidate features.
HAND_WEIGHTS = {"sent_cos": 0.45, "chunk_cos": 0.15, "overlap_title": 0.3, "chunk_bm25": 0.1}
# A neighbour joins the quote when it scores at least this share of the best sentence (hand-set scale).
GROW_RATIO = 0.9


@dataclass
class SentenceScore:
    """Evidence that one sentence answers the question."""

    row: int
    score: float
    cosine: float


@dataclass
class Passage:
    """A chosen quote: consecutive sentence rows [first, last) of one article."""

    article_row: int
    first: int
    last: int
    best: int
    score: float
    also_in: list[int] = field(default_factory=list)


def score_sentences(
    snap: Snapshot, query_vector: np.ndarray, terms: list[str], hits: list[ChunkHit], top_chunks: int = 12
) -> list[SentenceScore]:
    """Score every sentence of the best chunks; higher is better, in [0, 1]."""
    data = snap.data
    chunk_cos: dict[int, float] = {}
    chunk_bm25: dict[int, float] = {}
    top = hits[:top_chunks]
    best_bm25 = max((h.sparse for h in top), default=0.0) or 1.0
    for hit in top:
        _, first, last = data.chunks[hit.row]
        for row in range(int(first), int(last)):
            chunk_cos[row] = max(chunk_cos.get(row, 0.0), hit.dense)
            chunk_bm25[row] = max(chunk_bm25.get(row, 0.0), hit.sparse / best_bm25)
    rows = np.fromiter(chunk_cos, dtype=np.int64)
    if not len(rows):
        return []
    cosines = np.asarray(data.sentence_vectors[rows], dtype=np.float32) @ query_vector.astype(np.float32)
    overlap = _term_overlap(snap, rows, terms)
    scores = []
    for i, row in enumerate(rows.tolist()):
        cos = max(float(cosines[i]), 0.0)
        w = HAND_WEIGHTS
        score = (
            w["sent_cos"] * cos
            + w["chunk_cos"] * chunk_cos[row]
            + w["overlap_title"] * overlap[i]
            + w["chunk_bm25"] * chunk_bm25[row]
        )
        scores.append(SentenceScore(row, score, cos))
    scores.sort(key=lambda s: (-s.score, s.row))
    return scores


def _term_overlap(snap: Snapshot, rows: np.ndarray, terms: list[str]) -> np.ndarray:
    """IDF-weighted share of the question's terms that each sentence (or its article's title) contains."""
    if not terms:
        return np.zeros(len(rows))
    idf = dict(zip(terms, snap.sparse.idf(terms).tolist(), strict=True))
    total = sum(idf.values()) or 1.0
    keys = keys_of(idf)
    # The title stands in for what a pronoun refers to ("He won six titles..." in an Osorio story).
    title = snap.facts.titles(snap.data.sentences[rows, 0].astype(np.int64)).presence(keys)
    return weighted_share(snap.facts.batch(rows).terms.presence(keys) | title, list(idf.values()), total)


@dataclass(frozen=True)
class Growth:
    """When a neighbouring sentence joins the best one in a quote."""

    ratio: float = GROW_RATIO  # ... when it scores at least this share of the best sentence
    # ... or when the best sentence lacks what the question asks for (a year for "when") and it has it.
    completes: frozenset[int] = frozenset()


def grow_passage(
    snap: Snapshot,
    best: SentenceScore,
    by_row: dict[int, SentenceScore],
    max_chars: int = MAX_QUOTE_CHARS,
    growth: Growth = Growth(),
) -> Passage:
    """Extend the best sentence to a neighbour that explains it or also scores high, within limits."""
    data = snap.data
    article_row = int(data.sentences[best.row, 0])
    span_first, span_end = (int(x) for x in data.span_bounds[best.row])
    first, last = best.row, best.row + 1

    def fits(a: int, b: int) -> bool:
        if a < span_first or b > span_end or b - a > MAX_QUOTE_SENTENCES:
            return False  # quotes never cross a span (paragraph-aware) or the article
        return int(data.sentences[b - 1, 2] - data.sentences[a, 1]) <= max_chars

    text = _sentence_text(snap, best.row)
    if _ANAPHORA.match(text) and first > 0 and fits(first - 1, last):
        first -= 1
    lacking = bool(growth.completes) and best.row not in growth.completes
    for neighbour in (last, first - 1):
        near = by_row.get(neighbour)
        supplies = lacking and neighbour in growth.completes
        if near is not None and (near.score >= growth.ratio * best.score or supplies):
            a, b = min(first, neighbour), max(last, neighbour + 1)
            if fits(a, b):
                first, last = a, b
    return Passage(article_row, first, last, best.row, best.score)


def _sentence_text(snap: Snapshot, row: int) -> str:
    article_row, start, end = snap.data.sentences[row]
    return snap.data.articles[article_row].text[start:end]


def choose_passages(
    snap: Snapshot, scored: list[SentenceScore], count: int, growth: Growth = Growth()
) -> list[Passage]:
    """The best `count` passages, never overlapping, with near-duplicates folded into `also_in`."""
    by_row = {s.row: s for s in scored}
    chosen: list[Passage] = []
    covered: set[int] = set()
    for candidate in scored:
        if len(chosen) >= count:
            break
        if candidate.row in covered:
            continue
        passage = grow_passage(snap, candidate, by_row, growth=growth)
        twin = _duplicate_of(snap, passage, chosen)
        if twin is not None:
            if passage.article_row != twin.article_row and passage.article_row not in twin.also_in:
                twin.also_in.append(passage.article_row)
            covered.update(range(passage.first, passage.last))
            continue
        if any(r in covered for r in range(passage.first, passage.last)):
            passage = Passage(
                passage.article_row, candidate.row, candidate.row + 1, candidate.row, candidate.score
            )
        chosen.append(passage)
        covered.update(range(passage.first, passage.last))
    return chosen


def _duplicate_of(snap: Snapshot, passage: Passage, chosen: list[Passage]) -> Passage | None:
    vectors = snap.data.sentence_vectors
    mine = np.asarray(vectors[passage.best], dtype=np.float32)
    for other in chosen:
        if float(mine @ np.asarray(vectors[other.best], dtype=np.float32)) >= _DUPLICATE_COSINE:
            return other
    return None


# A quote never exceeds this many characters: one longer "sentence" (a scraped table, a list, Thai or Chinese
# text without sentence punctuation) is quoted as a window around its best part instead of whole.
MAX_QUOTE_SPAN = 600
_WORD = re.compile(r"\w+")
_SNAP_REACH = 40  # how far an edge moves to land between words rather than inside one


@dataclass(frozen=True)
class Span:
    """Offsets [start, end) in an article, and whether a sentence was cut at either edge."""

    start: int
    end: int
    clipped_start: bool = False
    clipped_end: bool = False


def bound_span(
    text: str, span: tuple[int, int], best: tuple[int, int], terms: list[str], limit: int = MAX_QUOTE_SPAN
) -> Span:
    """The passage if it fits in `limit` characters; else its best sentence, windowed if that is longer."""
    start, end = span
    if end - start <= limit:
        return Span(start, end)
    if best[1] - best[0] <= limit:
        return Span(*best)
    a, b = _best_window(text, best[0], best[1], set(terms), limit)
    return Span(a, b, clipped_start=a > best[0], clipped_end=b < best[1])


def _best_window(text: str, start: int, end: int, terms: set[str], limit: int) -> tuple[int, int]:
    """The `limit`-character window of text[start:end] with most question terms (its start when none)."""
    hits = _term_hits(text, start, end, terms)
    lo, hi = start, start
    if hits:
        # Two pointers: the run of consecutive hits that fits in the window with the most hits.
        best_count, first = 0, 0
        for last in range(len(hits)):
            while hits[last][1] - hits[first][0] > limit:
                first += 1
            if last - first + 1 > best_count:
                best_count, lo, hi = last - first + 1, hits[first][0], hits[last][1]
    # Centre the hits in the window, then move each edge to a word boundary without losing a hit.
    a = max(start, lo - (limit - (hi - lo)) // 2)
    b = min(end, a + limit)
    a = max(start, b - limit)
    a, b = _snap_start(text, a, min(lo, b) if hits else b), _snap_end(text, b, max(hi, a) if hits else a)
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def _term_hits(text: str, start: int, end: int, terms: set[str]) -> list[tuple[int, int]]:
    """Spans of the words in text[start:end] whose analysed forms are question terms, in order."""
    if not terms:
        return []
    matches: dict[str, bool] = {}
    hits = []
    for m in _WORD.finditer(text, start, end):
        word = m.group().lower()
        hit = matches.get(word)
        if hit is None:
            hit = matches[word] = any(t in terms for lang in ("en", "es") for t in analyze(word, lang))
        if hit:
            hits.append((m.start(), m.end()))
    return hits


def _inside_word(text: str, pos: int) -> bool:
    """Whether a cut at `pos` would split a word or separate a combining mark from its letter."""
    if pos <= 0 or pos >= len(text):
        return False
    return (text[pos - 1].isalnum() and text[pos].isalnum()) or unicodedata.combining(text[pos]) > 0


def _snap_start(text: str, pos: int, limit: int) -> int:
    """Move a window's start forward (not past `limit`) to the start of a word, when one is near."""
    for candidate in range(pos, min(pos + _SNAP_REACH, limit) + 1):
        if not _inside_word(text, candidate):
            return candidate
    # Text without spaces (Thai, Chinese): any letter boundary, but never before a combining mark.
    while pos < limit and unicodedata.combining(text[pos]):
        pos += 1
    return pos


def _snap_end(text: str, pos: int, limit: int) -> int:
    """Move a window's end back (not before `limit`) to the end of a word, when one is near."""
    for candidate in range(pos, max(pos - _SNAP_REACH, limit) - 1, -1):
        if not _inside_word(text, candidate):
            return candidate
    while pos > limit and pos < len(text) and unicodedata.combining(text[pos]):
        pos -= 1
    return pos
