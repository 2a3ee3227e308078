"""The ONNX Runtime embedder: backend choice, fallback to PyTorch, same vectors as sentence-transformers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from index.embedding.factory import make_embedder, model_cache_dir
from index.embedding.hashing import HashingEmbedder
from index.embedding.onnx import INT8_SUFFIX, OnnxEmbedder, export_folder
from index.embedding.sentence_transformer import SentenceTransformerEmbedder
from index.errors import EmbedderError
from index.settings import MINILM_MODEL
from tests.conftest import SEED_CORPUS, TINY_ARTICLES

REPO = Path(__file__).resolve().parent.parent

SPANISH = [
    "El Banco Central subió los tipos de interés por tercera vez este año.",
    "¿Qué ganó Osorio con Nacional?",
    "La alcaldesa inauguró el nuevo puente sobre el río Magdalena el pasado martes.",
    "Según el informe, la inflación cerró en el 4,2 % interanual, por debajo de lo previsto.",
    "Los bomberos tardaron seis horas en controlar el incendio forestal cerca de Valparaíso.",
]
ODD = ["a", "", "   ", "¿?", "2024-03-02", "COVID-19: 1.234.567 casos", "naïve café 🙂 “quoted”", "x " * 600]


def varied_texts() -> list[str]:
    """Several hundred texts: sentences, windows, paragraphs, whole articles (past 256 tokens), EN and ES."""
    articles = [p.read_text(encoding="utf-8") for p in sorted(SEED_CORPUS.iterdir()) if p.is_file()]
    articles += list(TINY_ARTICLES.values())
    squad = json.loads((REPO / "tests" / "fixtures" / "tiny_squad.json").read_text(encoding="utf-8"))
    for entry in squad["data"]:
        for para in entry["paragraphs"]:
            articles.append(para["context"])
            articles += [qa["question"] for qa in para["qas"]]
    texts: list[str] = [*SPANISH, *ODD, *articles]
    for article in articles:
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", article) if s.strip()]
        texts += [" ".join(sentences[i : i + n]) for n in (1, 2, 3, 5, 12) for i in range(len(sentences))]
        texts += [p for p in article.split("\n\n") if p.strip()]
    return texts


def test_hashing_and_torch_backends_are_unchanged(tmp_path: Path) -> None:
    assert isinstance(make_embedder("hashing:64", backend="onnx", cache_dir=tmp_path), HashingEmbedder)
    assert isinstance(make_embedder(MINILM_MODEL, backend="torch"), SentenceTransformerEmbedder)
    assert isinstance(make_embedder(MINILM_MODEL, backend="auto"), SentenceTransformerEmbedder)
    auto = make_embedder(MINILM_MODEL, backend="auto", cache_dir=tmp_path)
    assert isinstance(auto, OnnxEmbedder)
    assert auto.name == MINILM_MODEL  # exact fp32: int8 is opt-in (it costs ~1 point of @1)
    again = make_embedder(auto.name, backend="auto", cache_dir=tmp_path)  # as read from a manifest
    assert isinstance(again, OnnxEmbedder)
    assert again.name == auto.name
    assert again.folder == auto.folder
    other = make_embedder("/models/other", backend="auto", cache_dir=tmp_path)
    assert isinstance(other, OnnxEmbedder)
    assert other.name == "/models/other"  # other models: exact fp32 export, falling back to PyTorch
    with pytest.raises(EmbedderError, match="EMBEDDING_BACKEND"):
        make_embedder(MINILM_MODEL, backend="tensorflow", cache_dir=tmp_path)


def test_int8_is_named_apart_and_exports_are_keyed(tmp_path: Path) -> None:
    fp32 = OnnxEmbedder(MINILM_MODEL, tmp_path)
    int8 = OnnxEmbedder("all-MiniLM-L6-v2", tmp_path, quantized=True)
    assert fp32.name == MINILM_MODEL  # fp32 vectors equal the model's: existing indexes stay valid
    assert int8.name == MINILM_MODEL + INT8_SUFFIX
    assert fp32.folder != int8.folder
    assert export_folder(tmp_path, "all-MiniLM-L6-v2", False) == fp32.folder  # aliases share one export
    assert model_cache_dir(tmp_path / "index") == tmp_path / "index" / "models"


def test_auto_falls_back_to_the_torch_path_when_the_model_cannot_be_exported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake = HashingEmbedder(32)  # stands in for PyTorch: it has no sentence-transformers model to export
    embedder = OnnxEmbedder(MINILM_MODEL, tmp_path, fallback=True, torch_embedder=fake)
    assert embedder.backend == "torch"
    assert "not a sentence-transformers model" in caplog.text
    np.testing.assert_array_equal(embedder.embed_query("goal"), fake.embed_query("goal"))
    np.testing.assert_array_equal(embedder.embed(["a", "b c"]), fake.embed(["a", "b c"]))
    assert embedder.dimension == 32


def test_onnx_without_fallback_says_why_it_failed(tmp_path: Path) -> None:
    embedder = OnnxEmbedder(MINILM_MODEL, tmp_path, torch_embedder=HashingEmbedder(32))
    with pytest.raises(EmbedderError, match="not a sentence-transformers model"):
        embedder.embed_query("goal")


@pytest.mark.model
def test_onnx_vectors_equal_sentence_transformers(
    real_embedder: SentenceTransformerEmbedder, onnx_embedder: OnnxEmbedder
) -> None:
    texts = varied_texts()
    assert len(texts) >= 300
    assert sum(len(t.split()) > 256 for t in texts) >= 10  # truncation is exercised
    assert onnx_embedder.backend == "onnx"
    expected = real_embedder.embed(texts)
    got = onnx_embedder.embed(texts)  # also checks that length-sorted batches come back in input order
    cosines = (expected * got).sum(axis=1)
    assert cosines.min() >= 0.999, texts[int(cosines.argmin())][:80]
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    for text in [*SPANISH, *ODD, texts[-1]]:
        assert float(real_embedder.embed_query(text) @ onnx_embedder.embed_query(text)) >= 0.999


@pytest.mark.model
def test_a_cached_export_is_reused_without_torch(onnx_embedder: OnnxEmbedder) -> None:
    class NoTorch(HashingEmbedder):
        def raw_model(self) -> object:
            raise AssertionError("the export should come from the cache")

    again = OnnxEmbedder(MINILM_MODEL, onnx_embedder.folder.parent, torch_embedder=NoTorch(8))
    assert again.backend == "onnx"
    assert float(again.embed_query("goal") @ onnx_embedder.embed_query("goal")) > 0.99999


@pytest.mark.model
def test_int8_vectors_stay_close_to_sentence_transformers(
    real_embedder: SentenceTransformerEmbedder, onnx_embedder: OnnxEmbedder
) -> None:
    int8 = OnnxEmbedder(
        MINILM_MODEL, onnx_embedder.folder.parent, quantized=True, torch_embedder=real_embedder
    )
    texts = varied_texts()[::3]
    cosines = (real_embedder.embed(texts) * int8.embed(texts)).sum(axis=1)
    # Quantised weights move vectors a little (retrieval quality in bench/README.md); never far.
    assert cosines.min() >= 0.95
    assert float(np.median(cosines)) >= 0.99
