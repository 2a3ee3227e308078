"""Choosing passages: a sentence another article repeats is folded into the first quote's `also_in`."""

from __future__ import annotations

from collections.abc import Callable

from index.answer.passages import choose_passages
from index.ranking.results import SentenceScore
from index.store.generations import Snapshot

WIRE = "The mayor resigned on Tuesday after the audit was published."
ARTICLES = {
    "first.txt": f" date 2024-03-05 {WIRE}\n\nCouncil members met in the evening to discuss the vote.",
    "second.txt": f" date 2024-03-06 {WIRE}\n\nThe regional paper asked the treasurer for comment.",
    "third.txt": " date 2024-03-07 Rain closed the harbour for the second day in a row.",
}


def test_a_repeated_sentence_is_folded_into_the_first_quote_and_the_others_kept(
    make_snapshot: Callable[[str, dict[str, str]], Snapshot],
) -> None:
    snap = make_snapshot("wire", ARTICLES)
    texts = [snap.sentence_text(r) for r in range(len(snap.data.sentences))]
    first, second = (r for r, t in enumerate(texts) if t.strip() == WIRE)
    harbour = next(r for r, t in enumerate(texts) if "harbour" in t)
    scored = [SentenceScore(r, s, s) for r, s in ((first, 0.9), (harbour, 0.8), (second, 0.7))]
    chosen = choose_passages(snap, scored, count=3)
    assert [p.best for p in chosen] == [first, harbour]
    assert chosen[0].also_in == [snap.article_row_of(second)] and chosen[1].also_in == []
