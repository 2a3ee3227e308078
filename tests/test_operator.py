"""The operator's side of `python -m index` and `python -m bot`: settings errors, pipes, logs, start-up."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, TINY_ARTICLES, write_corpus

import bot.__main__ as bot_main
from bot.settings import BotSettings
from index.settings import CoreSettings, SettingsError, load_settings


def index_cli(
    args: list[str], tmp_path: Path, stdin: str | None = None, **settings: str
) -> subprocess.CompletedProcess[str]:
    """`python -m index ARGS` in tmp_path/work with the hashing model and no inherited settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAX_", "MIN_", "EMBEDDING_"))}
    env.update(
        EMBEDDING_MODEL="hashing:256",
        INDEX_DIR=str(tmp_path / "index"),
        CORPUS_DIR=str(tmp_path / "corpus"),
        MIN_SCORE="0.2",
        PYTHONPATH=str(REPO),
    )
    env.update(settings)
    workdir = tmp_path / "work"  # not tmp_path: its index/ folder would shadow the `index` package
    workdir.mkdir(exist_ok=True)
    cmd = [sys.executable, "-m", "index", *args]
    return subprocess.run(cmd, cwd=workdir, env=env, input=stdin, capture_output=True, text=True, timeout=120)


# --- item 4: an invalid setting is one line naming it, its value and what is allowed ---------------------


@pytest.mark.parametrize(
    ("setting", "value", "allowed"),
    [
        ("MIN_SCORE", "abc", "valid number"),
        ("MAX_QUOTES", "50", "less than or equal to 20"),
        ("EMBEDDING_BACKEND", "gpu", "'auto', 'onnx', 'onnx-int8', 'torch' or 'e5-engine'"),
    ],
)
def test_invalid_setting_is_one_line_for_every_command(
    tmp_path: Path, setting: str, value: str, allowed: str
) -> None:
    for command in (["build"], ["ask", "what?"], ["stats"]):
        done = index_cli(command, tmp_path, **{setting: value})
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert f"{setting}={value}" in done.stderr and allowed in done.stderr


def test_invalid_command_line_option_names_the_option(tmp_path: Path) -> None:
    done = index_cli(["ask", "--max-quotes", "0", "what?"], tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "error: invalid option --max-quotes 0: input should be greater than or equal to 1"
    )


