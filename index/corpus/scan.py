"""The corpus folder: every supported file parsed, exact duplicates dropped, id conflicts skipped."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from index.corpus.parsers import parse_corpus_file
from index.corpus.walk import MAX_DEPTH, CorpusFile, open_corpus, walk_corpus
from index.errors import CorpusError
from index.models import Article, SkippedInput

log = logging.getLogger(__name__)


@dataclass
class CorpusScan:
    """Everything a scan of the corpus folder found: usable articles, skipped inputs, dropped duplicates."""

    articles: list[Article] = field(default_factory=list)  # sorted by id, exact duplicates removed
    skipped: list[SkippedInput] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (dropped source, kept article id)


def scan_corpus(corpus_dir: Path, *, max_file_bytes: int, max_depth: int = MAX_DEPTH) -> CorpusScan:
    """Parse every supported file under corpus_dir (recursively, sorted, hidden entries skipped; links,
    special files and folders deeper than max_depth skipped with a reason)."""
    if not corpus_dir.is_dir():
        problem = "is not a directory" if corpus_dir.exists() else "does not exist"
        raise CorpusError(
            f"corpus folder '{corpus_dir}' {problem}: create it and put .txt, .md or .jsonl articles in it, "
            "or point CORPUS_DIR at the right folder"
        )
    scan = CorpusScan()
    by_text: dict[str, str] = {}
    by_id: dict[str, str] = {}
    try:
        with open_corpus(corpus_dir) as root:
            walk = walk_corpus(root, corpus_dir, max_depth)
            scan.skipped.extend(walk.skipped)
            for item in walk.files:
                articles, skipped = _parse_guarded(root, item, max_file_bytes)
                scan.skipped.extend(skipped)
                for article in articles:
                    _admit(article, scan, by_text, by_id)
    except OSError as exc:
        raise CorpusError(f"corpus folder '{corpus_dir}' cannot be read: {exc.strerror or exc}") from exc
    scan.articles.sort(key=lambda article: article.id)
    return scan


def _parse_guarded(
    root: int, item: CorpusFile, max_file_bytes: int
) -> tuple[list[Article], list[SkippedInput]]:
    """Parse one file; whatever goes wrong inside it is reported and skipped, never the end of the build."""
    try:
        return parse_corpus_file(root, item, max_file_bytes=max_file_bytes)
    except Exception as exc:  # one hostile file (deep nesting, a parser bug) must not stop every build
        reason = f"could not be parsed ({type(exc).__name__})"
        log.warning("skipped %s: %s", item.rel, reason, exc_info=exc)
        return [], [SkippedInput(path=item.rel, reason=reason)]


def _admit(article: Article, scan: CorpusScan, by_text: dict[str, str], by_id: dict[str, str]) -> None:
    """Keep the article unless an earlier one has the same text (duplicate) or the same id (conflict)."""
    if article.text in by_text:
        scan.duplicates.append((article.source, by_text[article.text]))
        log.debug("dropped %s: same text as article '%s'", article.source, by_text[article.text])
    elif article.id in by_id:
        path, _, line = article.source.partition("#L")
        reason = f"duplicate id '{article.id}' (already used by {by_id[article.id]})"
        item = SkippedInput(path=path, line=int(line) if line else None, reason=reason)
        log.warning("skipped %s", item)
        scan.skipped.append(item)
    else:
        by_text[article.text] = article.id
        by_id[article.id] = article.source
        scan.articles.append(article)
