"""`./run.sh`'s decisions, with a stub interpreter that records what it was asked to run."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from conftest import REPO

STUB = """#!/usr/bin/env bash
echo "$*" >> "$(dirname "$0")/../../calls.log"
case "$*" in
  *"index build"*) echo "Index is up to date: 2 articles, 22 chunks in 0.4s." ;;
  *"index ask"*) echo "1. “the answer”" ;;
esac
"""


def fake_checkout(tmp_path: Path) -> Path:
    """run.sh beside a set-up that does nothing and a .venv whose python only records its arguments."""
    root = tmp_path / "checkout"
    (root / "scripts").mkdir(parents=True)
    (root / ".venv" / "bin").mkdir(parents=True)
    shutil.copy(REPO / "run.sh", root / "run.sh")
    (root / "scripts" / "setup").write_text("#!/usr/bin/env bash\nexit 0\n")
    (root / ".venv" / "bin" / "python").write_text(STUB)
    for script in ("run.sh", "scripts/setup", ".venv/bin/python"):
        (root / script).chmod(0o755)
    return root


def run_sh(root: Path, *args: str, **env: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    clean = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    done = subprocess.run(
        [str(root / "run.sh"), *args], env={**clean, **env}, capture_output=True, text=True, timeout=60
    )
    calls = (root / "calls.log").read_text().splitlines() if (root / "calls.log").exists() else []
    return done, calls


def test_terminal_mode_builds_first_and_prints_only_the_answer_on_stdout(tmp_path: Path) -> None:
    root = fake_checkout(tmp_path)
    done, calls = run_sh(root, "what happened?")
    assert done.returncode == 0, done.stderr
    assert calls == ["-m index build", "-m index ask what happened?"]
    assert done.stdout == "1. “the answer”\n"
    assert "Index is up to date" in done.stderr


def test_bot_mode_starts_the_bot_which_builds_at_start_up(tmp_path: Path) -> None:
    root = fake_checkout(tmp_path)
    _done, calls = run_sh(root, DISCORD_TOKEN="abc")
    assert calls == [
        "-m bot"
    ]  # `python -m bot` runs the incremental build itself (tests/test_bot_startup.py)
    (root / ".env").write_text("DISCORD_TOKEN=from-the-file\n")
    (root / "calls.log").unlink()
    _done, calls = run_sh(root)
    assert calls == ["-m bot"]
