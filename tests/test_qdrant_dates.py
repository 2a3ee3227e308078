"""Date filters pushed down into Qdrant: a question naming a year gets in-range candidates from deep down."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, ClassVar

import pytest
from conftest import write_corpus

from index.answer.answerer import Answerer
from index.build.builder import IndexBuilder
from index.embedding.protocol import Embedder
from index.retrieval.date_pushdown import SLOTS, with_in_range_candidates
from index.retrieval.intent import QueryIntent, read_intent
from index.retrieval.search import retrieve
from index.store.generations import Snapshot
from index.store.handle import IndexHandle
from index.store.qdrant_engine import QdrantEngine, open_engine
from index.store.qdrant_points import payload_indexes

QUESTION = "What did the council decide about the river bridge in 2019?"


def bridge_articles() -> dict[str, str]:
    """Fourteen 2022 articles that match the question closely, one 2019 article that matches it less."""
    rows = [
        {
            "id": f"bridge-2022-{n:02d}",
            "title": f"Bridge debate, part {n}",
            "date": f"2022-{1 + n % 12:02d}-10",
            "text": f"The council debated the river bridge again, session {n}. Council members said "
            "the river bridge needs repairs, and the council will decide about the bridge later.",
        }
        for n in range(14)
    ]
    rows.append(
        {
            "id": "footbridge-2019",
            "title": "New crossing approved",
            "date": "2019-06-04",
            "text": "After a short meeting the council decided to build a wooden footbridge over the river.",
        }
    )
    rows.append({"id": "weather", "title": "Storm", "date": "2019-02-01", "text": "A storm hit the coast."})
    return {"bridges.jsonl": "".join(json.dumps(row) + "\n" for row in rows)}


@pytest.fixture
def engine(tmp_path: Path) -> Any:
    """An in-process Qdrant engine under tmp_path/qindex, closed after the test."""
    made = open_engine(None, None, "newsquote", tmp_path / "qindex")
    yield made
    made.close()


def built(tmp_path: Path, embedder: Embedder, engine: QdrantEngine | None) -> Answerer:
    """The bridge corpus indexed by one engine (embedded when `engine` is None); its answerer."""
    corpus = tmp_path / "corpus"
    if not corpus.exists():
        write_corpus(corpus, bridge_articles())
    index_dir = tmp_path / ("qindex" if engine else "eindex")
    IndexBuilder(corpus, index_dir, embedder, engine=engine).build(interactive=False)
    return Answerer(IndexHandle(index_dir, embedder.name, engine=engine), embedder, min_score=0.0)


def snapshot(answerer: Answerer) -> Snapshot:
    """The answerer's loaded generation."""
    snap = answerer.handle.reload()
    assert snap is not None
    return snap


def intent(question: str) -> QueryIntent:
    """The question read as the answerer reads it."""
    return read_intent(question, dt.date(2026, 12, 5))


def article_ids(snap: Snapshot, rows: list[int]) -> list[str]:
    """The article of each chunk row."""
    return [snap.data.articles[int(snap.data.chunks[row, 0])].id for row in rows]


def test_a_year_brings_an_in_range_article_into_the_window(
    tmp_path: Path, engine: QdrantEngine, fake_embedder: Embedder
) -> None:
    embedded, served = built(tmp_path, fake_embedder, None), built(tmp_path, fake_embedder, engine)
    esnap, qsnap = snapshot(embedded), snapshot(served)
    window = served.ranker.profile("en").rerank_chunks  # the chunks the ranking scores
    vector, asked = fake_embedder.embed_query(QUESTION), intent(QUESTION)
    unfiltered = article_ids(esnap, [h.row for h in retrieve(esnap, vector, asked).hits])
    # The fixture: unfiltered, the 2019 article is not among the chunks the ranking scores.
    assert "footbridge-2019" not in unfiltered[:window]
    before = retrieve(qsnap, vector, asked).hits
    assert all(a.startswith("bridge-2022") for a in article_ids(qsnap, [h.row for h in before][:window]))
    after = with_in_range_candidates(qsnap, vector, asked, list(before), window, (1.0, 1.0))
    # Pushed down: the in-range chunks take the window's last places; every unfiltered hit stays, in order.
    assert "footbridge-2019" in article_ids(qsnap, [h.row for h in after[window - SLOTS : window]])
    assert [h.row for h in after[: window - SLOTS]] == [h.row for h in before[: window - SLOTS]]
    pushed = {h.row for h in after[:window]} - {h.row for h in before[:window]}
    assert len(pushed) == SLOTS
    assert [h.row for h in after if h.row not in pushed] == [h.row for h in before if h.row not in pushed]
    assert [h.fused for h in after] == sorted((h.fused for h in after), reverse=True)
    # The answerer does it, and ranks by the same soft adjusters: the 2019 decision is among the quotes.
    assert "footbridge-2019" in [q.article_id for q in served.ask(QUESTION).quotes]
    assert "footbridge-2019" not in [q.article_id for q in embedded.ask(QUESTION).quotes]
    assert served.ask("What did the council decide about the river bridge?").quotes[0].article_id != (
        "footbridge-2019"
    )  # without the year, nothing is pushed down


def test_no_request_without_a_range_or_an_article_in_it(
    tmp_path: Path, engine: QdrantEngine, fake_embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    served = built(tmp_path, fake_embedder, engine)
    client = engine.connection.client
    batches: list[int] = []
    real = client.query_batch_points
    monkeypatch.setattr(client, "query_batch_points", lambda *a, **k: (batches.append(1), real(*a, **k))[1])
    for question in (
        "What did the council decide about the river bridge?",  # no year
        "What did the council decide about the river bridge in 1850?",  # no article dated then
        "What did the council decide about the river bridge in 2022?",  # in-range hits already first
        "What did the council decide about the river bridge since 2019?",  # 2019 onwards: 2022 too
    ):
        served.ask(question)
    assert batches == []
    served.ask(QUESTION)
    assert batches == [1]  # both filtered searches in one request
    before = served.ask("What did the council decide about the river bridge before 2020?")
    assert batches == [1, 1] and "footbridge-2019" in [q.article_id for q in before.quotes]


def test_a_server_collection_gets_the_date_payload_index(tmp_path: Path) -> None:
    from qdrant_client import QdrantClient

    from index.store.qdrant_connection import QdrantConnection

    class Recording(QdrantClient):
        """The in-process client, recording the payload indexes a server would be asked for."""

        indexes: ClassVar[dict[str, Any]] = {}

        def create_payload_index(self, collection_name: str, field_name: str, **kwargs: Any) -> Any:
            self.indexes[field_name] = kwargs["field_schema"]

    connection = QdrantConnection("http://qdrant.invalid:6333", None, tmp_path / "unused")
    connection._client = Recording(":memory:")  # as if the server had answered the version check
    QdrantEngine(connection)._create("newsquote__gen-x", 8)
    from qdrant_client import models

    assert Recording.indexes == payload_indexes()
    assert Recording.indexes["date"] == models.PayloadSchemaType.DATETIME
