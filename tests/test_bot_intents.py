"""Without the privileged Message Content intent: the bot falls back, logs one line, serves the rest."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from fake_discord import FakeDiscord
from fake_discord.checks import every_message_pings_no_one, replying_to
from fake_discord.harness import BotProcess, running_bot
from fake_discord.server import MESSAGE_CONTENT_INTENT

from bot.intents import REFUSED

pytestmark = pytest.mark.timeout(120)


def bot_without_the_intent(
    work: Path, stop_signal: signal.Signals = signal.SIGTERM, **settings: str
) -> AbstractContextManager[BotProcess]:
    """A bot against a Discord that refuses Message Content, with a Q&A channel and a forum to watch."""
    fake = FakeDiscord(deny_privileged=True)
    w = fake.world
    return running_bot(
        work,
        fake,
        stop_signal=stop_signal,
        QA_CHANNEL_IDS=w.qa_channel_id,
        FORUM_CHANNEL_IDS=w.forum_channel_id,
        RATE_LIMIT_QUESTIONS="1000",
        **settings,
    )


@pytest.fixture(scope="module")
def refused(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeDiscord, BotProcess]]:
    """A bot in the default "auto" mode against a Discord that refuses Message Content."""
    with bot_without_the_intent(tmp_path_factory.mktemp("intents"), stop_signal=signal.SIGINT) as bot:
        yield bot.fake, bot
    assert bot.returncode == 0, bot.log()
    every_message_pings_no_one(bot.fake)


def test_a_refused_intent_reconnects_without_it_and_says_so_once(
    refused: tuple[FakeDiscord, BotProcess],
) -> None:
    fake, bot = refused
    asked = [bool(i["intents"] & MESSAGE_CONTENT_INTENT) for i in fake.identifies]
    assert asked == [True, False]
    log = bot.log()
    assert log.count(REFUSED) == 1 and "Traceback" not in log
    assert "Bot -> Privileged Gateway Intents" in REFUSED and "Q&A-channel auto-answers are off" in REFUSED


def test_without_the_intent_mentions_replies_dms_and_slash_still_work(
    refused: tuple[FakeDiscord, BotProcess],
) -> None:
    fake, _bot = refused
    w = fake.world
    mention = fake.post_message("who won the league with Atlético Nacional?", mention_bot=True)
    answer = fake.wait_for("POST", rf"^/channels/{w.channel_id}/messages$", replying_to(mention))
    assert "Osorio" in answer.body["embeds"][0]["description"]
    bot_message = next(
        m
        for m in fake.messages.values()
        if replying_to(mention)(answer) and m["embeds"] == answer.body["embeds"]
    )
    follow_up = fake.post_message("and why was the Manizales airport closed?", reply_to=bot_message)
    answer = fake.wait_for("POST", rf"^/channels/{w.channel_id}/messages$", replying_to(follow_up))
    assert "volcano" in answer.body["embeds"][0]["description"].lower()
    dm = fake.post_message("what did coffee growers report?", dm=True)
    answer = fake.wait_for("POST", rf"^/channels/{w.dm_channel_id}/messages$", replying_to(dm))
    assert "coffee" in answer.body["embeds"][0]["description"].lower()
    interaction = fake.slash("ask", {"question": "Which World Cup did Osorio coach Mexico at?"})
    followup = fake.wait_for("POST", rf"^/webhooks/{w.app_id}/{interaction['token']}$")
    assert "2018 World Cup" in followup.body["embeds"][0]["description"]


def test_without_the_intent_qa_channels_stay_quiet(refused: tuple[FakeDiscord, BotProcess]) -> None:
    fake, _bot = refused
    w = fake.world
    quiet = fake.post_message("Why was the airport in Manizales closed?", channel_id=w.qa_channel_id)
    # A mention in the Q&A channel carries its text: answered as a mention, so the plain one was passed over.
    loud = fake.post_message(
        "Why was the airport in Manizales closed?", channel_id=w.qa_channel_id, mention_bot=True
    )
    fake.wait_for("POST", rf"^/channels/{w.qa_channel_id}/messages$", replying_to(loud))
    assert not [r for r in fake.requests("POST") if replying_to(quiet)(r) or quiet["id"] in r.path]


def test_off_never_asks_for_the_intent(tmp_path: Path) -> None:
    with bot_without_the_intent(tmp_path, MESSAGE_CONTENT_INTENT="off") as bot:
        fake = bot.fake
        msg = fake.post_message("who won the league?", mention_bot=True)
        fake.wait_for("POST", r"/messages$", replying_to(msg))
    assert bot.returncode == 0
    assert [i["intents"] & MESSAGE_CONTENT_INTENT for i in fake.identifies] == [0]
    assert REFUSED not in bot.log()


def test_without_the_intent_forum_posts_are_answered_from_their_title(
    refused: tuple[FakeDiscord, BotProcess],
) -> None:
    fake, _bot = refused
    thread = fake.post_in_forum("Why was the airport in Manizales closed?", "Its text arrives empty.")
    assert fake.messages[thread["id"]]["content"] == ""  # what Discord sends without the intent
    answer = fake.wait_for("POST", rf"^/channels/{thread['id']}/messages$")
    assert "volcano" in answer.body["embeds"][0]["description"].lower()
