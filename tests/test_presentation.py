"""The core chooses and orders the supporting quotes once, for the CLI, JSON, bot and eval alike."""

from __future__ import annotations

import dataclasses

import numpy as np

from index.answer.answerer import Answerer
from index.answer.presentation import keep_relevant, present
from index.embedding.hashing import HashingEmbedder
from index.models import Quote
from index.ranking.pipeline import RankingPipeline
from index.ranking.profiles import hand_set_profiles


def quote(article_id: str, score: float = 0.8, confidence: float | None = None) -> Quote:
    return Quote(
        text=f"Text of {article_id}.",
        article_id=article_id,
        title=article_id.upper(),
        date=None,
        source=f"{article_id}.txt",
        start=0,
        end=10,
        score=score,
        confidence=confidence,
    )


def ids(quotes: list[Quote]) -> list[str]:
    return [q.article_id for q in quotes]


def test_pages_follow_the_ranking() -> None:
    # The bot's old pager re-ordered for other articles (and never consulted its `seen` set); the list
    # every edge shows is now the ranking itself, cut for relevance: [A, B, B', C] pages as [A, B, B'], [C].
    ranked = [quote("a", 0.9), quote("b", 0.8), quote("b", 0.7), quote("c", 0.6)]
    assert ids(present(ranked, 0.4)) == ["a", "b", "b", "c"]
    assert present([], 0.4) == []


def test_weak_supporting_quotes_are_dropped() -> None:
    qs = [quote("x", 0.8), quote("y", 0.5), quote("z", 0.1)]
    assert ids(keep_relevant(qs, 0.4)) == ["x", "y"]
    assert keep_relevant([], 0.4) == []


def test_supporting_quotes_are_judged_by_confidence_when_the_core_gives_it() -> None:
    # A trained ranker's scores are peaky (0.9 vs 0.1) though both quotes are relevant (0.7 vs 0.6).
    qs = [quote("x", 0.9, 0.7), quote("y", 0.1, 0.6), quote("z", 0.05, 0.2)]
    assert ids(keep_relevant(qs, 0.4)) == ["x", "y"]
    assert ids(present(qs, 0.4)) == ["x", "y"]


def test_the_first_quotes_do_not_depend_on_how_many_are_asked_for(tiny_answerer: Answerer) -> None:
    for question in ("When did Etna erupt?", "What did the city council approve?", "Who scored?"):
        many = tiny_answerer.ask(question, 12).quotes
        assert [q.text for q in tiny_answerer.ask(question, 3).quotes] == [q.text for q in many[:3]]
        assert [q.text for q in tiny_answerer.ask(question, 1).quotes] == [q.text for q in many[:1]]


class CountingQueries(HashingEmbedder):
    """Counts the questions it embeds."""

    def __init__(self) -> None:
        super().__init__(256)
        self.queries: list[str] = []

    def embed_query(self, text: str) -> np.ndarray:
        self.queries.append(text)
        return super().embed_query(text)


def test_the_question_cache_is_keyed_on_what_is_embedded(tiny_answerer: Answerer) -> None:
    counting = CountingQueries()
    answerer = Answerer(tiny_answerer.handle, counting)
    for question in ("When did Etna erupt?", "  When did  Etna erupt? ", "WHEN DID ETNA ERUPT?"):
        answerer.ask(question)
    # Whitespace is normalised before embedding, so the second is a hit; a case change is another text.
    assert counting.queries == ["When did Etna erupt?", "WHEN DID ETNA ERUPT?"]


def test_per_snapshot_state_lives_on_the_snapshot(tiny_answerer: Answerer) -> None:
    from index.store.article_evidence import article_index

    snap = tiny_answerer.handle.snapshot()
    assert snap is not None
    built = article_index(snap)
    assert article_index(snap) is built and snap.derived("article_index", list) is built
    first, start, end = (int(x) for x in snap.data.sentences[0])
    assert snap.article_of(0) is snap.data.articles[first]
    assert snap.sentence_text(0) == snap.data.articles[first].text[start:end]


def test_each_language_profile_sets_its_own_supporting_ratio(tiny_answerer: Answerer) -> None:
    # A trained order's confidences differ by language (the Spanish logistic model is peakier), so the
    # share of the best quote's confidence a supporting quote needs is a field of the ranking profile.
    base = hand_set_profiles()

    def answerer(ratio: float, override: float | None = None) -> Answerer:
        profiles = {k: dataclasses.replace(p, supporting_ratio=ratio) for k, p in base.profiles.items()}
        ranker = RankingPipeline(dataclasses.replace(base, profiles=profiles))
        return Answerer(
            tiny_answerer.handle,
            HashingEmbedder(256),
            ranker=ranker,
            supporting_min_ratio=override,
            quote_unanswered=True,
        )

    question = "When did Etna erupt?"
    everything = answerer(0.0).ask(question, 12).quotes
    strict = answerer(1.0).ask(question, 12).quotes
    assert len(everything) > 1 and len(strict) < len(everything)
    assert all(q.confidence == strict[0].confidence for q in strict)  # only ties with the best survive
    # An explicit SUPPORTING_MIN_RATIO overrides every profile's.
    assert answerer(1.0, override=0.0).ask(question, 12).quotes == everything
    assert answerer(0.0, override=1.0).ask(question, 12).quotes == strict
