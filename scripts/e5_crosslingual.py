"""Spanish questions about English articles: a small hand-made set over the SQuAD file, e5 against MiniLM.

Usage (from the repository root; the SQuAD index of scripts/e5_measure.py or `python -m index eval`):

    PYTHONPATH=$PWD .venv/bin/python scripts/e5_crosslingual.py /work/shared/data/squad-train-subset.json \\
        --index-dir /tmp/e5/squad [--model intfloat/multilingual-e5-small] [--out /tmp/e5/crosslingual.json]

Each pair is a SQuAD question (found by its exact English text, so the gold answer and paragraph come from
the file) and its Spanish translation, written by hand for this set. Both are asked; for each it prints the
right article first, the answer in the top chunk, and answer-in-quote @1/@3 under dense alone, BM25 alone,
fusion 1:1 with hand-set scores, and the shipped pipeline. Twelve questions: a smoke test, not a benchmark.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from e5_measure import (
    FixedVectors,
    Tally,
    first_stage,
    hand_ranker,
    question_vectors,
    quote_hits,
    shipped_ranker,
)

from index.answer.answerer import Answerer
from index.embedding import make_embedder, model_cache_dir
from index.embedding.e5_engine import E5_MODEL
from index.eval.run import build_eval_index
from index.eval.squad import EvalQuestion, load_squad
from index.store.handle import IndexHandle

PAIRS = [
    (
        "During what years was Theodor Hesburgh president of Notre Dame?",
        "¿En qué años fue Theodor Hesburgh presidente de Notre Dame?",
    ),
    (
        "When did the Northern Pacific Railroad reach Montana from the east?",
        "¿Cuándo llegó a Montana desde el este el ferrocarril Northern Pacific?",
    ),
    (
        "What poet did Chopin use verses from for songs?",
        "¿De qué poeta tomó Chopin versos para sus canciones?",
    ),
    (
        "What happens when a cold is treated with antibiotics?",
        "¿Qué ocurre cuando se trata un resfriado con antibióticos?",
    ),
    (
        "What company was targeted by leaks of company information?",
        "¿Qué empresa sufrió filtraciones de información interna?",
    ),
    (
        "What foundation had already begun relief work in the area?",
        "¿Qué fundación ya había comenzado labores de ayuda en la zona?",
    ),
    (
        "How many languages are spoken by the people of New York City?",
        "¿Cuántos idiomas hablan los habitantes de la ciudad de Nueva York?",
    ),
    (
        "What is the earlier draft of the book titled?",
        "¿Cómo se titula el borrador anterior de Matar a un ruiseñor?",
    ),
    ("What does Ganondorf crush?", "¿Qué aplasta Ganondorf?"),
    ("When was the opening scene of Spectre filmed?", "¿Cuándo se rodó la escena inicial de Spectre?"),
    (
        "When Beyonce was with Destiny's Child, how many albums did she manage to sell?",
        "¿Cuántos discos vendió Beyoncé con Destiny's Child?",
    ),
    (
        "What publication lauded the iPod for enabling people to listen to thousands of songs on a portable "
        "player?",
        "¿Qué publicación elogió el iPod por permitir escuchar miles de canciones en un reproductor "
        "portátil?",
    ),
]
SETTINGS = [("dense", 1.0, 0.0, 0.0), ("bm25", 0.0, 1.0, 0.0), ("rrf 1:1", 1.0, 1.0, 0.0)]


def pairs(path: Path) -> tuple[list[EvalQuestion], list[EvalQuestion]]:
    """The English questions from the file and their Spanish twins (same gold)."""
    dataset = load_squad(path)
    by_text = {q.question.strip(): q for q in dataset.questions}
    missing = [en for en, _ in PAIRS if en not in by_text]
    if missing:
        raise SystemExit(f"not in {path}: {missing}")
    english = [by_text[en] for en, _ in PAIRS]
    spanish = [
        EvalQuestion(q.qid + "-es", es, q.answers, q.article_id, q.paragraph)
        for q, (_, es) in zip(english, PAIRS, strict=True)
    ]
    return english, spanish


def main() -> int:
    """Ask both sets under each setting; print and write the shares."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--model", default=E5_MODEL)
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    english, spanish = pairs(args.dataset)
    base = make_embedder(args.model, backend=args.backend, cache_dir=model_cache_dir(args.index_dir))
    build_eval_index(load_squad(args.dataset), set(), args.index_dir, base)
    texts = sorted({q.question for q in english + spanish})
    embedder = FixedVectors(base, question_vectors(base, texts, args.index_dir.parent))
    handle = IndexHandle(args.index_dir, embedder.name)
    snap = handle.reload()
    assert snap is not None, "the index was not built"
    report: dict[str, dict] = {}
    for label, questions in (("en", english), ("es->en", spanish)):
        rows: dict[str, dict[str, float]] = {}
        for setting in SETTINGS:
            tally = Tally(n=len(questions))
            hand = Answerer(
                handle, embedder, max_quotes=10, min_score=float("-inf"), ranker=hand_ranker(setting)
            )
            for q in questions:
                v = embedder.embed_query(q.question)
                tally.add(**first_stage(snap, q, v, setting), **quote_hits(hand, q)[0])
            rows[setting[0]] = tally.shares()
        shipped, tally = (
            Answerer(
                handle, embedder, max_quotes=10, min_score=float("-inf"), ranker=shipped_ranker(embedder)
            ),
            Tally(n=len(questions)),
        )
        for q in questions:
            tally.add(**quote_hits(shipped, q)[0])
        rows["shipped pipeline"] = tally.shares()
        report[label] = rows
    out = {"model": embedder.name, "questions": len(PAIRS), "results": report}
    print(json.dumps(out, indent=1))
    if args.out:
        args.out.write_text(json.dumps(out, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
