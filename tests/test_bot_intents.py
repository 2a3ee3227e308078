"""Without the privileged Message Content intent: the bot falls back, logs one line, serves the rest."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_discord import FakeDiscord
from fake_discord.checks import every_message_pings_no_one, replying_to
from fake_discord.harness import BotProcess, build_index, clean_env, write_corpus
from fake_discord.server import MESSAGE_CONTENT_INTENT

from bot.intents import REFUSED

pytestmark = pytest.mark.timeout(120)


def start_bot(work: Path, fake: FakeDiscord, **settings: str) -> BotProcess:
    corpus, index_dir = work / "corpus", work / "data" / "index"
    if not corpus.exists():
        write_corpus(corpus)
        build_index(clean_env(), corpus, index_dir, work)
    bot = BotProcess(
        fake,
        work,
        CORPUS_DIR=str(corpus),
        INDEX_DIR=str(index_dir),
        QA_CHANNEL_IDS=fake.world.qa_channel_id,
        FORUM_CHANNEL_IDS=fake.world.forum_channel_id,
        RATE_LIMIT_QUESTIONS="1000",
        **settings,
    )
    return bot.start()


@pytest.fixture(scope="module")
def refused(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeDiscord, BotProcess]]:
    """A bot in the default "auto" mode against a Discord that refuses Message Content."""
    fake = FakeDiscord(deny_privileged=True).start()
    bot = start_bot(tmp_path_factory.mktemp("intents"), fake)
    try:
        bot.wait_ready()
        yield fake, bot
    finally:
        status = bot.stop(sig=signal.SIGINT)
        fake.stop()
    assert status == 0, bot.log()
    every_message_pings_no_one(fake)


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
    fake = FakeDiscord(deny_privileged=True).start()
    bot = start_bot(tmp_path, fake, MESSAGE_CONTENT_INTENT="off")
    try:
        bot.wait_ready()
        msg = fake.post_message("who won the league?", mention_bot=True)
        fake.wait_for("POST", r"/messages$", replying_to(msg))
    finally:
        assert bot.stop() == 0
        fake.stop()
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
