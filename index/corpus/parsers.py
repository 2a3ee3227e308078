"""Corpus files -> `Article` models: one parser per format (.txt, .md, .jsonl); bad inputs skipped."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from index.corpus.walk import CorpusFile, open_corpus, read_corpus_file
from index.errors import ArticleError
from index.models import Article, SkippedInput
from index.text.language import detect_language
from index.text.safe_text import clean_title, escape_name
from index.text.titles import derive_title

log = logging.getLogger(__name__)


SUPPORTED_SUFFIXES = (".txt", ".md", ".jsonl")
MAX_FRONT_MATTER_CHARS = 64 * 1024  # front matter is a few fields; more is a mistake or an attack
MAX_FRONT_MATTER_DEPTH = 16  # nesting levels; PyYAML composes nested nodes recursively

# The seed corpus format: " date 2022-04-20 CALI. 7 de agosto..." with the text going on on the same line.
# The value must start with a digit so that an article opening with the word "date" is not taken for a header.
_TXT_HEADER = re.compile(r"\A[ \t]*date[ \t]+(\d\S*)(?:[ \t]+|\n|\Z)")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)^---[ \t]*$\n?", re.DOTALL | re.MULTILINE)
_ISO_DATE_PREFIX = re.compile(r"\A\d{4}-\d{2}-\d{2}")


def content_hash(*parts: str) -> str:
    """Return the sha256 hex digest of the parts joined by the unit separator \\x1f."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def parse_date(value: Any) -> dt.date:
    """Parse YYYY-MM-DD or a full ISO datetime (keeping the date); raise ValueError naming the value."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    _refuse_collection(value)
    text = str(value).strip()
    try:
        if not _ISO_DATE_PREFIX.match(text):
            raise ValueError(text)
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        return dt.datetime.fromisoformat(text).date()
    except ValueError:
        shown = escape_name(text[:40]) + ("…" if len(text) > 40 else "")
        raise ValueError(f"unparseable date '{shown}' (expected YYYY-MM-DD)") from None


def _refuse_collection(value: Any) -> None:
    """A field that holds one value must not be given a list or a mapping (nor be turned into a string)."""
    if isinstance(value, list | dict | tuple | set):
        raise ValueError("expected a single value, not a list or a mapping")


class _FrontMatter(BaseModel):
    """Markdown front matter; unknown fields are ignored so that other tools can add their own."""

    model_config = ConfigDict(extra="ignore")

    title: str | None = None
    date: dt.date | None = None
    url: str | None = None
    source: str | None = None

    @field_validator("title", "url", "source", mode="before")
    @classmethod
    def _scalar_to_text(cls, value: Any) -> Any:
        # YAML turns `title: 2024` into an int; a title is still a title.
        _refuse_collection(value)
        return str(value) if isinstance(value, int | float) else value

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, value: Any) -> dt.date | None:
        return None if value is None or value == "" else parse_date(value)


class _JsonlRecord(_FrontMatter):
    """One line of a .jsonl file: `text` is required, the rest optional."""

    id: str | None = None
    text: str

    @field_validator("id", mode="before")
    @classmethod
    def _id_to_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class _FrontMatterLoader(yaml.SafeLoader):
    """A safe loader that keeps timestamps as strings (so a bad `date` is reported by field name) and
    refuses anchors and aliases (an alias bomb expands a few lines into billions of nodes) and deep nesting
    (the composer recurses once per level)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        """Compose one node, refusing anchors, aliases and nesting deeper than MAX_FRONT_MATTER_DEPTH."""
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases (& and *) are not allowed", event.start_mark
            )
        if self._depth >= MAX_FRONT_MATTER_DEPTH:
            raise yaml.composer.ComposerError(
                None, None, f"nested more than {MAX_FRONT_MATTER_DEPTH} levels deep", event.start_mark
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _validation_reason(exc: ValidationError, what: str) -> str:
    """Turn pydantic's first error into one line that names the field."""
    error = exc.errors()[0]
    name = ".".join(str(part) for part in error["loc"]) or "?"
    if error["type"] == "missing":
        return f"missing required field '{name}'"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{what} field '{name}': {message}"


def decode_text(data: bytes, rel: str) -> str:
    """A corpus file's bytes as text (UTF-8, BOM dropped, newlines normalised); ArticleError if not UTF-8."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ArticleError(rel, f"not valid UTF-8 text (byte {exc.start})") from exc
    # Quotes are cut from Article.text, so normalising before it is built is safe; it keeps paragraph
    # detection and the content hash independent of the editor's line endings.
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _build_article(
    article_id: str,
    source: str,
    text: str,
    *,
    title: str | None,
    date: dt.date | None,
    url: str | None,
    publisher: str | None = None,
) -> Article:
    """Fill in the derived fields (title, language, hash) of one article."""
    # The text stays verbatim (quotes are cut from it); a title is shown as a label, so a newline, NUL or
    # bidi override in it (given or derived) is dropped rather than shown.
    title = clean_title((title or "").strip() or derive_title(text))
    url = (url or "").strip() or None
    publisher = (publisher or "").strip() or None
    # The publisher joins the hash only when set: articles without one keep the hashes of older indexes.
    extra = [publisher] if publisher else []
    digest = content_hash(text, title, date.isoformat() if date else "", url or "", *extra)
    return Article(
        id=article_id,
        title=title,
        date=date,
        url=url,
        source=source,
        text=text,
        content_hash=digest,
        language=detect_language(text),
        publisher=publisher,
    )


def _parse_txt(raw: str, rel: str, article_id: str) -> list[Article]:
    """A .txt file: an optional ` date YYYY-MM-DD` header, then the text on the same line."""
    date = None
    header = _TXT_HEADER.match(raw)
    if header:
        try:
            date = parse_date(header.group(1))
        except ValueError as exc:
            value = header.group(1)
            raise ArticleError(rel, f"unparseable date '{value}' in header (expected YYYY-MM-DD)") from exc
        raw = raw[header.end() :]
    text = raw.strip()
    if not text:
        raise ArticleError(rel, "empty article")
    return [_build_article(article_id, rel, text, title=None, date=date, url=None)]


def _parse_md(raw: str, rel: str, article_id: str) -> list[Article]:
    """A .md file: optional YAML front matter between `---` lines, then the body."""
    meta = _FrontMatter()
    block = _FRONT_MATTER.match(raw)
    if block:
        meta = _load_front_matter(block.group(1), rel)
        raw = raw[block.end() :]
    elif raw.startswith("---\n"):
        raise ArticleError(rel, "front matter opens with '---' but has no closing '---' line")
    text = raw.strip()
    if not text:
        raise ArticleError(rel, "empty article")
    return [
        _build_article(
            article_id, rel, text, title=meta.title, date=meta.date, url=meta.url, publisher=meta.source
        )
    ]


def _load_front_matter(block: str, rel: str) -> _FrontMatter:
    """Parse and validate the YAML between the `---` lines."""
    if len(block) > MAX_FRONT_MATTER_CHARS:
        raise ArticleError(rel, f"front matter is over {MAX_FRONT_MATTER_CHARS // 1024} KB")
    try:
        # Same as yaml.safe_load except that timestamps stay strings (see _FrontMatterLoader).
        data = yaml.load(block, Loader=_FrontMatterLoader)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 2})" if where is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ArticleError(rel, f"malformed YAML front matter: {problem}{line}") from exc
    except RecursionError as exc:  # the depth check above comes first; this is the last line of defence
        raise ArticleError(rel, "malformed YAML front matter: nested too deeply") from exc
    if data is None:
        return _FrontMatter()
    if not isinstance(data, dict):
        raise ArticleError(rel, "front matter is not a mapping of 'field: value' lines")
    try:
        return _FrontMatter.model_validate(data)
    except ValidationError as exc:
        raise ArticleError(rel, _validation_reason(exc, "front matter")) from exc


def _parse_jsonl(raw: str, rel: str, stem_id: str) -> tuple[list[Article], list[SkippedInput]]:
    """A .jsonl file: one article per line; a bad line is skipped and the others still count."""
    articles: list[Article] = []
    skipped: list[SkippedInput] = []
    for number, line in enumerate(raw.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            articles.append(_parse_jsonl_line(line, rel, number, stem_id))
        except ArticleError as exc:
            skipped.append(SkippedInput(path=rel, line=number, reason=escape_name(exc.reason)))
    return articles, skipped


def _parse_jsonl_line(line: str, rel: str, number: int, stem_id: str) -> Article:
    """One JSONL line -> one Article, or ArticleError naming what is wrong."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ArticleError(rel, f"malformed JSON: {exc.msg} (column {exc.colno})", number) from exc
    except RecursionError as exc:  # the json module recurses once per nesting level
        raise ArticleError(rel, "malformed JSON: nested too deeply", number) from exc
    if not isinstance(data, dict):
        raise ArticleError(rel, "line is not a JSON object", number)
    try:
        record = _JsonlRecord.model_validate(data)
    except ValidationError as exc:
        raise ArticleError(rel, _validation_reason(exc, "JSON"), number) from exc
    text = record.text.strip()
    if not text:
        raise ArticleError(rel, "empty article (field 'text' is blank)", number)
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    article_id = escape_name((record.id or "").strip()) or f"{stem_id}:{digest}"
    source = f"{rel}#L{number}"
    return _build_article(
        article_id,
        source,
        text,
        title=record.title,
        date=record.date,
        url=record.url,
        publisher=record.source,
    )


_SINGLE_PARSERS: dict[str, Callable[[str, str, str], list[Article]]] = {".txt": _parse_txt, ".md": _parse_md}


def parse_file(
    path: Path, corpus_dir: Path, *, max_file_bytes: int
) -> tuple[list[Article], list[SkippedInput]]:
    """Parse one corpus file into articles, plus the file or lines that could not be used."""
    with open_corpus(corpus_dir) as root:
        item = CorpusFile(path.relative_to(corpus_dir).parts)
        return parse_corpus_file(root, item, max_file_bytes=max_file_bytes)


def parse_corpus_file(
    root: int, item: CorpusFile, *, max_file_bytes: int
) -> tuple[list[Article], list[SkippedInput]]:
    """Parse one file of the open corpus folder `root` (read safely, see corpus_walk)."""
    rel = item.rel  # ids, sources and log lines show control characters in file names escaped
    stem_id = escape_name(PurePosixPath(*item.parts).with_suffix("").as_posix())
    suffix = PurePosixPath(item.parts[-1]).suffix.lower()
    try:
        if suffix not in SUPPORTED_SUFFIXES:
            kind = f"file type '{escape_name(suffix)}'" if suffix else "file without an extension"
            raise ArticleError(rel, f"unsupported {kind} (use .txt, .md or .jsonl)")
        raw = decode_text(read_corpus_file(root, item, max_file_bytes), rel)
        if suffix == ".jsonl":
            articles, skipped = _parse_jsonl(raw, rel, stem_id)
        else:
            articles, skipped = _SINGLE_PARSERS[suffix](raw, rel, stem_id), []
    except ArticleError as exc:
        # A parser's message may quote the file's own characters: escaped like the name.
        articles, skipped = [], [SkippedInput(path=rel, line=exc.line, reason=escape_name(exc.reason))]
    for skip in skipped:
        log.warning("skipped %s", skip)
    return articles, skipped
