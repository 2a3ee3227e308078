"""Corpus files -> Article: each format, each bad input, id stability and de-duplication."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from pathlib import Path

import pytest

from index.corpus import walk as corpus_walk
from index.corpus.parsers import content_hash, parse_file
from index.corpus.scan import CorpusScan, scan_corpus
from index.errors import CorpusError
from index.models import SkippedInput
from index.text.titles import derive_title

SEED_CORPUS = Path(__file__).resolve().parent / "fixtures" / "seed_corpus"
LIMIT = 1024 * 1024

EN_BODY = "The minister said that the budget was approved. It is the first time in years.\n\nMore follows."
ES_BODY = "El ministro dijo que el presupuesto fue aprobado por el congreso.\n\nLa votación fue larga."


def write(folder: Path, name: str, content: str | bytes) -> Path:
    """Create a corpus file (and its parent folders) with the given content."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def scan(folder: Path, max_file_bytes: int = LIMIT) -> CorpusScan:
    return scan_corpus(folder, max_file_bytes=max_file_bytes)


def only_skip(result: CorpusScan) -> SkippedInput:
    assert len(result.skipped) == 1, result.skipped
    return result.skipped[0]


# --- the seed corpus -------------------------------------------------------------------------------


def test_seed_corpus_parses() -> None:
    result = scan(SEED_CORPUS)
    assert result.skipped == []
    assert result.duplicates == []
    first, second = result.articles
    assert first.id == "000_091352c6376e510e"
    assert first.source == "000_091352c6376e510e.txt"
    assert first.date == dt.date(2022, 4, 20)
    assert first.text.startswith("CALI. 7 de agosto de 2021.")
    assert first.title == (
        "After his departure from America from Cali due to poor results in the Dimayor Betplay…"
    )
    assert first.language == "en"
    assert second.id == "001_55c37db124a18bc8"
    assert second.date == dt.date(2023, 7, 12)
    assert second.text.startswith("Juan Carlos Osorio is one of")
    assert second.title.startswith("Juan Carlos Osorio is one of the most successful coaches in the history")
    assert second.title.endswith("Colombian…")
    assert all(len(article.title) <= 90 for article in result.articles)


def test_seed_text_is_the_file_minus_header(tmp_path: Path) -> None:
    raw = (SEED_CORPUS / "000_091352c6376e510e.txt").read_text(encoding="utf-8")
    article = scan(SEED_CORPUS).articles[0]
    assert raw.startswith(" date 2022-04-20 ")
    assert article.text == raw.removeprefix(" date 2022-04-20 ").strip()


# --- formats ---------------------------------------------------------------------------------------


def test_txt_without_header_has_no_date(tmp_path: Path) -> None:
    write(tmp_path, "plain.txt", "\n  " + EN_BODY + "\n\n")
    (article,) = scan(tmp_path).articles
    assert article.date is None
    assert article.text == EN_BODY
    assert article.title == "The minister said that the budget was approved."
    assert article.url is None


def test_txt_starting_with_the_word_date_is_not_a_header(tmp_path: Path) -> None:
    write(tmp_path, "a.txt", "date night is back in fashion, say restaurants.")
    (article,) = scan(tmp_path).articles
    assert article.date is None
    assert article.text.startswith("date night")


def test_txt_header_accepts_full_iso_datetime(tmp_path: Path) -> None:
    write(tmp_path, "a.txt", " date 2021-03-04T10:20:30+00:00 " + EN_BODY)
    (article,) = scan(tmp_path).articles
    assert article.date == dt.date(2021, 3, 4)
    assert article.text == EN_BODY


def test_txt_crlf_and_bom(tmp_path: Path) -> None:
    write(tmp_path, "a.txt", "\ufeff date 2020-01-02 First line.\r\n\r\nSecond paragraph.\r\n".encode())
    (article,) = scan(tmp_path).articles
    assert article.date == dt.date(2020, 1, 2)
    assert article.text == "First line.\n\nSecond paragraph."


def test_md_with_front_matter(tmp_path: Path) -> None:
    write(
        tmp_path,
        "2024/politics/budget.md",
        "---\ntitle: Budget passes\ndate: 2024-05-06\nurl: https://example.com/b\n"
        "source: Example Times\nauthor: someone\n---\n\n" + EN_BODY + "\n",
    )
    (article,) = scan(tmp_path).articles
    assert article.id == "2024/politics/budget"
    assert article.source == "2024/politics/budget.md"
    assert article.title == "Budget passes"
    assert article.date == dt.date(2024, 5, 6)
    assert article.url == "https://example.com/b"
    assert article.text == EN_BODY
    assert article.publisher == "Example Times"
    assert article.content_hash == content_hash(
        EN_BODY, "Budget passes", "2024-05-06", "https://example.com/b", "Example Times"
    )


def test_md_date_as_quoted_string_and_datetime(tmp_path: Path) -> None:
    write(tmp_path, "a.md", f'---\ndate: "2024-05-06"\n---\n{EN_BODY}')
    write(tmp_path, "b.md", f"---\ndate: 2024-05-07 10:00:00\n---\n{ES_BODY}")
    first, second = scan(tmp_path).articles
    assert first.date == dt.date(2024, 5, 6)
    assert second.date == dt.date(2024, 5, 7)
    assert second.language == "es"


