"""`python -m index` end to end in a subprocess, with the torch-free hashing model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from index.cli import print_answer
from index.models import Answer, Quote


def run(args: list[str], tmp_path: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "EMBEDDING_MODEL": "hashing:256",
        "INDEX_DIR": str(tmp_path / "index"),
        "CORPUS_DIR": str(tmp_path / "corpus"),
        "MIN_SCORE": "0.2",
    }
    # Not tmp_path itself: its index/ folder would shadow the `index` package for `python -m`.
    workdir = tmp_path / "work"
    workdir.mkdir(exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "index", *args],
        cwd=workdir,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_build_ask_stats_end_to_end(tiny_corpus: Path, tmp_path: Path) -> None:
    built = run(["build"], tmp_path)
    assert built.returncode == 0, built.stderr
    assert "3 added" in built.stdout and "3 articles" in built.stdout
    again = run(["build"], tmp_path)
    assert "up to date" in again.stdout

    asked = run(["ask", "How", "many", "hours", "were", "flights", "suspended", "at", "Catania?"], tmp_path)
    assert asked.returncode == 0, asked.stderr
    assert "Flights at Catania airport were suspended for six hours." in asked.stdout
    assert " · 2024-03-02" in asked.stdout

    stats = run(["stats", "--json"], tmp_path)
    assert json.loads(stats.stdout)["articles"] == 3
    # The hashing embedder has no trained ranker: every language is ranked by the hand-set weights.
    assert json.loads(stats.stdout)["scorers"] == {"en": "hand-set", "es": "hand-set"}
    assert set(json.loads(stats.stdout)["deciders"]) == {"en", "es"}
    text = run(["stats"], tmp_path)
    assert "answer or refuse: en hand-set >= " in text.stdout


def test_ask_json_reads_one_question_per_line(tiny_corpus: Path, tmp_path: Path) -> None:
    run(["build"], tmp_path)
    out = run(
        ["ask", "--json"],
        tmp_path,
        stdin="Who scored in the Champions League final?\n\nrecipe for tiramisu\n",
    )
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [a["question"] for a in lines] == [
        "Who scored in the Champions League final?",
        "",
        "recipe for tiramisu",
    ]
    first = lines[0]
    assert first["answered"] is True and "took_ms" in first
    quote = first["quotes"][0]
    assert {"text", "article_id", "title", "date", "source", "start", "end", "score"} <= quote.keys()
    assert quote["article_id"] == "final-2022" and quote["date"] == "2022-05-28"
    assert lines[1]["status"] == "invalid_question"
    assert lines[2]["answered"] is False


def test_errors_are_one_clear_line(tmp_path: Path) -> None:
    missing = run(["build", "--corpus", str(tmp_path / "nowhere")], tmp_path)
    assert missing.returncode == 2
    assert "nowhere" in missing.stderr and "Traceback" not in missing.stderr
    no_index = run(["ask", "anything?"], tmp_path)
    assert no_index.returncode == 2 and "python -m index build" in no_index.stderr


def test_terminal_answer_keeps_a_paragraph_break_inside_a_quote(capsys: pytest.CaptureFixture[str]) -> None:
    text = "Another Concacaf Selection, interested in Osorio\n\nOsorio continues to be a valued coach."
    quote = Quote(
        text=text, article_id="a", title="T", date=None, source="a.txt", start=0, end=len(text), score=1
    )
    print_answer(Answer(question="q", answered=True, status="answered", quotes=[quote]))
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == [
        "1. “Another Concacaf Selection, interested in Osorio",
        "   Osorio continues to be a valued coach.”",
    ]
