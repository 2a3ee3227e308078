"""The Answerer: a question in, verbatim quotes with sources and scores out (or a plain "no answer")."""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from index.answer.passages import Passage, bound_span, choose_passages
from index.answer.presentation import QUOTE_POOL, present
from index.embedding.factory import runtime_label
from index.embedding.protocol import Embedder
from index.models import Answer, IndexStats, Quote
from index.ranking.pipeline import RankingPipeline
from index.ranking.profiles import hand_set_profiles
from index.retrieval.date_pushdown import with_in_range_candidates
from index.retrieval.intent import read_intent
from index.retrieval.search import retrieve
from index.store.generations import Snapshot, directory_size
from index.store.handle import IndexHandle

log = logging.getLogger(__name__)

NO_ANSWER = "The articles don't answer this. The closest passage is shown for reference."
_CACHE_SIZE = 1024


class Answerer:
    """Answers questions from the current index; safe to call from several threads."""

    def __init__(
        self,
        handle: IndexHandle,
        embedder: Embedder,
        *,
        max_quotes: int = 3,
        min_score: float | None = None,
        max_question_chars: int = 500,
        ranker: RankingPipeline | None = None,
        supporting_min_ratio: float | None = None,
        quote_pool: int = QUOTE_POOL,
        quote_unanswered: bool = False,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        """`ranker` defaults to the hand-set weights; `min_score` and `supporting_min_ratio` override its
        profiles' thresholds and supporting-quote ratios."""
        self.handle = handle
        self._embedder = embedder
        self.max_quotes = max_quotes
        self._min_score = min_score
        self.max_question_chars = max_question_chars
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._today = today
        self.ranker = ranker or RankingPipeline(hand_set_profiles())
        self._quote_unanswered = quote_unanswered
        self.supporting_min_ratio = supporting_min_ratio
        self._quote_pool = quote_pool

    def ask(self, question: str, max_quotes: int | None = None) -> Answer:
        """Answer one question with up to `max_quotes` quotes, best first."""
        started = time.perf_counter()
        text = " ".join(question.split())
        problem = self._check_question(text)
        snap = self.handle.snapshot() if problem is None else None
        if problem is not None:
            answer = Answer(question=question, answered=False, status="invalid_question", message=problem)
        elif snap is None or snap.manifest.chunks == 0:
            answer = Answer(
                question=question,
                answered=False,
                status="empty_index",
                message="There are no articles indexed yet: add some to the corpus and run "
                "`python -m index build`.",
            )
        else:
            answer = self._answer(snap, question, text, max_quotes or self.max_quotes)
        answer.took_ms = (time.perf_counter() - started) * 1000
        # DEBUG: the bot logs each answer once at INFO, with its wait for a free slot included.
        log.debug(
            "answered=%s quotes=%d top=%.3f took_ms=%.1f",
            answer.answered,
            len(answer.quotes),
            answer.quotes[0].score if answer.quotes else 0.0,
            answer.took_ms,
        )
        log.debug("question=%r", question)
        return answer

    def warm_up(self) -> None:
        """Load the model now, so that the first question is not slow."""
        self._embedder.embed_query("warm up")

    def _check_question(self, text: str) -> str | None:
        if not text:
            return "Please ask a question: the message is empty."
        if len(text) > self.max_question_chars:
            return (
                f"Your question is {len(text)} characters long; please keep it under "
                f"{self.max_question_chars}."
            )
        if not re.search(r"\w", text):
            return "Please ask a question in words."
        return None

    def _answer(self, snap: Snapshot, question: str, text: str, count: int) -> Answer:
        intent = read_intent(text, self._today())
        profile = self.ranker.profile(intent.language)
        query_vector = self._embed(text)
        found = retrieve(snap, query_vector, intent, profile.retrieval)
        found.hits = with_in_range_candidates(
            snap, query_vector, intent, found.hits, profile.rerank_chunks, profile.retrieval.fusion_weights
        )
        ranking = self.ranker.rank(snap, intent, query_vector, found.hits, self._min_score)
        # Always the same pool, so that the first quotes do not depend on how many are asked for.
        passages = choose_passages(snap, ranking.order, max(count, self._quote_pool), ranking.growth)
        ranked = [_to_quote(snap, p, ranking.confidence.get(p.best), found.terms) for p in passages]
        ratio = profile.supporting_ratio if self.supporting_min_ratio is None else self.supporting_min_ratio
        quotes = present(ranked, ratio)[:count]
        answered = bool(quotes) and ranking.confident
        return Answer(
            question=question,
            answered=answered,
            status="answered" if answered else "no_answer",
            message="" if answered else NO_ANSWER,
            quotes=quotes if answered or self._quote_unanswered else quotes[:1],
            confidence=ranking.top_confidence,
            threshold=ranking.threshold,
            asks_about_present=intent.dates.present,
            language=intent.language,
            index_built_at=snap.manifest.built_at,
        )

    def _embed(self, text: str) -> np.ndarray:
        # Keyed on exactly what is embedded: a cased model gives "Apple" and "apple" different vectors.
        key = text
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        vector = self._embedder.embed_query(text)
        with self._cache_lock:
            self._cache[key] = vector
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return vector

    def stats(self) -> IndexStats | None:
        """Counts and provenance of the loaded index; None when there is none."""
        snap = self.handle.snapshot()
        if snap is None:
            return None
        m = snap.manifest
        return IndexStats(
            articles=m.articles,
            chunks=m.chunks,
            sentences=m.sentences,
            model=m.model,
            dimension=m.dimension,
            built_at=m.built_at,
            format_version=m.format_version,
            index_type=m.index_type,
            size_bytes=directory_size(snap.path),
            path=str(snap.path),
            engine=m.engine,
            collection=m.collection,
            scorers=self.ranker.scorers(),
            deciders=self.ranker.deciders(self._min_score),
            runtime=runtime_label(self._embedder),
        )


def _to_quote(snap: Snapshot, passage: Passage, confidence: float | None, terms: list[str]) -> Quote:
    data = snap.data
    article = data.articles[passage.article_row]
    first, last = int(data.sentences[passage.first, 1]), int(data.sentences[passage.last - 1, 2])
    best_start, best_end = int(data.sentences[passage.best, 1]), int(data.sentences[passage.best, 2])
    span = bound_span(article.text, (first, last), (best_start, best_end), terms)
    start, end = span.start, span.end
    return Quote(
        text=article.text[start:end],
        article_id=article.id,
        title=article.title,
        date=article.date,
        source=article.source_label(),
        url=article.url,
        start=start,
        end=end,
        clipped_start=span.clipped_start,
        clipped_end=span.clipped_end,
        score=round(passage.score, 4),
        confidence=None if confidence is None else round(confidence, 4),
        highlight_start=max(best_start, start) - start,
        highlight_end=min(best_end, end) - start,
        also_in=[data.articles[r].title for r in passage.also_in],
        language=article.language,
    )
