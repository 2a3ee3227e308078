"""A fake answerer and builder implementing the bot's protocols, for unit tests and harness checks."""

from __future__ import annotations

import datetime as dt
import threading

from index.models import Answer, BuildSummary, IndexStats, Quote

BUILT_AT = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)

ARTICLE = (
    "Juan Carlos Osorio won the league with Atlético Nacional in 2013. "
    "He later coached Mexico at the 2018 World Cup. "
    "Fans still call him *the professor* — and @everyone knows <@123> is not a mention here."
)


def make_quote(
    text: str = ARTICLE, article_id: str = "a1", title: str = "Osorio profile", best: int = 0
) -> Quote:
    """A quote of a whole text whose `best`-th sentence is highlighted."""
    sentences = [s for s in text.split(". ") if s]
    start = sum(len(s) + 2 for s in sentences[:best])
    end = start + len(sentences[best]) + (1 if best < len(sentences) - 1 else 0)
    return Quote(
        text=text,
        article_id=article_id,
        title=title,
        date=dt.date(2021, 8, 7),
        source="news.example",
        url=f"https://news.example/{article_id}",
        start=0,
        end=len(text),
        score=0.8,
        highlight_start=start,
        highlight_end=end,
    )


class FakeAnswerer:
    """Answers every question with the same quotes (or none); records the questions asked."""

    def __init__(
        self, quotes: list[Quote] | None = None, status: str = "answered", fail: bool = False
    ) -> None:
        self.quotes = [make_quote()] if quotes is None else quotes
        self.status = status
        self.fail = fail
        self.questions: list[str] = []
        self.threads: list[str] = []

    def ask(self, question: str, max_quotes: int | None = None) -> Answer:
        """Return the canned answer; raise when configured to fail."""
        self.questions.append(question)
        self.threads.append(threading.current_thread().name)
        if self.fail:
            raise RuntimeError("boom")
        quotes = self.quotes[: max_quotes or 3]
        return Answer(
            question=question,
            answered=self.status == "answered",
            status=self.status,  # type: ignore[arg-type]
            message="" if self.status == "answered" else "The articles don't answer this.",
            quotes=quotes,
            index_built_at=BUILT_AT,
        )

    def stats(self) -> IndexStats | None:
        """Fixed statistics."""
        return IndexStats(
            articles=2,
            chunks=10,
            sentences=40,
            model="hashing:256",
            dimension=256,
            built_at=BUILT_AT,
            format_version=1,
            index_type="flat",
            size_bytes=1000,
            path="data/index",
        )


class FakeBuilder:
    """Counts builds; optionally pretends an index is missing."""

    def __init__(self, has_index: bool = True) -> None:
        self._has_index = has_index
        self.builds = 0

    def build(self, full: bool = False) -> BuildSummary:
        """Pretend to build."""
        self.builds += 1
        self._has_index = True
        return BuildSummary(up_to_date=False, added=2, articles=2, chunks=10, seconds=0.1)

    def has_index(self) -> bool:
        """Whether build() ran or an index was said to exist."""
        return self._has_index
