"""/config: per-server settings in SQLite, read at question time, surviving a restart of the real bot."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from fake_discord import FakeDiscord
from fake_discord.actions import channel_option
from fake_discord.checks import every_message_pings_no_one, replying_to
from fake_discord.harness import running_bot
from fake_discord.payloads import forum_channel, text_channel

from bot.storage import SCHEMA_VERSION, GuildConfig, Storage, toggled

pytestmark = pytest.mark.timeout(180)


def config(fake: FakeDiscord, subcommand: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run /config <subcommand> and return the callback body."""
    interaction = fake.slash("config", options, subcommand=subcommand)
    return fake.wait_for("POST", rf"^/interactions/{interaction['id']}/").body


def test_config_is_stored_per_server_and_survives_a_restart(tmp_path: Path) -> None:
    fake = FakeDiscord().start()  # one Discord, two runs of the bot
    w = fake.world
    general = text_channel(w.channel_id, "general", w.guild_id)
    try:
        with running_bot(tmp_path, fake, QUOTE_POOL="12", MAX_QUOTES="3") as bot:
            sync = fake.wait_for("PUT", r"/commands$").body
            [command] = [c for c in sync if c["name"] == "config"]
            # Hidden from members by Discord (re-assignable in Server Settings -> Integrations), servers only.
            assert int(command["default_member_permissions"]) == 0x20 and command["contexts"] == [0]
            # The environment is the default for a server that never ran /config.
            assert "Quotes per answer: 3" in config(fake, "show")["data"]["content"]
            saved = config(fake, "qa-channel", {"channel": channel_option(general), "enabled": True})
            assert saved["data"]["flags"] & 64 and f"<#{w.channel_id}>" in saved["data"]["content"]
            forum = config(
                fake,
                "forum",
                {"channel": channel_option(forum_channel(w.forum_channel_id, "f", [])), "enabled": True},
            )
            assert f"Forum channels: <#{w.forum_channel_id}>" in forum["data"]["content"]
            config(fake, "quotes", {"count": 1})
            config(fake, "visibility", {"value": "private"})
        assert bot.returncode == 0
        with running_bot(tmp_path, fake, articles=None) as bot:
            shown = config(fake, "show")["data"]["content"]
            assert f"Q&A channels: <#{w.channel_id}>" in shown and "Quotes per answer: 1" in shown
            assert "private" in shown
            # Read at question time: general is now a Q&A channel; /ask answers privately, one quote per page.
            msg = fake.post_message("Osorio coach league team fans final")
            reply = fake.wait_for("POST", rf"^/channels/{w.channel_id}/messages$", replying_to(msg))
            footer = reply.body["embeds"][0]["footer"]["text"]
            assert footer.startswith("Quote 1 of ") and "page 1/" in footer, footer
            asked = fake.slash("ask", {"question": "Which World Cup did Osorio coach Mexico at?"})
            deferred = fake.wait_for("POST", rf"^/interactions/{asked['id']}/").body
            assert deferred["type"] == 5 and deferred["data"]["flags"] & 64
            followup = fake.wait_for("POST", rf"^/webhooks/{w.app_id}/{asked['token']}$").body
            assert followup["flags"] & 64 and "fields" not in followup["embeds"][0]
        assert bot.returncode == 0
    finally:
        fake.stop()
    every_message_pings_no_one(fake)


def test_schema_is_versioned_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    Storage(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(Exception, match="newer than this bot"):
        Storage(path)


def test_concurrent_updates_from_threads_and_processes_lose_nothing(tmp_path: Path) -> None:
    import threading

    path = tmp_path / "bot.sqlite3"
    first, second = (
        Storage(path, GuildConfig()),
        Storage(path, GuildConfig()),
    )  # two connections, like two processes

    def add(storage: Storage, channel: int) -> None:
        storage.update_guild(
            7,
            lambda c: GuildConfig(
                **{**c.__dict__, "qa_channel_ids": toggled(c.qa_channel_ids, channel, True)}
            ),
        )

    threads = [threading.Thread(target=add, args=(first if i % 2 else second, i)) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert first.guild_config(7).qa_channel_ids == frozenset(range(40))
    assert first.guild_config(8) == GuildConfig()  # another server still has the defaults
