"""The `eval` subcommand of `python -m index`: options in, figures printed, misses written."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from index.eval.run import EvalOptions, evaluate
from index.eval.squad import expand_titles, format_curve, format_summary, write_misses

if TYPE_CHECKING:
    from index.services import Services


def add_eval_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Register `eval DATASET.json [--articles ...] [--unanswerable ...] [--misses FILE]`."""
    ev = sub.add_parser("eval", parents=[common], help="measure answer-in-quote on SQuAD-format data")
    ev.add_argument("dataset", type=Path, help="SQuAD v1.1 JSON file")
    ev.add_argument("--articles", nargs="+", help="ask only these articles' questions (titles, or @file)")
    ev.add_argument(
        "--unanswerable",
        nargs="+",
        help="leave these articles (titles, or @file) out of the index and ask their questions too",
    )
    ev.add_argument(
        "--holdout-paragraphs",
        type=_share,
        default=0.0,
        metavar="SHARE",
        help="leave this share of every article's paragraphs out of the index and ask their questions as "
        "unanswerable ones about indexed stories (seeded by --seed)",
    )
    ev.add_argument("--misses", type=Path, help="write questions not answered by the first quote (JSONL)")
    ev.add_argument("--sample", type=int, help="ask a seeded random sample of this many questions")
    ev.add_argument("--seed", type=int, default=0)
    ev.add_argument(
        "--batch-embed",
        action="store_true",
        help="embed all questions in one batch first (fast; latency then excludes query embedding)",
    )


def _share(value: str) -> float:
    """A fraction strictly between 0 and 1, for --holdout-paragraphs."""
    try:
        share = float(value)
    except ValueError:
        share = -1.0
    if not 0.0 < share < 1.0:
        raise argparse.ArgumentTypeError(f"expected a share between 0 and 1 (e.g. 0.33), not {value!r}")
    return share


def run_eval(services: Services, args: argparse.Namespace) -> int:
    """Build the dataset's index, ask every question, print the figures."""
    options = EvalOptions(
        dataset=args.dataset,
        index_dir=args.index_dir,
        articles=expand_titles(args.articles),
        unanswerable=expand_titles(args.unanswerable),
        sample=args.sample,
        seed=args.seed,
        batch_embed=args.batch_embed,
        holdout_paragraphs=args.holdout_paragraphs,
        page_size=services.answerer.max_quotes,
        supporting_min_ratio=services.answerer.supporting_min_ratio,
    )
    logging.getLogger("index.answer.answerer").setLevel(
        logging.WARNING
    )  # one line per question is noise here
    report = evaluate(options, services.embedder, services.ranker, services.engine)
    print(format_summary(f"{args.dataset.name} (threshold {report.threshold:.3f})", report.summary))
    if report.unanswerable_scores:
        n = len(report.unanswerable_scores)
        abstained = sum(report.unanswerable_refused)
        print(f"unanswerable: {n} questions, abstained {abstained} ({abstained / n:.3f})")
        print(format_curve(report.curve))
        print(f"threshold answering 95% of the answerable: {report.calibrated:.4f}")
    if args.misses:
        count = write_misses(report.results, args.misses)
        print(f"wrote {count} misses to {args.misses}", file=sys.stderr)
    return 0
