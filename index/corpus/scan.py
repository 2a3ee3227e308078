"""The corpus folder: every supported file parsed, exact duplicates dropped, id conflicts skipped."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from index.corpus.parsers import parse_file
from index.errors import CorpusError
from index.models import Article, SkippedInput

log = logging.getLogger(__name__)


@dataclass
class CorpusScan:
    """Everything a scan of the corpus folder found: usable articles, skipped inputs, dropped duplicates."""

    articles: list[Article] = field(default_factory=list)  # sorted by id, exact duplicates removed
    skipped: list[SkippedInput] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (dropped source, kept article id)


def scan_corpus(corpus_dir: Path, *, max_file_bytes: int) -> CorpusScan:
    """Parse every supported file under corpus_dir (recursively, sorted, hidden entries skipped)."""
    if not corpus_dir.is_dir():
        problem = "is not a directory" if corpus_dir.exists() else "does not exist"
        raise CorpusError(
            f"corpus folder '{corpus_dir}' {problem}: create it and put .txt, .md or .jsonl articles in it, "
            "or point CORPUS_DIR at the right folder"
        )
    scan = CorpusScan()
    by_text: dict[str, str] = {}
    by_id: dict[str, str] = {}
    for path in _corpus_files(corpus_dir):
        articles, skipped = parse_file(path, corpus_dir, max_file_bytes=max_file_bytes)
        scan.skipped.extend(skipped)
        for article in articles:
            _admit(article, scan, by_text, by_id)
    scan.articles.sort(key=lambda article: article.id)
    return scan


def _admit(article: Article, scan: CorpusScan, by_text: dict[str, str], by_id: dict[str, str]) -> None:
    """Keep the article unless an earlier one has the same text (duplicate) or the same id (conflict)."""
    if article.text in by_text:
        scan.duplicates.append((article.source, by_text[article.text]))
        log.info("dropped %s: same text as article '%s'", article.source, by_text[article.text])
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


def _corpus_files(corpus_dir: Path) -> list[Path]:
    """All non-hidden regular files under corpus_dir, in sorted relative-path order."""
    found: list[Path] = []
    for root, dirs, files in os.walk(corpus_dir):
        # Pruning in place stops os.walk from descending into .git, .cache and the like.
        dirs[:] = [name for name in dirs if not name.startswith(".")]
        found.extend(Path(root) / name for name in files if not name.startswith("."))
    return sorted(found, key=lambda path: path.relative_to(corpus_dir).as_posix())