def test_md_without_front_matter_is_all_text(tmp_path: Path) -> None:
    write(tmp_path, "a.md", "# Heading\n\n" + EN_BODY)
    (article,) = scan(tmp_path).articles
    assert article.text == "# Heading\n\n" + EN_BODY
    assert article.date is None
    assert article.title == "# Heading"


def test_jsonl_lines_and_id_fallback(tmp_path: Path) -> None:
    lines = [
        {"id": "given-id", "text": EN_BODY, "title": "T", "date": "2020-02-03", "url": "https://x.org/1"},
        {"text": ES_BODY},
    ]
    write(tmp_path, "feed/batch.jsonl", "\n".join(json.dumps(line) for line in lines) + "\n")
    given, fallback = sorted(scan(tmp_path).articles, key=lambda article: article.source)
    assert given.id == "given-id"
    assert given.source == "feed/batch.jsonl#L1"
    assert (given.title, given.date, given.url) == ("T", dt.date(2020, 2, 3), "https://x.org/1")
    expected = "feed/batch:" + hashlib.sha256(ES_BODY.encode()).hexdigest()[:12]
    assert fallback.id == expected
    assert fallback.source == "feed/batch.jsonl#L2"
    assert fallback.title == "El ministro dijo que el presupuesto fue aprobado por el congreso."


def test_articles_sorted_by_id_and_hidden_entries_ignored(tmp_path: Path) -> None:
    write(tmp_path, "b.txt", "Bravo text here.")
    write(tmp_path, "a/z.txt", "Alpha text here.")
    write(tmp_path, ".hidden.txt", "Hidden text.")
    write(tmp_path, ".git/objects/x.txt", "Git internals.")
    result = scan(tmp_path)
    assert [article.id for article in result.articles] == ["a/z", "b"]
    assert result.skipped == []


# --- bad inputs ------------------------------------------------------------------------------------


def test_not_utf8(tmp_path: Path) -> None:
    write(tmp_path, "good.txt", "Good article.")
    write(tmp_path, "latin1.txt", "Canción de cuna.".encode("latin-1"))
    result = scan(tmp_path)
    assert [article.id for article in result.articles] == ["good"]
    skip = only_skip(result)
    assert skip.path == "latin1.txt"
    assert skip.reason == "not valid UTF-8 text (byte 5)"  # 0-based offset of "ó"


def test_txt_unparseable_header_date(tmp_path: Path) -> None:
    write(tmp_path, "bad.txt", " date 2022-13-45 Some text.")
    result = scan(tmp_path)
    assert result.articles == []
    assert only_skip(result).reason == "unparseable date '2022-13-45' in header (expected YYYY-MM-DD)"


def test_md_bad_date_names_the_field(tmp_path: Path) -> None:
    write(tmp_path, "bad.md", f"---\ntitle: X\ndate: 2022-13-45\n---\n{EN_BODY}")
    skip = only_skip(scan(tmp_path))
    assert skip.path == "bad.md"
    assert "'date'" in skip.reason
    assert "2022-13-45" in skip.reason


def test_md_malformed_yaml(tmp_path: Path) -> None:
    write(tmp_path, "bad.md", f"---\ntitle: [unclosed\n---\n{EN_BODY}")
    skip = only_skip(scan(tmp_path))
    assert skip.reason.startswith("malformed YAML front matter")


def test_md_front_matter_not_a_mapping(tmp_path: Path) -> None:
    write(tmp_path, "bad.md", f"---\n- just\n- a list\n---\n{EN_BODY}")
    assert "not a mapping" in only_skip(scan(tmp_path)).reason


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("blank.txt", "   \n\n  "),
        ("header-only.txt", " date 2022-01-01   \n"),
        ("fm-only.md", "---\ntitle: X\n---\n"),
    ],
)
def test_empty_article(tmp_path: Path, name: str, content: str) -> None:
    write(tmp_path, name, content)
    result = scan(tmp_path)
    assert result.articles == []
    assert only_skip(result).reason == "empty article"


def test_jsonl_bad_lines_skipped_good_lines_kept(tmp_path: Path) -> None:
    content = "\n".join(
        [
            json.dumps({"id": "one", "text": "First good line."}),
            "",
            '{"id": "broken", "text": ',
            json.dumps({"id": "no-text", "title": "Missing"}),
            json.dumps({"id": "bad-date", "text": "Has a bad date.", "date": "yesterday"}),
            json.dumps(["not", "an", "object"]),
            json.dumps({"id": "blank", "text": "   "}),
            json.dumps({"id": "two", "text": "Second good line."}),
        ]
    )
    write(tmp_path, "feed.jsonl", content)
    result = scan(tmp_path)
    assert [article.id for article in result.articles] == ["one", "two"]
    assert result.articles[1].source == "feed.jsonl#L8"
    reasons = {skip.line: skip.reason for skip in result.skipped}
    assert all(skip.path == "feed.jsonl" for skip in result.skipped)
    assert list(reasons) == [3, 4, 5, 6, 7]
    assert reasons[3].startswith("malformed JSON")
    assert reasons[4] == "missing required field 'text'"
    assert "'date'" in reasons[5] and "yesterday" in reasons[5]
    assert reasons[6] == "line is not a JSON object"
    assert reasons[7].startswith("empty article")


