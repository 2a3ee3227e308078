"""`python -m index build | ask | stats`: a thin terminal front end over the core."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import shutil
import sys
import textwrap
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from index.build.builder import last_checked
from index.errors import NewsQuoteError
from index.eval.cli import add_eval_parser, run_eval
from index.models import Answer, Quote, other_language
from index.services import Services, build_services
from index.settings import CoreSettings, load_settings

log = logging.getLogger(__name__)


def parser() -> argparse.ArgumentParser:
    """The command-line grammar; every option falls back to the settings (env vars, .env)."""
    top = argparse.ArgumentParser(prog="python -m index", description="Build and query the news quote index.")
    top.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = top.add_subparsers(dest="command", required=True)
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--index-dir", type=Path, help="index folder (setting INDEX_DIR, default data/index)")
    common = argparse.ArgumentParser(add_help=False, parents=[where])
    common.add_argument(
        "--model",
        help="embedding model name or path (setting EMBEDDING_MODEL, default intfloat/multilingual-e5-small)",
    )
    common.add_argument(
        "--backend",
        choices=["auto", "onnx", "onnx-int8", "torch", "e5-engine"],
        help="what runs the embedding model (setting EMBEDDING_BACKEND, default auto)",
    )
    build = sub.add_parser("build", parents=[common], help="build or update the index from the corpus")
    build.add_argument("--corpus", type=Path, help="articles folder (setting CORPUS_DIR, default corpus/)")
    build.add_argument(
        "--full",
        action="store_true",
        help="re-split and re-index every article (vectors of unchanged text are reused)",
    )
    build.add_argument("--wait", action="store_true", help="wait for a running build instead of refusing")
    ask = sub.add_parser("ask", parents=[common], help="answer questions with quotes")
    ask.add_argument("question", nargs="*", help="the question; none: read stdin or prompt")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.add_argument("--max-quotes", type=int, help="quotes per answer (setting MAX_QUOTES)")
    # Only where the index is: what runs the model (shown too) follows the settings, EMBEDDING_MODEL/_BACKEND.
    stats = sub.add_parser("stats", parents=[where], help="show what the index holds")
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
    return load_settings(CoreSettings, overrides, {"corpus_dir": "--corpus", "embedding_model": "--model"})


def main(argv: list[str] | None = None) -> int:
    """Entry point: run one command, turning the core's errors into one clear line and exit code 2."""
    try:
        status = _run(parser().parse_args(argv))
        sys.stdout.flush()  # inside the try: a reader that left surfaces here, not at interpreter exit
        return status
    except BrokenPipeError:
        # `stats | head -2`: the reader is gone. Point stdout at /dev/null so the flush at exit is quiet too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _run(args: argparse.Namespace) -> int:
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
        if args.command == "build":  # a build swaps its new index in only when complete
            print("interrupted: the index was left as it was", file=sys.stderr)
        return 130


def run_build(services: Services, args: argparse.Namespace) -> int:
    """Build or update the index and print the summary."""
    summary = services.builder.build(full=args.full, wait=args.wait)
    print(summary.describe())  # each skipped input was logged as the corpus was read
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
            f"model: {stats.model_label()} ({stats.dimension} dims)\n"
            f"built at: {stats.built_at:%Y-%m-%d %H:%M:%S} UTC\n"
            f"index: {stats.index_type}, format v{stats.format_version}, {stats.size_bytes / 2**20:.1f} MiB\n"
            f"path: {stats.path}\n"
            f"engine: {stats.engine}{f' (collection {stats.collection})' if stats.collection else ''}\n"
            f"quote ranking: {', '.join(f'{lang} {name}' for lang, name in stats.scorers.items())}\n"
            f"answer or refuse: {', '.join(f'{lang} {name}' for lang, name in stats.deciders.items())}"
        )
    return 0


def run_ask(services: Services, args: argparse.Namespace) -> int:
    """Answer the question given, or each line of stdin, or questions typed at a prompt."""
    if services.handle.reload() is None:
        print(f"error: no index in {services.handle.index_dir}: run `python -m index build`", file=sys.stderr)
        return 2
    services.answerer.warm_up()
    _warn_if_corpus_changed(services)
    show = print_json if args.json else print_answer
    if args.question:
        show(services.answerer.ask(" ".join(args.question), args.max_quotes))
        return 0
    if sys.stdin.isatty() and not args.json:
        history = services.handle.index_dir.parent / HISTORY_NAME
        lines: Iterable[str] = prompt_lines(input, history=_enable_line_editing(history))
    else:
        lines = (line.rstrip("\n") for line in sys.stdin)
    for line in lines:
        if line.strip() or args.json:
            show(services.answerer.ask(line, args.max_quotes))
            sys.stdout.flush()
    return 0


def _warn_if_corpus_changed(services: Services) -> None:
    """Say on stderr when the corpus changed after the index was built: answers would miss the change."""
    stats = services.answerer.stats()
    corpus = services.builder.corpus_dir
    if stats is None or not corpus.is_dir():
        return
    # A build that found nothing to do keeps the index's build time but still read the corpus then.
    checked = max(stats.built_at.timestamp(), last_checked(services.handle.index_dir) or 0.0)
    changed = changed_since(corpus, checked)
    if changed is not None:
        print(
            f"note: {corpus / changed} changed since the index was last built: "
            "run `python -m index build` to answer from it",
            file=sys.stderr,
        )


