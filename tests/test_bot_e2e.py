"""End to end: the real bot (`python -m bot`, real core with the hashing embedder) against a fake Discord."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_discord import FakeDiscord, Recorded
from fake_discord.checks import buttons as custom_ids
from fake_discord.checks import every_message_pings_no_one, no_pings, replying_to
from fake_discord.harness import ARTICLES, BotProcess, clean_env, running_bot

from bot.storage import Storage

pytestmark = pytest.mark.timeout(120)


class Env:
    """One fake Discord + one running bot, shared by the tests of this module."""

    def __init__(self, fake: FakeDiscord, bot: BotProcess, settings: dict[str, str]) -> None:
        self.fake = fake
        self.bot = bot
        self.w = fake.world
        self.settings = settings  # where the corpus and the index are, for the CLI


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    work = tmp_path_factory.mktemp("bot")
    fake = FakeDiscord()
    with running_bot(
        work,
        fake,
        stop_signal=signal.SIGINT,  # Ctrl-C; the start-up tests cover SIGTERM
        QA_CHANNEL_IDS=fake.world.qa_channel_id,
        ANSWER_IN_THREADS="true",
        DISCORD_GUILD_ID=fake.world.guild_id,
        ADMIN_ROLE_IDS=fake.world.admin_role_id,
        RATE_LIMIT_QUESTIONS="1000",
        RATE_LIMIT_GUILD_QUESTIONS="1000",
        FEEDBACK_FILE=str(work / "data" / "feedback.jsonl"),
    ) as bot:
        yield Env(fake, bot, {"CORPUS_DIR": bot.env["CORPUS_DIR"], "INDEX_DIR": bot.env["INDEX_DIR"]})
    assert bot.returncode == 0, bot.log()
    assert "Received SIGINT" in bot.log() and "Bot stopped" in bot.log()
    assert fake.token not in bot.log()
    every_message_pings_no_one(fake)


def corpus_words() -> str:
    return " ".join(" ".join(a[3].split()) for a in ARTICLES.values())


def quoted_words(markdown: str) -> list[str]:
    """The quoted passages of a rendered embed, unescaped, split on the ellipses where they were cut."""
    lines = [re.sub(r"^> ?", "", line) for line in markdown.splitlines() if line.startswith(">")]
    text = re.sub(r"\\(.)", r"\1", "\n".join(lines).replace("**", ""))
    return [" ".join(part.split()) for part in text.split("…") if part.strip()]


def assert_verbatim(embed: dict[str, Any]) -> None:
    texts = [embed.get("description", "")] + [f["value"] for f in embed.get("fields", [])]
    passages = [p for t in texts for p in quoted_words(t)]
    assert passages, embed
    for passage in passages:
        assert passage in corpus_words(), passage


def test_mention_gets_a_quoted_reply(env: Env) -> None:
    msg = env.fake.post_message("who won the league with Atlético Nacional?", mention_bot=True)
    reply = env.fake.wait_for("POST", rf"^/channels/{env.w.channel_id}/messages$", replying_to(msg))
    assert reply.status == 200
    body = reply.body
    assert no_pings(body["allowed_mentions"])
    embed = body["embeds"][0]
    assert "Osorio" in embed["description"] and "**" in embed["description"]
    assert (
        "Osorio lifts the title" in embed["description"]
        and "2013-12-18 · [news.example](https://news.example/osorio#:~:text=" in embed["description"]
    )
    assert embed["footer"]["text"].startswith("Quote")
    assert_verbatim(embed)
    assert {"👍", "👎"} <= set(custom_ids(body))


def test_article_markup_and_mentions_do_not_leak(env: Env) -> None:
    msg = env.fake.post_message(
        "@everyone how did the coffee harvest and export prices do?", mention_bot=True
    )
    body = env.fake.wait_for("POST", r"/messages$", replying_to(msg)).body
    assert no_pings(body["allowed_mentions"])
    everything = str(body["embeds"])
    assert "<@123456>" not in everything.replace("\\\\<@123456>", "")
    assert "**export**" not in everything


def test_qa_channel_message_is_answered_in_a_thread(env: Env) -> None:
    msg = env.fake.post_message("Why was the airport in Manizales closed?", channel_id=env.w.qa_channel_id)
    thread = env.fake.wait_for("POST", rf"^/channels/{env.w.qa_channel_id}/messages/{msg['id']}/threads$")
    assert thread.body["name"] == "Why was the airport in Manizales closed?"
    answer = env.fake.wait_for("POST", rf"^/channels/{msg['id']}/messages$")
    assert no_pings(answer.body["allowed_mentions"])
    assert "volcano" in answer.body["embeds"][0]["description"].lower()
    assert_verbatim(answer.body["embeds"][0])


def test_qa_channel_falls_back_to_a_reply_when_threads_fail(env: Env) -> None:
    env.fake.fail_next("POST", r"/threads$", status=403)
    msg = env.fake.post_message("What did coffee growers report?", channel_id=env.w.qa_channel_id)
    reply = env.fake.wait_for("POST", rf"^/channels/{env.w.qa_channel_id}/messages$", replying_to(msg))
    assert no_pings(reply.body["allowed_mentions"]) and reply.body["embeds"]


def test_slash_ask_is_deferred_then_followed_up(env: Env) -> None:
    interaction = env.fake.slash("ask", {"question": "Which World Cup did Osorio coach Mexico at?"})
    callback = env.fake.wait_for("POST", rf"^/interactions/{interaction['id']}/")
    assert callback.body["type"] == 5  # deferred: the 3-second deadline cannot be missed
    followup = env.fake.wait_for("POST", rf"^/webhooks/{env.w.app_id}/{interaction['token']}$")
    assert no_pings(followup.body["allowed_mentions"])
    assert "2018 World Cup" in followup.body["embeds"][0]["description"]
    assert_verbatim(followup.body["embeds"][0])


def test_a_429_is_retried(env: Env) -> None:
    env.fake.fail_next("POST", rf"^/channels/{env.w.channel_id}/messages$", status=429, retry_after=0.2)
    msg = env.fake.post_message("Was anyone injured by the volcano?", mention_bot=True)
    ok = env.fake.wait_for("POST", r"/messages$", lambda r: replying_to(msg)(r) and r.status == 200)
    attempts = [r for r in env.fake.requests("POST", r"/messages$") if replying_to(msg)(r)]
    assert [r.status for r in attempts] == [429, 200] and ok.body["embeds"]


def test_bots_and_plain_messages_are_ignored(env: Env) -> None:
    from_bot = env.fake.post_message("who won the league?", mention_bot=True, author=env.w.bot_user)
    plain = env.fake.post_message("who won the league?")
    # Messages are handled in order, so once this reply exists the earlier two were already passed over.
    after = env.fake.post_message("who won the league?", mention_bot=True)
    env.fake.wait_for("POST", r"/messages$", replying_to(after))
    assert not [r for r in env.fake.requests("POST") if replying_to(from_bot)(r) or replying_to(plain)(r)]


def click(
    env: Env, message: dict[str, Any], custom_id: str, user: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Click a button and return the interaction callback body.

    discord.py registers a view only after the send() that carries it returns, so a click racing the reply
    can be ignored, as a real one would; click again (bounded) until the bot answers.
    """
    for _ in range(20):
        interaction = env.fake.click(message, custom_id, user=user)
        try:
            return env.fake.wait_for("POST", rf"^/interactions/{interaction['id']}/", timeout=1.5).body
        except TimeoutError:
            continue
    raise AssertionError("the bot never answered the click")


