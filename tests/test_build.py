"""Index builds: summary, incremental updates, atomic swaps, locking, manifest checks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, write_corpus

from index.build.builder import IndexBuilder
from index.embedding.hashing import HashingEmbedder
from index.errors import IndexLocked, IndexMismatch
from index.models import BuildSummary
from index.store.generations import build_lock, generation_path, load_snapshot
from index.store.handle import IndexHandle
from index.store.manifest import FORMAT_VERSION, MANIFEST_NAME
from index.text.sentences import SPLITTER_VERSION


class CountingEmbedder(HashingEmbedder):
    """Counts the texts it embeds, to prove what an incremental build re-embeds."""

    def __init__(self) -> None:
        super().__init__(256)
        self.embedded: list[str] = []

    def embed(self, texts, progress=None):  # type: ignore[no-untyped-def]
        self.embedded.extend(texts)
        return super().embed(texts, progress)


def built_generation(builder: IndexBuilder) -> Path:
    """Build, and return the generation folder `current` now points to."""
    builder.build(interactive=False)
    path = generation_path(builder.index_dir)
    assert path is not None
    return path


def test_first_build_summary_counts_everything(
    tiny_corpus: Path, make_builder: Callable[..., IndexBuilder]
) -> None:
    (tiny_corpus / "broken.txt").write_bytes(b"\xff\xfe not utf-8")
    (tiny_corpus / "copy.txt").write_text((tiny_corpus / "volcano.txt").read_text())
    summary = make_builder(tiny_corpus).build(interactive=False)
    assert (summary.added, summary.changed, summary.removed, summary.articles) == (3, 0, 0, 3)
    assert summary.duplicates == 1
    assert [s.path for s in summary.skipped] == ["broken.txt"]
    assert "UTF-8" in summary.skipped[0].reason
    assert summary.chunks > 0 and summary.embedded_chunks == summary.chunks
    assert "3 added" in summary.describe() and "1 skipped" in summary.describe()


def test_manifest_records_build_parameters(
    tiny_corpus: Path, make_builder: Callable[..., IndexBuilder]
) -> None:
    path = built_generation(make_builder(tiny_corpus))
    manifest = json.loads((path / MANIFEST_NAME).read_text())
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["model"] == "hashing:256" and manifest["dimension"] == 256
    assert manifest["chunking"]["max_sentences"] >= 1
    assert set(manifest["article_hashes"]) == {"volcano", "budget", "final-2022"}
    assert manifest["articles"] == 3 and manifest["chunks"] > 0 and manifest["built_at"]


def test_rebuild_embeds_only_new_and_changed_articles(tmp_path: Path, tiny_corpus: Path) -> None:
    embedder = CountingEmbedder()
    builder = IndexBuilder(tiny_corpus, tmp_path / "index", embedder)
    builder.build(interactive=False)
    again = builder.build(interactive=False)
    assert again.up_to_date and again.embedded_chunks == 0

    embedder.embedded.clear()
    (tiny_corpus / "volcano.txt").write_text(" date 2024-03-03 Etna erupted again on Monday.")
    (tiny_corpus / "budget.md").unlink()
    write_corpus(tiny_corpus, {"new.txt": "A new bridge opened in Porto on Friday."})
    summary = builder.build(interactive=False)
    assert (summary.added, summary.changed, summary.removed, summary.unchanged) == (1, 1, 1, 1)
    assert all("Porto" in t or "Etna" in t for t in embedder.embedded)
    snap = load_snapshot(generation_path(builder.index_dir))  # type: ignore[arg-type]
    assert sorted(a.id for a in snap.data.articles) == ["final-2022", "new", "volcano"]


def test_index_from_an_older_sentence_splitter_is_resplit_reusing_vectors(
    tmp_path: Path, tiny_corpus: Path
) -> None:
    embedder = CountingEmbedder()
    builder = IndexBuilder(tiny_corpus, tmp_path / "index", embedder)
    manifest_path = built_generation(builder) / MANIFEST_NAME
    manifest = json.loads(manifest_path.read_text())
    assert manifest["splitter"] == SPLITTER_VERSION
    manifest.pop("splitter")  # as written before the splitter had a version
    manifest_path.write_text(json.dumps(manifest))
    embedder.embedded.clear()
    summary = builder.build(interactive=False)
    assert not summary.up_to_date and summary.articles == 3
    assert embedder.embedded == []  # the texts did not change, so their vectors are reused
    rebuilt = json.loads((generation_path(builder.index_dir) / MANIFEST_NAME).read_text())  # type: ignore[operator]
    assert rebuilt["splitter"] == SPLITTER_VERSION


def test_incremental_index_equals_full_rebuild(tmp_path: Path, tiny_corpus: Path) -> None:
    builder = IndexBuilder(tiny_corpus, tmp_path / "index", HashingEmbedder(256))
    builder.build(interactive=False)
    write_corpus(tiny_corpus, {"new.txt": "A new bridge opened in Porto on Friday. It cost 30 million."})
    builder.build(interactive=False)
    incremental = load_snapshot(generation_path(builder.index_dir))  # type: ignore[arg-type]
    builder.build(full=True, interactive=False)
    full = load_snapshot(generation_path(builder.index_dir))  # type: ignore[arg-type]
    assert np.array_equal(incremental.data.chunks, full.data.chunks)
    assert np.array_equal(incremental.data.sentences, full.data.sentences)
    assert np.allclose(incremental.data.chunk_vectors, full.data.chunk_vectors, atol=1e-3)


def test_second_build_refuses_while_one_holds_the_lock(
    tiny_corpus: Path, make_builder: Callable[..., IndexBuilder]
) -> None:
    builder = make_builder(tiny_corpus)
    with build_lock(builder.index_dir), pytest.raises(IndexLocked, match="Another build is running"):
        builder.build(interactive=False)


def test_index_built_with_another_model_is_refused(
    tiny_corpus: Path, make_builder: Callable[..., IndexBuilder]
) -> None:
    builder = make_builder(tiny_corpus)
    builder.build(interactive=False)
    handle = IndexHandle(builder.index_dir, "sentence-transformers/all-MiniLM-L6-v2")
    with pytest.raises(IndexMismatch, match="EMBEDDING_MODEL"):
        handle.snapshot()
    assert builder.has_index()
    # So the bot's start-up builds again instead of serving nothing (e.g. after the default backend changed).
    assert not make_builder(tiny_corpus, HashingEmbedder(64)).has_index()


def test_other_format_version_says_rebuild(
    tiny_corpus: Path, make_builder: Callable[..., IndexBuilder]
) -> None:
    path = built_generation(make_builder(tiny_corpus))
    manifest = json.loads((path / MANIFEST_NAME).read_text())
    manifest["format_version"] = 0
    (path / MANIFEST_NAME).write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatch, match="rebuild"):
        load_snapshot(path)


_SLOW_BUILD = """
import sys, time
from pathlib import Path
from index.build.builder import IndexBuilder
from index.embedding.hashing import HashingEmbedder

