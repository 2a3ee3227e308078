"""/reindex builds in a child process: it reports a summary, a failure in one short line, and is bounded."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.reindex import EXIT_ERROR, EXIT_LOCKED, child_environment, interpret_exit, run_build_process
from index.settings import CoreSettings


def core_settings(tmp_path: Path) -> CoreSettings:
    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    (corpus / "a.txt").write_text("The Etna volcano erupted on Sunday night.\n", encoding="utf-8")
    return CoreSettings(  # type: ignore[call-arg]
        _env_file=None, corpus_dir=corpus, index_dir=tmp_path / "index", embedding_model="hashing:256"
    )


def test_the_child_gets_the_bots_core_settings_and_no_discord_secrets(tmp_path: Path) -> None:
    settings = core_settings(tmp_path)
    env = child_environment(settings, {"PATH": "/bin", "DISCORD_TOKEN": "secret", "discord_api_base": "x"})
    assert env["CORPUS_DIR"] == str(tmp_path / "corpus") and env["EMBEDDING_MODEL"] == "hashing:256"
    assert env["PATH"] == "/bin" and "secret" not in env.values() and "discord_api_base" not in env


def test_a_build_in_a_child_process_reports_its_summary(tmp_path: Path) -> None:
    result = asyncio.run(run_build_process(core_settings(tmp_path), memory_mb=0, timeout=120))
    assert result.outcome == "built" and result.summary is not None
    assert result.summary.added == 1 and (tmp_path / "index" / "current").exists()


def test_a_build_over_its_memory_cap_fails_alone(tmp_path: Path) -> None:
    result = asyncio.run(run_build_process(core_settings(tmp_path), memory_mb=100, timeout=120))
    assert result.outcome == "memory" and result.summary is None
    assert not (tmp_path / "index" / "current").exists()


def test_a_build_over_its_time_is_stopped(tmp_path: Path) -> None:
    result = asyncio.run(run_build_process(core_settings(tmp_path), memory_mb=0, timeout=0.01))
    assert result.outcome == "timeout" and result.summary is None


def test_a_child_that_prints_no_summary_is_a_failure() -> None:
    assert interpret_exit(0, b"", capped=False).outcome == "failed"
    assert interpret_exit(0, b"not json\n", capped=False).outcome == "failed"
    assert interpret_exit(EXIT_LOCKED, b"", capped=True).outcome == "locked"
    assert interpret_exit(EXIT_ERROR, b"", capped=True).outcome == "failed"
    assert interpret_exit(-11, b"", capped=True).outcome == "memory"  # native code crashing under the cap
    assert interpret_exit(-9, b"", capped=False).outcome == "failed"
