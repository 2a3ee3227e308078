"""Links in an answer card: safe URLs, deep links to the quoted sentence, and a short name for each outlet."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from urllib.parse import quote as percent_encode

from index.models import Quote

MAX_LINK_CHARS = 512  # a longer url is not linked (it would crowd the quote out)
FRAGMENT_WORDS = 4  # words of the quoted sentence at each end of a text fragment
# Outside the URL characters every markdown reader agrees on: percent-encoded inside a masked link.
_UNSAFE_URL = re.compile(r"[^A-Za-z0-9\-._~:/?#@!$&+,;=%]+")


def safe_url(url: str | None) -> str | None:
    """The url if it is http(s) and short enough to link, with characters markdown could misread encoded."""
    if not url or not url.lower().startswith(("http://", "https://")) or len(url) > MAX_LINK_CHARS:
        return None
    return _UNSAFE_URL.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), url)


def text_fragment(sentence: str) -> str:
    """A text directive (`text=start,end`) that finds `sentence` on a page; "" for a blank one.

    Per the WICG Text Fragments spec, each term is percent-encoded UTF-8 and "-", "," and "&" must be encoded
    too (they delimit the directive). Browsers match terms on word boundaries, ignoring case and spacing.
    """
    words = sentence.split()
    if not words:
        return ""
    if len(words) <= 2 * FRAGMENT_WORDS:
        terms = [" ".join(words)]
    else:
        terms = [" ".join(words[:FRAGMENT_WORDS]), " ".join(words[-FRAGMENT_WORDS:])]
    return "text=" + ",".join(percent_encode(t, safe="").replace("-", "%2D") for t in terms)


def deep_link(quote: Quote) -> str | None:
    """The article's url opening at the quoted sentence; the plain url when the fragment would be too long."""
    url = safe_url(quote.url)
    if url is None:
        return None
    best = quote.text[quote.highlight_start : quote.highlight_end] or quote.text
    directive = text_fragment(best)
    if not directive:
        return url
    # A url that already has a fragment keeps it: the directive follows it after ":~:".
    linked = url + (":~:" if "#" in url else "#:~:") + directive
    return linked if len(linked) <= MAX_LINK_CHARS else url


def outlet(quote: Quote) -> str:
    """Who published the quote: the publisher (or site) the core names, else the corpus sub-folder."""
    if quote.source and quote.source != quote.title:
        return quote.source
    parts = PurePosixPath(quote.article_id).parts  # the core's fallback is the title: group by folder then
    return parts[0] if len(parts) > 1 else quote.title