def test_file_over_the_size_limit_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "huge.txt", "x" * 3 * 1024 * 1024)

    def refuse(fd: int, size: int) -> bytes:
        raise AssertionError("the size must be checked before reading")

    monkeypatch.setattr(corpus_walk, "_read", refuse)
    skip = only_skip(scan(tmp_path, max_file_bytes=2 * 1024 * 1024))
    assert skip.reason == "file is 3.0 MB, over the limit of 2.0 MB (setting MAX_FILE_MB)"


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "locked.txt", "Some text.")

    def deny(fd: int, size: int) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(corpus_walk, "_read", deny)
    assert only_skip(scan(tmp_path)).reason == "cannot read file: Permission denied"


def test_unsupported_extension(tmp_path: Path) -> None:
    write(tmp_path, "notes.xyz", "Something.")
    write(tmp_path, "ok.txt", "Fine.")
    result = scan(tmp_path)
    assert [article.id for article in result.articles] == ["ok"]
    skip = only_skip(result)
    assert skip.path == "notes.xyz"
    assert skip.reason == "unsupported file type '.xyz' (use .txt, .md or .jsonl)"


def test_duplicate_id_keeps_first_in_sorted_order(tmp_path: Path) -> None:
    write(tmp_path, "a.md", "Markdown version of the story.")
    write(tmp_path, "a.txt", "Plain text version of the story.")
    write(tmp_path, "feed.jsonl", '{"id": "a", "text": "A JSONL story with a clashing id."}\n')
    result = scan(tmp_path)
    assert [(article.id, article.source) for article in result.articles] == [("a", "a.md")]
    assert [(skip.path, skip.line) for skip in result.skipped] == [("a.txt", None), ("feed.jsonl", 1)]
    assert result.skipped[0].reason == "duplicate id 'a' (already used by a.md)"
    assert result.duplicates == []


def test_exact_duplicate_text_is_dropped_not_skipped(tmp_path: Path) -> None:
    write(tmp_path, "one.txt", " date 2020-01-01 Same story, same words.")
    write(tmp_path, "two.md", "---\ntitle: Other title\n---\nSame story, same words.\n")
    result = scan(tmp_path)
    assert [article.id for article in result.articles] == ["one"]
    assert result.duplicates == [("two.md", "one")]
    assert result.skipped == []


def test_skips_are_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    write(tmp_path, "notes.xyz", "Something.")
    with caplog.at_level(logging.WARNING, logger="index.corpus.parsers"):
        scan(tmp_path)
    assert any("notes.xyz" in record.getMessage() for record in caplog.records)


def test_parse_file_directly(tmp_path: Path) -> None:
    path = write(tmp_path, "sub/story.txt", " date 2019-09-09 Direct parse.")
    articles, skipped = parse_file(path, tmp_path, max_file_bytes=LIMIT)
    assert skipped == []
    assert [(article.id, article.date) for article in articles] == [("sub/story", dt.date(2019, 9, 9))]


# --- ids, hashes, corpus folder --------------------------------------------------------------------


def test_id_and_hash_stable_across_scans_and_hash_follows_text(tmp_path: Path) -> None:
    path = write(tmp_path, "story.txt", " date 2020-01-01 " + EN_BODY)
    first = scan(tmp_path).articles[0]
    again = scan(tmp_path).articles[0]
    assert (first.id, first.content_hash) == (again.id, again.content_hash)
    path.write_text(" date 2020-01-01 " + EN_BODY + " One more sentence.", encoding="utf-8")
    edited = scan(tmp_path).articles[0]
    assert edited.id == first.id
    assert edited.content_hash != first.content_hash


def test_content_hash_joins_with_unit_separator() -> None:
    assert content_hash("a", "b") == hashlib.sha256(b"a\x1fb").hexdigest()
    assert content_hash("ab", "") != content_hash("a", "b")


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_corpus_dir_must_be_a_folder(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "no-such-corpus"
    if kind == "file":
        target.write_text("not a folder", encoding="utf-8")
    with pytest.raises(CorpusError, match="no-such-corpus"):
        scan(target)


# --- titles ----------------------------------------------------------------------------------------


def test_derive_title_skips_caption_and_abbreviations() -> None:
    text = "LIMA. 3 de mayo. Fans in the stadium. (Foto: EFE)\n\nMr. J. Smith arrived on Monday. He left."
    assert derive_title(text) == "Mr. J. Smith arrived on Monday."


def test_derive_title_keeps_a_lone_caption_like_paragraph() -> None:
    assert derive_title("Rain expected all week (AP)") == "Rain expected all week (AP)"


def test_derive_title_cuts_long_sentences_at_a_word() -> None:
    title = derive_title("word " * 40)
    assert len(title) <= 90
    assert title.endswith("word…")
    assert derive_title("") == ""