def test_pager_is_for_the_asker_and_votes_are_recorded(env: Env, tmp_path: Path) -> None:
    msg = env.fake.post_message("Osorio coach league team fans final", mention_bot=True)
    reply = env.fake.wait_for("POST", r"/messages$", replying_to(msg))
    buttons = custom_ids(reply.body)
    message = env.fake.messages[_sent_id(env, reply)]
    thanks = click(env, message, buttons["👍"], user=env.w.other)
    assert thanks["type"] == 4 and thanks["data"]["flags"] & 64
    database = Storage(env.bot.workdir / "data" / "newsquote.sqlite3")
    env.bot.wait_until(lambda: database.vote_counts(int(env.w.guild_id)) == (1, 0), 10, "the vote")
    [vote] = database.votes()
    assert vote["vote"] == "up" and env.w.other["id"] not in str(vote)
    database.close()
    denied = click(env, message, buttons["More quotes"], user=env.w.other)
    assert denied["type"] == 4 and denied["data"]["flags"] & 64
    paged = click(env, message, buttons["More quotes"])
    assert paged["type"] == 7  # UPDATE_MESSAGE: the same message now shows the next page
    assert "page 2/" in paged["data"]["embeds"][0]["footer"]["text"]
    assert_verbatim(paged["data"]["embeds"][0])


