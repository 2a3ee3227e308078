"""INDEX_ENGINE=qdrant through qdrant-client's in-process mode: same rankings, alias swaps, kills, reloads."""

from __future__ import annotations

import contextlib
import http.server
import importlib.metadata
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import TINY_ARTICLES, write_corpus

from index.answer.answerer import Answerer
from index.build.builder import IndexBuilder
from index.embedding.hashing import HashingEmbedder
from index.embedding.protocol import Embedder
from index.errors import IndexLocked, IndexMismatch
from index.retrieval.search import retrieve
from index.services import make_engine
from index.settings import CoreSettings
from index.store import qdrant_engine
from index.store.engine import EmbeddedEngine
from index.store.generations import Snapshot
from index.store.handle import IndexHandle
from index.store.qdrant_connection import QdrantConnection, QdrantUnavailable
from index.store.qdrant_engine import QdrantEngine, open_engine
from index.store.qdrant_points import read_pending

QUESTIONS = [
    "When did Etna erupt?",
    "How much is the city budget?",
    "Who scored the only goal in Paris?",
    "Were flights suspended at Catania airport?",
    "What did the mayor call the vote?",
]


class Counting(HashingEmbedder):
    """Counts the texts it embeds (the vector cache must spare unchanged articles)."""

    def __init__(self) -> None:
        super().__init__(256)
        self.texts = 0

    def embed(self, texts: list[str], progress=None) -> np.ndarray:  # type: ignore[no-untyped-def]
        self.texts += len(texts)
        return super().embed(texts, progress=progress)


@pytest.fixture
def engine(tmp_path: Path) -> QdrantEngine:
    """An in-process Qdrant engine under tmp_path/qindex, closed after the test."""
    made = open_engine(None, None, "newsquote", tmp_path / "qindex")
    yield made
    made.close()


def builder_for(corpus: Path, index_dir: Path, embedder: Embedder, engine: QdrantEngine | None = None):
    """A builder with the tests' low threshold, on the given engine (embedded by default)."""
    return IndexBuilder(corpus, index_dir, embedder, engine=engine)


def qdrant_snapshot(tmp_path: Path, engine: QdrantEngine, embedder: Embedder) -> Snapshot:
    """The tiny corpus built into Qdrant; the loaded snapshot."""
    corpus = write_corpus(tmp_path / "corpus", TINY_ARTICLES)
    builder_for(corpus, tmp_path / "qindex", embedder, engine).build(interactive=False)
    snap = IndexHandle(tmp_path / "qindex", embedder.name, engine=engine).reload()
    assert snap is not None
    return snap


def test_retrieval_is_the_embedded_engines(
    tmp_path: Path, engine: QdrantEngine, fake_embedder: Embedder
) -> None:
    corpus = write_corpus(tmp_path / "corpus", TINY_ARTICLES)
    builder_for(corpus, tmp_path / "eindex", fake_embedder).build(interactive=False)
    embedded = IndexHandle(tmp_path / "eindex", fake_embedder.name).reload()
    served = qdrant_snapshot(tmp_path, engine, fake_embedder)
    assert embedded is not None and served.manifest.engine == "qdrant"
    for question in QUESTIONS:
        vector = fake_embedder.embed_query(question)
        a, b = retrieve(embedded, vector, question), retrieve(served, vector, question)
        assert [h.row for h in a.hits] == [h.row for h in b.hits], question
        assert [h.fused for h in a.hits] == pytest.approx([h.fused for h in b.hits])
        assert [h.dense for h in a.hits] == pytest.approx([h.dense for h in b.hits], abs=1e-5)
        # BM25 computed by Qdrant (our term-frequency weights x its IDF) is bm25s's score.
        assert [h.sparse for h in a.hits] == pytest.approx([h.sparse for h in b.hits], rel=1e-5)
        np.testing.assert_allclose(served.sparse.scores(a.terms), embedded.sparse.scores(a.terms), rtol=1e-5)
        np.testing.assert_allclose(served.sparse.idf(a.terms), embedded.sparse.idf(a.terms), rtol=1e-6)


def test_answers_match_the_embedded_engine(
    tmp_path: Path, engine: QdrantEngine, fake_embedder: Embedder
) -> None:
    corpus = write_corpus(tmp_path / "corpus", TINY_ARTICLES)
    builder_for(corpus, tmp_path / "eindex", fake_embedder).build(interactive=False)
    builder_for(corpus, tmp_path / "qindex", fake_embedder, engine).build(interactive=False)
    embedded = Answerer(IndexHandle(tmp_path / "eindex", fake_embedder.name), fake_embedder, min_score=0.2)
    served = Answerer(
        IndexHandle(tmp_path / "qindex", fake_embedder.name, engine=engine), fake_embedder, min_score=0.2
    )
    for question in QUESTIONS:
        a, b = embedded.ask(question), served.ask(question)
        assert [(q.article_id, q.start, q.end) for q in a.quotes] == [
            (q.article_id, q.start, q.end) for q in b.quotes
        ]
        assert [q.score for q in a.quotes] == pytest.approx([q.score for q in b.quotes], abs=1e-4)
    stats = served.stats()
    assert stats is not None and stats.engine == "qdrant" and stats.collection.startswith("newsquote__gen-")


