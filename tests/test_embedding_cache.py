"""The embedding cache: a rebuild never embeds a text whose vector the previous generation holds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from conftest import TINY_ARTICLES, write_corpus

from index.build.builder import IndexBuilder
from index.embedding.cache import VectorCache, text_keys
from index.embedding.hashing import HashingEmbedder
from index.store.generations import generation_path, load_snapshot, read_terms


class CountingEmbedder(HashingEmbedder):
    """Remembers every text it was asked to embed."""

    def __init__(self) -> None:
        super().__init__(64)
        self.embedded: list[str] = []

    def embed(self, texts, progress=None):  # type: ignore[no-untyped-def]
        self.embedded.extend(texts)
        return super().embed(texts, progress)


def test_text_keys_are_stable_and_distinct() -> None:
    keys = text_keys(["a", "b", "a"])
    assert keys.dtype == np.uint64
    assert keys[0] == keys[2] != keys[1]
    assert text_keys(["a"])[0] == keys[0]


def test_cache_fills_known_rows_and_reports_missing() -> None:
    vectors = np.eye(3, dtype=np.float16)
    cache = VectorCache([text_keys(["x", "y", "z"])], [vectors])
    out = np.zeros((2, 3), dtype=np.float32)
    missing = cache.fill(text_keys(["z", "new"]), out)
    assert missing.tolist() == [1]
    assert out[0].tolist() == [0, 0, 1]


def test_full_rebuild_embeds_nothing_again(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", TINY_ARTICLES)
    embedder = CountingEmbedder()
    builder = IndexBuilder(corpus, tmp_path / "index", embedder)
    builder.build(interactive=False)
    first = load_snapshot(generation_path(tmp_path / "index"))  # type: ignore[arg-type]
    embedder.embedded.clear()
    builder.build(full=True, interactive=False)
    assert embedder.embedded == []
    again = load_snapshot(generation_path(tmp_path / "index"))  # type: ignore[arg-type]
    assert np.array_equal(first.data.chunk_vectors, again.data.chunk_vectors)
    assert np.array_equal(first.data.sentence_keys, again.data.sentence_keys)


def test_changed_article_embeds_only_its_new_texts(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", TINY_ARTICLES)
    embedder = CountingEmbedder()
    builder = IndexBuilder(corpus, tmp_path / "index", embedder)
    builder.build(interactive=False)
    embedder.embedded.clear()
    volcano = corpus / "volcano.txt"
    volcano.write_text(volcano.read_text() + "\n\nA new paragraph about the lava flow.", encoding="utf-8")
    builder.build(interactive=False)
    assert "A new paragraph about the lava flow." in embedder.embedded
    # Unchanged sentences of the changed article come from the cache.
    assert "Officials said no one was hurt." not in embedder.embedded
    assert len(embedder.embedded) <= 3


def test_rebuild_reuses_stored_bm25_terms(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", TINY_ARTICLES)
    builder = IndexBuilder(corpus, tmp_path / "index", CountingEmbedder())
    builder.build(interactive=False)
    first = generation_path(tmp_path / "index")
    assert first is not None
    stored = read_terms(first / "terms")
    assert stored is not None and len(stored) == load_snapshot(first).manifest.chunks
    volcano = corpus / "volcano.txt"
    volcano.write_text(volcano.read_text() + "\n\nLava reached the sea.", encoding="utf-8")
    builder.build(interactive=False)
    reused = read_terms(generation_path(tmp_path / "index") / "terms")  # type: ignore[operator]
    builder.build(full=True, interactive=False)  # analyses every chunk afresh
    fresh = read_terms(generation_path(tmp_path / "index") / "terms")  # type: ignore[operator]
    assert reused is not None and reused == fresh
    assert any("lava" in doc for doc in reused)
