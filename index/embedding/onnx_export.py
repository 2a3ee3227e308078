"""One-off export of a sentence-transformers model to ONNX (needs torch: builds do it, questions never)."""

from __future__ import annotations

import json
import logging
import os
import uuid
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from index.errors import EmbedderError

log = logging.getLogger(__name__)

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
META_FILE = "meta.json"
# Bump when the exported graph changes, so cached exports are made again.
EXPORT_VERSION = 1
_OPSET = 17


class NotExportable(EmbedderError):
    """The model is not a plain transformer + mean pooling that the ONNX path reproduces."""


def export_model(st_model: Any, target: Path, quantize: bool = False) -> Path:
    """Write model.onnx (pooled, L2-normalised output), tokenizer.json and meta.json into `target`."""
    bert, tokenizer, max_len = _parts(st_model)

    def write(folder: Path) -> None:
        try:
            _export_graph(bert, tokenizer, folder / MODEL_FILE)
            if quantize:
                _quantize(folder / MODEL_FILE)
        except Exception as exc:  # torch.onnx and the quantizer raise many types; all mean "not exportable"
            raise NotExportable(f"the ONNX export failed: {type(exc).__name__}: {exc}") from exc
        tokenizer.backend_tokenizer.save(str(folder / TOKENIZER_FILE))
        meta = {"max_seq_length": max_len, "dimension": int(st_model.get_embedding_dimension())}
        (folder / META_FILE).write_text(json.dumps(meta | {"version": EXPORT_VERSION}), encoding="utf-8")

    return write_atomically(target, write)


def write_atomically(target: Path, write: Callable[[Path], None]) -> Path:
    """Let `write` fill a temporary folder beside `target`, then rename it: readers see all of it or none."""
    tmp = target.parent / f".tmp-{target.name}-{uuid.uuid4().hex[:8]}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.mkdir()
    except OSError as exc:  # a read-only index folder, or a file where the folder should be
        raise EmbedderError(f"Could not write the ONNX export to {target}: {exc}") from exc
    try:
        write(tmp)
        os.replace(tmp, target)
    except OSError as exc:
        # ENOTEMPTY: another process exported the same model first, which is as good.
        if not (target / MODEL_FILE).exists():
            raise EmbedderError(f"Could not write the ONNX export to {target}: {exc}") from exc
    finally:
        _remove_tree(tmp)
    return target


def _parts(st_model: Any) -> tuple[Any, Any, int]:
    """The transformer, its fast tokenizer and max length; refuses what the ONNX path cannot reproduce."""
    modules = list(st_model)
    kinds = [type(m).__name__ for m in modules]
    if kinds[:2] != ["Transformer", "Pooling"] or any(k != "Normalize" for k in kinds[2:]):
        raise NotExportable(f"modules {kinds} are not Transformer, Pooling[, Normalize]")
    mode = modules[1].get_config_dict().get("pooling_mode")
    if mode != "mean":
        raise NotExportable(f"pooling is {mode!r}, not mean")
    tokenizer = st_model.tokenizer
    if not getattr(tokenizer, "is_fast", False):
        raise NotExportable("the model has no fast (tokenizers) tokenizer")
    bert = modules[0].auto_model
    return bert, tokenizer, int(st_model.max_seq_length)


def _export_graph(bert: Any, tokenizer: Any, path: Path) -> None:
    import torch

    class Pooled(torch.nn.Module):
        """The transformer followed by attention-masked mean pooling and L2 normalisation."""

        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2.0, dim=1)

    # Eager attention: SDPA's mask handling has data-dependent shortcuts that tracing would freeze.
    previous = bert.config._attn_implementation
    bert.config._attn_implementation = "eager"
    # A padded example, so that the traced graph keeps the attention mask path.
    texts = ["a padded example", "a somewhat longer example sentence"]
    sample = tokenizer(texts, padding=True, return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    try:
        trace_to_onnx(Pooled(bert).eval(), tuple(sample[n] for n in names), names, "sentence_embedding", path)
    finally:
        bert.config._attn_implementation = previous


def trace_to_onnx(module: Any, sample: tuple[Any, ...], names: list[str], output: str, path: Path) -> None:
    """Trace `module` on `sample` into an ONNX file whose batch and token axes stay free."""
    import torch

    axes = {name: {0: "batch", 1: "tokens"} for name in names} | {output: {0: "batch"}}
    # The tracer's warnings are about shape checks that are constant for these models; not for users.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            sample,
            str(path),
            input_names=names,
            output_names=[output],
            dynamic_axes=axes,
            opset_version=_OPSET,
            dynamo=False,  # the torch.export path needs onnxscript and fails on this model's masking code
        )


def _quantize(path: Path) -> None:
    """Dynamic int8 quantisation of the weights in place."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out = path.with_name("model.int8.onnx")
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantiser logs one line per tensor on the root logger
    try:
        quantize_dynamic(
            str(path),
            str(out),
            weight_type=QuantType.QInt8,
            per_channel=True,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
    finally:
        root.setLevel(level)
    os.replace(out, path)


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
