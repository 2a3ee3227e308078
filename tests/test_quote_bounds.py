"""Every quote is bounded: one huge "sentence" is quoted as a window around its best part, still verbatim."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from index.answer.answerer import Answerer
from index.answer.passages import MAX_QUOTE_SPAN, bound_span
from index.cli import print_answer
from index.embedding.hashing import HashingEmbedder
from index.models import Answer, Quote
from index.store.generations import Snapshot
from index.store.handle import IndexHandle

# A scraped table flattened into one 200,000-character "sentence" with no sentence punctuation.
FILLER = " ".join(f"row {i} cell value {i * 7 % 1000} units" for i in range(8000))
NEEDLE = "the Zumbador reservoir held 4,700 megalitres in March"


def huge_sentence() -> str:
    middle = len(FILLER) // 2
    cut = FILLER.index(" ", middle)
    text = FILLER[:cut] + " " + NEEDLE + FILLER[cut:]
    return (text + " " + FILLER)[:200_000].rstrip()


def test_a_200k_sentence_is_quoted_as_a_bounded_window_around_its_best_part(
    make_snapshot: Callable[[str, dict[str, str]], Snapshot],
) -> None:
    text = huge_sentence()
    snap = make_snapshot("c", {"table.txt": text, "other.txt": "The weather was mild on Sunday."})
    embedder = HashingEmbedder(256)
    answerer = Answerer(IndexHandle(snap.path.parent, embedder.name), embedder, min_score=0.0)
    answer = answerer.ask("How much did the Zumbador reservoir hold?")
    quote = next(q for q in answer.quotes if q.article_id == "table")
    article = next(a for a in snap.data.articles if a.id == "table").text
    assert len(quote.text) <= MAX_QUOTE_SPAN
    assert article[quote.start : quote.end] == quote.text
    assert NEEDLE in quote.text  # the window sits on the question's terms, not at the sentence start
    assert quote.clipped_start and quote.clipped_end
    assert 0 <= quote.highlight_start < quote.highlight_end <= len(quote.text)
    assert quote.text == quote.text.strip() and not quote.text[0].isspace()
    # Cut between words: the characters just outside the window are not letters of a cut word.
    assert not (article[quote.start - 1].isalnum() and article[quote.start].isalnum())
    assert not (article[quote.end - 1].isalnum() and article[quote.end].isalnum())


def test_without_question_terms_the_window_is_the_sentence_start() -> None:
    text = "x" * 10 + " " + FILLER
    span = bound_span(text, (11, len(text)), (11, len(text)), [])
    assert span.start == 11 and span.end - span.start <= MAX_QUOTE_SPAN
    assert not span.clipped_start and span.clipped_end
    assert text[span.end] == " "  # ends between words


def test_a_short_passage_and_a_short_best_sentence_are_kept_whole() -> None:
    text = "Short one. " + "word " * 200 + "end."
    assert bound_span(text, (0, 10), (0, 10), ["word"]) == bound_span(text, (0, 10), (0, 10), [])
    whole = bound_span(text, (0, len(text)), (0, 10), ["word"])
    assert (whole.start, whole.end, whole.clipped_start, whole.clipped_end) == (0, 10, False, False)


def test_text_without_spaces_is_windowed_by_characters_never_splitting_a_combining_mark() -> None:
    thai = "ประเทศไทยมีฝนตกหนักในภาคเหนือ" * 400  # no spaces, vowels and tone marks combine
    span = bound_span(thai, (0, len(thai)), (0, len(thai)), ["zzz"])
    assert 0 < span.end - span.start <= MAX_QUOTE_SPAN
    import unicodedata

    assert not unicodedata.combining(thai[span.end])
    chinese = "中国南方今年遭遇了严重的洪水灾害" * 200
    middle = len(chinese) // 2
    text = chinese[:middle] + " Yangtze " + chinese[middle:]
    span = bound_span(text, (0, len(text)), (0, len(text)), ["yangtz"])
    assert "Yangtze" in text[span.start : span.end] and span.end - span.start <= MAX_QUOTE_SPAN


def test_cli_json_quotes_a_200k_sentence_in_bounds(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "table.txt").write_text(huge_sentence(), encoding="utf-8")
    env = {
        **os.environ,
        "EMBEDDING_MODEL": "hashing:256",
        "INDEX_DIR": str(tmp_path / "index"),
        "CORPUS_DIR": str(corpus),
        "MIN_SCORE": "0.0",
    }
    work = tmp_path / "work"
    work.mkdir()
    run = [sys.executable, "-m", "index"]
    subprocess.run([*run, "build"], cwd=work, env=env, check=True, capture_output=True, timeout=300)
    out = subprocess.run(
        [*run, "ask", "--json"],
        cwd=work,
        env=env,
        input="How much did the Zumbador reservoir hold?\n",
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    quote = json.loads(out.stdout)["quotes"][0]
    assert len(quote["text"]) <= MAX_QUOTE_SPAN and NEEDLE in quote["text"]
    assert huge_sentence()[quote["start"] : quote["end"]] == quote["text"]
    assert quote["clipped_start"] is True and quote["clipped_end"] is True


def test_the_terminal_marks_a_clipped_quote_with_ellipses(capsys: pytest.CaptureFixture[str]) -> None:
    quote = Quote(
        text="middle words",
        article_id="a",
        title="T",
        date=None,
        source="a.txt",
        start=5,
        end=17,
        score=1.0,
        clipped_start=True,
        clipped_end=True,
    )
    print_answer(Answer(question="q", answered=True, status="answered", quotes=[quote]))
    assert "“…middle words…”" in capsys.readouterr().out
