"""Seeded, deterministic synthetic news articles and questions for the large benchmark sizes."""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


def _words(text: str) -> list[str]:
    return text.split()


_FUNCTION = _words(
    "the of and to in a for on that with as by at from is was were has have had will would its their "
    "after before over under about into than more but not also who which while during against between"
)
_VERBS = _words(
    "said announced reported confirmed warned approved rejected signed opened closed raised cut won lost "
    "launched denied proposed criticised praised expanded reduced delayed ordered agreed accused named"
)
_ROLES = _words(
    "minister mayor president chief executive spokesperson coach director governor senator analyst "
    "economist judge prosecutor captain chairman founder researcher ambassador"
)
_FIRST = _words(
    "Ana Luis Maria John Sarah David Elena Carlos Laura Peter Sofia James Lucia Omar Chen Aisha Pablo "
    "Grace Ivan Marta Kofi Yuki Hannah Diego Nadia Tomas Fatima Oscar Irene Samuel"
)
_LAST = _words(
    "Osorio Smith Garcia Chen Muller Rossi Kowalski Okafor Silva Tanaka Novak Haddad Lindqvist Moreau "
    "Fernandez Brown Ivanova Kim Mendez Dubois Rahman Costa Weber Petrov Nakamura Alvarez Jensen Hughes"
)
_PLACES = _words(
    "Medellin Bogota Lisbon Madrid Nairobi Osaka Warsaw Lyon Denver Manila Quito Porto Accra Hamburg "
    "Seville Dublin Lima Cairo Oslo Perth Valencia Montreal Santiago Krakow"
)
_ORGS = _words(
    "Council Ministry Bank Federation Union Agency Court Party Club Institute Commission Authority"
)
_WEEKDAYS = _words("Monday Tuesday Wednesday Thursday Friday Saturday Sunday")
_SYLLABLES = _words("ba ke ri to mu sa len dor vin cal mer pos tra gen lo fi ne da su ro mar tel on ex pre")


@dataclass(frozen=True)
class SynthArticle:
    """One generated article, in the corpus's JSONL shape."""

    id: str
    title: str
    date: str
    text: str


class NewsGenerator:
    """Makes news-like articles: Zipf vocabulary, names, places, quotes, news-like sentence lengths."""

    def __init__(self, seed: int = 7, vocabulary: int = 20000) -> None:
        self._rng = random.Random(seed)
        words = {self._word() for _ in range(vocabulary * 2)}
        self._content = sorted(words)[:vocabulary]
        self._rng.shuffle(self._content)
        # Zipf weights: a few words are everywhere, most are rare, as in real news text.
        self._weights = [1.0 / (rank + 1) ** 1.05 for rank in range(len(self._content))]
        self._cum = list(_accumulate(self._weights))

    def _word(self) -> str:
        return "".join(self._rng.choice(_SYLLABLES) for _ in range(self._rng.choice((1, 2, 2, 3, 3, 4))))

    def _content_word(self) -> str:
        return self._rng.choices(self._content, cum_weights=self._cum)[0]

    def _person(self) -> str:
        return f"{self._rng.choice(_FIRST)} {self._rng.choice(_LAST)}"

    def _org(self) -> str:
        return f"{self._content_word().capitalize()} {self._rng.choice(_ORGS)}"

    def sentence(self, people: list[str]) -> str:
        """One sentence: subject, verb, a lognormal number of Zipf words (median about 20 words)."""
        rng = self._rng
        length = max(4, min(60, int(rng.lognormvariate(math.log(18), 0.45))))
        words = [
            rng.choice(_FUNCTION) if rng.random() < 0.45 else self._content_word() for _ in range(length)
        ]
        if rng.random() < 0.3:
            words.insert(rng.randrange(len(words)), rng.choice(_PLACES))
        if rng.random() < 0.2:
            words.insert(rng.randrange(len(words)), f"{rng.randint(2, 900)}")
        who = rng.choice(people)
        if rng.random() < 0.25:
            return f'"{" ".join(words).capitalize()}," said {who}, {rng.choice(_ROLES)} of the {self._org()}.'
        verb = rng.choice(_VERBS)
        return f"{who} {verb} on {rng.choice(_WEEKDAYS)} that {' '.join(words)}."

    def article(self, number: int) -> SynthArticle:
        """Article `number`: 3-10 paragraphs of 1-5 sentences, a title and a date in 2015-2024."""
        rng = self._rng
        people = [self._person() for _ in range(rng.randint(1, 3))]
        paragraphs = [
            " ".join(self.sentence(people) for _ in range(rng.randint(1, 5)))
            for _ in range(rng.randint(3, 10))
        ]
        day = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(3650))
        title_words = [self._content_word() for _ in range(rng.randint(4, 9))]
        title = f"{people[0]} {rng.choice(_VERBS)} {' '.join(title_words)} in {rng.choice(_PLACES)}"
        return SynthArticle(f"synth-{number:07d}", title, day.isoformat(), "\n\n".join(paragraphs))

    def articles(self, count: int) -> Iterator[SynthArticle]:
        """The first `count` articles of this seed."""
        for number in range(count):
            yield self.article(number)


def question_for(article: SynthArticle, rng: random.Random) -> str:
    """A question a reader might ask about one sentence of the article."""
    sentences = [s for p in article.text.split("\n\n") for s in p.split(". ") if len(s.split()) > 6]
    words = rng.choice(sentences).replace('"', "").replace(",", "").rstrip(".").split()
    content = [w for w in words if w.islower() and w not in _FUNCTION and w not in _VERBS] or words
    subject = " ".join(article.title.split()[:2])
    topic = " ".join(rng.sample(content, k=min(3, len(content))))
    return f"What did {subject} say about {topic}?"


def write_corpus(directory: Path, articles: int, seed: int = 7, per_file: int = 1000) -> list[str]:
    """Write `articles` synthetic articles as JSONL files; returns one question per article (seeded)."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed + 1)
    questions, handles = [], {}
    try:
        for art in NewsGenerator(seed).articles(articles):
            shard = int(art.id.split("-")[1]) // per_file
            if shard not in handles:
                handles[shard] = (directory / f"news-{shard:04d}.jsonl").open("w", encoding="utf-8")
            handles[shard].write(json.dumps(art.__dict__, ensure_ascii=False) + "\n")
            questions.append(question_for(art, rng))
    finally:
        for fh in handles.values():
            fh.close()
    return questions


def _accumulate(values: list[float]) -> Iterator[float]:
    total = 0.0
    for value in values:
        total += value
        yield total