def test_points_carry_the_payload_for_filters(
    tmp_path: Path, engine: QdrantEngine, fake_embedder: Embedder
) -> None:
    snap = qdrant_snapshot(tmp_path, engine, fake_embedder)
    points, _ = engine.connection.client.scroll(snap.manifest.collection, limit=100, with_payload=True)
    assert len(points) == snap.manifest.chunks
    volcano = next(p.payload for p in points if p.payload["article"] == "volcano")
    assert volcano["date"] == "2024-03-02T00:00:00Z" and volcano["language"] == "en"
    article = next(a for a in snap.data.articles if a.id == "volcano")
    assert "Etna" in article.text[volcano["start"] : volcano["end"]]


def point_count(engine: QdrantEngine, collection: str) -> int:
    """Points in a collection, strays included."""
    return engine.connection.client.count(collection, exact=True).count


def change_budget(corpus: Path) -> None:
    """An editor's correction: the same words, another figure."""
    text = TINY_ARTICLES["budget.md"].replace("4.2 billion", "5.1 billion")
    (corpus / "budget.md").write_text(text, encoding="utf-8")


def test_incremental_builds_update_the_served_collection_in_place(
    tmp_path: Path, engine: QdrantEngine
) -> None:
    embedder = Counting()
    corpus = write_corpus(tmp_path / "corpus", TINY_ARTICLES)
    builder = builder_for(corpus, tmp_path / "qindex", embedder, engine)
    builder.build(interactive=False)
    first, full = engine.alias_target(), embedder.texts
    written: list[int] = []
    upsert = engine._upsert
    engine._upsert = lambda c, d, s, ids, rows: (written.append(len(rows)), upsert(c, d, s, ids, rows))[1]  # type: ignore[method-assign]
    change_budget(corpus)
    summary = builder.build(interactive=False)
    assert summary.changed == 1 and summary.unchanged == 2
    assert 0 < embedder.texts - full < full  # only the changed article's texts were embedded
    budget_chunks = written[0]
    assert 0 < budget_chunks < summary.chunks  # only its points were written
    # The replaced version stays for readers of the previous generation until the next build.
    assert engine.alias_target() == first
    assert point_count(engine, first) == summary.chunks + budget_chunks
    answerer = Answerer(
        IndexHandle(tmp_path / "qindex", embedder.name, engine=engine), embedder, min_score=0.2
    )
    assert "5.1 billion" in answerer.ask("How much is the city budget?").quotes[0].text
    (corpus / "sport.jsonl").unlink()
    summary = builder.build(interactive=False)
    sport_chunks = len(read_pending(tmp_path / "qindex"))
    assert written[1:] == [0] and sport_chunks > 0
    assert point_count(engine, first) == summary.chunks + sport_chunks  # the old budget points are gone
    assert builder.build(interactive=False).up_to_date
    # A full build writes a new collection and swaps the alias; the old one goes once no kept folder names it.
    builder.build(full=True, interactive=False)
    builder.build(full=True, interactive=False)
    names = {c.name for c in engine.connection.client.get_collections().collections}
    assert first not in names and engine.alias_target() in names and len(names) == 2


