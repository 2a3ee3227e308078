"""Whether to answer at all: evidence read off a question's ranked candidates, for a small trained model.

A bi-encoder's cosine says whether a sentence is about the question's topic; it does not say whether the
sentence states the asked fact. What else tells them apart is read here, once per question, from the
candidates the pipeline already scored: how far the best candidate stands above the rest, whether dense and
BM25 agree on it, how much of the question the index (and the best candidate's article) covers, whether the
best sentence holds the type of answer asked for ("how much" wants an amount, "when" a date, "who" a name),
whether it contradicts a year the question names ("Who won the 2022 World Cup?" over a 2018 sentence), and
where the question's own words besides its names are (index.ranking.relation: "president" in "Who is the
president of Colombia?", absent from a story about the Colombia national team).
Small gradient-boosted trees over these (answerability_model.py, fitted by scripts/fit_answerability.py on
the tune splits only) give the probability that the index answers.
"""

from __future__ import annotations

import re

import numpy as np

from index.ranking.answer_types import type_evidence, year_absent, year_evidence
from index.ranking.features import FEATURES
from index.ranking.relation import article_terms_of, relation_presence, relation_words, role_absent
from index.ranking.scorers import ScoringInput
from index.retrieval.intent import DateIntent, QueryIntent
from index.store.fact_match import ArticleTerms
from index.store.facts import keys_of
from index.store.generations import Snapshot
from index.text.analysis import analyze
from index.text.demonyms import fold
from index.text.lexicon import YEAR

# The name and version of ANSWERABILITY_FEATURES as a model file records it (bump when one changes meaning).
ANSWERABILITY_FEATURE_SET = "answerability-v12"
ANSWERABILITY_FEATURES = (
    "confidence",  # the base confidence of the best candidate (cosine mix counted from the unrelated level)
    "sent_cos",  # the best sentence cosine, on the embedder's own scale
    "chunk_cos",  # the best window cosine
    "gap_next",  # best base confidence minus the second best
    "gap_median",  # ... minus the median of the top MEDIAN_DEPTH
    "gap_article",  # ... minus the best of another article (the best itself when there is none)
    "bm25_best",  # the best candidate's window BM25, relative to BM25's best hit (1: BM25 agrees)
    "fused_rank",  # 1 / (1 + fused rank of the best candidate's window)
    "dense_bm25_article",  # dense's best window and BM25's best window are in the same article
    "best_bm25_article",  # the best candidate is in BM25's best article
    "overlap",  # IDF-weighted share of question terms in the best sentence
    "overlap_title",  # ... in the sentence and its title
    "coverage_window",  # ... in the sentence, its neighbours and its title
    "coverage_article",  # ... anywhere in the best candidate's article (and its title)
    "coverage_best",  # the best share of question terms in any candidate and its title
    "coverage_local",  # the window's share with terms weighted by IDF times rarity in the article
    "rarest_missing",  # IDF of the rarest question term missing from the best sentence's window
    "unknown_names",  # share of the question's names and figures that no indexed text holds
    "asks_number",
    "asks_date",
    "asks_name",
    "lacks_number",  # a "how many/much" question, and the best sentence states no number
    "lacks_amount",  # a money or age question ("how much does he earn", "how old is he"), and no amount
    "lacks_date",  # a "when" question, and no year or month
    "lacks_name",  # a "who" question, and no name the question lacks
    "lacks_type_top",  # a number/date/name question, and none of the TYPE_DEPTH best candidates holds it
    "year_conflict",  # the question names a year; the sentence names years, none of them
    "year_missing",  # the question names a year; neither the sentence nor its article's date has it
    "year_absent",  # the question names a year that no sentence of the best candidate's article names
    "language_match",  # the best sentence's article is in the question's language
    "spanish",  # the question is Spanish
    "sent_cos_second",  # the second best sentence cosine
    "article_cos",  # the best window cosine of the best candidate's article
    "sent_cos_z",  # the best sentence cosine in standard deviations above the candidates' mean
    "relation_sentence",  # share of the question's own words (not names or figures) in the best sentence
    "relation_window",  # ... in the sentence, its neighbours and its title
    "relation_article",  # ... anywhere in its article and title
    "head_window",  # the question's first own word ("president", "population", "born") is in the window
    "head_article",  # ... anywhere in the article
    "role_absent",  # the question asks for a role or a birth ("president", "born") its article never names
    "names_missing_story",  # share of the question's names and figures its best story never writes
)
# Word evidence, which means nothing when the question and the best sentence are in different languages
# (the tune data has no such questions): there the model reads them at their mean, so cosines decide.
LEXICAL = (
    "bm25_best", "fused_rank", "dense_bm25_article", "best_bm25_article", "overlap", "overlap_title",
    "coverage_window", "coverage_article", "coverage_best", "coverage_local", "rarest_missing",
    "unknown_names", "relation_sentence", "relation_window", "relation_article", "head_window",
    "head_article", "names_missing_story",
)  # fmt: skip
MEDIAN_DEPTH = 10
FOLDED_STORIES = 512
TYPE_DEPTH = 3

