"""The benchmark scripts measure what the product runs: the build's own texts, the real ranking pipeline."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bench.common import bench_ranker
from bench.run import embedding_texts
from index.answer.answerer import Answerer
from index.build.builder import IndexBuilder
from index.embedding.hashing import HashingEmbedder
from index.embedding.protocol import Embedder, ProgressFn
from index.errors import RankerError
from index.ranking.e5_profiles import E5_EMBEDDER


class RecordingEmbedder(HashingEmbedder):
    """The hashing embedder, keeping every document text it was given."""

    def __init__(self, dimension: int) -> None:
        super().__init__(dimension)
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        """Record, then embed."""
        self.texts += list(texts)
        return super().embed(texts, progress)


def test_raw_encode_runs_on_the_texts_the_build_embeds(tmp_path: Path) -> None:
    # The pipeline/raw ratio only means something if both encode the same texts: sentences as embedded
    # (one opening with "She" gets its antecedent's name) and the chunk windows with title and date.
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = (
        "Marta Moreau won the regional election in Lyon on Sunday. She promised a new tram line by 2027. "
        "The council approved the budget after a long debate.\n\nThe opposition called the plan too costly."
    )
    row = {"id": "a1", "title": "Moreau wins in Lyon", "date": "2024-05-02", "text": text}
    (corpus / "news.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    recorder = RecordingEmbedder(64)
    IndexBuilder(corpus, tmp_path / "index", recorder).build(interactive=False)
    assert any(t.endswith(": She promised a new tram line by 2027.") for t in recorder.texts)
    assert sorted(embedding_texts(corpus, 1.0)) == sorted(recorder.texts)


def test_synthetic_vectors_are_ranked_by_the_question_model_pipeline_unchecked(
    tiny_answerer: Answerer, fake_embedder: Embedder
) -> None:
    # bench.serve stores hashed vectors but asks with e5: its trained profiles must still run (timing).
    ranker = bench_ranker(E5_EMBEDDER, fake_embedder.name)
    assert ranker.profiles.embedder == E5_EMBEDDER and not ranker.profiles.model_files
    answer = Answerer(tiny_answerer.handle, fake_embedder, ranker=ranker).ask("When did Etna erupt?")
    assert answer.quotes


def test_the_real_model_keeps_the_provenance_check(tiny_answerer: Answerer, fake_embedder: Embedder) -> None:
    checked = bench_ranker(E5_EMBEDDER, E5_EMBEDDER)
    with pytest.raises(RankerError):
        Answerer(tiny_answerer.handle, fake_embedder, ranker=checked).ask("When did Etna erupt?")
