"""Run an evaluation end to end: temp corpus -> index -> the same Answerer the bot uses -> figures."""

from __future__ import annotations

import logging
import random
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.answer.answerer import Answerer
from index.build.builder import IndexBuilder
from index.embedding.e5_engine import embed_questions
from index.embedding.protocol import Embedder, ProgressFn
from index.errors import IndexNotFound
from index.eval.holdout import hold_out_paragraphs
from index.eval.squad import (
    CurvePoint,
    Dataset,
    EvalQuestion,
    QuestionResult,
    Summary,
    abstention_curve,
    answer_confidence,
    calibrate,
    judge,
    load_squad,
    summarise,
    write_corpus,
)
from index.ranking.pipeline import RankingPipeline
from index.store.engine import IndexEngine
from index.store.handle import IndexHandle

log = logging.getLogger(__name__)

EVAL_MAX_QUOTES = 10  # enough for MRR@10; the first page (MAX_QUOTES) is what the bot shows first


@dataclass
class EvalOptions:
    """What to evaluate and where."""

    dataset: Path
    index_dir: Path | None = None
    articles: list[str] | None = None  # whose questions are asked (default: all)
    unanswerable: list[str] | None = None  # left out of the index; their questions should be abstained on
    sample: int | None = None  # ask a seeded random sample of this many answerable questions
    seed: int = 0
    batch_embed: bool = False  # embed all questions up front: quicker, but latency then excludes the model
    # Share of every article's paragraphs left out of the index; the questions only they answer are asked
    # as unanswerable ones about indexed stories (index/holdout.py).
    holdout_paragraphs: float = 0.0
    # As users see the answers: pages of MAX_QUOTES, supporting quotes cut at SUPPORTING_MIN_RATIO (None:
    # each question language's ranking profile's ratio).
    page_size: int = 3
    supporting_min_ratio: float | None = None


@dataclass
class EvalReport:
    """Everything `python -m index eval` prints or writes."""

    summary: Summary
    threshold: float
    results: list[QuestionResult]
    unanswerable_scores: list[float] = field(default_factory=list)
    # Whether each unanswerable question was refused, at its own cut (a question answered from a story in
    # another language has the profile's cross-language cut, not `threshold`).
    unanswerable_refused: list[bool] = field(default_factory=list)
    curve: list[CurvePoint] = field(default_factory=list)
    calibrated: float | None = None


def build_eval_index(
    dataset: Dataset,
    leave_out: set[str],
    index_dir: Path,
    embedder: Embedder,
    engine: IndexEngine | None = None,
) -> None:
    """Index the dataset's articles (except `leave_out`) in `index_dir`; incremental, so reruns are quick."""
    with tempfile.TemporaryDirectory(prefix="eval-corpus-") as tmp:
        write_corpus((a for a in dataset.articles if a.title not in leave_out), Path(tmp))
        summary = IndexBuilder(Path(tmp), index_dir, embedder, engine=engine).build(wait=True)
    log.info("%s", summary.describe())


def evaluate(
    options: EvalOptions, embedder: Embedder, ranker: RankingPipeline, engine: IndexEngine | None = None
) -> EvalReport:
    """Build (or update) the evaluation index with `engine` (scoped apart), ask the questions."""
    if options.index_dir is None:
        with tempfile.TemporaryDirectory(prefix="eval-index-") as tmp:
            return _evaluate_scoped(options, embedder, ranker, Path(tmp), engine)
    return _evaluate_scoped(options, embedder, ranker, options.index_dir, engine)


def _evaluate_scoped(
    options: EvalOptions,
    embedder: Embedder,
    ranker: RankingPipeline,
    index_dir: Path,
    engine: IndexEngine | None,
) -> EvalReport:
    scoped = engine.scoped("eval", index_dir) if engine is not None else None
    try:
        return _evaluate_in(options, embedder, ranker, index_dir, scoped)
    finally:
        if scoped is not None:
            scoped.close()


