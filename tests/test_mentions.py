"""Pronoun-led sentences are embedded with their antecedent's name; quotes stay verbatim."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from index.build.builder import IndexBuilder
from index.embedding.hashing import HashingEmbedder
from index.embedding.protocol import ProgressFn
from index.store.generations import generation_path, load_snapshot
from index.text.mentions import name_counts, resolved_sentences
from tests.conftest import REPO, SEED_CORPUS, write_corpus

STORY = (
    "Later, Osorio returned to Nacional and also had a stint in América de Cali. "
    "He now directs Zamalek in Egypt. However, the Honduran federation called Osorio."
)


def _split(text: str) -> list[str]:
    return [s if s.endswith(".") else s + "." for s in text.split(". ")]


def test_a_pronoun_led_sentence_gains_the_most_mentioned_nearby_name() -> None:
    sentences = _split(STORY)
    out = resolved_sentences(sentences, name_counts(STORY), "en")
    assert out[1] == "Osorio: He now directs Zamalek in Egypt."
    assert out[0] == sentences[0] and out[2] == sentences[2]


def test_a_tie_between_names_resolves_the_same_way_under_every_hash_seed() -> None:
    # Set order varies with PYTHONHASHSEED; the embedded text is a cache key, so it must not.
    story = "Yesterday, Smith met Jones in Lima. He smiled."
    code = (
        "from index.text.mentions import name_counts, resolved_sentences\n"
        f"s = {story!r}\n"
        "parts = ['Yesterday, Smith met Jones in Lima.', 'He smiled.']\n"
        "print(resolved_sentences(parts, name_counts(s), 'en')[1])"
    )
    seen = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
        ).stdout.strip()
        for seed in range(6)
    }
    assert seen == {"Jones: He smiled."}


def test_sentence_initial_words_are_not_names() -> None:
    names = name_counts(STORY)
    assert "Later" not in names and "However" not in names
    assert names["Osorio"] == 2


def test_no_antecedent_and_other_languages_leave_the_text_alone() -> None:
    lonely = ["He said nothing.", "It rained."]
    assert resolved_sentences(lonely, name_counts(" ".join(lonely)), "en") == lonely
    spanish = ["Luego, Osorio volvió a Nacional.", "Él dirige ahora al Zamalek."]
    assert resolved_sentences(spanish, name_counts(" ".join(spanish)), "es") == spanish


def test_the_seed_article_names_osorio_for_he_now_directs_zamalek() -> None:
    text = next(p for p in sorted(SEED_CORPUS.glob("*.txt")) if "Zamalek in Egypt" in p.read_text("utf-8"))
    article = text.read_text("utf-8")
    start = article.index("Later, Osorio")
    end = article.index("numbers.") + len("numbers.")
    sentences = _split(article[start:end])
    assert resolved_sentences(sentences, name_counts(article), "en")[1].startswith("Osorio: He now directs")


class _Recording(HashingEmbedder):
    """The fake embedder, remembering every text it was given."""

    def __init__(self) -> None:
        super().__init__(64)
        self.seen: list[str] = []

    def embed(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        self.seen.extend(texts)
        return super().embed(texts, progress)


def test_the_builder_embeds_the_resolved_sentence_and_quotes_the_original(
    tmp_path: Path, make_builder: Callable[..., IndexBuilder]
) -> None:
    corpus = write_corpus(tmp_path / "c", {"story.txt": " date 2023-07-12 " + STORY})
    embedder = _Recording()
    builder = make_builder(corpus, embedder)
    builder.build(interactive=False)
    assert "Osorio: He now directs Zamalek in Egypt." in embedder.seen
    snap = load_snapshot(_generation(builder.index_dir))
    article = snap.data.articles[0]
    quoted = [article.text[s:e] for _, s, e in snap.data.sentences.tolist()]
    assert "He now directs Zamalek in Egypt." in quoted


def _generation(index_dir: Path) -> Path:
    path = generation_path(index_dir)
    assert path is not None
    return path
