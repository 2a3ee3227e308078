"""Hostile articles and debug logging through the real bot against the fake Discord (issue 12, bot side)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_discord import FakeDiscord
from fake_discord.harness import ARTICLES, Article, BotProcess, running_bot, write_article

from bot.i18n import t

FAILED = t("reindex_failed", "en")

pytestmark = pytest.mark.timeout(180)

# One scraped-table "sentence" of 60,000 characters: it froze the bot for 17 s when quoted whole.
TABLE = " ".join(f"row {i} tonnes {i * 13 % 997}" for i in range(4000))[:60_000]
HOSTILE = (
    "The mayor of Quibdó announced [x](y) a ||free|| **concert** and "
    "[claim your ticket](https://evil.example) for Friday.\u202e It was moved\u200b to the stadium.\x00"
)


class Env:
    def __init__(self, fake: FakeDiscord, bot: BotProcess, corpus: Path) -> None:
        self.fake, self.bot, self.corpus, self.w = fake, bot, corpus, fake.world


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    work = tmp_path_factory.mktemp("secbot")
    fake = FakeDiscord()
    articles: dict[str, Article] = {
        **ARTICLES,
        "table.md": ("Harvest table", "2020-01-01", None, "Sugar cane harvest " + TABLE),
        "quibdo.md": ("Concert [here](https://evil.example) \u202eevil", "2024-02-02", None, HOSTILE),
    }
    with running_bot(
        work,
        fake,
        articles=articles,
        ADMIN_ROLE_IDS=fake.world.admin_role_id,
        RATE_LIMIT_QUESTIONS="1000",
        LOG_LEVEL="DEBUG",
    ) as bot:
        yield Env(fake, bot, work / "corpus")


def ask(env: Env, question: str) -> dict[str, Any]:
    interaction = env.fake.slash("ask", {"question": question})
    followup = env.fake.wait_for("POST", rf"^/webhooks/{env.w.app_id}/{interaction['token']}$", timeout=60)
    return followup.body


def test_debug_logging_keeps_interaction_tokens_and_other_members_messages_out(env: Env) -> None:
    env.fake.post_message("my private plan involves a pineapple")  # not for the bot: it must not be logged
    interaction = env.fake.slash("ask", {"question": "What did the coffee growers report?"})
    env.fake.wait_for("POST", rf"^/webhooks/{env.w.app_id}/{interaction['token']}$", timeout=60)
    log = env.bot.log()
    assert "coffee growers report" in log  # LOG_LEVEL=DEBUG does log our own question text
    assert interaction["token"] not in log and "pineapple" not in log and "WebSocket Event" not in log


def test_a_60k_character_sentence_is_quoted_within_bounds(env: Env) -> None:
    embed = ask(env, "sugar cane harvest row tonnes")["embeds"][0]
    description = embed["description"]
    assert len(description) <= 4096 and "…" in description and "Harvest table" in description


def test_hostile_markup_and_bidi_characters_do_not_reach_discord(env: Env) -> None:
    body = ask(env, "Where was the concert in Quibdó moved?")
    everything = str(body["embeds"])
    for char in ("\u202e", "\u200b", "\x00"):
        assert char not in everything
    text = body["embeds"][0]["description"]
    for token in ("||free||", "**concert**", "[claim your ticket](", "[x](y)", "[here]("):
        assert token not in text, token


def test_a_failing_reindex_is_one_short_line_and_the_detail_is_logged(env: Env) -> None:
    away = env.corpus.with_name("corpus-away")
    env.corpus.rename(away)
    try:
        interaction = env.fake.slash("reindex", roles=[env.w.admin_role_id])
        body = env.fake.wait_for(
            "POST", rf"^/webhooks/{env.w.app_id}/{interaction['token']}$", timeout=60
        ).body
    finally:
        away.rename(env.corpus)
    assert body["content"] == FAILED and body["flags"] & 64
    assert str(env.corpus) in env.bot.log()  # the operator gets the detail (which folder is missing)


def test_reindex_builds_in_a_child_process_and_the_bot_picks_up_the_new_index(env: Env) -> None:
    write_article(
        env.corpus, "llama.md", "Llama parade", "2024-05-05", None, "A llama parade filled Popayán."
    )
    interaction = env.fake.slash("reindex", roles=[env.w.admin_role_id])
    body = env.fake.wait_for("POST", rf"^/webhooks/{env.w.app_id}/{interaction['token']}$", timeout=120).body
    assert "1 added" in body["content"]
    assert "reindex index.build.builder" in env.bot.log()  # the build logged from the child process
    for _ in range(40):  # the handle checks for a new generation every 2 s
        if "Popayán" in str(ask(env, "What filled Popayán?")["embeds"]):
            return
    raise AssertionError("the new article was never quoted")
