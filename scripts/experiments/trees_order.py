"""Shared by the experiment scripts: the quote trees' candidate order for every question of a SQuAD file."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from index.embedding.factory import make_embedder, model_cache_dir  # noqa: E402
from index.eval.run import PrefetchedEmbedder  # noqa: E402
from index.eval.squad import Dataset, EvalQuestion, load_squad  # noqa: E402
from index.ranking.model_files import shipped_profiles  # noqa: E402
from index.ranking.pipeline import RankingPipeline  # noqa: E402
from index.ranking.results import SentenceScore  # noqa: E402
from index.retrieval.intent import read_intent  # noqa: E402
from index.retrieval.search import retrieve  # noqa: E402
from index.store.generations import Snapshot  # noqa: E402
from index.store.handle import IndexHandle  # noqa: E402


def trees_order(
    dataset_path: Path, index_dir: Path
) -> tuple[Dataset, Snapshot, Iterator[tuple[EvalQuestion, str, np.ndarray, list[SentenceScore]]]]:
    """The dataset, the index, and per question: its text, its vector and the candidates in quote order."""
    dataset = load_squad(dataset_path)
    embedder = make_embedder("sentence-transformers/all-MiniLM-L6-v2", cache_dir=model_cache_dir(index_dir))
    embedder = PrefetchedEmbedder(embedder, [q.question for q in dataset.questions])
    handle = IndexHandle(index_dir, embedder.name)
    snap = handle.reload()
    assert snap is not None, f"no index in {index_dir}"
    ranker = RankingPipeline(shipped_profiles())  # the Answerer's stages, called one by one

    def each() -> Iterator[tuple[EvalQuestion, str, np.ndarray, list[SentenceScore]]]:
        for q in dataset.questions:
            text = " ".join(q.question.split())
            intent = read_intent(text, dt.date.today())
            vector = embedder.embed_query(text)
            found = retrieve(snap, vector, intent, ranker.profile(intent.language).retrieval)
            yield q, text, vector, ranker.rank(snap, intent, vector, found.hits, float("-inf")).order

    return dataset, snap, each()
