"""Corpus files -> `Article` models: one parser per format (.txt, .md, .jsonl); bad inputs skipped."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from index.errors import ArticleError, CorpusError
from index.language import detect_language
from index.models import Article, SkippedInput

log = logging.getLogger(__name__)


def _words(text: str) -> frozenset[str]:
    """A set of words written as one space-separated string (easier to read and edit than a list)."""
    return frozenset(text.split())


SUPPORTED_SUFFIXES = (".txt", ".md", ".jsonl")
_MB = 1024 * 1024
_TITLE_MAX_CHARS = 90

# The seed corpus format: " date 2022-04-20 CALI. 7 de agosto..." with the text going on on the same line.
# The value must start with a digit so that an article opening with the word "date" is not taken for a header.
_TXT_HEADER = re.compile(r"\A[ \t]*date[ \t]+(\d\S*)(?:[ \t]+|\n|\Z)")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)^---[ \t]*$\n?", re.DOTALL | re.MULTILINE)
_ISO_DATE_PREFIX = re.compile(r"\A\d{4}-\d{2}-\d{2}")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
# A photo caption ends with a short credit in parentheses: "(Cortesía Dimayor)", "(AP)", "(Foto: EFE)".
_CAPTION_CREDIT = re.compile(r"\([^()]{1,59}\)[.\s]*\Z")
_SENTENCE_END = re.compile(r"[.?!]\s+(?=[\"“«¿¡(]?[^\W\d_])")
_ABBREVIATIONS = _words(
    "mr mrs ms dr st jr sr prof gen gov sen rep col lt sgt capt inc ltd co corp vs etc no sra srta dra"
)


def content_hash(*parts: str) -> str:
    """Return the sha256 hex digest of the parts joined by the unit separator \\x1f."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def parse_date(value: Any) -> dt.date:
    """Parse YYYY-MM-DD or a full ISO datetime (keeping the date); raise ValueError naming the value."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        if not _ISO_DATE_PREFIX.match(text):
            raise ValueError(text)
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        return dt.datetime.fromisoformat(text).date()
    except ValueError:
        raise ValueError(f"unparseable date '{text}' (expected YYYY-MM-DD)") from None


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
    """A safe loader that keeps timestamps as strings, so a bad `date` is reported by field name."""


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


def _format_mb(size: int) -> str:
    """Megabytes with one decimal, or more when that would read as 0.0."""
    value = size / _MB
    return f"{value:.1f}" if value >= 0.1 else f"{value:.6f}".rstrip("0").rstrip(".")


def _read_text(path: Path, rel: str, max_file_bytes: int) -> str:
    """Read a corpus file as UTF-8 with the size check first; raise ArticleError with the reason."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            # A FIFO or device would block or never end when read.
            raise ArticleError(rel, "not a regular file")
        size = info.st_size
        if size > max_file_bytes:
            raise ArticleError(
                rel,
                f"file is {_format_mb(size)} MB, over the limit of {_format_mb(max_file_bytes)} MB "
                "(setting MAX_FILE_MB)",
            )
        data = path.read_bytes()
    except OSError as exc:
        raise ArticleError(rel, f"cannot read file: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ArticleError(rel, f"not valid UTF-8 text (byte {exc.start})") from exc
    # Quotes are cut from Article.text, so normalising before it is built is safe; it keeps paragraph
    # detection and the content hash independent of the editor's line endings.
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def derive_title(text: str) -> str:
    """Return the first sentence of the first non-caption paragraph, cut to 90 characters at a word."""
    paragraphs = [" ".join(part.split()) for part in _PARAGRAPH_BREAK.split(text) if part.strip()]
    index = 0
    # A caption only counts as one when the article goes on after it; a lone paragraph is the article.
    while index < len(paragraphs) - 1 and _CAPTION_CREDIT.search(paragraphs[index]):
        index += 1
    sentence = _first_sentence(paragraphs[index]) if paragraphs else ""
    if len(sentence) <= _TITLE_MAX_CHARS:
        return sentence
    cut = sentence[: _TITLE_MAX_CHARS - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-–—") + "…"


def _first_sentence(paragraph: str) -> str:
    """Cut at the first sentence end; the real splitter lives in the chunking module."""
    for match in _SENTENCE_END.finditer(paragraph):
        if paragraph[match.start()] == ".":
            before = re.search(r"(\w+)\Z", paragraph[: match.start()])
            word = before.group(1) if before else ""
            # "J. Smith", "Mr. Smith": the period ends an initial or abbreviation, not the sentence.
            if (len(word) == 1 and word.isupper()) or word.lower() in _ABBREVIATIONS:
                continue
        return paragraph[: match.start() + 1]
    return paragraph


def _build_article(
    article_id: str, source: str, text: str, *, title: str | None, date: dt.date | None, url: str | None
) -> Article:
    """Fill in the derived fields (title, language, hash) of one article."""
    title = (title or "").strip() or derive_title(text)
    url = (url or "").strip() or None
    digest = content_hash(text, title, date.isoformat() if date else "", url or "")
    return Article(
        id=article_id,
        title=title,
        date=date,
        url=url,
        source=source,
        text=text,
        content_hash=digest,
        language=detect_language(text),
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
    return [_build_article(article_id, rel, text, title=meta.title, date=meta.date, url=meta.url)]


def _load_front_matter(block: str, rel: str) -> _FrontMatter:
    """Parse and validate the YAML between the `---` lines."""
    try:
        # Same as yaml.safe_load except that timestamps stay strings (see _FrontMatterLoader).
        data = yaml.load(block, Loader=_FrontMatterLoader)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 2})" if where is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ArticleError(rel, f"malformed YAML front matter: {problem}{line}") from exc
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
            skipped.append(SkippedInput(path=rel, line=number, reason=exc.reason))
    return articles, skipped


def _parse_jsonl_line(line: str, rel: str, number: int, stem_id: str) -> Article:
    """One JSONL line -> one Article, or ArticleError naming what is wrong."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ArticleError(rel, f"malformed JSON: {exc.msg} (column {exc.colno})", number) from exc
    if not isinstance(data, dict):
        raise ArticleError(rel, "line is not a JSON object", number)
    try:
        record = _JsonlRecord.model_validate(data)
    except ValidationError as exc:
        raise ArticleError(rel, _validation_reason(exc, "JSON"), number) from exc
    text = record.text.strip()
    if not text:
        raise ArticleError(rel, "empty article (field 'text' is blank)", number)
    article_id = (record.id or "").strip() or f"{stem_id}:{hashlib.sha256(text.encode()).hexdigest()[:12]}"
    source = f"{rel}#L{number}"
    return _build_article(article_id, source, text, title=record.title, date=record.date, url=record.url)


_SINGLE_PARSERS: dict[str, Callable[[str, str, str], list[Article]]] = {".txt": _parse_txt, ".md": _parse_md}


def parse_file(
    path: Path, corpus_dir: Path, *, max_file_bytes: int
) -> tuple[list[Article], list[SkippedInput]]:
    """Parse one corpus file into articles, plus the file or lines that could not be used."""
    rel_path = path.relative_to(corpus_dir)
    rel = rel_path.as_posix()
    stem_id = rel_path.with_suffix("").as_posix()
    suffix = path.suffix.lower()
    try:
        if suffix not in SUPPORTED_SUFFIXES:
            kind = f"file type '{suffix}'" if suffix else "file without an extension"
            raise ArticleError(rel, f"unsupported {kind} (use .txt, .md or .jsonl)")
        raw = _read_text(path, rel, max_file_bytes)
        if suffix == ".jsonl":
            articles, skipped = _parse_jsonl(raw, rel, stem_id)
        else:
            articles, skipped = _SINGLE_PARSERS[suffix](raw, rel, stem_id), []
    except ArticleError as exc:
        articles, skipped = [], [SkippedInput(path=rel, line=exc.line, reason=exc.reason)]
    for item in skipped:
        log.warning("skipped %s", item)
    return articles, skipped


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
