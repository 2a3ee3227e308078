"""Architecture rules that a refactor must not break."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def test_core_never_imports_discord() -> None:
    code = "import sys, index.cli, index.services, index.answer.answerer; print('discord' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