def changed_since(corpus: Path, built_at: float) -> str | None:
    """The first file or folder under `corpus` modified after `built_at` (relative), or None."""
    # A folder's time moves when a file is added, removed or renamed in it: copies that keep their old
    # times (rsync -a, cp -p) and deletions are noticed too.
    for root, dirs, files in os.walk(corpus):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in [*(f for f in files if not f.startswith(".")), "."]:  # a file names more than its folder
            path = Path(root) / name
            try:
                if path.stat().st_mtime > built_at:
                    return path.relative_to(corpus).as_posix()
            except OSError:
                continue  # gone since the walk listed it
    return None


HISTORY_NAME = "ask_history"  # beside the index folder (data/), so each checkout keeps its own
QUIT_WORDS = {"exit", "quit", ":q"}


def prompt_lines(read: Callable[[str], str], history: Callable[[], None] | None = None) -> Iterator[str]:
    """Questions typed at the prompt; an empty line asks again; Ctrl-D, Ctrl-C, exit or quit leave."""
    print("Ask a question about the articles (Ctrl-D or 'exit' to quit; arrow keys recall earlier ones).")
    try:
        while True:
            try:
                line = read("\n? ")
            except (EOFError, KeyboardInterrupt):
                print()  # end the prompt's line, so the shell's prompt starts on its own
                return
            if line.strip().lower() in QUIT_WORDS:
                return
            if line.strip():
                yield line
    finally:
        if history is not None:
            history()


def _enable_line_editing(history_file: Path) -> Callable[[], None] | None:
    """Arrow keys, editing and history at the prompt (readline); returns what saves the history."""
    try:
        import readline
    except ImportError:  # not on every platform; the prompt still works without editing
        return None
    with contextlib.suppress(OSError):  # no history yet
        readline.read_history_file(history_file)
    readline.set_history_length(1000)

    def save() -> None:
        try:
            readline.write_history_file(history_file)
        except OSError as exc:
            log.debug("Question history not saved: %s", exc)

    return save


def print_json(answer: Answer) -> None:
    """One answer as one line of JSON."""
    print(answer.model_dump_json())


OPENING_MARKS = "“\"«‘'„"
TITLE_CHARS = 60  # the attribution line's title, shortened on a word boundary


def _wrap_quote(text: str, lead: str, width: int) -> str:
    """The quote wrapped to `width` columns; a paragraph break in it (a heading, say) stays a line break."""
    # Joined into one line, "...interested in Juan Carlos Osorio" + "Osorio continues..." read as a typo.
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()] or [""]
    if not paragraphs[0].startswith(tuple(OPENING_MARKS)):
        # A quote that opens with its own quotation mark is not wrapped in a second pair.
        paragraphs[0] = "“" + paragraphs[0]
        paragraphs[-1] += "”"  # the same line when there is one paragraph
    return "\n".join(
        textwrap.fill(
            line,
            width=width,
            initial_indent=lead if i == 0 else "   ",
            subsequent_indent="   ",
            break_long_words=False,  # a long URL overflows rather than being cut in two
            break_on_hyphens=False,
        )
        for i, line in enumerate(paragraphs)
    )


LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}


def attribution_line(quote: Quote, width: int = 100, question_language: str = "unknown") -> str:
    """`— Title shortened… · Publisher · 2023-07-12 [· in Spanish]`, on one line of `width` when it can be."""
    rest = [quote.source] if quote.source and quote.source != quote.title else []
    rest += [quote.date.isoformat()] if quote.date else []
    if other_language(quote.language, question_language):
        rest.append("in " + LANGUAGE_NAMES.get(quote.language, quote.language))
    tail = "".join(" · " + part for part in rest)
    room = max(20, min(TITLE_CHARS, width - len("   — ") - len(tail)))
    return "   — " + textwrap.shorten(quote.title, room, placeholder="…") + tail


def terminal_width() -> int:
    """Columns to wrap answers to: the terminal's width (at most 100, for reading), 100 off a terminal."""
    return max(
        40, min(shutil.get_terminal_size((101, 24)).columns - 1, 100)
    )  # the last column wraps early in some terminals


def print_answer(answer: Answer, width: int | None = None) -> None:
    """One answer for a person at a terminal."""
    if answer.status == "invalid_question" or answer.status == "empty_index":
        print(answer.message)
        return
    if not answer.answered:
        print(answer.message)
    columns = width or terminal_width()
    for rank, quote in enumerate(answer.quotes, 1):
        # An ellipsis marks a sentence too long to quote whole, cut at that edge.
        text = "…" * quote.clipped_start + quote.text + "…" * quote.clipped_end
        print(_wrap_quote(text, f"{rank}. ", columns))
        print(attribution_line(quote, columns, answer.language))
        if quote.also_in:
            print(
                textwrap.fill(
                    "also in: " + "; ".join(quote.also_in),
                    columns,
                    initial_indent="   ",
                    subsequent_indent="   ",
                )
            )
    # One confidence for the answer (on the threshold's scale): per-quote figures need not follow the
    # order the quotes are shown in, which read as a contradiction.
    sure = (
        f"confidence {answer.confidence:.2f}, " if answer.confidence is not None and answer.answered else ""
    )
    print(f"({sure}{answer.took_ms:.0f} ms)")
