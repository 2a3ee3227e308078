"""The index handle follows rebuilds: the very next question after a build is answered from the new index."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest
from conftest import write_corpus

from index.build.builder import IndexBuilder
from index.embedding.hashing import HashingEmbedder
from index.services import build_services
from index.settings import CoreSettings
from index.store.generations import Snapshot, generation_path, load_snapshot
from index.store.handle import IndexHandle

BRIDGE = {"bridge.txt": " date 2024-05-01 A new bridge over the Douro opened in Porto on Friday."}


def test_the_question_right_after_a_build_is_answered_from_the_new_index(
    tiny_corpus: Path, tmp_path: Path
) -> None:
    # The CLI's wiring (build_services), as `python -m index build` then a question in the running prompt.
    settings = CoreSettings(
        corpus_dir=tiny_corpus, index_dir=tmp_path / "index", embedding_model="hashing:256", min_score=0.2
    )
    services = build_services(settings)
    services.builder.build(interactive=False)
    assert "bridge" not in str(services.answerer.ask("Where did the new bridge open?").quotes[:1])
    write_corpus(tiny_corpus, BRIDGE)
    services.builder.build(interactive=False)
    answer = services.answerer.ask("Where did the new bridge open?")
    assert answer.quotes[0].article_id == "bridge"
    services.handle.close()


def test_a_build_in_another_process_is_seen_by_the_next_question(tiny_corpus: Path, tmp_path: Path) -> None:
    builder = IndexBuilder(tiny_corpus, tmp_path / "index", HashingEmbedder(256))
    builder.build(interactive=False)
    handle = IndexHandle(builder.index_dir, "hashing:256", check_interval=60.0)  # no watcher, no interval
    first = handle.snapshot()
    assert first is not None and first.manifest.articles == 3
    write_corpus(tiny_corpus, BRIDGE)
    IndexBuilder(tiny_corpus, tmp_path / "index", HashingEmbedder(256)).build(interactive=False)
    snap = handle.snapshot()
    assert snap is not None and snap.manifest.articles == 4


def test_the_watcher_loads_a_new_generation_before_any_question(tiny_corpus: Path, tmp_path: Path) -> None:
    builder = IndexBuilder(tiny_corpus, tmp_path / "index", HashingEmbedder(256))
    builder.build(interactive=False)
    handle = IndexHandle(builder.index_dir, "hashing:256", check_interval=0.05, watch=True)
    handle.reload()
    write_corpus(tiny_corpus, BRIDGE)
    builder.build(interactive=False)
    new = generation_path(builder.index_dir)
    deadline = time.monotonic() + 30
    while (loaded := handle.loaded()) is None or loaded.path != new:  # nobody asks: the watcher loads it
        assert time.monotonic() < deadline, "the watcher never loaded the new generation"
        time.sleep(0.02)
    handle.close()


def _blocking_loads(
    monkeypatch: pytest.MonkeyPatch, handle: IndexHandle, gate: threading.Event, started: threading.Event
) -> None:
    """The handle's loads of any generation but the first wait for `gate` (builds load as usual)."""
    calls = 0

    def load(path: Path) -> Snapshot:
        nonlocal calls
        calls += 1
        if calls > 1:
            started.set()
            gate.wait(30)
        return load_snapshot(path)

    monkeypatch.setattr(handle.engine, "load", load)


def test_a_question_during_a_load_waits_for_the_new_index(
    tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate, started = threading.Event(), threading.Event()
    builder = IndexBuilder(tiny_corpus, tmp_path / "index", HashingEmbedder(256))
    builder.build(interactive=False)
    handle = IndexHandle(builder.index_dir, "hashing:256")
    _blocking_loads(monkeypatch, handle, gate, started)
    handle.reload()
    write_corpus(tiny_corpus, BRIDGE)
    builder.build(interactive=False)
    asked: list[Snapshot | None] = []
    question = threading.Thread(target=lambda: asked.append(handle.snapshot()))
    question.start()
    assert started.wait(30)  # the new generation is loading, the question waits
    assert not asked
    gate.set()
    question.join(30)
    assert asked[0] is not None and asked[0].manifest.articles == 4


def test_a_load_longer_than_the_bound_answers_from_the_old_index_and_says_so(
    tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    gate, started = threading.Event(), threading.Event()
    builder = IndexBuilder(tiny_corpus, tmp_path / "index", HashingEmbedder(256))
    builder.build(interactive=False)
    handle = IndexHandle(builder.index_dir, "hashing:256", load_wait=0.05)
    _blocking_loads(monkeypatch, handle, gate, started)
    handle.reload()
    write_corpus(tiny_corpus, BRIDGE)
    builder.build(interactive=False)
    with caplog.at_level(logging.WARNING, logger="index.store.handle"):
        old = handle.snapshot()
    assert old is not None and old.manifest.articles == 3
    assert any("previous index" in m for m in caplog.messages)
    gate.set()
    # A generous bound now: on a loaded machine finishing the load can take longer than the 0.05 s above.
    monkeypatch.setattr(handle, "_load_wait", 30.0)
    new = handle.snapshot()  # the load in progress finishes; this question waits for it
    assert new is not None and new.manifest.articles == 4
