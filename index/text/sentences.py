"""A fast rule-based sentence splitter (English and Spanish news) that returns character offsets."""

from __future__ import annotations

import re

# Terminal punctuation run, optional closing quotes/brackets, whitespace, and a following non-space char.
# Group 3 is the whitespace: the sentence ends at its start and the next one begins at its end.
_CANDIDATE = re.compile(r"([.!?…]+)([\"'”’»)\]]*)(\s+)(?=\S)")
_BLANK_LINE = re.compile(r"\n\s*\n")
_NONSPACE = re.compile(r"\S")
_WORD = re.compile(r"[^\W\d_]+")
# "U.S", "a.m", "E.E.U.U", "EE.UU" (the final dot is the candidate itself).
_MULTI_DOT = re.compile(r"(?:[^\W\d_]{1,2}\.)+[^\W\d_]{1,2}\Z")

_OPENERS = "\"'“‘«([¿¡—–-"
_CLOSERS = "\"'”’»)]"
# A line ending in one of these continues on the next line (wrapped text), so it is not a heading.
_NOT_HEADING_END = ".!?…,;:—–-"
_HEADING_MAX_CHARS = 60
_SHORT_FRAGMENT_CHARS = 12
_TOKEN_LOOKBACK = 24
# The tail of an embedded social-media post as scraped news prints it: "...,… pic.twitter.com/Ab12 —
# Gustavo Roca (@GustavoRocaGOL) July 11, 2023". Alone it is no sentence (a link, a handle and a date), yet
# its date and name made it the first quote for "who offered Osorio a job in 2023?". It belongs to the
# post's text before it.
_EMBED_ATTRIBUTION = re.compile(r"—\s*[^—()]{1,80}\(@\w{1,30}\)\s*[A-Z][a-z]+\.?\s+\d{1,2},\s*\d{4}\s*\Z")
_EMBED_LINK = re.compile(r"\bpic\.twitter\.com/\S+\s*\Z")
_EMBED_TRAILER_MAX_CHARS = 200
SPLITTER_VERSION = "rules-v2-embed-trailers"  # recorded in the manifest: a change re-splits every article


