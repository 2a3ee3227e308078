"""Rate limits per user and per server, each with its own polite reply."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_discord.checks import every_message_pings_no_one, replying_to
from fake_discord.harness import running_bot
from fake_discord.payloads import snowflake, user

from bot.ratelimit import QuestionLimits, Refusal

pytestmark = pytest.mark.timeout(120)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_question_counts_against_its_asker_and_its_server() -> None:
    clock = Clock()
    limits = QuestionLimits(per_user=2, per_guild=3, per_seconds=60, clock=clock)
    assert limits.hit(1, 10) is None and limits.hit(1, 10) is None
    assert limits.hit(1, 10) == Refusal("user", 60.0)
    assert limits.hit(2, 10) is None  # the server's third question
    clock.now += 10
    assert limits.hit(3, 10) == Refusal("guild", 50.0)
    assert limits.hit(3, 11) is None and limits.hit(3, None) is None  # other servers and DMs are separate
    assert limits.hit(3, None) == Refusal(
        "user", 60.0 - 0
    )  # refused by its server, user 3 had only 2 counted
    clock.now += 50
    assert limits.hit(4, 10) is None  # the window slid past the first two


def test_server_limit_replies_privately_to_slash_and_briefly_to_messages(tmp_path: Path) -> None:
    with running_bot(
        tmp_path, RATE_LIMIT_QUESTIONS="5", RATE_LIMIT_GUILD_QUESTIONS="2", RATE_LIMIT_SECONDS="3600"
    ) as bot:
        fake = bot.fake
        for _ in range(2):
            asked = fake.slash("ask", {"question": "Who won the league?"}, user=user(snowflake(), "someone"))
            assert fake.wait_for("POST", rf"^/interactions/{asked['id']}/").body["type"] == 5
        late = user(snowflake(), "late")
        refused = fake.slash("ask", {"question": "Who won the league?"}, user=late)
        body = fake.wait_for("POST", rf"^/interactions/{refused['id']}/").body
        assert body["type"] == 4 and body["data"]["flags"] & 64
        assert body["data"]["content"].startswith("This server is asking a lot of questions right now")
        msg = fake.post_message("Who won the league?", mention_bot=True, author=late)
        reply = fake.wait_for("POST", r"/messages$", replying_to(msg)).body
        assert reply["content"].startswith("This server is asking") and not reply.get("embeds")
        dm = fake.post_message("Who won the league?", dm=True, author=late)  # DMs belong to no server
        assert fake.wait_for("POST", r"/messages$", replying_to(dm)).body["embeds"]
    assert bot.returncode == 0
    every_message_pings_no_one(fake)
