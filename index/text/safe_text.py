"""Names and titles made safe to log and show: control, format (bidi, zero-width) and surrogate characters."""

from __future__ import annotations

import unicodedata

# Cc: controls (NUL, newline, escape...); Cf: format characters (bidi overrides such as U+202E, zero-width
# spaces and joiners, BOM); Cs: lone surrogates (undecodable file name bytes); Zl/Zp: line and paragraph
# separators. Any of them in a file name can forge a log line or reorder what a reader sees.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def _unsafe(char: str) -> bool:
    return unicodedata.category(char) in _UNSAFE_CATEGORIES


def escape_name(text: str) -> str:
    """The text with every control, format or surrogate character written as a Python escape (`\\n`)."""
    if not any(_unsafe(char) for char in text):
        return text
    return "".join(
        char.encode("unicode_escape", "backslashreplace").decode("ascii") if _unsafe(char) else char
        for char in text
    )


def clean_title(text: str) -> str:
    """A title without control, format or surrogate characters; line breaks and tabs become spaces."""
    if not any(_unsafe(char) for char in text):
        return text
    kept = (" " if char.isspace() else "" if _unsafe(char) else char for char in text)
    return " ".join("".join(kept).split())


def is_valid_name(name: str) -> bool:
    """Whether a file name decoded from the file system is real text (not undecodable bytes)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
