#!/usr/bin/env bash
# Set up (first time) and run: the Discord bot when DISCORD_TOKEN is set (environment or .env),
# otherwise build the index from corpus/ and answer questions in this terminal.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/setup

if [ -n "${DISCORD_TOKEN:-}" ] || { [ -f .env ] && grep -Eq '^DISCORD_TOKEN=.+' .env; }; then
  exec .venv/bin/python -m bot
fi
echo "No DISCORD_TOKEN set: answering questions in the terminal instead (see README to run the bot)." >&2
.venv/bin/python -m index build
exec .venv/bin/python -m index ask "$@"
