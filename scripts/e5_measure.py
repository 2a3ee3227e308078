"""What an embedding model gives each stage of today's pipeline: the numbers a refit starts from.

Usage (from the repository root; the index is built, or updated, in --index-dir):

    PYTHONPATH=$PWD .venv/bin/python scripts/e5_measure.py /work/shared/data/es-news-dev.json \\
        --articles @scripts/splits/es-tune.txt --index-dir /tmp/e5/es --out /tmp/e5/es-tune.json \\
        [--model intfloat/multilingual-e5-small] [--holdout-paragraphs 0.33 --seed 7] [--sample 1000]
        [--unanswerable-share 0.25]

For every question of the named articles it records, under several first-stage settings (dense only, BM25
only, reciprocal-rank fusion at a few dense:BM25 weights, with the language's article blend or without):
the right article first, the answer inside the top 1/3/12 chunks, and answer-in-quote @1/@3 of the whole
pipeline with the hand-set sentence scores (the trained rankers off). Also dense alone over single
sentences, and the shipped pipeline (trained rankers on). With --holdout-paragraphs it also asks the
questions whose paragraphs were left out (--unanswerable-share: those of whole articles left out) and
prints the score distributions of answerable and unanswerable questions (top cosine, top BM25, hand-set
confidence, shipped confidence), their AUC, and the share refused at the cut-off that answers 95% of the
answerable, so that a threshold can be picked. Raw per-question figures go to --out (JSON).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from index.answer.answerer import Answerer
from index.embedding import Embedder, ProgressFn, make_embedder, model_cache_dir
from index.embedding.e5_engine import E5_MODEL, embed_questions
from index.eval.holdout import hold_out_paragraphs
from index.eval.run import build_eval_index
from index.eval.squad import EvalQuestion, expand_titles, hit_rank, load_squad, normalise
from index.ranking.pipeline import RankingPipeline
from index.ranking.profiles import RETRIEVAL, hand_set_profiles
from index.retrieval import search
from index.retrieval.search import RetrievalParams
from index.services import ranking_profiles
from index.store.generations import Snapshot
from index.store.handle import IndexHandle
from index.text.analysis import analyze_query
from index.text.language import detect_language

# (name, dense weight, BM25 weight, article blend: None = the language's shipped one)
SETTINGS: list[tuple[str, float, float, float | None]] = [
    ("dense", 1.0, 0.0, 0.0),
    ("bm25", 0.0, 1.0, None),
    ("rrf 1:1", 1.0, 1.0, None),
    ("rrf 2:1", 2.0, 1.0, None),
    ("rrf 1:2", 1.0, 2.0, None),
    ("rrf 1:1 no blend", 1.0, 1.0, 0.0),
]
DEPTH = 50


class FixedVectors:
    """An embedder that answers known questions from precomputed vectors (documents: the real model)."""

    def __init__(self, inner: Embedder, vectors: dict[str, np.ndarray]) -> None:
        self.name, self.dimension = inner.name, inner.dimension
        self._inner, self._vectors = inner, vectors

    def embed(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        """Documents: the wrapped model."""
        return self._inner.embed(texts, progress)

    def embed_query(self, text: str) -> np.ndarray:
        """A known question's vector, else the wrapped model's."""
        found = self._vectors.get(text)
        return found if found is not None else self._inner.embed_query(text)


@dataclass
class Tally:
    """Hits per measure over a set of questions."""

    counts: dict[str, float] = field(default_factory=dict)
    n: int = 0

    def add(self, **hits: bool) -> None:
        """Count one question."""
        for key, hit in hits.items():
            self.counts[key] = self.counts.get(key, 0) + bool(hit)

    def shares(self) -> dict[str, float]:
        """Each measure as a share of the questions."""
        return {k: round(v / max(self.n, 1), 4) for k, v in self.counts.items()}


def question_vectors(embedder: Embedder, texts: list[str], cache: Path) -> dict[str, np.ndarray]:
    """The questions' vectors (as queries), cached on disk by model and texts."""
    key = hashlib.sha1(("\n".join([embedder.name, *texts])).encode()).hexdigest()[:12]
    path = cache / f"questions-{key}.npy"
    if path.exists():
        vectors = np.load(path)
    else:
        vectors = embed_questions(embedder, texts)
        np.save(path, vectors)
    return dict(zip(texts, vectors, strict=True))


