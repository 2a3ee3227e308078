"""Escaping for Discord: whatever an article holds, a reader sees exactly its characters and no markup."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import pytest
from fake_discord.fakes import make_quote
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from bot import links, markdown, render
from bot.i18n import t
from index.models import Quote

# Characters Discord would read as markup if they reached it unescaped (a "." only after a digit: "1. ").
ACTIVE = set("\\*_~`|>#-[]()<:@+")
# Article text with everything that ever went wrong: markdown, mentions, links, bidi and zero-width
# characters, NUL, line breaks, digits before dots, non-Latin scripts and combining marks.
ALPHABET = st.sampled_from(
    [
        *"ab Z09.,;!?'\"*_~`|>#-[]()<:@+=/\\\n\t…éñ中ไ",
        *[
            "\u0e35",
            "\u0301",
            "\u202e",
            "\u202d",
            "\u2066",
            "\u200b",
            "\u200d",
            "\ufeff",
            "\x00",
            "\x1b",
            "\r",
        ],
        *["\u2028", "\u00ad", "https://evil.example", "<@123>", "<@&9>", "<t:1:R>", "[x](y)", "||", "**"],
    ]
)
TEXT = st.lists(ALPHABET, max_size=60).map("".join)
EXAMPLES = settings(max_examples=300, deadline=None, database=None)


def discord_view(text: str, ours: frozenset[str] = frozenset()) -> tuple[str, list[str]]:
    """A reference reader of Discord's escapes: what a person sees, and every unescaped markup character.

    Discord shows a backslash followed by any character other than an ASCII letter, digit or whitespace as
    that character. `ours` are tokens the renderer itself writes (bold markers), skipped as markup.
    """
    shown: list[str] = []
    active: list[str] = []
    i = 0
    while i < len(text):
        token = next((t for t in ours if text.startswith(t, i)), None)
        if token is not None:
            i += len(token)
            continue
        char = text[i]
        follower = text[i + 1] if i + 1 < len(text) else ""
        if (
            char == "\\"
            and follower
            and not (follower.isascii() and follower.isalnum())
            and not follower.isspace()
        ):
            shown.append(follower)
            i += 2
            continue
        if char in ACTIVE or (char == "." and shown and shown[-1].isdigit()):
            active.append(char)
        shown.append(char)
        i += 1
    return "".join(shown), active


def expected(text: str, inline: bool) -> str:
    """The article's characters as the bot promises to show them (docs/security-bot.md)."""
    out = []
    for char in text:
        category = unicodedata.category(char)
        if char == "\n":
            out.append(" " if inline else "\n")
        elif category == "Cf" or char == "\r":
            out.append("")  # bidi controls, zero-width characters, soft hyphens: removed
        elif category == "Cc" and char != "\t":
            out.append("\ufffd")  # NUL and other controls: shown as the replacement character
        elif category in ("Zl", "Zp"):
            out.append(" ")
        else:
            out.append(char)
    return "".join(out)


@EXAMPLES
@given(TEXT)
@example("1\u200b. looks like a list once the zero-width space is gone")
def test_escaped_text_shows_exactly_the_article_characters_and_no_markup(text: str) -> None:
    shown, active = discord_view(markdown.escape(text))
    assert shown == expected(text, inline=True)
    assert active == []


def quote_lines(rendered: str) -> tuple[str, list[str]]:
    """What a block-quoted passage shows (lines joined by newlines) and its unescaped markup."""
    lines = rendered.split("\n")
    assert all(line.startswith("> ") for line in lines), rendered
    shown, active = discord_view("\n".join(line[2:] for line in lines), ours=frozenset({"**"}))
    return shown, active


@EXAMPLES
@given(TEXT, st.data())
def test_a_rendered_quote_shows_a_verbatim_part_of_the_article_and_no_markup(
    text: str, data: st.DataObject
) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    budget = data.draw(st.sampled_from([40, 120, 1024, 10_000]))
    out = render.fit_quote(text, start, end, budget)
    assert len(out) <= budget
    if not text.strip():
        assert out == ""
        return
    shown, active = quote_lines(out)
    assert active == []
    core = shown.removeprefix(render.ELLIPSIS).removesuffix(render.ELLIPSIS)
    assert " ".join(core.split()) in " ".join(expected(text, inline=False).split())
    if budget == 10_000:  # room for everything: the whole text, not one character more or less
        assert shown.split() == expected(text, inline=False).split()


