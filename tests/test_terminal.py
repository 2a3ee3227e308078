"""What a person at a terminal sees: wrapped answers, short attributions, a prompt with history."""

from __future__ import annotations

import datetime as dt
import os
import pty
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO

from index.cli import attribution_line, print_answer, prompt_lines
from index.models import Answer, Quote

LONG = (
    "Juan Carlos Osorio is one of the most successful coaches in the history of Colombian soccer. He won six "
    "titles with Atlético Nacional (three Leagues, two Colombian Cups and one Super League) and one League "
    "with Once Caldas, and also led the Greens to the final of the Copa Sudamericana in 2014."
)


def quote(text: str = LONG, **fields: object) -> Quote:
    base: dict[str, object] = {
        "text": text,
        "article_id": "001_55c37db124a18bc8",
        "title": "Juan Carlos Osorio is one of the most successful coaches in the history of Colombia",
        "date": dt.date(2023, 7, 12),
        "source": "El Tiempo",
        "start": 0,
        "end": len(text),
        "score": 0.9,
    }
    return Quote.model_validate({**base, **fields})


def answered(*quotes: Quote, confidence: float = 0.62) -> Answer:
    return Answer(
        question="q", answered=True, status="answered", quotes=list(quotes), confidence=confidence, took_ms=7
    )


def test_answers_wrap_to_the_width_without_breaking_words(capsys: pytest.CaptureFixture[str]) -> None:
    print_answer(answered(quote()), width=60)
    out = capsys.readouterr().out
    assert all(len(line) <= 60 for line in out.splitlines()), out
    assert " ".join(out.split()).count("Sudamericana") == 1 and "Sudameri-" not in out


def test_the_attribution_is_one_short_line_with_publisher_and_date() -> None:
    line = attribution_line(quote(), 80)
    assert len(line) <= 80 and line.endswith(" · El Tiempo · 2023-07-12")
    assert line.startswith("   — Juan Carlos Osorio") and "…" in line
    # The title stands in for a missing publisher: it is not repeated.
    assert attribution_line(quote(source=quote().title, date=None), 200).count("Juan Carlos") == 1


def test_a_quote_with_its_own_quotation_marks_is_not_wrapped_in_more(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = "“We will win the league,” Osorio said after the final in Medellín."
    print_answer(answered(quote(text)), width=100)
    first = capsys.readouterr().out.splitlines()[0]
    assert first == "1. “We will win the league,” Osorio said after the final in Medellín."


def test_one_confidence_for_the_answer_none_per_quote(capsys: pytest.CaptureFixture[str]) -> None:
    # Trained ordering: the second quote's own confidence is higher than the first's.
    first, second = quote(confidence=0.40), quote("Osorio later coached Mexico.", confidence=0.80)
    print_answer(answered(first, second, confidence=0.62), width=100)
    out = capsys.readouterr().out
    assert "0.40" not in out and "0.80" not in out
    assert out.splitlines()[-1] == "(confidence 0.62, 7 ms)"


def scripted(*typed: str | type[BaseException]) -> Iterator[str | type[BaseException]]:
    return iter(typed)


def reader(script: Iterator[str | type[BaseException]]):  # type: ignore[no-untyped-def]
    def read(_prompt: str) -> str:
        item = next(script)
        if isinstance(item, type):
            raise item
        return item

    return read


def test_prompt_skips_empty_lines_and_leaves_on_exit_ctrl_d_or_ctrl_c(
    capsys: pytest.CaptureFixture[str],
) -> None:
    saved: list[bool] = []
    lines = prompt_lines(
        reader(scripted("", "   ", "first?", "second?", "exit", "never")), lambda: saved.append(True)
    )
    assert list(lines) == ["first?", "second?"] and saved == [True]
    assert list(prompt_lines(reader(scripted("one?", EOFError)))) == ["one?"]
    assert list(prompt_lines(reader(scripted("one?", KeyboardInterrupt, "never")))) == ["one?"]
    assert "Traceback" not in capsys.readouterr().out


def wait_for(fd: int, seen: bytearray, text: str, count: int, timeout: float = 60) -> str:
    """Read the pty until `text` has appeared `count` times (bounded)."""
    deadline = time.monotonic() + timeout
    while (out := seen.decode("utf-8", "replace")).count(text) < count:
        assert time.monotonic() < deadline, f"never saw {text!r} x{count} in:\n{out}"
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                seen.extend(os.read(fd, 4096))
            except OSError:  # the child closed the terminal
                break
    return out


def test_the_real_prompt_recalls_questions_with_the_arrow_keys(tiny_corpus: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAX_", "MIN_", "EMBEDDING_"))}
    data = tmp_path / "data"
    env.update(
        EMBEDDING_MODEL="hashing:256",
        INDEX_DIR=str(data / "index"),
        CORPUS_DIR=str(tiny_corpus),
        MIN_SCORE="0.2",
        PYTHONPATH=str(REPO),
        COLUMNS="80",
        TERM="xterm",
    )
    work = tmp_path / "work"
    work.mkdir()
    subprocess.run(
        [sys.executable, "-m", "index", "build"], cwd=work, env=env, check=True, capture_output=True
    )
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "index", "ask"], cwd=work, env=env, stdin=child, stdout=child, stderr=child
    )
    os.close(child)
    seen = bytearray()
    try:
        # Type only at a prompt: readline may drop what was typed ahead while it set the terminal up.
        for prompts, keys in enumerate(
            [b"How many hours were flights suspended at Catania?\r", b"\r", b"\x1b[A\r", b"\x04"], start=1
        ):
            wait_for(main, seen, "\n? ", prompts)
            os.write(main, keys)  # a question; an empty line (asks again); Up + Enter (the same); Ctrl-D
        assert proc.wait(60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main)
    out = seen.decode("utf-8", "replace")
    assert out.count("Flights at Catania airport were suspended for six hours.") == 2, out
    assert "^[[A" not in out and "Traceback" not in out
    assert "Catania" in (data / "ask_history").read_text()