def chunk_text(snap: Snapshot, row: int) -> tuple[str, str]:
    """A chunk's article id and text."""
    article_row, first, last = (int(v) for v in snap.data.chunks[row])
    article = snap.data.articles[article_row]
    start, end = int(snap.data.sentences[first, 1]), int(snap.data.sentences[last - 1, 2])
    return article.id, article.text[start:end]


def first_stage(snap: Snapshot, q: EvalQuestion, vector: np.ndarray, setting: tuple) -> dict[str, bool]:
    """Right article first and the answer within the top chunks, under one fusion setting."""
    _, w_dense, w_bm25, blend = setting
    language = detect_language(q.question)
    if blend is None:
        blend = RETRIEVAL.get(language, RetrievalParams()).article_blend
    hits = search.hybrid_search(snap, vector, analyze_query(q.question), DEPTH, (w_dense, w_bm25), blend)
    # Weight 0 still lets that retriever's chunks in (fused 0): keep only those the weighted one ranks.
    hits = [h for h in hits if h.fused > 0]
    found = [chunk_text(snap, h.row) for h in hits[:12]]
    answers = [normalise(a) for a in q.answers]
    holds = [any(a in normalise(text) for a in answers) for _, text in found]
    return {
        "article@1": bool(found) and found[0][0] == q.article_id,
        "chunk@1": any(holds[:1]),
        "chunk@3": any(holds[:3]),
        "chunk@12": any(holds[:12]),
    }


def dense_sentences(snap: Snapshot, q: EvalQuestion, vector: np.ndarray) -> dict[str, bool]:
    """Dense alone over single sentences (every sentence of the index ranked by cosine)."""
    cos = np.asarray(snap.data.sentence_vectors, dtype=np.float32) @ vector.astype(np.float32)
    top = np.argsort(-cos)[:3]
    texts = []
    for row in top.tolist():
        article_row, start, end = (int(v) for v in snap.data.sentences[row])
        texts.append(snap.data.articles[article_row].text[start:end])
    rank = hit_rank(texts, q.answers)
    return {"sent@1": rank == 1, "sent@3": rank is not None and rank <= 3}


def cosine_scale(snap: Snapshot, asked: list[EvalQuestion], embedder: Embedder, seed: int) -> dict:
    """Question-to-sentence cosines: the best sentence, and a random sentence of another article."""
    rng = np.random.default_rng(seed)
    vectors = np.asarray(snap.data.sentence_vectors, dtype=np.float32)
    article_of = [snap.data.articles[int(r)].id for r in snap.data.sentences[:, 0]]
    best, unrelated, pairs = [], [], []
    for q in asked:
        v = embedder.embed_query(q.question).astype(np.float32)
        cos = vectors @ v
        best.append(float(cos.max()))
        others = [i for i in rng.integers(0, len(cos), 8).tolist() if article_of[i] != q.article_id]
        unrelated += [float(cos[i]) for i in others]
    for _ in range(2000):  # passage to passage, different articles
        i, j = rng.integers(0, len(vectors), 2).tolist()
        if article_of[i] != article_of[j]:
            pairs.append(float(vectors[i] @ vectors[j]))
    return {
        "question_best_sentence": distribution(best),
        "question_unrelated_sentence": distribution(unrelated),
        "sentence_unrelated_sentence": distribution(pairs),
    }


def hand_ranker(setting: tuple | None = None) -> RankingPipeline:
    """The hand-set pipeline with one first-stage setting for every language (None: the profiles' own)."""
    profiles = hand_set_profiles()
    if setting is None:
        return RankingPipeline(profiles)
    _, w_dense, w_bm25, blend = setting
    changed = {
        language: replace(
            profile,
            retrieval=replace(
                profile.retrieval,
                fusion_weights=(w_dense, w_bm25),
                article_blend=profile.retrieval.article_blend if blend is None else blend,
            ),
        )
        for language, profile in profiles.profiles.items()
    }
    return RankingPipeline(replace(profiles, profiles=changed))


