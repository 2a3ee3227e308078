"""Sentences foreign to both the question and their story (a Spanish caption in an English one) go last."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pytest

from index.embedding.protocol import Embedder
from index.ranking import stray_language
from index.ranking.features import sentence_text
from index.ranking.pipeline import RankingPipeline
from index.ranking.profiles import ProfileSet, RankingProfile
from index.ranking.results import Ranking, SentenceScore
from index.ranking.scorers import Scores, ScoringInput
from index.ranking.stray_language import crosses_language, sentence_language, stray_last, stray_rows
from index.retrieval.intent import read_intent
from index.retrieval.search import ChunkHit
from index.store.generations import Snapshot
from index.text.language import detect_language

STORY = (
    " date 2022-04-20 CALI. 7 de agosto de 2021. América y Once Caldas se enfrentaron en el estadio Pascual "
    "Guerrero, en juego válido por la cuarta fecha de la Liga BetPlay.\n\n"
    "After his departure from America de Cali due to poor results, Osorio is still a sought-after coach. "
    "He was questioned because of his system of rotations and the lack of results in the league. "
    "It is said that he had no good relationship with the directors, and that they did not want him to stay. "
    "The club has not said who will be the next coach, but it is expected to announce it this week."
)
NOTA = (
    " date 2022-04-21 El técnico Osorio dejó el América de Cali por los malos resultados de la liga. "
    "Según la directiva, la relación con el entrenador no era buena y se decidió que no siguiera en el club. "
    "Los aficionados pidieron su salida después de la derrota del domingo en el estadio Pascual Guerrero, "
    "donde el equipo perdió por tres goles. El club anunciará esta semana quién será el nuevo técnico. "
    "“This is what I wanted, it was the best for the team and for my family,” said Osorio."
)


def _rows(snap: Snapshot, *fragments: str) -> list[int]:
    texts = [sentence_text(snap, r) for r in range(len(snap.data.sentences))]
    return [next(r for r, t in enumerate(texts) if f in t) for f in fragments]


def test_a_caption_in_another_language_is_stray_for_a_question_in_the_story_language(
    make_snapshot: Callable[[str, dict[str, str]], Snapshot],
) -> None:
    snap = make_snapshot("mixed", {"story.txt": STORY, "nota.txt": NOTA})
    caption, story, nota, english_quote = _rows(
        snap, "se enfrentaron", "sought-after", "malos resultados", "This is what I wanted"
    )
    every = [caption, story, nota, english_quote]
    # English question: the caption is foreign to both; the Spanish story's sentence is in its
    # article's language.
    assert stray_rows(snap, every, "en") == {caption}
    # Spanish question: the caption is in the question's language; the English sentences are in their
    # article's language, except the English quote inside the Spanish story, which is foreign to both.
    assert stray_rows(snap, every, "es") == {english_quote}
    assert stray_rows(snap, every, "unknown") == frozenset()


def test_a_sentence_language_is_detected_once_per_snapshot(
    make_snapshot: Callable[[str, dict[str, str]], Snapshot], monkeypatch: pytest.MonkeyPatch
) -> None:
    snap = make_snapshot("mixed", {"story.txt": STORY, "nota.txt": NOTA})
    caption, story = _rows(snap, "se enfrentaron", "sought-after")
    read: list[str] = []

    def counted(text: str) -> str:
        read.append(text)
        return detect_language(text)

    monkeypatch.setattr(stray_language, "detect_language", counted)
    assert [sentence_language(snap, r) for r in (caption, story, caption, story)] == ["es", "en", "es", "en"]
    assert stray_rows(snap, [caption, story], "en") == {caption}  # read from the snapshot's memo
    assert read == [sentence_text(snap, caption), sentence_text(snap, story)]


def test_stray_sentences_move_behind_every_other_candidate_keeping_their_order() -> None:
    scored = [SentenceScore(1, 0.9, 0.5), SentenceScore(2, 0.6, 0.4), SentenceScore(3, 0.5, 0.3)]
    scored.append(SentenceScore(4, 0.01, 0.1))
    out = stray_last(scored, frozenset({2, 3}))
    assert [s.row for s in out] == [1, 4, 2, 3]
    assert out[1].score > out[2].score > out[3].score  # quote growth reads the scores, so they agree
    assert stray_last(scored, frozenset()) == scored
    assert stray_last(scored, frozenset({1, 2, 3, 4})) == scored  # nothing to put them behind


def test_a_sentence_crosses_languages_when_it_and_its_story_are_in_another_language(
    make_snapshot: Callable[[str, dict[str, str]], Snapshot],
) -> None:
    snap = make_snapshot("mixed", {"story.txt": STORY, "nota.txt": NOTA})
    caption, story, nota, english_quote = _rows(
        snap, "se enfrentaron", "sought-after", "malos resultados", "This is what I wanted"
    )
    # A Spanish question answered by the English story crosses; by the Spanish note it does not.
    assert crosses_language(snap, story, "es") and not crosses_language(snap, nota, "es")
    assert crosses_language(snap, nota, "en") and not crosses_language(snap, story, "en")
    # A sentence in another language than its own story is a stray caption or quote, not a crossing.
    assert not crosses_language(snap, caption, "es") and not crosses_language(snap, english_quote, "en")
    assert not crosses_language(snap, story, "unknown")


class _Fixed:
    """A scorer giving each candidate row a set score (0 for the others)."""

    def __init__(self, name: str, by_row: dict[int, float]) -> None:
        self.name = name
        self.by_row = by_row

    def score(self, job: ScoringInput) -> Scores:
        return Scores(np.array([self.by_row.get(r, 0.0) for r in job.candidates.rows.tolist()]))


def test_a_question_answered_in_another_language_is_ordered_by_the_confidence(
    make_snapshot: Callable[[str, dict[str, str]], Snapshot], fake_embedder: Embedder
) -> None:
    snap = make_snapshot("mixed", {"story.txt": STORY, "nota.txt": NOTA})
    story, rotations, nota = _rows(snap, "sought-after", "system of rotations", "malos resultados")
    hits = [ChunkHit(r, 1.0, 0.5, 1.0) for r in range(len(snap.data.chunks))]
    # The order scorer prefers one English sentence, the (cross-lingual) confidence another.
    order = _Fixed("words", {story: 0.9, rotations: 0.2, nota: 0.1})
    confidence = _Fixed("cosines", {story: 0.3, rotations: 0.6, nota: 0.5})
    pipeline = RankingPipeline(ProfileSet({"en": RankingProfile("en", order, confidence, 0.1)}))

    def rank(question: str) -> Ranking:
        intent = read_intent(question, dt.date(2024, 1, 1))
        return pipeline.rank(snap, intent, fake_embedder.embed_query(question), hits)

    spanish = rank("¿Por qué se fue Osorio del América de Cali?")
    assert spanish.order[0].row == rotations and spanish.scorer == "cosines"
    # Asked in the story's language, the order scorer reads its words and orders as before.
    english = rank("Why did Osorio leave America de Cali?")
    assert english.order[0].row == story and english.scorer == "words"