def test_killed_builds_leave_the_served_index_as_it_was(
    tmp_path: Path, engine: QdrantEngine, fake_embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = write_corpus(tmp_path / "corpus", TINY_ARTICLES)
    builder = builder_for(corpus, tmp_path / "qindex", fake_embedder, engine)
    builder.build(interactive=False)
    before = engine.alias_target()
    assert before is not None
    chunks = point_count(engine, before)

    def ask() -> str:
        handle = IndexHandle(tmp_path / "qindex", fake_embedder.name, engine=engine)  # loads afresh
        return (
            Answerer(handle, fake_embedder, min_score=0.2).ask("How much is the city budget?").quotes[0].text
        )

    def killed(*args: object, **kwargs: object) -> Path:
        raise KeyboardInterrupt  # the points are in; the process dies before `current` moves

    monkeypatch.setattr(qdrant_engine, "write_side_store", killed)
    change_budget(corpus)
    for full in (False, True):
        with pytest.raises(KeyboardInterrupt):
            builder.build(full=full, interactive=False)
        assert engine.alias_target() == before
        assert [c.name for c in engine.connection.client.get_collections().collections] == [before]
        assert "4.2 billion" in ask()  # the served generation skips the points it does not know
    assert point_count(engine, before) > chunks  # the in-place attempt's strays, until the next build
    monkeypatch.undo()
    summary = builder.build(interactive=False)
    replaced = len(read_pending(tmp_path / "qindex"))  # the budget's old version, kept one build longer
    assert engine.alias_target() == before and point_count(engine, before) == summary.chunks + replaced
    assert "5.1 billion" in ask()


def test_a_running_answerer_follows_new_generations(
    tmp_path: Path, engine: QdrantEngine, fake_embedder: Embedder
) -> None:
    corpus = write_corpus(tmp_path / "corpus", TINY_ARTICLES)
    builder = builder_for(corpus, tmp_path / "qindex", fake_embedder, engine)
    builder.build(interactive=False)
    handle = IndexHandle(tmp_path / "qindex", fake_embedder.name, check_interval=0.0, engine=engine)
    answerer = Answerer(handle, fake_embedder, min_score=0.2)
    assert "4.2 billion" in answerer.ask("How much is the city budget?").quotes[0].text
    asking = threading.Event()
    errors: list[BaseException] = []

    def ask_meanwhile() -> None:
        while not asking.is_set():
            try:
                answer = answerer.ask("What did the mayor call the vote?")
                assert answer.quotes and "historic" in answer.quotes[0].text
            except BaseException as exc:  # reported by the main thread
                errors.append(exc)
                return

    worker = threading.Thread(target=ask_meanwhile)
    worker.start()
    for figure, full in (("5.1", False), ("6.3", True)):  # in place, then a new collection behind the alias
        text = TINY_ARTICLES["budget.md"].replace("4.2", figure)
        (corpus / "budget.md").write_text(text, encoding="utf-8")
        builder.build(full=full, interactive=False)
        target = engine.current(tmp_path / "qindex")
        for _ in range(500):  # the new snapshot loads in a background thread
            if (snap := handle.snapshot()) is not None and snap.path == target:
                break
            threading.Event().wait(0.01)
        assert f"{figure} billion" in answerer.ask("How much is the city budget?").quotes[0].text
    asking.set()
    worker.join()
    assert not errors


def test_migration_from_the_embedded_engine_embeds_nothing(tmp_path: Path, engine: QdrantEngine) -> None:
    embedder = Counting()
    corpus = write_corpus(tmp_path / "corpus", TINY_ARTICLES)
    builder_for(corpus, tmp_path / "qindex", embedder).build(interactive=False)  # embedded, same folder
    full = embedder.texts
    summary = builder_for(corpus, tmp_path / "qindex", embedder, engine).build(interactive=False)
    assert not summary.up_to_date and summary.embedded_chunks == 0 and embedder.texts == full
    assert engine.alias_target() is not None
    # Back to the embedded engine: a clear message, not a damaged-index error.
    with pytest.raises(IndexMismatch, match="INDEX_ENGINE=qdrant"):
        EmbeddedEngine().load(engine.current(tmp_path / "qindex"))  # type: ignore[arg-type]


def test_the_in_process_store_is_one_process_at_a_time(tmp_path: Path, engine: QdrantEngine) -> None:
    engine.alias_target()  # opens the store
    other = QdrantConnection(None, None, tmp_path / "qindex" / "qdrant")
    with pytest.raises(IndexLocked, match="QDRANT_URL"):
        _ = other.client


def test_missing_client_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "qdrant_client", None)
    with pytest.raises(ImportError, match=r"pip install -e '\.\[qdrant\]'"):
        _ = QdrantConnection(None, None, tmp_path / "q").client


def test_settings_choose_the_engine_and_hide_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INDEX_ENGINE", "qdrant")
    monkeypatch.setenv("QDRANT_URL", "http://qdrant:6333")
    monkeypatch.setenv("QDRANT_API_KEY", "s3cret-key")
    monkeypatch.setenv("QDRANT_COLLECTION", "archive")
    settings = CoreSettings(index_dir=tmp_path)
    made = make_engine(settings)
    assert (
        isinstance(made, QdrantEngine)
        and made.alias == "archive"
        and made.connection.url == "http://qdrant:6333"
    )
    assert "s3cret-key" not in repr(settings) and "s3cret-key" not in str(settings.model_dump())
    monkeypatch.setenv("INDEX_ENGINE", "embedded")
    assert isinstance(make_engine(CoreSettings(index_dir=tmp_path)), EmbeddedEngine)


