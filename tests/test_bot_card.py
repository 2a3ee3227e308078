"""The answer card a reader trusts at a glance: bold that means something, titles once, dates by sources,
deep links to the quoted sentence, and "Compare sources"."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import unquote, urlsplit

import discord
from fake_discord.fakes import FakeAnswerer, FakeBuilder, make_quote

from bot import compare, links, render, views
from bot.client import NewsQuoteBot
from bot.cogs.ask import AskCog
from bot.feedback import FeedbackLog
from bot.i18n import t
from bot.settings import BotSettings
from bot.storage import Storage
from index.models import Answer, Quote


def answer_of(quotes: list[Quote]) -> Answer:
    return Answer(question="What happened?", answered=True, status="answered", quotes=quotes)


def quoted(block: str) -> str:
    return "\n".join(line for line in block.splitlines() if line.startswith(">"))


def test_a_one_sentence_quote_is_not_bold_but_a_sentence_inside_a_longer_one_is() -> None:
    alone = make_quote(text="The bridge over the Magdalena opened on Monday.", best=0)
    assert "**" not in quoted(render.render_answer(answer_of([alone])).description or "")
    longer = make_quote(best=1)
    assert "**He later coached Mexico at the 2018 World Cup.**" in (
        render.render_answer(answer_of([longer])).description or ""
    )


def test_a_cut_sentence_is_not_bold_either() -> None:
    text = "word " * 400
    assert "**" not in render.fit_quote(text, 0, len(text), 200)


def test_each_title_shows_once_per_field() -> None:
    quotes = [make_quote(article_id=a, title=f"Title {a.upper()}") for a in ("a", "b", "c")]
    embed = render.render_answer(answer_of(quotes))
    assert (embed.description or "").count("Title A") == 1
    for field, title in zip(embed.fields, ("Title B", "Title C"), strict=True):
        assert (field.name or "") == title and title not in (field.value or "")


def test_a_title_made_from_the_quoted_sentence_is_not_repeated() -> None:
    auto = (
        "Juan Carlos Osorio won the league with Atlético…"  # the build cuts a first-sentence title like this
    )
    quotes = [make_quote(article_id=a, title=auto) for a in ("a", "b")]
    embed = render.render_answer(answer_of(quotes))
    assert "Atlético…" not in (embed.description or "")
    assert embed.fields[0].name == "news.example" and "Atlético…" not in (embed.fields[0].value or "")


def test_each_quote_has_its_date_next_to_its_source() -> None:
    quotes = [make_quote(article_id="a"), make_quote(article_id="b").model_copy(update={"date": None})]
    embed = render.render_answer(answer_of(quotes))
    assert "2021-08-07 · [news.example](https://news.example/a#:~:text=" in (embed.description or "")
    assert f"— {t('undated', 'en')} · [news.example](https://news.example/b#:~:text=" in (
        embed.fields[0].value or ""
    )
    local = make_quote().model_copy(update={"url": None, "source": "elpais/2021/x.txt"})
    assert render.attribution(local).endswith("2021-08-07 · elpais/2021/x.txt")


def test_text_fragments_are_percent_encoded_per_the_wicg_spec() -> None:
    sentence = "Juan Carlos Osorio won the league with Atlético Nacional in 2013."
    assert links.text_fragment(sentence) == (
        "text=Juan%20Carlos%20Osorio%20won,Atl%C3%A9tico%20Nacional%20in%202013."
    )
    # "-", "," and "&" delimit the directive: inside a term they must be encoded.
    assert (
        links.text_fragment("Rock-and-roll, jazz & blues") == "text=Rock%2Dand%2Droll%2C%20jazz%20%26%20blues"
    )
    start, end = links.text_fragment(sentence).removeprefix("text=").split(",")
    assert unquote(start) == "Juan Carlos Osorio won" and unquote(end) == "Atlético Nacional in 2013."
    assert links.text_fragment("   ") == ""


def test_deep_links_open_the_quoted_sentence_or_fall_back_to_the_plain_url() -> None:
    quote = make_quote(best=1)
    link = links.deep_link(quote)
    assert link == "https://news.example/a1#:~:text=He%20later%20coached%20Mexico,the%202018%20World%20Cup."
    anchored = quote.model_copy(update={"url": "https://news.example/a1#top"})
    assert (links.deep_link(anchored) or "").startswith("https://news.example/a1#top:~:text=He%20later")
    long_url = "https://news.example/" + "x" * 480
    assert links.deep_link(quote.model_copy(update={"url": long_url})) == long_url
    assert links.deep_link(quote.model_copy(update={"url": None})) is None


def dated(article_id: str, url: str | None, date: dt.date | None) -> Quote:
    """A quote as the core makes it: its source is the url's site, else (no publisher) the title."""
    site = (urlsplit(url).hostname or "").removeprefix("www.") if url else ""
    return make_quote(article_id=article_id, title=f"T {article_id}").model_copy(
        update={"url": url, "source": site or f"T {article_id}", "date": date}
    )


