"""New ways to ask, end to end: "Find sources" on a message, DMs and user installs, forum posts."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from typing import Any

import pytest
from fake_discord import FakeDiscord
from fake_discord.checks import buttons, click, every_message_pings_no_one
from fake_discord.harness import running_bot
from fake_discord.payloads import MEMBER_PERMISSIONS

pytestmark = pytest.mark.timeout(120)
EPHEMERAL = 64


@pytest.fixture(scope="module")
def fake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeDiscord]:
    fake = FakeDiscord()
    with running_bot(
        tmp_path_factory.mktemp("ways"),
        fake,
        stop_signal=signal.SIGINT,
        FORUM_CHANNEL_IDS=f"{fake.world.forum_channel_id},{fake.world.plain_forum_id}",
        RATE_LIMIT_QUESTIONS="1000",
        RATE_LIMIT_GUILD_QUESTIONS="1000",
    ) as bot:
        yield fake
    assert bot.returncode == 0, bot.log()
    assert "Traceback" not in bot.log(), bot.log()
    every_message_pings_no_one(fake)


def followup_of(fake: FakeDiscord, interaction: dict[str, Any]) -> dict[str, Any]:
    """The first followup message body of an interaction."""
    return fake.wait_for("POST", rf"^/webhooks/{fake.world.app_id}/{interaction['token']}$").body


def stored(fake: FakeDiscord, body: dict[str, Any]) -> dict[str, Any]:
    """The message the fake stored for a followup body (to click its buttons)."""
    return next(m for m in reversed(fake.messages.values()) if m.get("embeds") == body.get("embeds"))


def test_find_sources_answers_privately_with_a_post_publicly_button(fake: FakeDiscord) -> None:
    w = fake.world
    sync = fake.wait_for("PUT", r"/commands$").body
    [menu] = [c for c in sync if c["type"] == 3]
    assert menu["name"] == "Find sources" and menu["integration_types"] == [0, 1]
    assert sorted(menu["contexts"]) == [0, 1, 2]
    claim = fake.post_message("Osorio coached Mexico at the 2018 World Cup", author=w.other)
    interaction = fake.context_menu("Find sources", claim)
    deferred = fake.wait_for("POST", rf"^/interactions/{interaction['id']}/").body
    assert deferred["type"] == 5 and deferred["data"]["flags"] & EPHEMERAL
    private = followup_of(fake, interaction)
    assert private["flags"] & EPHEMERAL and "2018 World Cup" in private["embeds"][0]["description"]
    assert "Post publicly" in buttons(private)
    _click, posted = click(fake, stored(fake, private), buttons(private)["Post publicly"])
    assert posted["type"] == 4 and not posted["data"].get("flags", 0) & EPHEMERAL
    assert posted["data"]["embeds"] == private["embeds"] and "Post publicly" not in buttons(posted["data"])
    edited = fake.wait_for("PATCH", rf"^/webhooks/{w.app_id}/{interaction['token']}/messages/").body
    assert edited["content"] == "Posted in the channel."


def test_find_sources_on_a_message_without_text(fake: FakeDiscord) -> None:
    empty = fake.post_message("", author=fake.world.other)
    interaction = fake.context_menu("Find sources", empty)
    body = fake.wait_for("POST", rf"^/interactions/{interaction['id']}/").body
    assert body["type"] == 4 and body["data"]["flags"] & EPHEMERAL
    assert body["data"]["content"] == "That message has no text to look up."


@pytest.mark.parametrize(("where", "private"), [("guild", False), ("dm", True), ("user_install", True)])
def test_ask_works_in_dms_and_user_installs_privately(fake: FakeDiscord, where: str, private: bool) -> None:
    sync = fake.wait_for("PUT", r"/commands$").body
    [ask] = [c for c in sync if c["name"] == "ask"]
    assert ask["integration_types"] == [0, 1] and sorted(ask["contexts"]) == [0, 1, 2]
    interaction = fake.slash("ask", {"question": "Why was the airport in Manizales closed?"}, where=where)
    deferred = fake.wait_for("POST", rf"^/interactions/{interaction['id']}/").body
    assert bool(deferred.get("data", {}).get("flags", 0) & EPHEMERAL) is private
    answer = followup_of(fake, interaction)
    assert bool(answer.get("flags", 0) & EPHEMERAL) is private
    assert "volcano" in answer["embeds"][0]["description"].lower()
    assert ("Post publicly" in buttons(answer)) is private


MANAGE_THREADS = str(int(MEMBER_PERMISSIONS) | 1 << 34)


def forum_answer(fake: FakeDiscord, thread: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The bot's answer in a forum post's thread: (request body, the stored message)."""
    body = fake.wait_for("POST", rf"^/channels/{thread['id']}/messages$").body
    return body, stored(fake, body) if body.get("embeds") else next(
        m for m in reversed(fake.messages.values()) if m["channel_id"] == thread["id"]
    )


def solve(fake: FakeDiscord, thread: dict[str, Any], message: dict[str, Any], **who: Any) -> str:
    """Click Solved in the post's thread; return the private reply."""
    [custom_id] = [c for c in buttons(message).values() if c.startswith("nq:solved:")]
    _interaction, body = click(fake, message, custom_id, channel=thread, **who)
    assert body["type"] == 4 and body["data"]["flags"] & EPHEMERAL
    return str(body["data"]["content"])


def test_a_forum_post_is_answered_in_its_thread_and_its_poster_can_mark_it_solved(fake: FakeDiscord) -> None:
    w = fake.world
    thread = fake.post_in_forum("Why was the airport in Manizales closed?", "I heard about ash.")
    body, message = forum_answer(fake, thread)
    assert "volcano" in body["embeds"][0]["description"].lower()
    assert {"Solved", "👍", "👎"} <= set(buttons(body))
    assert solve(fake, thread, message, user=w.other).startswith("Only the person who started this post")
    assert not fake.requests("PATCH", rf"^/channels/{thread['id']}$")
    fake.fail_next("PATCH", rf"^/channels/{thread['id']}$", status=403)  # the bot lacks Manage Threads
    assert "needs the Manage Threads permission" in solve(fake, thread, message)
    assert solve(fake, thread, message) == "Marked as solved with the “Solved” tag."
    patch = fake.wait_for("PATCH", rf"^/channels/{thread['id']}$", lambda r: r.status == 200).body
    assert patch["applied_tags"] == [w.solved_tag_id]


def test_moderators_may_mark_any_post_solved_in_spanish(fake: FakeDiscord) -> None:
    w = fake.world
    thread = fake.post_in_forum("¿Qué dijeron los cafeteros sobre la cosecha?", "")
    body, message = forum_answer(fake, thread)
    assert "Resuelto" in buttons(body)
    reply = solve(fake, thread, message, user=w.other, permissions=MANAGE_THREADS, locale="es-ES")
    assert reply == "Marcado como resuelto con la etiqueta «Solved»."


def test_a_forum_without_a_solved_tag_says_so_and_unwatched_forums_are_ignored(fake: FakeDiscord) -> None:
    w = fake.world
    ignored = fake.post_in_forum(
        "Who won the league with Atlético Nacional?", "", forum_id=w.unwatched_forum_id
    )
    thread = fake.post_in_forum("Who won the league with Atlético Nacional?", "", forum_id=w.plain_forum_id)
    _body, message = forum_answer(fake, thread)
    assert "no “Solved” tag" in solve(fake, thread, message)
    assert not fake.requests("POST", rf"^/channels/{ignored['id']}/")
