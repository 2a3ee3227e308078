#!/usr/bin/env bash
# Set up (first time) and run: the Discord bot when DISCORD_TOKEN is set (environment or .env), otherwise
# answer questions in this terminal. Either way the index is brought up to date with corpus/ first
# (incremental: about a second when nothing changed): the bot does it at start-up, with progress in its log.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/setup

if [ -n "${DISCORD_TOKEN:-}" ] || { [ -f .env ] && grep -Eq '^DISCORD_TOKEN=.+' .env; }; then
  exec .venv/bin/python -m bot
fi
echo "No DISCORD_TOKEN set: answering questions in the terminal instead (see README to run the bot)." >&2
# The build's summary goes to stderr with its progress: in one-shot mode stdout carries the answer only.
.venv/bin/python -m index build >&2
exec .venv/bin/python -m index ask "$@"