def _evaluate_in(
    options: EvalOptions,
    embedder: Embedder,
    ranker: RankingPipeline,
    index_dir: Path,
    engine: IndexEngine | None,
) -> EvalReport:
    dataset = load_squad(options.dataset)
    held_out = set(options.unanswerable or [])
    dataset, asked, unanswered = _questions(options, dataset, held_out)
    build_eval_index(dataset, held_out, index_dir, embedder, engine)
    if options.batch_embed:
        embedder = PrefetchedEmbedder(embedder, [q.question for q in asked + unanswered])
    handle = IndexHandle(index_dir, embedder.name, engine=engine)
    snap = handle.reload()
    if snap is None:
        raise IndexNotFound(f"no evaluation index was written in {index_dir}")
    # Every quote is kept, even below the threshold, so that @3 and MRR see them; abstention is judged on
    # each answer's confidence and the threshold its ranking profile set, as the bot would.
    answerer = Answerer(
        handle,
        embedder,
        ranker=ranker,
        max_quotes=options.page_size,
        supporting_min_ratio=options.supporting_min_ratio,
        quote_unanswered=True,
    )
    answerer.warm_up()
    articles = {a.id: a for a in dataset.articles}
    results = [judge(q, answerer.ask(q.question, EVAL_MAX_QUOTES), articles) for q in asked]
    threshold = _usual_threshold(results, ranker)
    report = EvalReport(summarise(results, threshold), threshold, results)
    if unanswered:
        answers = [answerer.ask(q.question, 1) for q in unanswered]
        report.unanswerable_scores = [answer_confidence(a) for a in answers]
        report.unanswerable_refused = [not a.answered for a in answers]
        answerable_scores = [r.top_score for r in results]
        report.curve = abstention_curve(answerable_scores, report.unanswerable_scores)
        report.calibrated = calibrate(answerable_scores)
    return report


def _questions(
    options: EvalOptions, dataset: Dataset, held_out: set[str]
) -> tuple[Dataset, list[EvalQuestion], list[EvalQuestion]]:
    """The dataset to index, the answerable questions to ask and the unanswerable ones."""
    dataset.select(held_out)  # fails early on an unknown title
    hidden: list[EvalQuestion] = []
    if options.holdout_paragraphs:
        dataset, hidden = hold_out_paragraphs(dataset, options.holdout_paragraphs, options.seed)
        everyone = {q.article_id for q in hidden}
        asked_titles = set(options.articles) if options.articles is not None else everyone
        hidden = [q for q in hidden if q.article_id in asked_titles - held_out]
    asked = [q for q in dataset.select(options.articles) if q.article_id not in held_out]
    unanswered = dataset.select(held_out) if held_out else []
    return (
        dataset,
        _sample(asked, options.sample, options.seed),
        _sample(unanswered + hidden, options.sample, options.seed),
    )


class PrefetchedEmbedder:
    """Wraps an embedder with the vectors of known questions computed in one batch (evaluation speed)."""

    def __init__(self, inner: Embedder, questions: Sequence[str]) -> None:
        self.name = inner.name
        self.dimension = inner.dimension
        self._inner = inner
        texts = sorted({" ".join(q.split()) for q in questions})
        self._vectors = dict(zip(texts, embed_questions(inner, texts), strict=True))

    def embed(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        """Embed documents with the wrapped model."""
        return self._inner.embed(texts, progress)

    def embed_query(self, text: str) -> np.ndarray:
        """The prefetched vector of a known question, else the wrapped model's."""
        found = self._vectors.get(text)
        return found if found is not None else self._inner.embed_query(text)


def _usual_threshold(results: Sequence[QuestionResult], ranker: RankingPipeline) -> float:
    """The threshold most questions were judged by (the fallback profile's when none was asked)."""
    seen = Counter(r.threshold for r in results if r.threshold is not None)
    return seen.most_common(1)[0][0] if seen else ranker.profile("unknown").threshold


def _sample(questions: Sequence[EvalQuestion], size: int | None, seed: int) -> list[EvalQuestion]:
    if size is None or size >= len(questions):
        return list(questions)
    return random.Random(seed).sample(list(questions), size)