def test_compare_sources_keeps_each_outlets_best_quote_oldest_first() -> None:
    quotes = [
        dated("a", "https://www.alpha.example/1", dt.date(2023, 5, 1)),
        dated("b", "https://beta.example/1", dt.date(2021, 1, 1)),
        dated("c", "https://alpha.example/2", dt.date(2019, 1, 1)),  # alpha's second quote: not its best
        dated("gamma/2020/d", None, None),  # no publisher, no url: grouped by its corpus folder
    ]
    assert [q.article_id for q in compare.compare_sources(quotes)] == ["b", "a", "gamma/2020/d"]
    embed = compare.render_comparison(answer_of(quotes))
    assert [f.name for f in embed.fields] == [
        "2021-01-01 · beta.example",
        "2023-05-01 · alpha.example",
        f"{t('undated', 'en')} · gamma",
    ]
    assert all(f.inline for f in embed.fields) and len(embed) <= render.EMBED_TOTAL_LIMIT
    assert "#:~:text=" in (embed.fields[0].value or "")


def test_compare_sources_stays_within_limits_with_many_long_quotes() -> None:
    text = " ".join(f"Sentence {i} about the bridge and the river." for i in range(300))
    quotes = [  # ranked best first; the best-ranked are the newest
        make_quote(text=text, article_id=f"a{i}", title="T" * 300, best=5).model_copy(
            update={
                "url": f"https://o{i}.example/x",
                "source": f"o{i}.example",
                "date": dt.date(2020, 1, 20 - i),
            }
        )
        for i in range(9)
    ]
    kept = compare.compare_sources(quotes)
    assert [q.article_id for q in kept] == [f"a{i}" for i in range(compare.MAX_COMPARED - 1, -1, -1)]
    embed = compare.render_comparison(answer_of(quotes))
    assert len(embed.fields) == compare.MAX_COMPARED and len(embed) <= render.EMBED_TOTAL_LIMIT
    assert all(len(f.value or "") <= render.FIELD_VALUE_LIMIT for f in embed.fields)


def labels(view: discord.ui.View) -> set[str]:
    return {getattr(c, "label", None) or str(getattr(c, "emoji", "")) for c in view.children}


def test_the_compare_button_appears_for_two_sources_and_answers_privately(tmp_path: Path) -> None:
    votes = FeedbackLog(Storage(tmp_path / "bot.sqlite3"))

    async def scenario() -> tuple[set[str], set[str], list[dict[str, Any]]]:
        one = views.AnswerView(answer_of([make_quote()]), 1, votes, 3, 1, 60)
        two_quotes = [
            dated("a", "https://alpha.example/1", dt.date(2023, 1, 1)),
            dated("b", "https://beta.example/1", dt.date(2020, 1, 1)),
        ]
        two = views.AnswerView(answer_of(two_quotes), 1, votes, 3, 1, 60)
        sent: list[dict[str, Any]] = []

        async def send_message(**kwargs: Any) -> None:
            sent.append(kwargs)

        interaction = SimpleNamespace(
            user=SimpleNamespace(id=2), response=SimpleNamespace(send_message=send_message)
        )
        await two.compare.callback(interaction)  # type: ignore[arg-type]
        return labels(one), labels(two), sent

    one, two, sent = asyncio.run(scenario())
    assert t("compare", "en") not in one and t("compare", "en") in two
    [reply] = sent
    assert reply["ephemeral"] is True and reply["allowed_mentions"].to_dict() == {"parse": []}
    assert [f.name for f in reply["embed"].fields] == [
        "2020-01-01 · beta.example",
        "2023-01-01 · alpha.example",
    ]


