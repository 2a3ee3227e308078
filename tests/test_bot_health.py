"""The health status file and `python -m bot healthcheck`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.health import check_status, write_status


def test_fresh_connected_status_is_healthy(tmp_path: Path) -> None:
    path = tmp_path / "health.json"
    write_status(path, connected=True, index_loaded=True)
    assert check_status(path) is None


def test_each_failure_names_its_reason(tmp_path: Path) -> None:
    path = tmp_path / "health.json"
    assert "no readable status" in (check_status(path) or "")
    write_status(path, connected=False, index_loaded=True)
    assert "not connected" in (check_status(path) or "")
    write_status(path, connected=True, index_loaded=False)
    assert "no index" in (check_status(path) or "")
    write_status(path, connected=True, index_loaded=True)
    assert "old" in (check_status(path, now=json.loads(path.read_text())["updated"] + 3600) or "")
    status = json.loads(path.read_text())
    status["pid"] = 2**22 + 12345  # above the default pid_max: no such process
    path.write_text(json.dumps(status))
    assert "not running" in (check_status(path) or "")


def test_healthcheck_command_exit_codes(tmp_path: Path) -> None:
    path = tmp_path / "health.json"
    env = {**os.environ, "HEALTH_FILE": str(path)}

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "healthcheck"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert run().returncode == 1
    write_status(path, connected=True, index_loaded=True)  # this test process stands in for the bot
    ok = run()
    assert ok.returncode == 0 and "healthy" in ok.stdout
    assert "torch" not in ok.stderr
