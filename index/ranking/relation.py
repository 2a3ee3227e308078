"""What a question asks about besides its names: its own words, and where a sentence's article holds them.

"Who is the president of Colombia?" over "After his failed arrival on the Colombia national team...": the
names match and e5 calls the sentence close, but "president", the relation asked for, is nowhere near it.
These words are read without IDF weights, because a small index does not know "president" at all (an
unknown word weighs nothing in index.ranking.answerability.coverage, whereas here it counts as missing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from index.store.fact_match import ArticleTerms, article_terms
from index.store.facts import keys_of
from index.store.generations import Snapshot
from index.text.analysis import analyze

# Words that shape a question without naming what it is about ("how many", "what kind of", "called").
_SHAPE_WORDS = (
    "many much long far old kind type sort name named called happen happened happens say said "
    "cuánto cuanto cuánta cuanta cuántos cuantos cuántas cuantas qué que cuál cual cuáles cuales quién "
    "quien quiénes quienes dónde donde cómo como cuándo cuando ser haber hacer hace hizo llama llamó "
    "llamado llamada nombre"
)
_SHAPE = frozenset(_SHAPE_WORDS.split())
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class RelationPresence:
    """Where the question's own words are, around one sentence (shares in [0, 1]; 1 when it has none)."""

    sentence: float
    window: float
    article: float
    head_window: bool
    head_article: bool


def relation_words(question: str, language: str) -> list[list[str]]:
    """The question's words that are not names, figures or question-shaping words, each as its terms."""
    words = _WORD.findall(question)
    # A capitalised word opening the question ("Who", "Osorio") is not taken for a name: only later ones.
    names = {w.lower() for i, w in enumerate(words) if i and w[0].isupper()}
    lang = "es" if language == "es" else "en"
    out = []
    for word in (w.lower() for w in words):
        if word in names or word in _SHAPE or word[0].isdigit():
            continue
        terms = analyze(word, lang)
        if terms and terms not in out:
            out.append(terms)
    return out


def article_terms_of(snap: Snapshot, row: int) -> ArticleTerms:
    """The terms of the article holding sentence `row` (its sentences' and its title's)."""
    article_row = snap.article_row_of(row)
    first, end = (int(v) for v in snap.data.article_starts[article_row : article_row + 2])
    return article_terms(snap.facts, article_row, first, end)


def relation_presence(
    snap: Snapshot, row: int, words: list[list[str]], article: ArticleTerms | None = None
) -> RelationPresence:
    """Shares of `words` held by the sentence at `row`, its window (neighbours, title) and its article
    (`article`: its terms when the caller has gathered them)."""
    if not words:
        return RelationPresence(1.0, 1.0, 1.0, True, True)
    flat = [t for terms in words for t in terms]
    owner = np.repeat(np.arange(len(words)), [len(terms) for terms in words])
    gathered = article or article_terms_of(snap, row)
    first, end = gathered.first, gathered.end
    present, title = gathered.presence(keys_of(flat))

    def held(terms_present: np.ndarray) -> np.ndarray:
        """Per word: any of its terms present."""
        out = np.zeros(len(words), dtype=bool)
        np.logical_or.at(out, owner, terms_present)
        return out

    sentence = held(present[row - first])
    window = held(present[max(row - 1, first) - first : min(row + 2, end) - first].any(axis=0) | title)
    whole = held(present.any(axis=0) | title)
    return RelationPresence(
        float(sentence.mean()), float(window.mean()), float(whole.mean()), bool(window[0]), bool(whole[0])
    )


# Roles and life events a question can ask about ("Who is the president of...", "When was he born?"),
# each with the words an answer would use for it, per language (a Spanish question about an English story
# looks for the English words). A story that uses none of them does not state who holds the role, however
# close e5 puts its sentences about the same people and places.
ROLES: tuple[dict[str, str], ...] = (
    {"en": "president presidents presidency presidential",
     "es": "presidente presidenta presidencia presidió"},
    {"en": "capital", "es": "capital"},
    {"en": "population inhabitants residents", "es": "población habitantes"},
    {"en": "coach coaches coached coaching manager managers trainer",
     "es": "entrenador entrenadora entrena entrenó técnico técnicos dt seleccionador"},
    {"en": "mayor", "es": "alcalde alcaldesa"},
    {"en": "ceo executive", "es": "ejecutivo ejecutiva"},
    {"en": "founder founders founded founding", "es": "fundador fundadora fundó fundada fundado"},
    {"en": "owner owners owned owns", "es": "dueño dueña propietario propietaria"},
    {"en": "minister ministers premier", "es": "ministro ministra ministerio"},
    {"en": "governor governors", "es": "gobernador gobernadora"},
    {"en": "secretary", "es": "secretario secretaria"},
    {"en": "chairman chairwoman chairperson chair"},
    {"en": "captain captained", "es": "capitán capitana"},
    {"en": "king queen monarch reign reigned", "es": "rey reina monarca"},
    {"en": "wife husband spouse married marriage", "es": "esposa esposo marido casó casado casada"},
    {"en": "born birth birthplace native", "es": "nació nacido nacida nacimiento natal"},
    {"en": "died death dead killed", "es": "murió muerte muerto muerta falleció fallecido"},
    {"en": "successor succeeded succeed"},
    {"en": "predecessor preceded"},
)  # fmt: skip
# "Frédéric Chopin (1 March 1810 – 17 October 1849)": birth and death written as a span of years.
_LIFESPAN = re.compile(r"\(\s*[^()]{0,30}\b1?\d{3}\b[^()]{0,30}[-–—][^()]{0,30}\b\d{3,4}\s*\)")
_LIFE = {"born", "died"}


@dataclass(frozen=True)
class Role:
    """One role or life event: its terms per language, and whether a lifespan in brackets states it."""

    terms: dict[str, frozenset[str]]
    life: bool


def _terms(words: str, language: str) -> frozenset[str]:
    return frozenset(t for w in words.split() for t in analyze(w, language))


def _role(words: dict[str, str]) -> Role:
    terms = {lang: _terms(text, lang) for lang, text in words.items()}
    return Role(terms, words["en"].split()[0] in _LIFE)


_ROLES = tuple(_role(words) for words in ROLES)


def _lang(language: str) -> str:
    return "es" if language == "es" else "en"


def asked_role(words: list[list[str]], language: str) -> Role | None:
    """The role or life event the question's first own word asks about, if it is one."""
    if not words:
        return None
    head, lang = set(words[0]), _lang(language)
    return next((role for role in _ROLES if head & role.terms.get(lang, frozenset())), None)


def role_absent(
    snap: Snapshot,
    row: int,
    words: list[list[str]],
    language: str,
    story: str,
    article: ArticleTerms | None = None,
) -> bool:
    """Whether the question asks for a role (or a birth, a death) that the sentence's article never names,
    in the article's own language (`story`; the question's when the article's is not known; `article`: its
    terms when the caller has gathered them)."""
    role = asked_role(words, language)
    if role is None:
        return False
    found = role.terms.get(_lang(language if story == "unknown" else story))
    if not found:
        return False  # no words for it in the story's language: nothing to tell from
    article = article or article_terms_of(snap, row)
    in_sentences, in_title = article.presence(keys_of(sorted(found)))
    if in_sentences.any() or in_title.any():
        return False
    rows = range(article.first, article.end)
    return not (role.life and any(_LIFESPAN.search(snap.sentence_text(r)) for r in rows))
