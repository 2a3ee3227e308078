"""What the bot needs from the core; the real `index.services` objects and test fakes both fit."""

from __future__ import annotations

from typing import Protocol

from index.models import Answer, BuildSummary, IndexStats


class AnswererLike(Protocol):
    """Answers questions with ranked verbatim quotes; synchronous and thread-safe."""

    def ask(self, question: str, max_quotes: int | None = None) -> Answer:
        """Return up to `max_quotes` ranked quotes for the question."""
        ...

    def stats(self) -> IndexStats | None:
        """Describe the index currently in use; None when there is none."""
        ...

    def warm_up(self) -> None:
        """Load the embedding model now rather than on the first question."""
        ...


class BuilderLike(Protocol):
    """Builds the index; synchronous, takes an inter-process lock."""

    def build(self, full: bool = False) -> BuildSummary:
        """Build incrementally (or fully) and swap the new index in atomically."""
        ...

    def has_index(self) -> bool:
        """Whether an index exists to answer from."""
        ...
