"""A generation's articles, read from the memory-mapped articles.jsonl only when a question needs one.

Parsing every article when an index loads took 1.4 s and ~0.5 GB at 1M chunks (100,000 articles) for the
few dozen a question quotes from; each is now parsed on first use and kept in a small cache.
"""

from __future__ import annotations

import mmap
import operator
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import overload

import numpy as np
from pydantic import ValidationError

from index.errors import IndexDamaged
from index.models import Article

ARTICLES = "articles.jsonl"
OFFSETS = "articles.offsets.npy"  # (articles + 1,) int64: byte offset of each line, then the file size
_CACHED = 4096  # articles kept parsed: a question reads a few dozen


def write_articles(directory: Path, articles: Sequence[Article]) -> None:
    """Write one JSON line per article, and where each line starts."""
    offsets = np.zeros(len(articles) + 1, dtype=np.int64)
    with (directory / ARTICLES).open("wb") as fh:
        for row, article in enumerate(articles):
            line = article.model_dump_json().encode() + b"\n"
            fh.write(line)
            offsets[row + 1] = offsets[row] + len(line)
    np.save(directory / OFFSETS, offsets)


class ArticleTable(Sequence[Article]):
    """The articles of one generation, parsed lazily from the memory-mapped file."""

    def __init__(self, directory: Path) -> None:
        path = directory / ARTICLES
        with path.open("rb") as fh:
            size = path.stat().st_size
            self._map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else None
        self._path = path
        self._offsets = _offsets(directory, self._map)
        if len(self._offsets) < 1 or self._offsets[0] != 0 or self._offsets[-1] != size:
            # A truncated or swapped file would otherwise fail (or SIGBUS) on some later question.
            raise ValueError(f"{ARTICLES} is {size} bytes, its offsets say {int(self._offsets[-1])}")
        self._cached = lru_cache(maxsize=_CACHED)(self._parse)

    def __len__(self) -> int:
        return len(self._offsets) - 1

    @overload
    def __getitem__(self, row: int) -> Article: ...

    @overload
    def __getitem__(self, row: slice) -> list[Article]: ...

    def __getitem__(self, row: int | slice) -> Article | list[Article]:
        if isinstance(row, slice):
            return [self._cached(i) for i in range(*row.indices(len(self)))]
        row = operator.index(row)
        if row < 0:
            row += len(self)
        if not 0 <= row < len(self):
            raise IndexError(f"article row {row} out of range")
        return self._cached(row)

    def __iter__(self) -> Iterator[Article]:
        # Whole-table reads (builds) parse each article once, without churning the cache.
        return (self._parse(row) for row in range(len(self)))

    def _parse(self, row: int) -> Article:
        assert self._map is not None
        line = self._map[int(self._offsets[row]) : int(self._offsets[row + 1])]
        try:
            return Article.model_validate_json(line)
        except ValidationError as exc:
            raise IndexDamaged(self._path.parent, ARTICLES, f"article row {row} cannot be read") from exc


def _offsets(directory: Path, data: mmap.mmap | None) -> np.ndarray:
    """Line offsets as written by write_articles; found by scanning for older generations."""
    if (directory / OFFSETS).exists():
        return np.load(directory / OFFSETS)
    if data is None:
        return np.zeros(1, dtype=np.int64)
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == ord("\n")) + 1
    if not len(ends) or ends[-1] != len(data):
        ends = np.append(ends, len(data))  # a last line without its newline
    return np.concatenate([[0], ends]).astype(np.int64)
