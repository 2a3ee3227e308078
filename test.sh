#!/usr/bin/env bash
# Set up (first time) and run the whole test suite; extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/setup
exec .venv/bin/python -m pytest -q "$@"
