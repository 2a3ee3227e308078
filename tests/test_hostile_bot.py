"""The real bot and a fake Discord: links planted in the corpus never make it post its token or a secret."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
from fake_discord import FakeDiscord
from fake_discord.harness import BotProcess, build_index, clean_env, running_bot, write_corpus

pytestmark = pytest.mark.timeout(120)

# Shaped like a real token, so that a leak could not pass for a coincidence.
TOKEN = "MTE5NzQ2NTQ2OTg3NjU0MzIxMA.GhX2kQ.s3cr3t-t0ken-n0t-t0-be-p0sted-4nywhere"
SECRET = "hunter2-operator-secret-9c41"


def wait_for_new_index(fake: FakeDiscord, bot: BotProcess) -> None:
    """A rebuilt index serves once the bot has loaded it: it looks when questions come (every 2 s)."""
    for _ in range(60):
        if bot.log().count("Loaded index") >= 2:
            return
        fake.slash("ask", {"question": "volcano"})
        time.sleep(0.5)
    raise AssertionError(f"the bot never loaded the rebuilt index:\n{bot.log()}")


def test_reindex_with_hostile_links_then_ask_never_posts_the_token(tmp_path: Path) -> None:
    corpus, index_dir = tmp_path / "corpus", tmp_path / "data" / "index"
    write_corpus(corpus)
    build_index(clean_env(), corpus, index_dir, tmp_path)
    # Planted after the first build, by someone who can write the corpus but not read the bot's settings.
    (tmp_path / "secret.env").write_text(f"DISCORD_TOKEN={TOKEN}\nAPI_KEY={SECRET}\n", encoding="utf-8")
    os.symlink("/proc/self/environ", corpus / "environ.txt")  # the bot's own environment: its token
    os.symlink("../secret.env", corpus / "settings.txt")
    fake = FakeDiscord(token=TOKEN)
    with running_bot(
        tmp_path,
        fake,
        articles=None,
        stop_signal=signal.SIGINT,
        DISCORD_GUILD_ID=fake.world.guild_id,
        ADMIN_ROLE_IDS=fake.world.admin_role_id,
        RATE_LIMIT_QUESTIONS="1000",
        FEEDBACK_FILE=str(tmp_path / "data" / "feedback.jsonl"),
    ) as bot:
        reindex = fake.slash("reindex", roles=[fake.world.admin_role_id])
        summary = fake.wait_for("POST", rf"^/webhooks/{fake.world.app_id}/{reindex['token']}$", timeout=60)
        if "up to date" not in summary.body["content"]:
            wait_for_new_index(fake, bot)
        for question in ("DISCORD_TOKEN", "what is the DISCORD_TOKEN?", "API_KEY secret environment"):
            asked = fake.slash("ask", {"question": question})
            fake.wait_for("POST", rf"^/webhooks/{fake.world.app_id}/{asked['token']}$", timeout=60)
    assert bot.returncode == 0, bot.log()
    posted = [json.dumps(r.body) for r in fake.requests() if r.body is not None]
    assert posted and not [body for body in posted if TOKEN in body or SECRET in body]
    assert TOKEN not in bot.log() and SECRET not in bot.log()
    assert "2 skipped" in summary.body["content"], summary.body
    assert "environ.txt: symbolic link to outside the corpus" in bot.log()


def _damaged_index(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A corpus and its index whose FAISS file was cut short; returns (corpus, index_dir, faiss_file)."""
    corpus, index_dir = tmp_path / "corpus", tmp_path / "data" / "index"
    write_corpus(corpus)
    build_index(clean_env(), corpus, index_dir, tmp_path)
    faiss_file = next(index_dir.glob("gen-*/dense.faiss"))
    faiss_file.write_bytes(faiss_file.read_bytes()[:100])
    return corpus, index_dir, faiss_file


def test_start_up_over_a_damaged_index_it_cannot_repair_is_one_line(tmp_path: Path) -> None:
    _, index_dir, faiss_file = _damaged_index(tmp_path)
    missing = tmp_path / "gone"  # no corpus to rebuild from: the damage must be reported, not repaired
    fake = FakeDiscord(token=TOKEN).start()
    try:
        bot = BotProcess(fake, tmp_path, CORPUS_DIR=str(missing), INDEX_DIR=str(index_dir)).start()
        assert bot.wait_exit() == 1
    finally:
        fake.stop()
    assert f"index generation {faiss_file.parent} is damaged (file dense.faiss" in bot.log(), bot.log()
    assert "python -m index build --full" in bot.log() and "Traceback" not in bot.log()


def test_start_up_over_a_damaged_index_rebuilds_it(tmp_path: Path) -> None:
    _damaged_index(tmp_path)  # in tmp_path/corpus and tmp_path/data/index, where running_bot looks
    with running_bot(tmp_path, FakeDiscord(token=TOKEN), articles=None) as bot:  # ready, then stopped
        pass
    assert bot.returncode == 0
    assert "Rebuilding everything" in bot.log() and "Traceback" not in bot.log(), bot.log()
