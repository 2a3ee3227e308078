"""The answer card through the real bot: dates by sources, deep links, and the "Compare sources" button."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fake_discord import FakeDiscord
from fake_discord.harness import Article, running_bot

pytestmark = pytest.mark.timeout(120)

BRIDGE: dict[str, Article] = {
    "alpha.md": (
        "Bridge opens",
        "2023-03-04",
        "https://alpha.example/bridge",
        "The Magdalena bridge opened to traffic on Saturday after six years of works.",
    ),
    "beta.md": (
        "New bridge",
        "2021-07-08",
        "https://beta.example/news/bridge",
        "The Magdalena bridge will open to traffic in 2023, the ministry said.",
    ),
    "other.md": ("Coffee prices", "2022-01-01", None, "Coffee prices rose in January."),
}


@pytest.fixture(scope="module")
def fake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeDiscord]:
    with running_bot(
        tmp_path_factory.mktemp("card"),
        articles=BRIDGE,
        MIN_SCORE="0.0",
        SUPPORTING_MIN_RATIO="0.1",
        RATE_LIMIT_QUESTIONS="1000",
    ) as bot:
        yield bot.fake


def buttons(body: dict[str, Any]) -> dict[str, str]:
    return {
        b.get("label") or b["emoji"]["name"]: b["custom_id"]
        for row in body["components"]
        for b in row["components"]
    }


def test_compare_sources_shows_one_quote_per_outlet_oldest_first(fake: FakeDiscord) -> None:
    msg = fake.post_message("When did the Magdalena bridge open to traffic?", mention_bot=True)
    reply = fake.wait_for(
        "POST",
        r"/messages$",
        lambda r: str((r.body.get("message_reference") or {}).get("message_id")) == msg["id"],
    ).body
    description = reply["embeds"][0]["description"]
    assert "#:~:text=The%20Magdalena%20bridge%20" in description  # opens the page at the quoted sentence
    compare = buttons(reply)["Compare sources"]
    sent = next(m for m in fake.messages.values() if m.get("message_reference") == reply["message_reference"])
    for _ in range(20):  # a click racing the view's registration is ignored, as on Discord: click again
        interaction = fake.click(sent, compare)
        try:
            body = fake.wait_for("POST", rf"^/interactions/{interaction['id']}/", timeout=1.5).body
            break
        except TimeoutError:
            continue
    else:
        raise AssertionError("the bot never answered the click")
    assert body["type"] == 4 and body["data"]["flags"] & 64  # private to the clicker
    names = [f["name"] for f in body["data"]["embeds"][0]["fields"]]
    assert names == ["2021-07-08 · beta.example", "2023-03-04 · alpha.example"]
