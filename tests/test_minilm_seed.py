"""all-MiniLM-L6-v2, the fallback where e5's engine cannot run: its path and its profiles stay covered."""

from __future__ import annotations

import pytest

from index.answer.answerer import Answerer
from index.settings import MINILM_MODEL

pytestmark = pytest.mark.model


@pytest.mark.parametrize(
    ("question", "passage"),
    [
        # The second e5 misses today (test_quality_seed.KNOWN_MISSES); MiniLM's shipped profiles answer all.
        ("where does Osorio coach now?", "He now directs Zamalek in Egypt"),
        ("On which TV show was the Chivas rumour broadcast?", "program La Última Palabra"),
        ("what did Osorio win with Nacional?", "He won six titles with Atlético Nacional"),
    ],
)
def test_minilm_quotes_the_seed_answer_first(
    minilm_seed_answerer: Answerer, question: str, passage: str
) -> None:
    answer = minilm_seed_answerer.ask(question)
    assert answer.answered and passage in answer.quotes[0].text


def test_minilm_ranks_with_its_shipped_profiles(minilm_seed_answerer: Answerer) -> None:
    stats = minilm_seed_answerer.stats()
    assert stats is not None and stats.model == MINILM_MODEL
    assert stats.scorers == {"en": "trees", "es": "logistic (es)"}
    assert stats.model_label() == f"{MINILM_MODEL} · PyTorch (sentence-transformers)"
