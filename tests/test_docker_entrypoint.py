"""docker/entrypoint.sh with a stub `python`: the seed copy, and an incremental build before one-off asks."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from conftest import REPO

STUB = '#!/bin/sh\necho "$*" >> "$CALLS"\n'


def entrypoint(tmp_path: Path, *command: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "python").write_text(STUB)
    (bin_dir / "python").chmod(0o755)
    seed = tmp_path / "seed"
    (seed / "gen-1").mkdir(parents=True, exist_ok=True)
    if not (seed / "current").exists():
        (seed / "current").symlink_to("gen-1")
    calls = tmp_path / "calls.log"
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "INDEX_DIR": str(tmp_path / "data" / "index"),
        "SEED_INDEX_DIR": str(seed),
        "CALLS": str(calls),
    }
    done = subprocess.run(
        ["sh", str(REPO / "docker" / "entrypoint.sh"), *command], env=env, capture_output=True, text=True
    )
    lines = calls.read_text().splitlines() if calls.exists() else []
    calls.unlink(missing_ok=True)
    return done, lines


def test_a_one_off_question_is_asked_after_an_incremental_build(tmp_path: Path) -> None:
    done, calls = entrypoint(tmp_path, "python", "-m", "index", "ask", "who won?")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "data" / "index" / "current").is_symlink()  # the seed was copied in first
    assert calls == ["-m index build", "-m index ask who won?"]


def test_the_bot_and_a_build_are_run_as_they_are(tmp_path: Path) -> None:
    _done, calls = entrypoint(tmp_path, "python", "-m", "bot")
    assert calls == ["-m bot"]  # the bot builds at start-up itself (tests/test_bot_startup.py)
    _done, calls = entrypoint(tmp_path, "python", "-m", "index", "build", "--full")
    assert calls == ["-m index build --full"]