def test_outlets_are_publishers_or_sites_else_corpus_folders() -> None:
    base = make_quote()
    assert links.outlet(base.model_copy(update={"source": "El País"})) == "El País"
    site = base.model_copy(update={"url": "https://www.elpais.example/a", "source": "elpais.example"})
    assert links.outlet(site) == "elpais.example"
    # No publisher and no url: the core names the title; quotes are then grouped by corpus folder.
    local = base.model_copy(update={"url": None, "source": base.title})
    assert links.outlet(local.model_copy(update={"article_id": "elpais/2021/x"})) == "elpais"
    assert links.outlet(local.model_copy(update={"article_id": "x"})) == base.title


def present(quotes: list[Quote]) -> Answer:
    return answer_of(quotes).model_copy(update={"asks_about_present": True})


def test_a_question_about_the_present_is_told_when_every_quote_is_old() -> None:
    today = dt.date(2026, 1, 10)
    old = [dated("a", "https://a.example/1", dt.date(2023, 7, 12)), dated("b", None, dt.date(2022, 1, 1))]
    assert render.stale_note(present(old), today, 365) == "The newest article on this is from 12 July 2023."
    assert render.stale_note(present(old), today, 365, "es") == (
        "El artículo más reciente sobre esto es del 12 de julio de 2023."
    )
    assert render.stale_note(answer_of(old), today, 365) == ""  # not about the present
    assert render.stale_note(present(old), today, 1000) == ""  # within the configured age
    recent = [*old, dated("c", None, dt.date(2025, 12, 1))]
    assert render.stale_note(present(recent), today, 365) == ""
    undated = [*old, dated("d", None, None)]
    assert render.stale_note(present(undated), today, 365) == ""  # an undated quote may be recent
    embed = render.render_answer(present(old), note=render.stale_note(present(old), today, 365))
    assert (embed.description or "").startswith("*The newest article on this is from 12 July 2023.*\n> ")


class PresentAnswerer(FakeAnswerer):
    """Answers as the core does a question about the present, from old articles."""

    def ask(self, question: str, max_quotes: int | None = None) -> Answer:
        return super().ask(question, max_quotes).model_copy(update={"asks_about_present": True})


def test_the_stale_note_shows_on_every_page(tmp_path: Path) -> None:
    settings = BotSettings(_env_file=None, feedback_file=tmp_path / "f.jsonl")  # type: ignore[call-arg]
    quotes = [make_quote(article_id=f"a{i}") for i in range(7)]  # dated 2021-08-07

    async def scenario() -> tuple[str, str]:
        cog = AskCog(NewsQuoteBot(settings, PresentAnswerer(quotes), FakeBuilder()))
        kwargs, view = await cog.reply_parts("Who is the coach now?", asker_id=1)
        edits: list[discord.Embed] = []

        async def edit_message(**kw: Any) -> None:
            edits.append(kw["embed"])

        interaction = SimpleNamespace(
            user=SimpleNamespace(id=1), response=SimpleNamespace(edit_message=edit_message)
        )
        assert isinstance(view, views.AnswerView)
        await view.more.callback(interaction)  # type: ignore[arg-type]
        return kwargs["embed"].description or "", edits[0].description or ""

    first, second = asyncio.run(scenario())
    note = "*The newest article on this is from 7 August 2021.*"
    assert first.startswith(note) and second.startswith(note)