def shipped_ranker(embedder: Embedder) -> RankingPipeline:
    """The pipeline the product serves for this embedder (its trained profiles)."""
    return RankingPipeline(ranking_profiles(embedder.name))


def quote_hits(answerer: Answerer, q: EvalQuestion) -> tuple[dict[str, bool], float]:
    """Answer-in-quote @1/@3 and the answerer's confidence."""
    answer = answerer.ask(q.question)
    rank = hit_rank([quote.text for quote in answer.quotes], q.answers)
    confidence = answer.confidence if answer.confidence is not None else float("-inf")
    return {"quote@1": rank == 1, "quote@3": rank is not None and rank <= 3}, confidence


def measure_settings(
    snap: Snapshot, handle: IndexHandle, embedder: Embedder, asked: list[EvalQuestion], language: str
) -> dict[str, dict[str, float]]:
    """Every first-stage setting: retrieval figures and the hand-set pipeline's quotes."""
    vectors = [embedder.embed_query(q.question) for q in asked]
    table: dict[str, dict[str, float]] = {}
    for setting in SETTINGS:
        tally = Tally(n=len(asked))
        hand = Answerer(handle, embedder, max_quotes=10, min_score=float("-inf"), ranker=hand_ranker(setting))
        for q, v in zip(asked, vectors, strict=True):
            tally.add(**first_stage(snap, q, v, setting), **quote_hits(hand, q)[0])
        table[setting[0]] = tally.shares()
        print(f"  {setting[0]:18s} {table[setting[0]]}", file=sys.stderr, flush=True)
    return table


def question_scores(snap: Snapshot, embedder: Embedder, handle: IndexHandle, qs: list[EvalQuestion]) -> dict:
    """Per question: top chunk cosine, top sentence cosine, top BM25, hand-set and shipped confidence."""
    hand = Answerer(handle, embedder, max_quotes=10, min_score=float("-inf"), ranker=hand_ranker())
    shipped = Answerer(
        handle, embedder, max_quotes=10, min_score=float("-inf"), ranker=shipped_ranker(embedder)
    )
    sentence_vectors = np.asarray(snap.data.sentence_vectors, dtype=np.float32)
    out: dict[str, list[float]] = {k: [] for k in ("chunk_cos", "sent_cos", "bm25", "hand", "shipped")}
    hits: dict[str, list[bool]] = {"hand@1": [], "shipped@1": []}
    for q in qs:
        v = embedder.embed_query(q.question)
        _, dense_scores = snap.dense.search(v, 1)
        _, bm25_scores = snap.sparse.search(analyze_query(q.question), 1)
        out["chunk_cos"].append(float(dense_scores[0]) if len(dense_scores) else 0.0)
        out["sent_cos"].append(float((sentence_vectors @ v.astype(np.float32)).max()))
        out["bm25"].append(float(bm25_scores[0]) if len(bm25_scores) else 0.0)
        for name, answerer in (("hand", hand), ("shipped", shipped)):
            got, confidence = quote_hits(answerer, q)
            out[name].append(confidence)
            hits[f"{name}@1"].append(got["quote@1"])
    return {"scores": out, "hits": hits}


def distribution(values: Sequence[float]) -> dict[str, float]:
    """Percentiles of a score."""
    arr = np.asarray([v for v in values if np.isfinite(v)], dtype=np.float64)
    if not len(arr):
        return {}
    return {f"p{p}": round(float(np.percentile(arr, p)), 4) for p in (5, 25, 50, 75, 95)} | {
        "mean": round(float(arr.mean()), 4)
    }


def auc(positive: Sequence[float], negative: Sequence[float]) -> float:
    """Probability that an answerable question scores above an unanswerable one (ties: half)."""
    pos, neg = np.asarray(positive, dtype=np.float64), np.asarray(negative, dtype=np.float64)
    if not len(pos) or not len(neg):
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).mean()
    ties = (pos[:, None] == neg[None, :]).mean()
    return round(float(greater + ties / 2), 4)


