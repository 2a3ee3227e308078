"""Rendering answers for Discord: limits, escaping, highlighting, shortening, labelling."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fake_discord.fakes import ARTICLE, make_quote

from bot import render
from index.models import Answer, Quote

LONG_TEXT = " ".join(
    f"Sentence number {i} talks about the league and the coach in some detail." for i in range(400)
)


def unescape(text: str) -> str:
    """Undo markdown escaping, bold markers and block-quote prefixes to recover the quoted words."""
    text = re.sub(r"^> ?", "", text, flags=re.MULTILINE).replace("**", "")
    return re.sub(r"\\(.)", r"\1", text)


def answer(quotes: list[Quote], status: str = "answered", question: str = "Who won?") -> Answer:
    return Answer(
        question=question,
        answered=status == "answered",
        status=status,  # type: ignore[arg-type]
        message="" if status == "answered" else "The articles don't answer this.",
        quotes=quotes,
        index_built_at=dt.datetime(2024, 5, 1, tzinfo=dt.UTC),
    )


def quoted_body(block: str) -> str:
    """The block-quote lines of a rendered quote (without the attribution line)."""
    return "\n".join(line for line in block.splitlines() if line.startswith(">"))


def test_best_sentence_is_bold_and_quote_is_verbatim() -> None:
    q = make_quote(best=1)
    embed = render.render_answer(answer([q]))
    assert embed.description is not None
    assert "**He later coached Mexico at the 2018 World Cup.**" in embed.description
    words = unescape(quoted_body(embed.description)).replace(render.ELLIPSIS, " ").split()
    assert " ".join(words) in " ".join(ARTICLE.split())


def test_markdown_and_mentions_in_articles_are_escaped() -> None:
    text = (
        "Intro. **Bold** _it_ ~~x~~ ||spoiler|| `code` [link](https://evil.example) <@123> <@&9> <#5>."
        "\n# Head\n- item\n1. one"
    )
    q = make_quote(text=text, best=0)
    desc = render.render_answer(answer([q])).description or ""
    body = quoted_body(desc)
    for raw in ("**Bold**", "_it_", "~~x~~", "||spoiler||", "`code`", "<@123>", "<@&9>", "<#5>"):
        assert re.search(r"(?<!\\)" + re.escape(raw), body) is None, raw
    assert "\\[link\\]\\(" in body  # a masked link would hide its target
    assert "\\# Head" in body and "\\- item" in body and "1\\. one" in body
    assert unescape(body).split() == text.split()


def test_question_in_title_is_escaped_and_short() -> None:
    embed = render.render_answer(answer([make_quote()], question="@everyone **hi** " + "word " * 200))
    assert embed.title is not None and len(embed.title) <= render.TITLE_LIMIT
    assert "**hi**" not in embed.title and embed.title.endswith(render.ELLIPSIS)


@pytest.mark.parametrize("budget", [60, 120, 300, 1024, 4096])
def test_long_quotes_are_shortened_on_sentence_boundaries(budget: int) -> None:
    start = LONG_TEXT.index("Sentence number 200")
    end = LONG_TEXT.index(" Sentence number 201")
    out = render.fit_quote(LONG_TEXT, start, end, budget)
    assert len(out) <= budget
    inner = unescape(out).strip(render.ELLIPSIS)
    assert inner.strip(render.ELLIPSIS) in LONG_TEXT
    assert out.startswith("> " + render.ELLIPSIS) and out.endswith(render.ELLIPSIS)
    if budget >= 120:  # room for whole sentences: every cut is at a sentence boundary
        assert inner.startswith("**Sentence") or inner.startswith("Sentence")
        assert inner.rstrip("*").endswith("detail.")


def test_an_overlong_sentence_is_cut_between_words() -> None:
    text = "Word " * 500
    out = render.fit_quote(text, 0, len(text), 100)
    assert len(out) <= 100 and out.endswith(render.ELLIPSIS)
    assert out.removesuffix(render.ELLIPSIS).rstrip("*").endswith("Word")


def test_embed_respects_discord_limits_with_huge_quotes() -> None:
    quotes = [make_quote(text=LONG_TEXT, article_id=f"a{i}", title="T" * 400, best=3) for i in range(3)]
    embed = render.render_answer(answer(quotes))
    assert len(embed) <= render.EMBED_TOTAL_LIMIT
    assert len(embed.description or "") <= render.DESCRIPTION_LIMIT
    assert len(embed.fields) == 2
    for f in embed.fields:
        assert len(f.value or "") <= render.FIELD_VALUE_LIMIT and len(f.name or "") <= render.FIELD_NAME_LIMIT
    assert len(embed.footer.text or "") <= render.FOOTER_LIMIT


def test_no_answer_is_labelled_as_closest_passage() -> None:
    embed = render.render_answer(answer([make_quote()], status="no_answer"))
    assert (embed.description or "").startswith(f"**{render.NO_ANSWER_LABEL}**\n> ")
    assert embed.colour == render.COLOR_NO_ANSWER


def test_no_quotes_shows_the_message() -> None:
    embed = render.render_answer(answer([], status="no_answer"))
    assert embed.description == "The articles don't answer this."


def test_attribution_has_title_date_and_safe_link() -> None:
    q = make_quote().model_copy(
        update={"url": "https://x.example/a_(b) c", "title": "A *title*", "also_in": ["B"]}
    )
    line = render.attribution(q)
    assert line.startswith(
        "— **A \\*title\\*** · 2021-08-07 · [news.example](https://x.example/a_%28b%29%20c#:~:text="
    )
    assert line.endswith(")\nAlso in: B")
    # Without a publisher or a URL the core names the title, which the line already shows once.
    untitled = make_quote().model_copy(update={"url": None, "source": "Osorio profile"})
    assert render.attribution(untitled).count("Osorio profile") == 1
    local = make_quote().model_copy(update={"url": None, "source": "corpus/a_b.txt"})
    assert "corpus/a\\_b.txt" in render.attribution(local) and "](" not in render.attribution(local)


def test_pages_follow_the_answer_order() -> None:
    # The core chose and ordered the quotes (index/answer/presentation.py); the bot only cuts pages.
    qs = [make_quote(article_id=a) for a in ["x", "x", "y", "z", "y"]]
    pages = render.paginate(qs, 3)
    assert [[q.article_id for q in page] for page in pages] == [["x", "x", "y"], ["z", "y"]]
    assert render.page_count(answer(qs), 3) == 2
    second = render.render_answer(answer(qs), page=1)
    assert second.footer.text is not None and second.footer.text.startswith("Quotes 4–5 of 5 · page 2/2")


def test_notice_and_thread_name_fit() -> None:
    assert len(render.notice("word " * 1000)) <= render.MESSAGE_LIMIT
    name = render.thread_name("  what   happened\n" + "x " * 200)
    assert len(name) <= 100 and name.startswith("what happened x")
