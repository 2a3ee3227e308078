"""Run the image's bot against a fake Discord on loopback, as `docker run` would start it.

Used by scripts/docker-check, with the project's own venv (for tests/fake_discord):

    python docker/bot_check.py PREFIX... -- ENTRYPOINT...

PREFIX runs a command inside the image with its environment and ends with `env`, so NAME=VALUE arguments may
follow it. Checks: the bot connects and answers a question by quoting the article; `python -m bot healthcheck`
passes while it runs; SIGTERM (what `docker stop` sends to the entrypoint) stops it cleanly; the healthcheck
fails once it has stopped.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fake_discord.server import FakeDiscord, Recorded

QUESTION = os.environ.get("QUESTION", "what did Osorio win with Nacional?")
EXPECT = os.environ.get("EXPECT", "He won six titles with Atlético Nacional")
READY_TIMEOUT = 300.0
ANSWER_TIMEOUT = 120.0
HEALTHCHECK_TIMEOUT = 15.0  # the Dockerfile's HEALTHCHECK --timeout
# scripts/docker-check sets 0 when the bot package has no `healthcheck` command yet: report, don't fail.
HEALTHCHECK_IMPLEMENTED = os.environ.get("HEALTHCHECK_IMPLEMENTED", "1") == "1"
STOP_TIMEOUT = 30.0  # compose's stop_grace_period


def main(argv: list[str]) -> int:
    """Run the checks; return 0 when all pass."""
    split = argv.index("--")
    prefix, entrypoint = argv[:split], argv[split + 1 :]
    fake = FakeDiscord().start()
    env_args = [f"DISCORD_TOKEN={fake.token}", f"DISCORD_API_BASE={fake.api_base}"]
    with tempfile.NamedTemporaryFile(prefix="docker-check-bot-", suffix=".log", delete=False) as log:
        command = [*prefix, *env_args, *entrypoint, "python", "-m", "bot"]
        bot = subprocess.Popen(command, stdout=log, stderr=log)
        try:
            failures = run_checks(fake, bot, [*prefix, *env_args])
        finally:
            if bot.poll() is None:
                bot.kill()
                bot.wait(10)
            fake.stop()
            log.seek(0)
            lines = log.read().decode("utf-8", "replace").splitlines()
            print(f"--- bot log (last 15 lines; all in {log.name})\n" + "\n".join(lines[-15:]))
    for failure in failures:
        print(f"FAIL: {failure}")
    return 1 if failures else 0


def run_checks(fake: FakeDiscord, bot: subprocess.Popen[bytes], prefix: list[str]) -> list[str]:
    """Connect, answer, healthcheck, stop; return what failed."""
    started = time.monotonic()
    if not wait_until(lambda: fake.identified.is_set(), bot, READY_TIMEOUT):
        return [f"the bot did not connect within {READY_TIMEOUT:.0f}s (exit status {bot.poll()})"]
    fake.wait_for("PUT", r"/commands$", timeout=READY_TIMEOUT)
    print(f"connected and commands synced after {time.monotonic() - started:.1f}s")

    failures = []
    msg = fake.post_message(QUESTION, mention_bot=True)
    reply = fake.wait_for("POST", r"/messages$", lambda r: replying_to(r, msg["id"]), timeout=ANSWER_TIMEOUT)
    text = " ".join(json.dumps(reply.body, ensure_ascii=False).split())
    print(f"answered in Discord: {EXPECT in text}")
    if EXPECT not in text:
        failures.append(f"the bot's reply does not quote {EXPECT!r}: {text[:300]}")

    status = healthcheck(prefix) if HEALTHCHECK_IMPLEMENTED else "skipped: not implemented in bot/"
    print(f"healthcheck while connected: {status}")
    if status not in (0, "skipped: not implemented in bot/"):
        failures.append(f"`python -m bot healthcheck` failed while the bot was connected ({status})")

    time.sleep(2)  # let the reply's follow-ups (buttons, reactions) finish: this checks an idle stop
    stopping = time.monotonic()
    bot.send_signal(signal.SIGTERM)
    try:
        code = bot.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        return [*failures, f"the bot did not stop within {STOP_TIMEOUT:.0f}s of SIGTERM"]
    print(f"SIGTERM: exit status {code} after {time.monotonic() - stopping:.1f}s")
    if code != 0:
        failures.append(f"the bot exited with status {code} on SIGTERM")

    if HEALTHCHECK_IMPLEMENTED:
        status = healthcheck(prefix)
        print(f"healthcheck after stop: {status}")
        if status == 0:
            failures.append("`python -m bot healthcheck` passed although the bot had stopped")
    return failures


def healthcheck(prefix: list[str]) -> int | str:
    """Exit status of the image's HEALTHCHECK command, or 'timeout'."""
    try:
        done = subprocess.run(
            [*prefix, "python", "-m", "bot", "healthcheck"],
            capture_output=True,
            timeout=HEALTHCHECK_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "timeout"
    return done.returncode


def replying_to(item: Recorded, message_id: str) -> bool:
    """True for a message posted in reply to `message_id`."""
    body = item.body if isinstance(item.body, dict) else {}
    reference = body.get("message_reference") or {}
    return str(reference.get("message_id")) == str(message_id)


def wait_until(condition: Callable[[], bool], proc: subprocess.Popen[bytes], timeout: float) -> bool:
    """Poll `condition` until true, the process exits, or the time is up."""
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
