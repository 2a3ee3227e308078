"""`scripts/setup`'s choice of torch build, with a stub interpreter in .venv that records pip's arguments."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO

# The stub stands for .venv/bin/python: it records each call; `--no-index` (a wheel pip can reach without
# an index) fails unless LOCAL_TORCH=1, as on a machine with no local torch wheel.
STUB = """#!/usr/bin/env bash
echo "$*" >> "$(dirname "$0")/../../calls.log"
case "$*" in *--no-index*) [ "${LOCAL_TORCH:-0}" = 1 ] || exit 1 ;; esac
exit 0
"""


def checkout(tmp_path: Path) -> Path:
    root = tmp_path / "checkout"
    (root / "scripts").mkdir(parents=True)
    (root / ".venv" / "bin").mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "setup", root / "scripts" / "setup")
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    (root / ".venv" / "bin" / "python").write_text(STUB)
    (root / ".venv" / "bin" / "python").chmod(0o755)
    return root


def setup(root: Path, **env: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TORCH_")}
    done = subprocess.run(
        [str(root / "scripts" / "setup")], env={**clean, **env}, capture_output=True, text=True, timeout=60
    )
    log = root / "calls.log"
    calls = log.read_text().splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    return done, [" ".join(c.split()[3:]) for c in calls]  # without "-m pip install"


def test_a_local_cpu_wheel_is_used_without_any_index(tmp_path: Path) -> None:
    root = checkout(tmp_path)
    done, calls = setup(root, LOCAL_TORCH="1")
    assert done.returncode == 0, done.stderr
    assert calls == [
        "--disable-pip-version-check --quiet --no-index --no-deps torch==2.13.0+cpu",
        "--disable-pip-version-check -e .[dev]",  # no --quiet: pip's progress shows
    ]
    assert "minutes" in done.stderr and "step 1/2" in done.stderr
    again, calls = setup(root, LOCAL_TORCH="1")
    assert again.returncode == 0 and calls == [] and again.stderr == ""  # nothing changed: nothing done


@pytest.mark.skipif(platform.system() != "Linux", reason="the CPU index is only needed on Linux")
def test_without_a_local_wheel_linux_gets_the_cpu_build_from_the_cpu_index(tmp_path: Path) -> None:
    done, calls = setup(checkout(tmp_path))
    assert done.returncode == 0, done.stderr
    assert calls[1] == (
        "--disable-pip-version-check --extra-index-url https://download.pytorch.org/whl/cpu torch==2.13.0+cpu"
    )


def test_torch_index_url_wins(tmp_path: Path) -> None:
    done, calls = setup(checkout(tmp_path), TORCH_INDEX_URL="https://mirror.example/torch")
    assert done.returncode == 0, done.stderr
    assert (
        calls[0] == "--disable-pip-version-check --extra-index-url https://mirror.example/torch torch==2.13.0"
    )