@EXAMPLES
@given(TEXT, TEXT, st.lists(TEXT, max_size=3))
def test_titles_sources_and_also_in_show_verbatim_without_markup(
    title: str, source: str, also_in: list[str]
) -> None:
    # The core names the title as the source when there is no publisher: the line then shows it once.
    assume(source != title and markdown.escape_cut(source, 120).strip() != "")
    # A quote the title cannot be part of (or the attribution would rightly leave the title out).
    quote = make_quote(text="\u2603").model_copy(
        update={"title": title, "source": source, "url": None, "also_in": also_in}
    )
    line = render.attribution(quote)
    first, _, rest = line.partition("\n")
    assert first.startswith("— **")
    title_md, _, source_md = first.removeprefix("— **").partition("** · 2021-08-07 · ")
    for field, md in ((title, title_md), (source, source_md)):
        shown, active = discord_view(md)
        assert active == []
        whole = expected(field, inline=True).strip()
        if len(whole) <= 40:
            assert shown.strip() == whole
        else:  # in full, or its beginning cut between words
            assert whole.startswith(shown.removesuffix(render.ELLIPSIS).strip())
    if rest:
        assert rest.startswith(t("also_in", "en"))
        shown, active = discord_view(rest.removeprefix(t("also_in", "en")))
        assert active == [] and shown.strip().startswith(expected(also_in[0], inline=True).strip()[:5])


def test_one_masked_link_no_longer_lets_spoilers_bold_and_further_links_through() -> None:
    # discord.utils.escape_markdown(as_needed=False) matched `\[.+\]\(.+\)` greedily from the first link.
    text = "See [x](y) then ||hidden|| and **loud** and [click here](https://evil.example/phish) now."
    quote = make_quote(text=text, best=0).model_copy(
        update={"title": "[Official](https://evil.example) <@&1> `code`", "also_in": ["[t](u) ||s|| <@&2>"]}
    )
    embed = render.render_answer(render_answer_input(quote), per_page=3)
    description = embed.description or ""
    for token in (
        "||hidden||",
        "**loud**",
        "[click here](",
        "[x](y)",
        "[Official](",
        "<@&1>",
        "`code`",
        "<@&2>",
    ):
        assert re.search(r"(?<!\\)" + re.escape(token), description) is None, token
    quoted = "\n".join(line for line in description.split("\n") if line.startswith("> "))
    assert quote_lines(quoted)[1] == []


def render_answer_input(quote: Quote) -> render.Answer:
    return render.Answer(question="q", answered=True, status="answered", quotes=[quote])


@pytest.mark.parametrize(
    ("char", "shown"),
    [("\u202e", ""), ("\u2066", ""), ("\u200b", ""), ("\u200d", ""), ("\ufeff", ""), ("\x00", "\ufffd")],
)
def test_bidi_zero_width_and_nul_are_removed_or_made_visible(char: str, shown: str) -> None:
    text = f"Pay{char}ment of 100"
    assert markdown.escape(text) == f"Pay{shown}ment of 100"
    quote = make_quote(text=text + ".", best=0).model_copy(
        update={"title": f"T{char}x", "source": f"f{char}.txt"}
    )
    embed = render.render_answer(render_answer_input(quote.model_copy(update={"url": None})))
    assert char not in str(embed.to_dict()) and char not in render.thread_name(f"who{char}?")


class CountingDisplay:
    """Counts how many characters are escaped (display_char calls), bypassing its cache."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        original = markdown.display_char.__wrapped__

        def counted(char: str, inline: bool) -> str:
            self.calls += 1
            return original(char, inline)

        monkeypatch.setattr(markdown, "display_char", counted)


def test_rendering_a_200k_quote_escapes_each_character_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Rendering used to re-escape the whole span once per candidate cut: 200,000 characters took 157 s.
    text = " ".join(f"cell{i} *x* | <y>" for i in range(12_000))[:200_000]
    counter = CountingDisplay(monkeypatch)
    out = render.fit_quote(text, 0, len(text), 1024)
    assert len(out) <= 1024 and out.endswith(render.ELLIPSIS)
    assert counter.calls == len(text)
    quotes = [make_quote(text=text, article_id=f"a{i}", title="T", best=0) for i in range(3)]
    counter.calls = 0
    embed = render.render_answer(render.Answer(question="q", answered=True, status="answered", quotes=quotes))
    assert len(embed) <= render.EMBED_TOTAL_LIMIT
    assert counter.calls <= 3 * len(text) + 10_000  # each quote once, plus titles, sources and the question


def test_a_cut_never_splits_an_escape_or_a_combining_mark() -> None:
    text = "\\" * 3000
    out = render.fit_quote(text, 0, len(text), 101)
    assert len(out) <= 101 and quote_lines(out)[1] == []
    thai = "ที่" * 2000
    out = render.fit_quote(thai, 0, len(thai), 100)
    body = out.removeprefix("> ").removesuffix(render.ELLIPSIS)
    assert body and not unicodedata.combining(thai[len(body)])


def test_a_long_url_is_not_linked_and_an_odd_one_is_encoded() -> None:
    assert links.safe_url("https://x.example/" + "a" * 600) is None
    assert links.safe_url("https://x.example/a b|c*d") == "https://x.example/a%20b%7Cc%2Ad"
    assert links.safe_url("javascript:alert(1)") is None
    dated = make_quote().model_copy(
        update={"date": dt.date(2020, 1, 2), "url": "https://x.example/" + "a" * 600}
    )
    assert "](" not in render.attribution(dated)
