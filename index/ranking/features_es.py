"""Spanish-only reranker features: which sentence of a story answers, beyond the shared FEATURES.

Within the right Spanish article the reranker chose the answer sentence for only ~60% of the tuning
questions: the story's name and topic words are in most of its sentences (the lede restates them), so the
global IDF overlap cannot tell the sentences apart. These features weigh the question's terms by how rare
they are inside the candidate's own article, check a place for "¿dónde?", and read the shared number and
date cues without the lede's dateline (docs/quality.md).
"""

from __future__ import annotations

import re

import numpy as np

from index.ranking.features import FEATURES, LANGUAGE_FEATURES, Candidates, sentence_text
from index.retrieval.intent import DATE_QUESTION, NUMBER_QUESTION, PLACE_QUESTION
from index.store.fact_extractors import FLAGS
from index.store.fact_match import weighted_share
from index.store.facts import keys_of
from index.store.generations import Snapshot

SPANISH_FEATURES = LANGUAGE_FEATURES["es"]

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
    asks = {
        "cue_number": bool(NUMBER_QUESTION.search(question)),
        "cue_date": bool(DATE_QUESTION.search(question)),
    }
    for i, row in enumerate(cands.rows.tolist()):
        body = _DATELINE.sub("", sentence_text(snap, row))
        for name, asked in asks.items():
            # The same tests as the stored facts (fact_extractors.FLAGS), on the text after the dateline.
            x[i, FEATURES.index(name)] = float(asked and FLAGS[name](body))
    return x


def spanish_features(snap: Snapshot, rows: np.ndarray, terms: list[str], question: str) -> np.ndarray:
    """SPANISH_FEATURES of each candidate sentence row (one row per candidate)."""
    out = np.zeros((len(rows), len(SPANISH_FEATURES)), dtype=np.float32)
    if not len(rows):
        return out
    idf = dict(zip(terms, snap.sparse.idf(terms).tolist(), strict=True))
    keys = keys_of(idf)
    own = snap.facts.batch(rows).terms.presence(keys)
    articles = snap.data.sentences[rows, 0].astype(np.int64)
    for article_row in np.unique(articles).tolist():
        mine = articles == article_row
        weights = local_weights(list(idf.values()), _article_presence(snap, article_row, keys))
        out[mine, 0] = weighted_share(own[mine], weights.tolist(), float(weights.sum()) or 1.0)
    asks_place = bool(PLACE_QUESTION.search(question))
    question_words = frozenset(w.lower() for w in _WORD.findall(question))
    for i, row in enumerate(rows.tolist()):
        out[i, 1] = float(asks_place and names_a_place(sentence_text(snap, row), question_words))
    return out


def local_weights(idf: list[float], article: np.ndarray) -> np.ndarray:
    """Each question term's IDF times its rarity among the article's sentences.

    `article` is (sentences, terms) bool: which of the article's sentences hold each question term.
    """
    sentences, counts = article.shape[0], article.sum(axis=0)
    return np.asarray(idf, dtype=np.float64) * np.log1p(sentences / (1.0 + counts))


def names_a_place(text: str, question_words: frozenset[str]) -> bool:
    """Whether a sentence names a place the question does not ("en Viena"), its dateline aside."""
    body = _DATELINE.sub("", text)
    if not _PLACE.search(body):
        return False
    return any(m.group(0).lower() not in question_words for m in _NAME.finditer(body))


def _article_presence(snap: Snapshot, article_row: int, keys: np.ndarray) -> np.ndarray:
    """(sentences, keys) bool over every sentence of one article, from the stored facts."""
    # article_starts is computed once: searchsorted over the strided column copies it on every call.
    first, end = (int(x) for x in snap.data.article_starts[article_row : article_row + 2])
    return snap.facts.batch(np.arange(first, end, dtype=np.int64)).terms.presence(keys)