# A name (a capitalised word not opening the question) or a figure.
_NAMED = re.compile(r"(?<!^)(?<![¿¡])\b[A-ZÁÉÍÓÚÑ][\wáéíóúñ'-]+|\b\d[\d.,]*")
_COLUMN = {name: FEATURES.index(name) for name in FEATURES}
_CUES = {"number": "cue_number", "date": "cue_date", "name": "cue_name"}


def score_gaps(scores: np.ndarray, articles: np.ndarray) -> tuple[float, float, float]:
    """How far the best score stands above the second, the top few's median, and another article's best."""
    if not len(scores):
        return 0.0, 0.0, 0.0
    order = np.argsort(-scores, kind="stable")
    best = float(scores[order[0]])
    second = float(scores[order[1]]) if len(order) > 1 else 0.0
    median = float(np.median(scores[order[:MEDIAN_DEPTH]]))
    others = scores[articles != articles[order[0]]]
    other = float(others.max()) if len(others) else 0.0
    return best - second, best - median, best - other


def question_features(job: ScoringInput, base: np.ndarray) -> np.ndarray:
    """The answerability features of one question (ANSWERABILITY_FEATURES order), from scored candidates."""
    values = {**_score_evidence(job, base), **_term_evidence(job, base), **_type_evidence(job, base)}
    return np.asarray([values[name] for name in ANSWERABILITY_FEATURES], dtype=np.float64)


def _score_evidence(job: ScoringInput, base: np.ndarray) -> dict[str, float]:
    """Cosines, gaps and dense/BM25 agreement around the best candidate."""
    f, best = job.candidates.features, int(np.argmax(base))
    articles = job.snap.data.sentences[job.candidates.rows, 0].astype(np.int64)
    gap_next, gap_median, gap_article = score_gaps(base, articles)
    cosines = np.sort(f[:, _COLUMN["sent_cos"]])[::-1]
    bm25_article = int(articles[int(np.argmax(f[:, _COLUMN["chunk_bm25"]]))])
    column = {name: float(f[best, _COLUMN[name]]) for name in ("chunk_bm25", "chunk_rank", "article_cos")}
    return {
        "confidence": float(base[best]),
        "sent_cos": float(cosines[0]),
        "sent_cos_second": float(cosines[1] if len(cosines) > 1 else cosines[0]),
        "sent_cos_z": float((cosines[0] - cosines.mean()) / max(float(cosines.std()), 1e-3)),
        "chunk_cos": float(f[:, _COLUMN["chunk_cos"]].max()),
        "article_cos": column["article_cos"],
        "gap_next": gap_next,
        "gap_median": gap_median,
        "gap_article": gap_article,
        "bm25_best": column["chunk_bm25"],
        "fused_rank": column["chunk_rank"],
        "dense_bm25_article": float(
            int(articles[int(np.argmax(f[:, _COLUMN["chunk_cos"]]))]) == bm25_article
        ),
        "best_bm25_article": float(int(articles[best]) == bm25_article),
    }


def _term_evidence(job: ScoringInput, base: np.ndarray) -> dict[str, float]:
    """How much of the question the best sentence, its neighbours, its article and the index hold."""
    f, best = job.candidates.features, int(np.argmax(base))
    row = int(job.candidates.rows[best])
    terms = article_terms_of(job.snap, row)  # gathered once for the three readings below
    window, article, rarest, local = coverage(job.snap, row, job.intent.terms, terms)
    story = job.snap.data.articles[job.snap.article_row_of(row)].language
    language = job.intent.language
    words = relation_words(job.intent.text, language)
    relation = relation_presence(job.snap, row, words, terms)
    match = "unknown" in (language, story) or language == story
    return {
        # A veto, not word evidence read at its mean across languages: it reads the story's own language.
        "role_absent": float(role_absent(job.snap, row, words, language, story, terms)),
        "relation_sentence": relation.sentence,
        "relation_window": relation.window,
        "relation_article": relation.article,
        "head_window": float(relation.head_window),
        "head_article": float(relation.head_article),
        "overlap": float(f[best, _COLUMN["overlap"]]),
        "overlap_title": float(f[best, _COLUMN["overlap_title"]]),
        "coverage_window": window,
        "coverage_article": article,
        "coverage_best": float(f[:, _COLUMN["overlap_title"]].max()),
        "coverage_local": local,
        "rarest_missing": rarest,
        "unknown_names": unknown_names(job.snap, job.intent),
        "names_missing_story": names_missing(job.snap, row, job.intent.text),
        "language_match": float(match),
        "spanish": float(language == "es"),
    }


