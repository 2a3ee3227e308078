"""Sentences foreign to both the question and their story (a Spanish caption in an English one) go last."""

from __future__ import annotations

from collections.abc import Callable

from index.ranking.features import sentence_text
from index.ranking.results import SentenceScore
from index.ranking.stray_language import crosses_language, stray_last, stray_rows
from index.store.generations import Snapshot

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
