"""Who "he" or "she" is: a sentence that opens with a pronoun is embedded with its antecedent's name.

"He now directs Zamalek in Egypt" says nothing about Osorio to the embedding model, so "where does Osorio
coach now?" cannot find it. The quote stays verbatim; only the text the model embeds for the sentence gains
the name ("Osorio: He now directs ..."): of the names in the sentences just before it, the one the article
mentions most.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from bm25s.stopwords import STOPWORDS_EN_PLUS

from index.text.lexicon import MONTHS_EN, PERSON_PRONOUNS_EN, opening_word

_OPENING_PRONOUN = opening_word(PERSON_PRONOUNS_EN)
_CAPITALISED = re.compile(r"\b[A-ZÁÉÍÓÚÑ][\w’'-]*[a-záéíóúñ]\b")
_POSSESSIVE = re.compile(r"['’]s$")
_NOT_NAMES = frozenset(STOPWORDS_EN_PLUS) | frozenset(MONTHS_EN)
LOOKBACK = 2  # sentences searched for the antecedent


def _word(found: re.Match[str]) -> str:
    return _POSSESSIVE.sub("", found.group(0))


def name_counts(text: str) -> Counter[str]:
    """How often each name word occurs: capitalised words seen somewhere other than a sentence start."""
    seen_inside: set[str] = set()
    counts: Counter[str] = Counter()
    for found in _CAPITALISED.finditer(text):
        word = _word(found)
        if word.lower() in _NOT_NAMES:
            continue
        counts[word] += 1
        before = text[max(0, found.start() - 3) : found.start()].rstrip(" \"“”'‘’(")
        if before and before[-1] not in ".!?:\n":
            seen_inside.add(word)
    return Counter({w: n for w, n in counts.items() if w in seen_inside})


def resolved_sentences(sentences: Sequence[str], names: Counter[str], language: str) -> list[str]:
    """The texts to embed: pronoun-led English sentences prefixed with their antecedent's name."""
    if language != "en":
        return list(sentences)
    out = []
    for i, text in enumerate(sentences):
        antecedent = None
        if _OPENING_PRONOUN.match(text):
            nearby = {_word(m) for s in sentences[max(0, i - LOOKBACK) : i] for m in _CAPITALISED.finditer(s)}
            # Ties broken by the word itself: set order varies with PYTHONHASHSEED, and the embedded
            # text (hence the cache key and the vector) must be the same in every build.
            ranked = sorted((w for w in nearby if w in names), key=lambda w: (-names[w], w))
            antecedent = ranked[0] if ranked else None
        out.append(f"{antecedent}: {text}" if antecedent else text)
    return out
