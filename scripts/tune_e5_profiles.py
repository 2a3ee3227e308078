"""Try variants of the e5 ranking profile of one language on a tuning split (eval as users see answers).

Usage (from the repository root; the index folder must hold the dataset's e5 index, e.g. a copy of
/tmp/e5/es; nothing is rebuilt when it is up to date):

    EMBEDDING_MODEL=intfloat/multilingual-e5-small PYTHONPATH=$PWD .venv/bin/python \\
        scripts/tune_e5_profiles.py /work/shared/data/es-news-dev.json @scripts/splits/es-tune.txt \\
        --lang es --index-dir /tmp/refit/es

Each variant replaces some fields of the shipped e5 profile of `--lang` (index/ranking/e5_profiles.py) and
prints @1, @3 and MRR@10 of the tuning questions. `--only` also takes variants written as fields, e.g.
`grow_ratio=0.5,supporting_ratio=0.2,rerank_chunks=8`. Only tune splits belong here: the report splits are
for the final figures.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from index.embedding.e5_engine import E5_MODEL
from index.embedding.factory import make_embedder, model_cache_dir
from index.eval.run import EvalOptions, PrefetchedEmbedder, evaluate
from index.eval.squad import expand_titles, load_squad
from index.ranking.e5_profiles import RescaledHandScorer, e5_profiles
from index.ranking.pipeline import RankingPipeline
from index.ranking.profiles import ProfileSet
from index.retrieval.search import RetrievalParams

VARIANTS: dict[str, dict[str, Any]] = {
    "shipped": {},
    "depth 5": {"rerank_chunks": 5},
    "depth 8": {"rerank_chunks": 8},
    "depth 16": {"rerank_chunks": 16},
    "grow 0.8": {"grow_ratio": 0.8},
    "grow 0.95": {"grow_ratio": 0.95},
    "fusion 2:1": {"retrieval": "2:1"},
    "fusion 1:2": {"retrieval": "1:2"},
    "depth 5, grow 0.8": {"rerank_chunks": 5, "grow_ratio": 0.8},
    "depth 5, grow 0.7": {"rerank_chunks": 5, "grow_ratio": 0.7},
    "depth 5, grow 0.8, 2:1": {"rerank_chunks": 5, "grow_ratio": 0.8, "retrieval": "2:1"},
    "e5 cos, depth 5, grow 0.8": {"order": RescaledHandScorer(), "rerank_chunks": 5, "grow_ratio": 0.8},
    "e5 cos, depth 5, grow 0.7": {"order": RescaledHandScorer(), "rerank_chunks": 5, "grow_ratio": 0.7},
    "e5 cos, d5, g0.7, 2:1": {
        "order": RescaledHandScorer(),
        "rerank_chunks": 5,
        "grow_ratio": 0.7,
        "retrieval": "2:1",
    },
    "e5 cosines": {"order": RescaledHandScorer()},
    "grow 0.7": {"grow_ratio": 0.7},
    "grow 0.5": {"grow_ratio": 0.5},
    "grow 0.3": {"grow_ratio": 0.3},
    "hand-set e5 cosines, grow 0.7": {"order": RescaledHandScorer(), "grow_ratio": 0.7},
    "e5 cosines, depth 5": {"order": RescaledHandScorer(), "rerank_chunks": 5},
    "e5 cosines, depth 8": {"order": RescaledHandScorer(), "rerank_chunks": 8},
}


def variant(base: ProfileSet, language: str, changes: dict[str, Any]) -> ProfileSet:
    """`base` with the profile of `language` changed."""
    profile = base.profiles[language]
    changes = dict(changes)
    if isinstance(changes.get("retrieval"), str):
        dense, sparse = (float(w) for w in changes["retrieval"].split(":"))
        changes["retrieval"] = RetrievalParams(
            fusion_weights=(dense, sparse), article_blend=profile.retrieval.article_blend
        )
    profiles = base.profiles | {language: dataclasses.replace(profile, **changes)}
    return dataclasses.replace(base, profiles=profiles)


def parse_variant(text: str) -> dict[str, Any]:
    """Profile fields written as `name=value,name=value` (numbers; `retrieval` as dense:sparse)."""
    changes: dict[str, Any] = {}
    for part in text.split(","):
        name, value = part.split("=")
        changes[name] = value if name == "retrieval" else int(value) if value.isdigit() else float(value)
    return changes


def main() -> None:
    """Print the tuning figures of every variant."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset", type=Path)
    ap.add_argument("titles", help="tuning article titles, or @file")
    ap.add_argument("--lang", required=True)
    ap.add_argument("--index-dir", type=Path, required=True)
    ap.add_argument("--only", nargs="*", help="variant names (default: all)")
    args = ap.parse_args()
    titles = expand_titles([args.titles]) or []
    dataset = load_squad(args.dataset)
    inner = make_embedder(E5_MODEL, backend="e5-engine", cache_dir=model_cache_dir(args.index_dir))
    embedder = PrefetchedEmbedder(inner, [q.question for q in dataset.select(titles)])
    options = EvalOptions(dataset=args.dataset, index_dir=args.index_dir, articles=titles)
    base = e5_profiles()
    asked = {n: VARIANTS[n] if n in VARIANTS else parse_variant(n) for n in args.only or VARIANTS}
    for name, changes in asked.items():
        s = evaluate(options, embedder, RankingPipeline(variant(base, args.lang, changes))).summary
        print(
            f"{name:26s} @1 {s.at1:.3f}  @3 {s.at3:.3f}  MRR@10 {s.mrr10:.3f}  "
            f"quote {s.mean_quote_chars:.0f} chars  n {s.questions}",
            flush=True,
        )


if __name__ == "__main__":
    main()
