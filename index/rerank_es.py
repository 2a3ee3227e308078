"""Spanish-only reranker features: which sentence of a story answers, beyond the shared FEATURES.

Within the right Spanish article the reranker chose the answer sentence for only ~60% of the tuning
questions: the story's name and topic words are in most of its sentences (the lede restates them), so the
global IDF overlap cannot tell the sentences apart. These features weigh the question's terms by how rare
they are inside the candidate's own article, check a place for "¿dónde?", and read the shared number and
date cues without the lede's dateline (docs/quality.md).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

import numpy as np

from index.rerank import (
    _DATE,
    _DATE_Q,
    _NUMBER,
    _NUMBER_Q,
    FEATURES,
    LANGUAGE_FEATURES,
    Candidates,
    sentence_terms,
    sentence_text,
)
from index.store import Snapshot

SPANISH_FEATURES = LANGUAGE_FEATURES["es"]

_WHERE_Q = re.compile(
    r"d[oó]nde|qu[eé] (lugar|ciudad|pa[ií]s|regi[oó]n|provincia|estado|localidad|zona|estadio)", re.I
)
# A place: a preposition before a capitalised word ("en Montevideo", "desde la Casa Blanca").
_PLACE = re.compile(r"\b(en|de|desde|hasta|hacia)\s+(el |la |los |las )?[A-ZÁÉÍÓÚÑ]")
# Capitalised words that do not open the sentence or follow its end (names, places, organisations).
_NAME = re.compile(r"(?<!^)(?<![.!?¿¡\"“]\s)\b[A-ZÁÉÍÓÚÑ][\wáéíóúñü]+")
# Wikinews ledes open with the publication date ("4 de mayo de 2012 ..."): not the story's own words.
_DATELINE = re.compile(r"^\s*\d{1,2} de \w+ de \d{4}\s*")
_WORD = re.compile(r"\w+")


def model_inputs(
    snap: Snapshot, cands: Candidates, terms: list[str], question: str, language: str
) -> np.ndarray:
    """What the reranker reads for `language`: the shared features, plus the language's own columns."""
    if language != "es":
        return cands.features
    extra = spanish_features(snap, cands.rows, terms, question)
    return np.hstack([without_dateline_cues(snap, cands, question), extra]).astype(np.float32)


def without_dateline_cues(snap: Snapshot, cands: Candidates, question: str) -> np.ndarray:
    """The shared features with "how many" and "when" cues read after the dateline.

    Every Wikinews lede opens with its date ("4 de mayo de 2012"), so the shared cues call every lede a
    number and a date (tuning articles, out of sample: top-1 sentence 0.464 -> 0.471 without it).
    """
    x = cands.features.copy()
    asks = {"cue_number": bool(_NUMBER_Q.search(question)), "cue_date": bool(_DATE_Q.search(question))}
    pattern = {"cue_number": _NUMBER, "cue_date": _DATE}
    for i, row in enumerate(cands.rows.tolist()):
        body = _DATELINE.sub("", sentence_text(snap, row))
        for name, asked in asks.items():
            x[i, FEATURES.index(name)] = float(asked and bool(pattern[name].search(body)))
    return x


def spanish_features(snap: Snapshot, rows: np.ndarray, terms: list[str], question: str) -> np.ndarray:
    """SPANISH_FEATURES of each candidate sentence row (one row per candidate)."""
    out = np.zeros((len(rows), len(SPANISH_FEATURES)), dtype=np.float32)
    if not len(rows):
        return out
    idf = dict(zip(terms, snap.sparse.idf(terms).tolist(), strict=True))
    asks_place = bool(_WHERE_Q.search(question))
    question_words = frozenset(w.lower() for w in _WORD.findall(question))
    weights: dict[int, dict[str, float]] = {}  # per article row: candidates often share an article
    for i, row in enumerate(rows.tolist()):
        text = sentence_text(snap, row)
        article_row = int(snap.data.sentences[row, 0])
        if article_row not in weights:
            weights[article_row] = local_weights(idf, _article_sentences(snap, article_row))
        own = frozenset(sentence_terms(text, snap.data.articles[article_row].language))
        out[i, 0] = weighted_share(own, weights[article_row])
        out[i, 1] = float(asks_place and names_a_place(text, question_words))
    return out


def local_weights(idf: dict[str, float], article: tuple[tuple[str, ...], str]) -> dict[str, float]:
    """Each question term's IDF times its rarity among the article's sentences (texts, language)."""
    counts, sentences = _article_term_counts(*article)
    return {t: w * math.log(1 + sentences / (1 + counts.get(t, 0))) for t, w in idf.items()}


def weighted_share(own: frozenset[str], weights: dict[str, float]) -> float:
    """The weighted share of the question's terms that a sentence's terms hold."""
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in own) / total if total else 0.0


def names_a_place(text: str, question_words: frozenset[str]) -> bool:
    """Whether a sentence names a place the question does not ("en Viena"), its dateline aside."""
    body = _DATELINE.sub("", text)
    if not _PLACE.search(body):
        return False
    return any(m.group(0).lower() not in question_words for m in _NAME.finditer(body))


def _article_sentences(snap: Snapshot, article_row: int) -> tuple[tuple[str, ...], str]:
    """The texts of every sentence of an article, and its language."""
    sentences = snap.data.sentences
    first = int(np.searchsorted(sentences[:, 0], article_row, side="left"))
    end = int(np.searchsorted(sentences[:, 0], article_row, side="right"))
    texts = tuple(sentence_text(snap, r) for r in range(first, end))
    return texts, snap.data.articles[article_row].language


@lru_cache(maxsize=4096)
def _article_term_counts(texts: tuple[str, ...], language: str) -> tuple[dict[str, int], int]:
    """In how many of the article's sentences each term occurs, and the number of sentences."""
    counts: dict[str, int] = {}
    for text in texts:
        for term in set(sentence_terms(text, language)):
            counts[term] = counts.get(term, 0) + 1
    return counts, len(texts)
