"""The core's exceptions: each message tells the user what to do."""

from __future__ import annotations


class NewsQuoteError(Exception):
    """Base class for every error the core raises on purpose."""


class CorpusError(NewsQuoteError):
    """The corpus folder is missing or unusable as a whole."""


class ArticleError(NewsQuoteError):
    """One article (file or JSONL line) is bad; the build skips it and goes on."""

    def __init__(self, path: str, reason: str, line: int | None = None) -> None:
        self.path = path
        self.reason = reason
        self.line = line
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {reason}")


class IndexNotFound(NewsQuoteError):
    """No index exists where one was expected."""


class IndexMismatch(NewsQuoteError):
    """The index on disk was built with another model or format version."""


class IndexDamaged(IndexMismatch):
    """A file of an index generation is missing, truncated or garbled: the index must be rebuilt."""

    def __init__(self, generation: object, file: str, detail: str = "") -> None:
        self.generation = str(generation)
        self.file = file
        # Only the first line of the cause, bounded: faiss errors carry C++ source paths and stack text.
        first = detail.strip().splitlines()[0][:160] if detail.strip() else ""
        why = f": {first}" if first else ""
        super().__init__(
            f"index generation {self.generation} is damaged (file {file}{why}): "
            "rebuild with `python -m index build --full`"
        )


class IndexLocked(NewsQuoteError):
    """Another build holds the index lock."""


class NoSpaceLeft(NewsQuoteError):
    """The disk holding INDEX_DIR filled up during a build (the previous index stays current)."""


class EmbedderError(NewsQuoteError):
    """The embedding model could not be loaded."""


class RankerError(NewsQuoteError):
    """A trained ranking model file cannot be used (unreadable, stale, or fitted to another index)."""
