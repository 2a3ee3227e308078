"""Titles for articles that have none: the first sentence of the first paragraph that is not a caption."""

from __future__ import annotations

import re

TITLE_MAX_CHARS = 90
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


def _words(text: str) -> frozenset[str]:
    """A set of words written as one space-separated string (easier to read and edit than a list)."""
    return frozenset(text.split())


# A photo caption ends with a short credit in parentheses: "(Cortesía Dimayor)", "(AP)", "(Foto: EFE)".
_CAPTION_CREDIT = re.compile(r"\([^()]{1,59}\)[.\s]*\Z")
_SENTENCE_END = re.compile(r"[.?!]\s+(?=[\"“«¿¡(]?[^\W\d_])")
_ABBREVIATIONS = _words(
    "mr mrs ms dr st jr sr prof gen gov sen rep col lt sgt capt inc ltd co corp vs etc no sra srta dra"
)


def derive_title(text: str) -> str:
    """Return the first sentence of the first non-caption paragraph, cut to 90 characters at a word."""
    paragraphs = [" ".join(part.split()) for part in _PARAGRAPH_BREAK.split(text) if part.strip()]
    index = 0
    # A caption only counts as one when the article goes on after it; a lone paragraph is the article.
    while index < len(paragraphs) - 1 and _CAPTION_CREDIT.search(paragraphs[index]):
        index += 1
    sentence = _first_sentence(paragraphs[index]) if paragraphs else ""
    if len(sentence) <= TITLE_MAX_CHARS:
        return sentence
    cut = sentence[: TITLE_MAX_CHARS - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-–—") + "…"


def _first_sentence(paragraph: str) -> str:
    """Cut at the first sentence end; the real splitter lives in the chunking module."""
    for match in _SENTENCE_END.finditer(paragraph):
        if paragraph[match.start()] == ".":
            before = re.search(r"(\w+)\Z", paragraph[: match.start()])
            word = before.group(1) if before else ""
            # "J. Smith", "Mr. Smith": the period ends an initial or abbreviation, not the sentence.
            if (len(word) == 1 and word.isupper()) or word.lower() in _ABBREVIATIONS:
                continue
        return paragraph[: match.start() + 1]
    return paragraph
