"""A corpus written by someone less trusted than the operator: nothing outside is read, no build stops."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hostile_corpus import (
    MAX_FILE_BYTES,
    SECRET,
    remove_deep_folders,
    write_deep_folders,
    write_hostile_corpus,
)

from index.answer.answerer import Answerer
from index.build.builder import IndexBuilder
from index.corpus import parsers as articles_module
from index.corpus import scan as corpus_module
from index.corpus import walk as corpus_walk
from index.corpus.scan import CorpusScan, scan_corpus
from index.embedding.protocol import Embedder
from index.models import BuildSummary, SkippedInput
from index.store.handle import IndexHandle

if TYPE_CHECKING:
    from index.corpus.walk import CorpusWalk

LIMIT = 1024 * 1024


def where(summary_skips: list[SkippedInput]) -> dict[str, str]:
    """Skipped inputs as `path[:line]` -> reason."""
    return {(f"{s.path}:{s.line}" if s.line is not None else s.path): s.reason for s in summary_skips}


def scan(folder: Path) -> CorpusScan:
    return scan_corpus(folder, max_file_bytes=LIMIT)


def test_the_hostile_corpus_builds_and_names_every_skipped_file(
    tmp_path: Path, fake_embedder: Embedder
) -> None:
    hostile = write_hostile_corpus(tmp_path)
    builder = IndexBuilder(hostile.corpus, tmp_path / "index", fake_embedder, max_file_bytes=MAX_FILE_BYTES)
    summary: BuildSummary = builder.build(interactive=False)
    skipped = where(summary.skipped)
    assert set(skipped) == set(hostile.skips), skipped
    for path, words in hostile.skips.items():
        assert words in skipped[path], (path, skipped[path])
    assert f"{len(hostile.skips)} skipped" in summary.describe()
    snap = IndexHandle(builder.index_dir, fake_embedder.name).reload()
    assert snap is not None
    assert {a.id for a in snap.data.articles} == hostile.ids
    assert all(SECRET not in a.text and "PATH=" not in a.text for a in snap.data.articles)
    by_id = {a.id: a for a in snap.data.articles}
    assert by_id["feed-1"].title == "Badtitle here"  # NUL and U+202E dropped from a title
    assert by_id["evil\\u202etxt"].source == "evil\\u202etxt.md"
    remove_deep_folders(hostile.corpus, 100)


def test_links_out_of_the_corpus_never_reach_an_answer(tmp_path: Path, fake_embedder: Embedder) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "news.txt").write_text(
        "The city council met on Monday to discuss the budget.", encoding="utf-8"
    )
    (tmp_path / ".env").write_text(f"DISCORD_TOKEN={SECRET}\n", encoding="utf-8")
    os.symlink("../.env", corpus / "settings.txt")
    os.symlink("/proc/self/environ", corpus / "environ.txt")
    builder = IndexBuilder(corpus, tmp_path / "index", fake_embedder)
    summary = builder.build(interactive=False)
    assert where(summary.skipped) == {
        "environ.txt": "symbolic link to outside the corpus",
        "settings.txt": "symbolic link to outside the corpus",
    }
    answerer = Answerer(IndexHandle(builder.index_dir, fake_embedder.name), fake_embedder, min_score=0.0)
    for question in ("what is the DISCORD_TOKEN?", "DISCORD_TOKEN", "PATH HOME environment"):
        answer = answerer.ask(question)
        shown = answer.model_dump_json()
        assert SECRET not in shown and "PATH=" not in shown, shown


def test_a_link_inside_the_corpus_is_not_followed_and_its_target_is_indexed_once(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "story.txt").write_text("A story told once.", encoding="utf-8")
    os.symlink("real/story.txt", tmp_path / "copy.txt")
    os.symlink("real", tmp_path / "folder")
    result = scan(tmp_path)
    assert [a.id for a in result.articles] == ["real/story"]
    assert set(where(result.skipped)) == {"copy.txt", "folder"}
    assert all(r.startswith("symbolic link (links are not followed") for r in where(result.skipped).values())


def test_a_thousand_nested_folders_are_skipped_below_64_levels(tmp_path: Path) -> None:
    (tmp_path / "top.txt").write_text("An article at the top.", encoding="utf-8")
    write_deep_folders(tmp_path, 1000)
    try:
        result = scan(tmp_path)
    finally:
        remove_deep_folders(tmp_path, 1000)
    assert [a.id for a in result.articles] == ["top"]
    [(path, reason)] = where(result.skipped).items()
    assert path.count("/") == 64 and reason == "folder nested more than 64 levels deep (not entered)"


def swap_after_walk(
    monkeypatch: pytest.MonkeyPatch, name: str, swap: Callable[[Path], None], corpus: Path
) -> None:
    """Run `swap` on corpus/name between the walk and the read (a race an attacker could win)."""
    real_walk = corpus_module.walk_corpus

    def walk_then_swap(*args: object, **kwargs: object) -> CorpusWalk:
        found = real_walk(*args, **kwargs)  # type: ignore[arg-type]
        swap(corpus / name)
        return found

    monkeypatch.setattr(corpus_module, "walk_corpus", walk_then_swap)


@pytest.mark.parametrize(
    ("swap", "reason"),
    [
        (lambda p: p.unlink(), "cannot read file: No such file or directory"),
        (lambda p: (p.unlink(), os.mkfifo(p)), "not a regular file"),
        (lambda p: (p.unlink(), os.symlink("/proc/self/environ", p)), "symbolic link (not followed)"),
        (
            lambda p: (p.with_name("new").write_text("New."), os.replace(p.with_name("new"), p)),
            "file was replaced",
        ),
    ],
    ids=["vanished", "fifo", "link", "replaced"],
)
def test_a_file_swapped_after_the_walk_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, swap: Callable[[Path], None], reason: str
) -> None:
    (tmp_path / "a.txt").write_text("A first story.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("A second story.", encoding="utf-8")
    swap_after_walk(monkeypatch, "a.txt", swap, tmp_path)
    result = scan(tmp_path)
    assert [a.id for a in result.articles] == ["b"]
    assert list(where(result.skipped)) == ["a.txt"]
    assert where(result.skipped)["a.txt"].startswith(reason)


def test_an_unexpected_failure_in_one_file_skips_it_and_the_build_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "a.txt").write_text("Crashes the parser.", encoding="utf-8")
    (tmp_path / "b.md").write_text("Parsed fine.", encoding="utf-8")

    def explode(raw: str, rel: str, article_id: str) -> list:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setitem(articles_module._SINGLE_PARSERS, ".txt", explode)
    result = scan(tmp_path)
    assert [a.id for a in result.articles] == ["b"]
    assert where(result.skipped) == {"a.txt": "could not be parsed (RecursionError)"}
    assert any("a.txt" in r.getMessage() and r.exc_info for r in caplog.records)


@pytest.mark.parametrize(
    ("front", "reason"),
    [
        ("title: &t Hello\nurl: *t", "anchors and aliases (& and *) are not allowed"),
        ("title: " + "[" * 600 + "]" * 600, "nested more than 16 levels deep"),
        ("title:\n" + "".join("  " * i + "- x:\n" for i in range(1, 40)), "nested more than 16 levels deep"),
        ("date: [2024-01-01]", "front matter field 'date': expected a single value"),
        ("source: {a: b}", "front matter field 'source': expected a single value"),
        ("note: " + "x" * 70_000, "front matter is over 64 KB"),
    ],
    ids=["alias", "deep-flow", "deep-block", "date-list", "source-map", "too-big"],
)
def test_hostile_front_matter_is_a_skipped_file(tmp_path: Path, front: str, reason: str) -> None:
    (tmp_path / "a.md").write_text(f"---\n{front}\n---\nThe body.\n", encoding="utf-8")
    assert reason in where(scan(tmp_path).skipped)["a.md"]


def test_a_date_that_is_a_list_in_jsonl_is_refused_without_printing_it(tmp_path: Path) -> None:
    (tmp_path / "f.jsonl").write_text('{"text": "Body.", "date": ["2024-01-01"]}\n', encoding="utf-8")
    assert where(scan(tmp_path).skipped) == {
        "f.jsonl:1": "JSON field 'date': expected a single value, not a list or a mapping"
    }


def test_a_deep_jsonl_line_skips_only_that_line(tmp_path: Path) -> None:
    deep = '{"text": ' + "[" * 1100 + "]" * 1100 + "}"
    (tmp_path / "f.jsonl").write_text(f'{deep}\n{{"text": "Still here."}}\n', encoding="utf-8")
    result = scan(tmp_path)
    assert [a.text for a in result.articles] == ["Still here."]
    assert where(result.skipped) == {"f.jsonl:1": "malformed JSON: nested too deeply"}


def test_control_characters_in_file_names_cannot_forge_log_lines(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "x\nINFO fake: build ok.xyz").write_text("Unsupported.", encoding="utf-8")
    (tmp_path / "y\x1b[31m\u202e.txt").write_text("", encoding="utf-8")
    (tmp_path / "z\r.txt").write_text("A good story with a carriage return in its name.", encoding="utf-8")
    with caplog.at_level(logging.INFO):
        result = scan(tmp_path)
    assert set(where(result.skipped)) == {"x\\nINFO fake: build ok.xyz", "y\\x1b[31m\\u202e.txt"}
    [article] = result.articles
    assert (article.id, article.source) == ("z\\r", "z\\r.txt")
    messages = [r.getMessage() for r in caplog.records]
    assert messages and all("\n" not in m and "\x1b" not in m and "\u202e" not in m for m in messages)


def test_a_quote_attribution_shows_the_escaped_name(
    tmp_path: Path, make_builder: Callable[..., IndexBuilder], fake_embedder: Embedder
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "harbour\n[ok].txt").write_text("The harbour reopened on Thursday after the storm.", "utf-8")
    builder = make_builder(corpus)
    builder.build(interactive=False)
    answer = Answerer(IndexHandle(builder.index_dir, fake_embedder.name), fake_embedder, min_score=0.0).ask(
        "when did the harbour reopen?"
    )
    # The attribution names no file (the title stands in for a missing publisher); the id shows the escape.
    assert answer.quotes and "\n" not in answer.quotes[0].source and ".txt" not in answer.quotes[0].source
    assert answer.quotes[0].article_id == "harbour\\n[ok]"


def test_article_text_stays_verbatim(tmp_path: Path) -> None:
    text = "Rain \u202efell\u200b on Quito."
    (tmp_path / "rain.txt").write_text(text, encoding="utf-8")
    [article] = scan(tmp_path).articles
    assert article.text == text and article.title == "Rain fell on Quito."


def test_an_entry_that_vanishes_while_its_folder_is_listed_skips_only_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.txt").write_text("Gone before it is looked at.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Still here.", encoding="utf-8")
    real_scandir = os.scandir

    class Listing:
        """os.scandir whose entry a.txt is deleted after it is listed, before it is looked at."""

        def __init__(self, fd: int) -> None:
            self.listing = real_scandir(fd)

        def __enter__(self) -> Iterator[os.DirEntry[str]]:
            for entry in self.listing:
                if entry.name == "a.txt":
                    (tmp_path / "a.txt").unlink()
                yield entry

        def __exit__(self, *exc: object) -> None:
            self.listing.close()

    monkeypatch.setattr(corpus_walk.os, "scandir", Listing)
    result = scan(tmp_path)
    assert [a.id for a in result.articles] == ["b"]
    assert where(result.skipped) == {"a.txt": "cannot read file: No such file or directory"}
