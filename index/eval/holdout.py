"""Unanswerable questions about indexed articles: paragraphs left out of the index, their questions asked.

Questions about articles that are not indexed at all are easy to refuse (nothing shares their words). The
hard case users meet is a question about a story the index holds, on a fact it does not state. Leaving a
share of each article's paragraphs out of the index makes such questions from any SQuAD-format file.
"""

from __future__ import annotations

import random
from dataclasses import replace

from index.eval.squad import Dataset, EvalArticle, EvalQuestion, normalise


def hold_out_paragraphs(dataset: Dataset, share: float, seed: int = 0) -> tuple[Dataset, list[EvalQuestion]]:
    """`dataset` without a seeded `share` of each article's paragraphs, and the questions only they answer."""
    if not 0.0 < share < 1.0:
        raise ValueError(f"--holdout-paragraphs must be between 0 and 1 (exclusive), not {share}")
    rng = random.Random(seed)
    articles: list[EvalArticle] = []
    kept_at: dict[tuple[str, int], int] = {}  # (article, old paragraph) -> its number in the kept text
    for article in dataset.articles:
        count = len(article.paragraphs)
        hidden = set(rng.sample(range(count), int(count * share)))
        kept = [i for i in range(count) if i not in hidden]
        kept_at.update({(article.title, old): new for new, old in enumerate(kept)})
        articles.append(EvalArticle(article.title, [article.paragraphs[i] for i in kept]))
    texts = {a.title: normalise(a.text) for a in articles}
    answerable, unanswerable = [], []
    for question in dataset.questions:
        where = kept_at.get((question.article_id, question.paragraph))
        if where is not None:
            answerable.append(replace(question, paragraph=where))
        elif not any(normalise(g) in texts[question.article_id] for g in question.answers):
            # A gold string still found elsewhere in the kept text makes the question ambiguous: left out.
            unanswerable.append(question)
    return Dataset(articles, answerable), unanswerable
