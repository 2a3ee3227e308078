"""Sharding: AutoShardedBot with SHARD_COUNT / SHARD_IDS; the health file reports each shard."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fake_discord.checks import every_message_pings_no_one, replying_to
from fake_discord.harness import BotProcess, clean_env, running_bot

from bot.health import check_status

pytestmark = pytest.mark.timeout(120)


def health(bot: BotProcess) -> dict:
    """The bot's health file; before its first write (the bot is still starting) no shard is reported."""
    path = bot.workdir / "data" / "health.json"
    if not path.exists():
        return {"shards": {}}
    return json.loads(path.read_text())


def test_two_shards_in_one_process_each_reported_and_each_event_handled_once(tmp_path: Path) -> None:
    with running_bot(tmp_path, SHARD_COUNT="2") as bot:
        fake = bot.fake
        bot.wait_until(lambda: len(fake.identifies) == 2, 30, "both shards to IDENTIFY")
        assert sorted(tuple(i["shard"]) for i in fake.identifies) == [(0, 2), (1, 2)]
        bot.wait_until(lambda: set(health(bot)["shards"]) == {"0", "1"}, 30, "both shards in the health file")
        bot.wait_until(
            lambda: all(s["connected"] for s in health(bot)["shards"].values()), 30, "both shards up"
        )
        assert check_status(bot.workdir / "data" / "health.json") is None
        msg = fake.post_message("Who won the league with Atlético Nacional?", mention_bot=True)
        fake.wait_for("POST", r"/messages$", replying_to(msg))
        after = fake.post_message("Why was the airport in Manizales closed?", mention_bot=True)
        fake.wait_for("POST", r"/messages$", replying_to(after))
        assert len([r for r in fake.requests("POST", r"/messages$") if replying_to(msg)(r)]) == 1
        dm = fake.post_message("What did coffee growers report?", dm=True)  # DMs arrive on shard 0
        assert fake.wait_for("POST", r"/messages$", replying_to(dm)).body["embeds"]
    assert bot.returncode == 0
    every_message_pings_no_one(fake)


def test_a_process_runs_only_its_shard_ids(tmp_path: Path) -> None:
    with running_bot(tmp_path, SHARD_COUNT="3", SHARD_IDS="2") as bot:
        assert [i["shard"] for i in bot.fake.identifies] == [[2, 3]]
        bot.wait_until(lambda: health(bot)["shards"].get("2", {}).get("connected"), 30, "shard 2 up")
        assert set(health(bot)["shards"]) == {"2"}
    assert bot.returncode == 0


def test_a_shard_id_out_of_range_is_one_clear_line(tmp_path: Path) -> None:
    env = clean_env(DISCORD_TOKEN="x", SHARD_COUNT="2", SHARD_IDS="0,2")
    done = subprocess.run(
        [sys.executable, "-m", "bot"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and "SHARD_IDS must be between 0 and SHARD_COUNT - 1 (1)" in done.stderr
    assert "Traceback" not in done.stderr


def test_health_check_names_a_disconnected_shard(tmp_path: Path) -> None:
    from bot.health import write_status

    path = tmp_path / "health.json"
    write_status(
        path, connected=True, index_loaded=True, shards={0: {"connected": True}, 1: {"connected": False}}
    )
    assert check_status(path) == "shard(s) 1 not connected to Discord"