def _sent_id(env: Env, reply: Recorded) -> str:
    for mid, m in env.fake.messages.items():
        if m.get("message_reference") == reply.body.get("message_reference"):
            return mid
    raise AssertionError("reply not stored")


def test_reindex_needs_permission_and_reports_a_summary(env: Env) -> None:
    denied = env.fake.slash("reindex")
    body = env.fake.wait_for("POST", rf"^/interactions/{denied['id']}/").body
    assert body["type"] == 4 and body["data"]["flags"] & 64 and "Manage Server" in body["data"]["content"]
    allowed = env.fake.slash("reindex", roles=[env.w.admin_role_id])
    assert env.fake.wait_for("POST", rf"^/interactions/{allowed['id']}/").body["type"] == 5
    summary = env.fake.wait_for("POST", rf"^/webhooks/{env.w.app_id}/{allowed['token']}$").body
    assert "index" in summary["content"].lower() and "articles" in summary["content"]


@pytest.mark.parametrize(
    "question",
    [
        "who won the league with Atlético Nacional?",
        "Which city got ash from the volcano?",
        "How much did coffee prices rise?",
        "What happened in Colombia?",
    ],
)
def test_the_first_page_shows_the_first_quotes_of_the_cli_json_answer(env: Env, question: str) -> None:
    cli = subprocess.run(
        [sys.executable, "-m", "index", "ask", "--json", question],
        env=clean_env(**env.settings),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    expected = json.loads(cli.stdout.strip().splitlines()[-1])["quotes"]
    msg = env.fake.post_message(question, mention_bot=True)
    embed = env.fake.wait_for("POST", r"/messages$", replying_to(msg)).body["embeds"][0]
    # The best quote's title is in its attribution line; a supporting quote's title names its field.
    shown = [(embed["description"], embed["description"])] + [
        (field["value"], field["name"]) for field in embed.get("fields", [])
    ]
    assert expected and len(shown) == len(expected)  # MAX_QUOTES quotes per page and per CLI answer
    for (block, label), quote in zip(shown, expected, strict=True):
        plain = re.sub(r"\\(.)", r"\1", label)
        assert quote["title"] in plain or quote["title"].rstrip("…") in quote["text"], (question, label)
        for passage in quoted_words(block):
            assert passage in " ".join(quote["text"].split()), (question, passage)


def test_about_shows_the_index(env: Env) -> None:
    about = env.fake.slash("about")
    body = env.fake.wait_for("POST", rf"^/interactions/{about['id']}/").body
    fields = {f["name"]: f["value"] for f in body["data"]["embeds"][0]["fields"]}
    assert (
        fields["Articles"] == str(len(ARTICLES)) and fields["Model"] == "hashing\\:256"
    )  # escaped; no runtime
    assert fields["Quote ranking"] == "en\\: hand\\-set, es\\: hand\\-set"  # escaped
    # What decides whether to answer, with its cut (the hand-set weights' 0.45), escaped.
    assert fields["Answers when"] == "en\\: hand\\-set \\>= 0\\.45, es\\: hand\\-set \\>= 0\\.45"


def test_a_refused_typing_indicator_does_not_stop_the_answer(env: Env) -> None:
    env.fake.fail_next("POST", rf"^/channels/{env.w.channel_id}/typing$", status=403)
    msg = env.fake.post_message("Which city got ash from the volcano?", mention_bot=True)
    assert env.fake.wait_for("POST", r"/messages$", replying_to(msg)).body["embeds"]
