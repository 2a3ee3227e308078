"""`python -m index build | ask | stats`: a thin terminal front end over the core."""

from __future__ import annotations

import argparse
import logging
import re
import sys
import textwrap
from collections.abc import Callable, Iterable
from pathlib import Path

from index.errors import NewsQuoteError
from index.eval.cli import add_eval_parser, run_eval
from index.models import Answer, Quote
from index.services import Services, build_services
from index.settings import CoreSettings

log = logging.getLogger(__name__)


def parser() -> argparse.ArgumentParser:
    """The command-line grammar; every option falls back to the settings (env vars, .env)."""
    top = argparse.ArgumentParser(prog="python -m index", description="Build and query the news quote index.")
    top.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = top.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index-dir", type=Path, help="index folder (setting INDEX_DIR, default data/index)")
    common.add_argument("--model", help="sentence-transformers model name or path (setting EMBEDDING_MODEL)")
    common.add_argument(
        "--backend",
        choices=["auto", "onnx", "onnx-int8", "torch", "e5-engine"],
        help="what runs the embedding model (setting EMBEDDING_BACKEND, default auto)",
    )
    build = sub.add_parser("build", parents=[common], help="build or update the index from the corpus")
    build.add_argument("--corpus", type=Path, help="articles folder (setting CORPUS_DIR, default corpus/)")
    build.add_argument("--full", action="store_true", help="rebuild every article (reuses cached vectors)")
    build.add_argument("--wait", action="store_true", help="wait for a running build instead of refusing")
    ask = sub.add_parser("ask", parents=[common], help="answer questions with quotes")
    ask.add_argument("question", nargs="*", help="the question; none: read stdin or prompt")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.add_argument("--max-quotes", type=int, help="quotes per answer (setting MAX_QUOTES)")
    stats = sub.add_parser("stats", parents=[common], help="show what the index holds")
    stats.add_argument("--json", action="store_true", help="print JSON")
    add_eval_parser(sub, common)
    return top


def settings_from(args: argparse.Namespace) -> CoreSettings:
    """Settings from the environment, overridden by the options given on the command line."""
    overrides = {
        "index_dir": getattr(args, "index_dir", None),
        "corpus_dir": getattr(args, "corpus", None),
        "embedding_model": getattr(args, "model", None),
        "embedding_backend": getattr(args, "backend", None),
        "max_quotes": getattr(args, "max_quotes", None),
    }
    return CoreSettings(**{k: v for k, v in overrides.items() if v is not None})


def main(argv: list[str] | None = None) -> int:
    """Entry point: run one command, turning the core's errors into one clear line and exit code 2."""
    args = parser().parse_args(argv)
    quiet = args.command not in ("build", "eval")  # questions print answers, not progress logs
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING if quiet else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("faiss", "sentence_transformers", "bm25s", "httpx", "transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        services = build_services(settings_from(args))
        commands: dict[str, Callable[[Services, argparse.Namespace], int]] = {
            "build": run_build,
            "ask": run_ask,
            "stats": run_stats,
            "eval": run_eval,
        }
        return commands[args.command](services, args)
    except NewsQuoteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def run_build(services: Services, args: argparse.Namespace) -> int:
    """Build or update the index and print the summary."""
    summary = services.builder.build(full=args.full, wait=args.wait)
    for skipped in summary.skipped:
        print(f"skipped {skipped}", file=sys.stderr)
    print(summary.describe())
    return 0


def run_stats(services: Services, args: argparse.Namespace) -> int:
    """Print what the index holds."""
    stats = services.answerer.stats()
    if stats is None:
        print(f"error: no index in {services.handle.index_dir}: run `python -m index build`", file=sys.stderr)
        return 2
    if args.json:
        print(stats.model_dump_json())
    else:
        print(
            f"articles: {stats.articles}\nchunks: {stats.chunks}\nsentences: {stats.sentences}\n"
            f"model: {stats.model} ({stats.dimension} dims)\n"
            f"built at: {stats.built_at:%Y-%m-%d %H:%M:%S} UTC\n"
            f"index: {stats.index_type}, format v{stats.format_version}, {stats.size_bytes / 2**20:.1f} MiB\n"
            f"path: {stats.path}\n"
            f"quote ranking: {', '.join(f'{lang} {name}' for lang, name in stats.scorers.items())}"
        )
    return 0


def run_ask(services: Services, args: argparse.Namespace) -> int:
    """Answer the question given, or each line of stdin, or questions typed at a prompt."""
    if services.handle.reload() is None:
        print(f"error: no index in {services.handle.index_dir}: run `python -m index build`", file=sys.stderr)
        return 2
    services.answerer.warm_up()
    show = print_json if args.json else print_answer
    if args.question:
        show(services.answerer.ask(" ".join(args.question), args.max_quotes))
        return 0
    lines = (
        _prompt_lines() if sys.stdin.isatty() and not args.json else (line.rstrip("\n") for line in sys.stdin)
    )
    for line in lines:
        if line.strip() or args.json:
            show(services.answerer.ask(line, args.max_quotes))
            sys.stdout.flush()
    return 0


def _prompt_lines() -> Iterable[str]:
    print("Ask a question about the articles (empty line or Ctrl-D to quit).")
    while True:
        try:
            line = input("\n? ")
        except EOFError:
            return
        if not line.strip():
            return
        yield line


def print_json(answer: Answer) -> None:
    """One answer as one line of JSON."""
    print(answer.model_dump_json())


def _strength(quote: Quote) -> str:
    # The confidence is on the answer threshold's scale, so "0.30" means the same in every answer; the
    # ordering score of a trained model is peaked and reads as certainty even on an abstention.
    if quote.confidence is not None:
        return f"confidence {quote.confidence:.2f}"
    return f"score {quote.score:.2f}"


def _wrap_quote(text: str, lead: str) -> str:
    """The quote wrapped to 100 columns; a paragraph break in it (a heading, say) stays a line break."""
    # Joined into one line, "...interested in Juan Carlos Osorio" + "Osorio continues..." read as a typo.
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()] or [""]
    paragraphs[0] = "“" + paragraphs[0]
    paragraphs[-1] += "”"  # the same line when there is one paragraph
    return "\n".join(
        textwrap.fill(line, width=100, initial_indent=lead if i == 0 else "   ", subsequent_indent="   ")
        for i, line in enumerate(paragraphs)
    )


def print_answer(answer: Answer) -> None:
    """One answer for a person at a terminal."""
    if answer.status == "invalid_question" or answer.status == "empty_index":
        print(answer.message)
        return
    if not answer.answered:
        print(answer.message)
    for rank, quote in enumerate(answer.quotes, 1):
        body = _wrap_quote(quote.text, f"{rank}. ")
        when = quote.date.isoformat() if quote.date else "undated"
        print(f"{body}\n   — {quote.title} ({when}) {quote.source}  [{_strength(quote)}]")
        if quote.also_in:
            print(f"   also in: {'; '.join(quote.also_in)}")
    print(f"({answer.took_ms:.0f} ms)")
