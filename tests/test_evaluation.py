"""Evaluation metrics (pure functions) and the `eval` command end to end with the hashing embedder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.cli import main
from index.eval.holdout import hold_out_paragraphs
from index.eval.squad import (
    Dataset,
    EvalArticle,
    EvalQuestion,
    abstention_curve,
    calibrate,
    expand_titles,
    hit_rank,
    load_squad,
    normalise,
)

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "tiny_squad.json"


def test_normalise_folds_case_and_whitespace() -> None:
    assert normalise("  The  Island\nof Pharos ") == "the island of pharos"


def test_hit_rank_finds_first_quote_with_any_gold() -> None:
    quotes = ["nothing here", "It stood on the Island of\nPharos.", "Pharos again"]
    assert hit_rank(quotes, ["the island of pharos", "unused"]) == 2
    assert hit_rank(quotes, ["Alexandria"]) is None
    assert hit_rank([], ["x"]) is None


def test_paragraph_at_maps_offsets_to_paragraphs() -> None:
    article = EvalArticle("t", ["abc", "defg", "h"])
    text = article.text
    assert article.paragraph_at(0) == 0
    assert article.paragraph_at(text.index("defg")) == 1
    assert article.paragraph_at(text.index("h")) == 2


def test_load_squad_reads_titles_paragraphs_and_answers() -> None:
    data = load_squad(FIXTURE)
    assert [a.title for a in data.articles] == ["Lighthouse of Alexandria", "Honey bee", "Glacier"]
    assert len(data.questions) == 6
    q = next(q for q in data.questions if q.qid == "l3")
    assert q.paragraph == 1 and q.answers == ["Citadel of Qaitbay"]
    assert len(data.select(["Glacier"])) == 1


def test_expand_titles_reads_files(tmp_path: Path) -> None:
    listing = tmp_path / "split.txt"
    listing.write_text("# comment\nHoney_bee\n\nGlacier\n")
    assert expand_titles([f"@{listing}", "Lighthouse_of_Alexandria"]) == [
        "Honey bee",
        "Glacier",
        "Lighthouse of Alexandria",
    ]
    assert expand_titles(None) is None


def test_abstention_curve_and_calibration() -> None:
    answerable = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05] * 2
    unanswerable = [0.1, 0.2, 0.3]
    points = abstention_curve(answerable, unanswerable, steps=4)
    assert [p.answered for p in points] == sorted((p.answered for p in points), reverse=True)
    lowest = points[0]
    assert lowest.answered == 1.0 and lowest.abstained == 0.0
    threshold = calibrate(answerable, keep=0.9)
    assert sum(s >= threshold for s in answerable) / len(answerable) >= 0.9


def test_eval_command_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    misses = tmp_path / "misses.jsonl"
    argv = ["eval", str(FIXTURE), "--index-dir", str(tmp_path / "ix"), "--model", "hashing:256"]
    assert main([*argv, "--misses", str(misses)]) == 0
    out = capsys.readouterr().out
    assert "6 questions" in out and "@1" in out and "MRR@10" in out and "p50" in out
    for line in misses.read_text().splitlines():
        record = json.loads(line)
        assert record["rank"] != 1 and record["question"]


def test_eval_command_unanswerable_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["eval", str(FIXTURE), "--index-dir", str(tmp_path / "ix"), "--model", "hashing:256"]
    assert main([*argv, "--unanswerable", "Glacier"]) == 0
    out = capsys.readouterr().out
    assert "5 questions" in out and "unanswerable: 1 questions" in out and "threshold" in out


def test_eval_command_rejects_unknown_title(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["eval", str(FIXTURE), "--index-dir", str(tmp_path / "ix"), "--model", "hashing:256"]
    assert main([*argv, "--articles", "Atlantis"]) == 2
    assert "Atlantis" in capsys.readouterr().err


def test_hold_out_paragraphs_hides_a_seeded_share_and_keeps_numbering_exact() -> None:
    paragraphs = [f"Paragraph {i} says the code is {100 + i}." for i in range(6)]
    questions = [EvalQuestion(f"q{i}", f"What is code {i}?", [str(100 + i)], "A", i) for i in range(6)]
    # q6's answer is in paragraph 0 as well as 5: if paragraph 5 is hidden, q6 is ambiguous, not unanswerable.
    questions.append(EvalQuestion("q6", "Which paragraph?", ["Paragraph 0"], "A", 5))
    dataset = Dataset([EvalArticle("A", paragraphs)], questions)
    kept, hidden = hold_out_paragraphs(dataset, 0.5, seed=3)
    again = hold_out_paragraphs(dataset, 0.5, seed=3)
    assert [q.qid for q in again[1]] == [q.qid for q in hidden]  # deterministic
    (article,) = kept.articles
    assert len(article.paragraphs) == 3 and len(hidden) == 3
    assert "q6" not in {q.qid for q in hidden}
    for q in kept.questions:
        # Each answerable question points at its paragraph in the text that is indexed.
        assert q.answers[0] in article.paragraphs[q.paragraph]
    for q in hidden:
        assert q.answers[0] not in article.text


def test_hold_out_paragraphs_rejects_shares_outside_zero_one() -> None:
    dataset = load_squad(FIXTURE)
    with pytest.raises(ValueError, match="holdout-paragraphs"):
        hold_out_paragraphs(dataset, 1.0)


def test_eval_command_holdout_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["eval", str(FIXTURE), "--index-dir", str(tmp_path / "ix"), "--model", "hashing:256"]
    assert main([*argv, "--holdout-paragraphs", "0.5"]) == 0
    out = capsys.readouterr().out
    # Only the two-paragraph article loses one: its questions there become the unanswerable ones.
    assert "unanswerable: " in out and "threshold answering 95%" in out
    asked = int(out.split(" questions", 1)[0].rsplit(" ", 1)[-1])
    hidden = int(out.split("unanswerable: ", 1)[1].split(" ", 1)[0])
    assert asked + hidden == 6 and hidden in (1, 2)


def test_eval_command_rejects_a_bad_holdout_share(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["eval", str(FIXTURE), "--index-dir", str(tmp_path / "ix"), "--model", "hashing:256"]
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--holdout-paragraphs", "1.5"])
    assert exc.value.code == 2
    assert "--holdout-paragraphs" in capsys.readouterr().err