def test_cli_build_ask_stats_with_qdrant(tmp_path: Path) -> None:
    write_corpus(tmp_path / "corpus", TINY_ARTICLES)
    env = {
        **os.environ,
        "EMBEDDING_MODEL": "hashing:256",
        "INDEX_DIR": str(tmp_path / "index"),
        "CORPUS_DIR": str(tmp_path / "corpus"),
        "MIN_SCORE": "0.2",
        "INDEX_ENGINE": "qdrant",
    }
    workdir = tmp_path / "work"
    workdir.mkdir()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "index", *args],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert run("build").returncode == 0
    asked = run("ask", "--json", "When did Etna erupt?")
    assert asked.returncode == 0, asked.stderr
    assert "Etna" in json.loads(asked.stdout)["quotes"][0]["text"]
    stats = run("stats")
    assert stats.returncode == 0 and "engine: qdrant (collection newsquote__gen-" in stats.stdout


@pytest.mark.model
def test_seed_questions_get_the_embedded_engines_answers(
    seed_answerer: Answerer, default_embedder: Embedder, tmp_path: Path
) -> None:
    from conftest import SEED_CORPUS
    from test_quality_seed import EXPECTED, KNOWN_MISSES

    from index.ranking.pipeline import RankingPipeline
    from index.services import ranking_profiles

    served = open_engine(None, None, "newsquote", tmp_path / "index")
    try:
        IndexBuilder(SEED_CORPUS, tmp_path / "index", default_embedder, engine=served).build(
            interactive=False
        )
        handle = IndexHandle(tmp_path / "index", default_embedder.name, engine=served)
        ranker = RankingPipeline(ranking_profiles(default_embedder.name))
        answerer = Answerer(handle, default_embedder, ranker=ranker)
        for question in EXPECTED:
            a, b = seed_answerer.ask(question), answerer.ask(question)
            assert (a.answered, [q.text for q in a.quotes]) == (b.answered, [q.text for q in b.quotes]), (
                question
            )
            assert [q.confidence for q in a.quotes] == pytest.approx(
                [q.confidence for q in b.quotes], abs=1e-3
            )
            if question not in KNOWN_MISSES:
                assert any(s in b.quotes[0].text for s in EXPECTED[question]), question
    finally:
        served.close()


def test_an_unreachable_server_is_one_clear_error(tmp_path: Path) -> None:
    # Port 9 (discard) refuses at once on 127.0.0.1: no network leaves the machine.
    down = QdrantEngine(QdrantConnection("http://127.0.0.1:9", None, tmp_path / "unused"))
    with pytest.raises(QdrantUnavailable, match="Cannot reach the Qdrant server at QDRANT_URL") as caught:
        down.current(tmp_path)
    assert "127.0.0.1" not in str(caught.value)  # the message may reach a Discord user
    # A build stops before embedding anything (it used to take the failure for "no alias yet").
    with pytest.raises(QdrantUnavailable):
        down.reusable(tmp_path)


def test_the_cli_says_one_line_when_the_server_is_down(tmp_path: Path) -> None:
    write_corpus(tmp_path / "corpus", TINY_ARTICLES)
    env = {
        **os.environ,
        "EMBEDDING_MODEL": "hashing:256",
        "INDEX_DIR": str(tmp_path / "index"),
        "CORPUS_DIR": str(tmp_path / "corpus"),
        "INDEX_ENGINE": "qdrant",
        "QDRANT_URL": "http://127.0.0.1:9",
    }
    for args in (["build"], ["ask", "When did Etna erupt?"], ["stats"]):
        done = subprocess.run(
            [sys.executable, "-m", "index", *args], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
        # (`build` logs its usual INFO lines first.)
        lines = [line for line in done.stderr.splitlines() if line.strip() and not line.startswith("INFO ")]
        assert len(lines) == 1 and "QDRANT_URL" in lines[0], done.stderr


@contextlib.contextmanager
def fake_server(status: int, body: dict[str, object]) -> Iterator[str]:
    """A local HTTP server answering every GET like a Qdrant server's root; its URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_an_incompatible_or_refusing_server_is_one_clear_error(tmp_path: Path) -> None:
    old = {"title": "qdrant - vector search engine", "version": "1.7.4"}
    with fake_server(200, old) as url, pytest.raises(QdrantUnavailable, match=r"runs 1\.7\.4.*compose\.yaml"):
        _ = QdrantConnection(url, None, tmp_path / "unused").client
    refused = {"status": {"error": "Must provide an API key"}}
    with (
        fake_server(401, refused) as url,
        pytest.raises(QdrantUnavailable, match="QDRANT_API_KEY"),
        pytest.warns(UserWarning, match="insecure"),  # qdrant-client's: a key over plain http
    ):
        _ = QdrantConnection(url, "wrong", tmp_path / "unused").client
    client_version = importlib.metadata.version("qdrant-client")
    fine = {"title": "qdrant - vector search engine", "version": client_version}
    with fake_server(200, fine) as url:
        connection = QdrantConnection(url, None, tmp_path / "unused")
        assert connection.client is not None
        connection.close()