class Slow(HashingEmbedder):
    def embed(self, texts, progress=None):
        print("embedding", flush=True)
        time.sleep(60)
        return super().embed(texts, progress)

IndexBuilder(Path(sys.argv[1]), Path(sys.argv[2]), Slow(256)).build(interactive=False)
"""


def test_killed_build_leaves_previous_index_loadable(tmp_path: Path, tiny_corpus: Path) -> None:
    builder = IndexBuilder(tiny_corpus, tmp_path / "index", HashingEmbedder(256))
    builder.build(interactive=False)
    before = generation_path(builder.index_dir)
    write_corpus(tiny_corpus, {"new.txt": "A new bridge opened in Porto on Friday."})
    proc = subprocess.Popen(
        [sys.executable, "-c", _SLOW_BUILD, str(tiny_corpus), str(builder.index_dir)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "embedding"
        with pytest.raises(IndexLocked):  # the running build holds the lock
            builder.build(interactive=False)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert generation_path(builder.index_dir) == before
    assert load_snapshot(before).manifest.articles == 3  # type: ignore[arg-type]
    summary = builder.build(interactive=False)  # the lock died with the process
    assert summary.added == 1


def test_hot_reload_serves_old_index_until_new_one_is_loaded(tmp_path: Path, tiny_corpus: Path) -> None:
    builder = IndexBuilder(tiny_corpus, tmp_path / "index", HashingEmbedder(256))
    builder.build(interactive=False)
    handle = IndexHandle(builder.index_dir, "hashing:256", check_interval=0.0)
    first = handle.snapshot()
    assert first is not None and first.manifest.articles == 3
    write_corpus(tiny_corpus, {"new.txt": "A new bridge opened in Porto on Friday."})
    builder.build(interactive=False)
    deadline = time.monotonic() + 20
    while (snap := handle.snapshot()) is not None and snap.manifest.articles == 3:
        assert time.monotonic() < deadline, "the new index was never picked up"
        time.sleep(0.05)
    assert snap is not None and snap.manifest.articles == 4


class _CountingEmbedder(HashingEmbedder):
    """Records the size of every embed call."""

    def __init__(self) -> None:
        super().__init__(256)
        self.calls: list[int] = []

    def embed(self, texts, progress=None):  # type: ignore[no-untyped-def]
        self.calls.append(len(texts))
        return super().embed(texts, progress)


def test_big_builds_embed_in_bounded_slices(
    tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from index.build import builder as build

    whole = IndexBuilder(tiny_corpus, tmp_path / "whole", HashingEmbedder(256))
    whole.build(interactive=False)
    monkeypatch.setattr(build, "EMBED_SLICE", 3)
    counting = _CountingEmbedder()
    sliced = IndexBuilder(tiny_corpus, tmp_path / "sliced", counting)
    sliced.build(interactive=False)
    assert len(counting.calls) > 1 and max(counting.calls) <= 3
    a = load_snapshot(generation_path(tmp_path / "whole")).data  # type: ignore[arg-type]
    b = load_snapshot(generation_path(tmp_path / "sliced")).data  # type: ignore[arg-type]
    np.testing.assert_array_equal(np.asarray(a.chunk_vectors), np.asarray(b.chunk_vectors))
    np.testing.assert_array_equal(np.asarray(a.sentence_vectors), np.asarray(b.sentence_vectors))


def test_summary_says_how_many_chunks_an_incremental_build_embedded() -> None:
    full = BuildSummary(up_to_date=False, added=2, articles=2, chunks=400, embedded_chunks=400, seconds=2.0)
    assert full.describe().endswith("in 2.0s (200 chunks/s).")
    # The rate is over the embedding itself: loading the model took most of these 20 seconds.
    loaded = full.model_copy(update={"seconds": 20.0, "embed_seconds": 2.0})
    assert loaded.describe().endswith("in 20.0s (200 chunks/s).")
    # A first build of a few articles is mostly the model's loading: a count, not a rate.
    small = BuildSummary(up_to_date=False, added=2, articles=2, chunks=20, embedded_chunks=20, seconds=9.0)
    assert small.describe().endswith("in 9.0s (20 chunks embedded).")
    partial = BuildSummary(
        up_to_date=False, changed=1, unchanged=9, articles=10, chunks=400, embedded_chunks=3
    )
    assert "(3 chunks embedded, the rest reused)" in partial.describe()
    assert "chunks/s" not in partial.describe()