def _type_evidence(job: ScoringInput, base: np.ndarray) -> dict[str, float]:
    """Answer types asked for and held (best sentence, best few), and years named against the sentence's."""
    f, best, intent = job.candidates.features, int(np.argmax(base)), job.intent
    row = int(job.candidates.rows[best])
    sentence = job.snap.sentence_text(row)
    cues = {name: bool(f[best, _COLUMN[name]] > 0) for name in ("cue_number", "cue_date", "cue_name")}
    types = type_evidence(intent, sentence, cues)
    top = np.argsort(-base, kind="stable")[:TYPE_DEPTH]
    asked = [cue for kind, cue in _CUES.items() if kind in intent.asks]
    lacks_top = any(not (f[top, _COLUMN[cue]] > 0).any() for cue in asked)
    # Years written out only: "last year" in an archive story means the story's year, not today's.
    dates = intent.dates if YEAR.search(intent.text) else DateIntent()
    conflict, missing = year_evidence(dates, sentence, job.snap.article_of(row).date)
    return {
        **{f"asks_{kind}": float(kind in intent.asks) for kind in _CUES},
        "lacks_number": float(types.lacks_number),
        "lacks_amount": float(types.lacks_amount),
        "lacks_date": float(types.lacks_date),
        "lacks_name": float(types.lacks_name),
        "lacks_type_top": float(lacks_top),
        "year_conflict": float(conflict),
        "year_missing": float(missing),
        "year_absent": float(year_absent(job.snap, job.snap.article_row_of(row), dates)),
    }


def coverage(
    snap: Snapshot, row: int, terms: list[str], article_terms: ArticleTerms | None = None
) -> tuple[float, float, float, float]:
    """IDF-weighted shares of the question's terms in a sentence's window (it, its neighbours, its title)
    and in its whole article; the IDF of the rarest term the window lacks (0 when it lacks none); and the
    window's share when each term also weighs by its rarity in the article (the story's own topic words,
    in every other sentence, say little about whether this one answers). `article_terms`: the article's
    terms when the caller has gathered them."""
    idf = snap.sparse.idf(terms).astype(np.float64)
    total = float(idf.sum())
    if total <= 0:
        return 0.0, 0.0, 0.0, 0.0
    found = article_terms or article_terms_of(snap, row)
    first, end = found.first, found.end
    present, title = found.presence(keys_of(terms))
    window = present[max(row - 1, first) - first : min(row + 2, end) - first].any(axis=0) | title
    article = present.any(axis=0) | title
    missing = idf[~window]
    local = idf * (1.0 - present.mean(axis=0)) if len(present) else idf
    return (
        float(idf[window].sum() / total),
        float(idf[article].sum() / total),
        float(missing.max()) if len(missing) else 0.0,
        float(local[window].sum() / max(float(local.sum()), 1e-9)),
    )


def names_missing(snap: Snapshot, row: int, question: str) -> float:
    """Share of the question's names and figures ("Zamalek", "2018") that the row's story never writes.

    Read as written (case and accents folded), not analysed: names cross languages as they are, where the
    word evidence above compares stems of two languages (an English question about a Spanish story).
    """
    names = {fold(w) for w in _NAMED.findall(question)}
    if not names:
        return 0.0
    story = _folded_story(snap, snap.article_row_of(row))
    # As a whole word: "Al" (Al Ahly) is not in "Zamalek".
    return sum(re.search(rf"(?<!\w){re.escape(name)}(?!\w)", story) is None for name in names) / len(names)


def _folded_story(snap: Snapshot, article_row: int) -> str:
    """A story's title and text, folded; the last FOLDED_STORIES are kept (the same stories lead again)."""
    known: dict[int, str] = snap.derived("folded_stories", dict)
    found = known.get(article_row)
    if found is None:
        if len(known) >= FOLDED_STORIES:
            known.clear()  # bounded: a long-running bot over a large archive would otherwise fold all of it
        article = snap.data.articles[article_row]
        found = known[article_row] = fold(f"{article.title}\n{article.text}")
    return found


def unknown_names(snap: Snapshot, intent: QueryIntent) -> float:
    """Share of the question's names and figures ("Puebla", "2022") that no indexed text holds.

    Not all its words: a small index lacks "things" and "charge" (the share of every unknown word refused
    answerable questions over the two seed articles), but a name it lacks means a story it does not hold.
    """
    words = _NAMED.findall(intent.text)
    terms = sorted({t for w in words for t in analyze(w, intent.language)})
    if not terms:
        return 0.0
    return float(np.mean(snap.sparse.idf(terms) <= 0))