def refusal_table(answerable: dict, unanswerable: dict) -> dict:
    """Per score: distributions, AUC, and the cut-off keeping 95% of answerable with the share refused."""
    table = {}
    for key, pos in answerable["scores"].items():
        neg = unanswerable["scores"][key]
        cut = float(np.sort(np.asarray(pos))[int(0.05 * len(pos))]) if pos else float("nan")
        refused = float(np.mean(np.asarray(neg) < cut)) if neg else float("nan")
        table[key] = {
            "answerable": distribution(pos),
            "unanswerable": distribution(neg),
            "auc": auc(pos, neg),
            "cut_answering_95%": round(cut, 4),
            "unanswerable_refused_at_that_cut": round(refused, 4),
        }
    return table


def main() -> int:
    """Build or reuse the index, measure, print a summary, write the raw figures."""
    args = _parser().parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    dataset = load_squad(args.dataset)
    hidden: list[EvalQuestion] = []
    if args.holdout_paragraphs:
        dataset, hidden = hold_out_paragraphs(dataset, args.holdout_paragraphs, args.seed)
    titles = expand_titles(args.articles)
    asked = dataset.select(titles)
    hidden = [q for q in hidden if titles is None or q.article_id in set(titles)]
    gone: set[str] = set()
    if args.unanswerable_share:  # whole stories missing from the index (deleted, not yet indexed)
        pool = sorted({q.article_id for q in asked})
        gone = set(random.Random(args.seed).sample(pool, round(len(pool) * args.unanswerable_share)))
        hidden += [q for q in asked if q.article_id in gone]
        asked = [q for q in asked if q.article_id not in gone]
    if args.sample and len(asked) > args.sample:
        asked = random.Random(args.seed).sample(asked, args.sample)
    base = make_embedder(args.model, backend=args.backend, cache_dir=model_cache_dir(args.index_dir))
    build_eval_index(dataset, gone, args.index_dir, base)
    texts = sorted({" ".join(q.question.split()) for q in asked + hidden})
    embedder = FixedVectors(base, question_vectors(base, texts, args.index_dir.parent))
    handle = IndexHandle(args.index_dir, embedder.name)
    snap = handle.reload()
    assert snap is not None, "the index was not built"
    language = detect_language(" ".join(q.question for q in asked[:50]))
    report: dict = {"dataset": str(args.dataset), "model": embedder.name, "questions": len(asked)}
    report["language"] = language
    if not args.scores_only:
        report["settings"] = measure_settings(snap, handle, embedder, asked, language)
        tally = Tally(n=len(asked))
        for q in asked:
            tally.add(**dense_sentences(snap, q, embedder.embed_query(q.question)))
        report["dense_sentences"] = tally.shares()
        report["cosine_scale"] = cosine_scale(snap, asked, embedder, args.seed)
    if hidden:
        report["unanswerable_questions"] = len(hidden)
        answerable = question_scores(snap, embedder, handle, asked)
        unanswerable = question_scores(snap, embedder, handle, hidden)
        report["answerable_at1"] = {k: round(float(np.mean(v)), 4) for k, v in answerable["hits"].items()}
        report["refusal"] = refusal_table(answerable, unanswerable)
        report["raw"] = {"answerable": answerable, "unanswerable": unanswerable["scores"]}
    args.out.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "raw"}, indent=1))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--articles", nargs="+", help="titles or @file: whose questions are asked")
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True, help="raw figures (JSON)")
    parser.add_argument("--model", default=E5_MODEL)
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--holdout-paragraphs", type=float, default=0.0)
    parser.add_argument(
        "--unanswerable-share",
        type=float,
        default=0.0,
        help="leave this seeded share of the named articles out of the index; ask their questions too",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sample", type=int, help="ask a seeded sample of this many answerable questions")
    parser.add_argument("--scores-only", action="store_true", help="only the score distributions")
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