def test_a_blank_value_in_env_means_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # .env.example's own lines, uncommented with nothing after the "=", as an operator would.
    example = (REPO / ".env.example").read_text(encoding="utf-8")
    blank = [line.lstrip("# ") for line in example.splitlines() if line.strip().endswith("=")]
    assert "MIN_SCORE=" in blank
    (tmp_path / ".env").write_text("\n".join([*blank, "MAX_QUOTES=", "EMBEDDING_BACKEND="]) + "\n")
    for name in ("MIN_SCORE", "MAX_QUOTES", "EMBEDDING_BACKEND", "DISCORD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    settings = load_settings(BotSettings)
    assert settings.min_score is None and settings.max_quotes == 3 and settings.embedding_backend == "auto"


def test_settings_error_lists_each_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_QUOTES", "50")
    monkeypatch.setenv("MIN_SCORE", "abc")
    with pytest.raises(SettingsError) as caught:
        load_settings(CoreSettings, {"index_dir": None})
    lines = str(caught.value).splitlines()
    assert len(lines) == 2 and any("MAX_QUOTES=50" in line for line in lines)


def test_bot_reports_an_invalid_setting_with_its_value(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("MAX_QUOTES", "50")
    with caplog.at_level(logging.ERROR, logger="bot"):
        assert bot_main.load_settings() is None
    assert caplog.messages == [
        "Invalid setting MAX_QUOTES=50 (environment or .env): input should be less than or equal to 20"
    ]


# --- item 5: pipes, --help, a failed build leaves nothing -------------------------------------------------


def test_stats_into_a_closed_pipe_ends_quietly(tiny_corpus: Path, tmp_path: Path) -> None:
    assert index_cli(["build"], tmp_path).returncode == 0
    env = {**os.environ, "EMBEDDING_MODEL": "hashing:256", "INDEX_DIR": str(tmp_path / "index")}
    cmd = [sys.executable, "-m", "index", "stats"]
    proc = subprocess.Popen(
        cmd, cwd=tmp_path / "work", env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # like `| head -0`: the reader is gone before the first line is written
    err = proc.stderr.read().decode()
    proc.wait(60)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err


def test_bot_help_prints_usage_and_does_not_start(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--help"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0
    assert done.stdout.startswith("usage: python -m bot") and "healthcheck" in done.stdout
    assert "DISCORD_TOKEN" not in done.stderr


def test_build_with_a_missing_corpus_leaves_no_index_folder(tmp_path: Path) -> None:
    done = index_cli(["build", "--corpus", str(tmp_path / "nowhere")], tmp_path)
    assert done.returncode == 2 and "nowhere" in done.stderr
    assert not (tmp_path / "index").exists()


# --- item 9 and 11: each line once -------------------------------------------------------------------------


def test_build_reports_skips_and_summary_once_and_lists_duplicates_only_at_debug(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", TINY_ARTICLES)
    (corpus / "broken.txt").write_bytes(b"\xff\xfe not utf-8")
    for n in range(3):
        (corpus / f"copy{n}.txt").write_text(TINY_ARTICLES["volcano.txt"], encoding="utf-8")
    done = index_cli(["build"], tmp_path)
    assert done.returncode == 0, done.stderr
    output = done.stdout + done.stderr
    assert output.count("broken.txt") == 1, output
    assert output.count("Built index") == 1 and "3 duplicates" in done.stdout
    assert "copy1.txt" not in output  # one count in the summary, not one line per duplicate
    verbose = index_cli(["-v", "build", "--full"], tmp_path)
    assert "dropped copy1.txt" in verbose.stderr


def test_answers_are_logged_once_at_info(tiny_answerer: object, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="index"):
        tiny_answerer.ask("When did Etna erupt?")  # type: ignore[attr-defined]
    assert not [r for r in caplog.records if r.levelno >= logging.INFO and "answered=" in r.getMessage()]


def test_bot_log_lines_are_plain_unless_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("discord.utils.is_docker", lambda: True)  # discord.py would colour `docker logs`
    with (tmp_path / "log").open("w") as not_a_tty:
        formatter = bot_main.plain_formatter(not_a_tty)
    assert formatter is not None
    record = logging.LogRecord("bot", logging.INFO, __file__, 1, "hello", None, None)
    assert "\x1b[" not in formatter.format(record) and formatter.format(record).endswith("bot: hello")


class StartupBuilder:
    """A builder that records calls; `fail` makes build() raise like a locked index."""

    def __init__(self, has_index: bool, fail: Exception | None = None) -> None:
        self.indexed = has_index
        self.fail = fail
        self.builds = 0

    def has_index(self) -> bool:
        return self.indexed

    def build(self, full: bool = False) -> object:
        self.builds += 1
        if self.fail is not None:
            raise self.fail
        from index.models import BuildSummary

        return BuildSummary(up_to_date=True, articles=3, chunks=5)


def test_bot_start_up_build_runs_even_when_an_index_exists(caplog: pytest.LogCaptureFixture) -> None:
    from index.errors import IndexLocked

    builder = StartupBuilder(has_index=True)
    with caplog.at_level(logging.INFO, logger="bot"):
        bot_main.update_index(builder)
    assert builder.builds == 1 and any("Index is up to date" in m for m in caplog.messages)
    locked = StartupBuilder(has_index=True, fail=IndexLocked("Another build is running"))
    bot_main.update_index(locked)  # the existing index still answers: no exception
    with pytest.raises(IndexLocked):
        bot_main.update_index(StartupBuilder(has_index=False, fail=IndexLocked("Another build is running")))


# --- beyond the list: a question asked of an index older than the corpus says so -------------------------


def test_ask_notes_a_corpus_changed_since_the_last_build(tiny_corpus: Path, tmp_path: Path) -> None:
    from index.build.builder import CHECKED

    assert index_cli(["build"], tmp_path).returncode == 0
    past = (tmp_path / "index" / CHECKED).stat().st_mtime - 100
    for path in [tiny_corpus, *tiny_corpus.iterdir()]:
        os.utime(path, (past, past))
    question = ["ask", "When did the Etna volcano erupt?"]
    assert "note:" not in index_cli(question, tmp_path).stderr
    (tiny_corpus / "notes.docx").write_text("not an article")
    noted = index_cli(question, tmp_path)
    assert "notes.docx changed since the index was last built" in noted.stderr
    assert "note:" not in noted.stdout and "Etna" in noted.stdout
    # A build with nothing to index (the .docx is skipped) still counts as having read the corpus.
    assert "up to date" in index_cli(["build"], tmp_path).stdout
    assert "note:" not in index_cli(question, tmp_path).stderr


def test_ctrl_c_during_a_build_says_the_index_was_left_alone(
    tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import index.cli as cli

    def interrupted(*_args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "run_build", interrupted)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EMBEDDING_MODEL", "hashing:256")
    args = ["build", "--corpus", str(tiny_corpus), "--index-dir", str(tmp_path / "index")]
    assert cli.main(args) == 130
    err = capsys.readouterr().err
    assert err.strip() == "interrupted: the index was left as it was"
