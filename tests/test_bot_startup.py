"""Start-up and shutdown of `python -m bot`: clear one-line failures, first build, hot index swap, SIGTERM."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from fake_discord import FakeDiscord
from fake_discord.harness import BotProcess, build_index, clean_env, running_bot, write_article, write_corpus

from bot.__main__ import BAD_TOKEN, INTENTS, NO_TOKEN

pytestmark = pytest.mark.timeout(180)

ZEPPELIN = "A restored zeppelin landed in Bogotá on Friday after a flight from Cartagena."


def assert_one_clear_line(output: str, message: str, secret: str | None = None) -> None:
    assert message in output, output
    assert "Traceback" not in output, output
    if secret:
        assert secret not in output


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    write_corpus(tmp_path / "corpus")
    return tmp_path / "corpus"


def settings_for(tmp_path: Path, corpus: Path) -> dict[str, str]:
    return {
        "CORPUS_DIR": str(corpus),
        "INDEX_DIR": str(tmp_path / "data" / "index"),
        "RATE_LIMIT_QUESTIONS": "1000",
        "RATE_LIMIT_GUILD_QUESTIONS": "1000",
    }


def test_missing_token_exits_with_one_line(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "bot"]
    done = subprocess.run(cmd, env=clean_env(), cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert_one_clear_line(done.stdout + done.stderr, NO_TOKEN)


def test_bad_token_exits_with_one_line_and_never_logs_it(tmp_path: Path, corpus: Path) -> None:
    fake = FakeDiscord(token="the-right-token").start()
    try:
        bot = BotProcess(fake, tmp_path, **settings_for(tmp_path, corpus))
        bot.env["DISCORD_TOKEN"] = "wrong.token-value"
        assert bot.start().wait_exit() == 1
    finally:
        fake.stop()
    assert_one_clear_line(bot.log(), BAD_TOKEN, secret="wrong.token-value")


def test_privileged_intent_required_but_refused_exits_with_one_line(tmp_path: Path, corpus: Path) -> None:
    fake = FakeDiscord(deny_privileged=True).start()
    try:
        settings = {**settings_for(tmp_path, corpus), "MESSAGE_CONTENT_INTENT": "on"}
        bot = BotProcess(fake, tmp_path, **settings).start()
        assert bot.wait_exit() == 1
    finally:
        fake.stop()
    assert_one_clear_line(bot.log(), INTENTS, secret=fake.token)


def ask(fake: FakeDiscord, question: str) -> dict:
    """Mention the bot and return the body of its reply."""
    msg = fake.post_message(question, mention_bot=True)

    def is_reply(r: object) -> bool:
        body = getattr(r, "body", None)
        return (
            isinstance(body, dict)
            and str((body.get("message_reference") or {}).get("message_id")) == msg["id"]
        )

    return fake.wait_for("POST", r"/messages$", lambda r: is_reply(r) and r.status == 200).body


def ask_during_a_rebuild(fake: FakeDiscord, corpus: Path, index_dir: str, cwd: Path) -> list[dict]:
    """Add an article, ask while `python -m index build` runs, then ask once more as soon as it is done."""
    write_article(corpus, "zeppelin.md", "Zeppelin lands in Bogotá", "2023-05-05", None, ZEPPELIN)
    cmd = [sys.executable, "-m", "index", "build", "--corpus", str(corpus), "--index-dir", index_dir]
    build = subprocess.Popen(cmd, env=clean_env(), cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    replies = []
    deadline = time.monotonic() + 60
    while build.poll() is None and time.monotonic() < deadline:
        replies.append(ask(fake, "Where did the zeppelin land after its flight?"))
    _out, err = build.communicate(timeout=60)
    assert build.returncode == 0, err
    replies.append(ask(fake, "Where did the zeppelin land after its flight?"))  # the very next question
    return replies


def test_first_build_hot_swap_and_clean_sigterm(tmp_path: Path, corpus: Path) -> None:
    with running_bot(tmp_path, articles=None, **settings_for(tmp_path, corpus)) as bot:
        fake = bot.fake
        assert "No index found" in bot.log() and "Built index" in bot.log()
        assert "Osorio" in ask(fake, "Who won the league with Atlético Nacional?")["embeds"][0]["description"]
        replies = ask_during_a_rebuild(fake, corpus, bot.env["INDEX_DIR"], tmp_path)
        # Every question asked during the build got an answer; the first one after it, from the new index.
        assert all(r.get("embeds") for r in replies), replies
        assert "Zeppelin lands in Bogotá" in replies[-1]["embeds"][0]["description"]
    assert bot.returncode == 0
    log = bot.log()
    assert "Bot stopped" in log and "Traceback" not in log and fake.token not in log
    # One line per answer at INFO (the cog's), and no faiss loader noise at start-up.
    assert "Answered in" in log and "answered=" not in log
    assert "Could not load library" not in log


AIRSHIP = "A solar airship crossed the Andes from Quito to Lima in a single night without fuel."


def test_restart_after_adding_an_article_answers_from_it_and_reindex_is_seen_at_once(
    tmp_path: Path, corpus: Path
) -> None:
    env = clean_env(**settings_for(tmp_path, corpus))
    build_index(env, corpus, Path(env["INDEX_DIR"]), tmp_path)
    # The operator adds an article and (re)starts the bot: the start-up build brings it in.
    write_article(corpus, "zeppelin.md", "Zeppelin lands in Bogotá", "2023-05-05", None, ZEPPELIN)
    fake = FakeDiscord()
    settings = {**settings_for(tmp_path, corpus), "ADMIN_ROLE_IDS": fake.world.admin_role_id}
    with running_bot(tmp_path, fake, articles=None, **settings) as bot:
        log = bot.log()
        assert "1 added" in log and log.index("Embedding model loaded") < log.index("Synced")
        reply = ask(fake, "Where did the zeppelin land after its flight?")
        assert "Zeppelin lands in Bogotá" in reply["embeds"][0]["description"]
        # /reindex, then the very next question is answered from the new article.
        write_article(corpus, "airship.md", "Airship crosses the Andes", "2024-02-02", None, AIRSHIP)
        run = fake.slash("reindex", roles=[fake.world.admin_role_id])
        fake.wait_for("POST", rf"^/webhooks/{fake.world.app_id}/{run['token']}$", timeout=60)
        reply = ask(fake, "Which airship crossed the Andes from Quito to Lima?")
        assert "Airship crosses the Andes" in reply["embeds"][0]["description"]
    assert bot.returncode == 0, bot.log()
