"""Article text -> Discord markdown that shows exactly the article's characters, and cuts in linear time."""

from __future__ import annotations

import bisect
import itertools
import unicodedata
from functools import lru_cache

ELLIPSIS = "…"
# Shown in place of a control character (NUL, escape, ...): visible, so a reader knows something was there.
REPLACEMENT = "\ufffd"
# Every ASCII character Discord's markdown gives a meaning to: emphasis, code, spoilers, headings, lists,
# block quotes, masked links, <@mention>/<#channel>/<t:timestamp>/<:emoji:id> syntax, @everyone, and the
# "https:" of an auto-link. Discord shows a backslash followed by any of them as the character itself.
MARKDOWN_CHARACTERS = frozenset("\\*_~`|>#-[]()<:@+")
_CUT_SPACES = " \n\t\u3000"


@lru_cache(maxsize=4096)
def display_char(char: str, inline: bool) -> str:
    """How one article character is shown: markdown escaped; invisible or control characters neutralised."""
    if char in MARKDOWN_CHARACTERS:
        return "\\" + char
    if char == "\n":
        return " " if inline else "\n> "  # a new line of the block quote
    if char in " \t" or char.isalnum():
        return char
    category = unicodedata.category(char)
    if category == "Cf":
        # Bidi overrides and isolates (U+202E...), zero-width spaces and joiners, soft hyphens, BOM, tag
        # characters: invisible, and able to reorder or hide what a quote seems to say. Dropped.
        return ""
    if category == "Cc":
        return "" if char == "\r" else REPLACEMENT
    if category in ("Zl", "Zp"):
        return " "  # U+2028/U+2029 would break the block quote's lines
    return char


def neutralise(text: str, inline: bool = True) -> str:
    """What Discord shows for `escape(text)`: invisible characters dropped, controls made visible."""
    return "".join(_shown(c, inline) for c in text)


def _shown(char: str, inline: bool) -> str:
    if char == "\n":
        return " " if inline else "\n"
    shown = display_char(char, inline)
    return shown[1:] if shown.startswith("\\") else shown


def clean_question(text: str) -> str:
    """The question the core reads: invisible characters dropped, controls as spaces, spaces collapsed."""
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category != "Cf":
            kept.append(" " if category in ("Cc", "Zl", "Zp") else char)
    return " ".join("".join(kept).split())


class Escaped:
    """The display pieces of one text (one per character) with prefix lengths, so any cut costs O(1)."""

    def __init__(self, text: str, inline: bool = False) -> None:
        self.text = text
        self.pieces = [display_char(c, inline) for c in text]
        # An ordered-list marker is digits then "." at a line start; escaping every "." after a digit is
        # simpler than tracking line starts, and Discord shows "\." as "." anywhere.
        _escape_dots_after_digits(text, self.pieces)
        self.offsets = list(itertools.accumulate(map(len, self.pieces), initial=0))
        self.newlines = list(itertools.accumulate((c == "\n" for c in text), initial=0))
        # Where the non-blank text begins and ends: an ellipsis marks a cut only when it leaves words out.
        self.content = (len(text) - len(text.lstrip()), len(text.rstrip()))

    def cost(self, start: int, end: int) -> int:
        """Length of the display form of text[start:end]."""
        return self.offsets[end] - self.offsets[start]

    def join(self, start: int, end: int) -> str:
        """The display form of text[start:end]."""
        return "".join(self.pieces[start:end])

    def word_cut(self, start: int, end: int, room: int) -> int:
        """The furthest cut in (start, end] whose display fits in `room`, between words when possible."""
        cut = bisect.bisect_right(self.offsets, self.offsets[start] + room, start, end + 1) - 1
        if cut >= end:
            return end
        space = max(self.text.rfind(c, start + 1, cut + 1) for c in _CUT_SPACES)
        if space > start:
            return space
        # One "word" longer than the room (a URL, text without spaces): cut between characters, but keep a
        # combining mark (Thai vowels, accents) with its letter.
        while cut > start and unicodedata.combining(self.text[cut]):
            cut -= 1
        return max(cut, start)


def _escape_dots_after_digits(text: str, pieces: list[str]) -> None:
    """Escape "." wherever it is shown right after a digit (a removed invisible character in between too)."""
    shown_before = ""
    for i, char in enumerate(text):
        if char == "." and shown_before.isdigit():
            pieces[i] = "\\."
        if pieces[i]:
            shown_before = pieces[i][-1]


def escape(text: str, inline: bool = True) -> str:
    """Escape every markdown character and neutralise invisible ones, so the text shows exactly as written."""
    return Escaped(text, inline).join(0, len(text))


def escape_cut(text: str, limit: int) -> str:
    """`escape(text)` in at most `limit` characters: cut between words (in plain text), with an ellipsis."""
    escaped = Escaped(text, inline=True)
    if escaped.cost(0, len(text)) <= limit:
        return escaped.join(0, len(text))
    if limit < 1:
        return ""
    cut = escaped.word_cut(0, len(text), limit - len(ELLIPSIS))
    return escaped.join(0, cut).rstrip() + ELLIPSIS