def _words(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Titles precede a name, so a dot after them never ends a sentence (when capitalised).
_TITLES = _words(
    "mr mrs ms dr prof sr sra srta dña dn gen gov sen rep lt col capt sgt cmdr adm maj rev fr hon"
)
# Abbreviations that usually continue the sentence but may end one: split only before a clear starter.
_ABBREVIATIONS = _words(
    """st mt jr vs etc e.g i.e inc ltd co corp jan feb apr jun jul aug sep sept oct nov dec fig approx
    av avda ud uds pág pag aprox ed eds vol vols p pp cf ca al dept est no mar nos art núm nro tel"""
)
# These are also ordinary words ("no", Spanish "mar" = sea), so they are abbreviations only before a digit.
_DIGIT_ONLY = _words("no nos mar art núm nro")
# Words that clearly open a sentence: after an abbreviation or initial they make the dot a boundary.
_STARTERS = _words(
    """The He She It They We I In But This That These Those There His Her Their Its Our And As At On
    After However Meanwhile When While El La Los Las Pero En Este Esta Estos Estas Según Sin Además"""
)


def split_paragraphs(text: str) -> list[tuple[int, int]]:
    """Return (start, end) of each blank-line separated, whitespace-trimmed, non-empty paragraph."""
    return _paragraphs(text, 0, len(text))


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Return (start, end) offsets into `text` of the trimmed sentences inside text[start:end]."""
    stop = len(text) if end is None else min(end, len(text))
    out: list[tuple[int, int]] = []
    for para_start, para_end in _paragraphs(text, max(start, 0), stop):
        sentences = _merge_short(text, _paragraph_sentences(text, para_start, para_end))
        out.extend(_merge_embed_trailers(text, sentences))
    return out


def _paragraphs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    pos = start
    for m in _BLANK_LINE.finditer(text, start, end):
        _append_trimmed(text, pos, m.start(), out)
        pos = m.end()
    _append_trimmed(text, pos, end, out)
    return out


def _append_trimmed(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    first = _NONSPACE.search(text, start, end)
    if first is not None:
        begin = first.start()
        out.append((begin, begin + len(text[begin:end].rstrip())))


def _paragraph_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for seg_start, seg_end in _segments(text, start, end):
        cur = seg_start
        for m in _CANDIDATE.finditer(text, seg_start, seg_end):
            if _is_boundary(text, m, cur, seg_end):
                out.append((cur, m.start(3)))
                cur = m.end()
        out.append((cur, seg_end))
    return out


def _segments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut a paragraph after heading-like lines; other line breaks are wrapped text."""
    if text.find("\n", start, end) == -1:
        return [(start, end)]
    segments: list[tuple[int, int]] = []
    seg_start = line_start = start
    while (newline := text.find("\n", line_start, end)) != -1:
        line_end = line_start + len(text[line_start:newline].rstrip())
        nxt = _NONSPACE.search(text, newline, end)
        if nxt is None:
            break
        last = text[line_start:line_end].rstrip(_CLOSERS)[-1:]
        heading = line_end - line_start < _HEADING_MAX_CHARS and last not in _NOT_HEADING_END
        if heading and not text[nxt.start()].islower():
            segments.append((seg_start, line_end))
            seg_start = nxt.start()
        line_start = nxt.start()
    segments.append((seg_start, end))
    return segments


def _is_boundary(text: str, m: re.Match[str], sent_start: int, end: int) -> bool:
    """Decide whether a punctuation candidate really ends a sentence."""
    nxt = m.end()
    # Look past opening quotes/dashes: Spanish "—preguntó" or “and ...” continue the sentence.
    while nxt < end - 1 and text[nxt] in _OPENERS:
        nxt += 1
    following = text[nxt]
    if following.islower():
        return False
    if m.group(1) != "." or m.group(2):
        return True
    token = _token_before(text, sent_start, m.start())
    if not token:
        return True
    low = token.lower()
    if low in _TITLES and token[0].isupper():
        return False
    if low in _DIGIT_ONLY:
        return not following.isdigit()
    if low in _ABBREVIATIONS or _MULTI_DOT.match(token) or (len(token) == 1 and token.isupper()):
        word = _WORD.match(text, nxt, end)
        return word is not None and word.group() in _STARTERS
    return True


def _token_before(text: str, sent_start: int, dot: int) -> str:
    """The word just before the dot, without opening quotes/brackets; "" if too long to be an abbreviation."""
    window_start = max(sent_start, dot - _TOKEN_LOOKBACK)
    parts = text[window_start:dot].rsplit(None, 1)
    if not parts or (len(parts) == 1 and window_start > sent_start and not text[window_start - 1].isspace()):
        return ""
    return parts[-1].lstrip(_OPENERS)


def _merge_short(text: str, sentences: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join tiny dot-terminated fragments (datelines like "CALI.") to the sentence that follows."""
    out: list[tuple[int, int]] = []
    pending: int | None = None
    for i, (start, end) in enumerate(sentences):
        begin = start if pending is None else pending
        last = i == len(sentences) - 1
        if not last and end - begin < _SHORT_FRAGMENT_CHARS and text[end - 1] == ".":
            pending = begin
            continue
        out.append((begin, end))
        pending = None
    return out


def _merge_embed_trailers(text: str, sentences: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join an embedded post's trailer (link, "— Author (@handle) Month D, YYYY") to the sentence before."""
    out: list[tuple[int, int]] = []
    for start, end in sentences:
        if out and _is_embed_trailer(text, start, end):
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def _is_embed_trailer(text: str, start: int, end: int) -> bool:
    """A trailer alone, or after the post's cut-off text ("Until today,…"): no sentence of its own."""
    if end - start > _EMBED_TRAILER_MAX_CHARS:
        return False
    rest = text[start:end]
    for part in (_EMBED_ATTRIBUTION, _EMBED_LINK):  # the attribution comes last when both are there
        found = part.search(rest)
        rest = rest[: found.start()].rstrip() if found else rest
    stripped = len(rest) < end - start
    return stripped and (not rest or rest.endswith(("…", "...")))
