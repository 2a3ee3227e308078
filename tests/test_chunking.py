"""chunk_article: invariants over the seed articles and seeded random texts, plus exact small cases."""

from __future__ import annotations

import itertools
import random
import re
from pathlib import Path

import pytest
from conftest import assert_sentences_ordered

from index.text.chunking import ArticleChunks, ChunkingParams, chunk_article
from index.text.sentences import split_paragraphs

CORPUS = Path(__file__).resolve().parent / "fixtures" / "seed_corpus"
HEADER = re.compile(r"^\s*date\s+\S+\s+")

VOCABULARY = (
    "the coach team Osorio Zamalek said goal won lost match league Mr. Dr. U.S. etc. 2.5 10.30 a.m. "
    "“quote” (aside) www.example.com #Osorio @GustavoRocaGOL 🚨 — José Néstor J. K. Rowling 2021 no mar"
)
WORDS = VOCABULARY.split()
ENDINGS = [".", ".", ".", "!", "?", "…", ".”", "?)", "...", ""]
PARAMS = [
    ChunkingParams(),
    ChunkingParams(max_sentences=1, stride=1, max_chars=50, min_span_chars=0),
    ChunkingParams(max_sentences=4, stride=1, max_chars=200, min_span_chars=60),
    ChunkingParams(max_sentences=2, stride=5, max_chars=80, min_span_chars=300),
    ChunkingParams(max_sentences=5, stride=3, max_chars=50, min_span_chars=10),
]


def _seed_articles() -> list[str]:
    return [HEADER.sub("", path.read_text(encoding="utf-8")) for path in sorted(CORPUS.glob("*.txt"))]


def _random_sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(1, 30))]
    words[0] = words[0].capitalize()
    return " ".join(words) + rng.choice(ENDINGS)


def _random_paragraph(rng: random.Random) -> str:
    sentences = [_random_sentence(rng) for _ in range(rng.randint(1, 8))]
    separators = [rng.choice([" ", "  ", "\n", " \t"]) for _ in sentences]
    return "".join(s + sep for s, sep in zip(sentences, separators, strict=True)).strip(" ")


def _random_text(rng: random.Random) -> str:
    paragraphs = [_random_paragraph(rng) for _ in range(rng.randint(0, 8))]
    return rng.choice(["", "  ", "\n"]) + rng.choice(["\n\n", "\n \n", "\n\n\n"]).join(paragraphs)


def _texts() -> list[str]:
    rng = random.Random(20240807)
    return _seed_articles() + [_random_text(rng) for _ in range(150)]


def _check_invariants(text: str, result: ArticleChunks, params: ChunkingParams) -> None:
    sentences, chunks, spans = result.sentences, result.chunks, result.span_of_sentence
    assert len(spans) == len(sentences)
    assert spans == sorted(spans)
    assert_sentences_ordered(text, sentences)
    # Nothing lost: every non-whitespace character of every paragraph lies inside a sentence.
    covered = {i for start, end in sentences for i in range(start, end)}
    for para_start, para_end in split_paragraphs(text):
        assert all(text[i].isspace() or i in covered for i in range(para_start, para_end))
    in_chunk = {i for first, last in chunks for i in range(first, last)}
    assert in_chunk == set(range(len(sentences)))
    for first, last in chunks:
        assert 0 <= first < last <= len(sentences)
        assert spans[first] == spans[last - 1]
        assert last - first <= params.max_sentences
        if last - first > 1:
            assert sentences[last - 1][1] - sentences[first][0] <= params.max_chars
    for (first_a, last_a), (first_b, last_b) in itertools.pairwise(chunks):
        assert first_a <= first_b and last_a < last_b  # in order, and never contained in the previous one
        junction = sentences[last_a][1] - sentences[last_a - 1][0]
        same_span = spans[first_a] == spans[first_b]
        if same_span and params.stride < params.max_sentences and junction <= params.max_chars:
            assert first_b < last_a, "consecutive chunks must overlap"


@pytest.mark.parametrize("params", PARAMS, ids=lambda p: f"{p.max_sentences}-{p.stride}-{p.max_chars}")
def test_invariants_on_seed_and_random_texts(params: ChunkingParams) -> None:
    for text in _texts():
        _check_invariants(text, chunk_article(text, params), params)


@pytest.mark.parametrize("text", ["", "   ", "\n\n \n\t"])
def test_empty_text(text: str) -> None:
    assert chunk_article(text, ChunkingParams()) == ArticleChunks(
        sentences=[], chunks=[], span_of_sentence=[]
    )


def _sentences_text(count: int, length: int = 20) -> str:
    return " ".join(f"Sentence {i:02d} " + "x" * (length - 13) + "." for i in range(count))


@pytest.mark.parametrize(
    ("count", "max_sentences", "stride", "expected"),
    [
        (5, 3, 2, [(0, 3), (2, 5)]),
        (6, 3, 2, [(0, 3), (2, 5), (4, 6)]),
        (2, 3, 2, [(0, 2)]),
        (4, 2, 2, [(0, 2), (2, 4)]),
        (5, 2, 3, [(0, 2), (2, 4), (4, 5)]),  # stride > window: never skip a sentence
        (4, 3, 1, [(0, 3), (1, 4)]),  # (2, 4) and (3, 4) would be inside (1, 4)
    ],
)
def test_exact_windows(count: int, max_sentences: int, stride: int, expected: list[tuple[int, int]]) -> None:
    params = ChunkingParams(max_sentences=max_sentences, stride=stride, max_chars=600, min_span_chars=0)
    result = chunk_article(_sentences_text(count), params)
    assert len(result.sentences) == count
    assert result.chunks == expected


def test_max_chars_shortens_windows_but_keeps_overlap() -> None:
    text = _sentences_text(4, length=40)  # 40-char sentences, 41 apart: two fit in 81 chars, three do not
    params = ChunkingParams(max_sentences=3, stride=2, max_chars=90, min_span_chars=0)
    assert chunk_article(text, params).chunks == [(0, 2), (1, 3), (2, 4)]


def test_long_sentence_is_its_own_chunk() -> None:
    text = "Short one here. " + "A very long sentence " * 10 + "ends here. Short two here."
    result = chunk_article(text, ChunkingParams(max_sentences=3, stride=2, max_chars=50, min_span_chars=0))
    assert result.chunks == [(0, 1), (1, 2), (2, 3)]


def test_short_paragraphs_join_the_following_span() -> None:
    text = _seed_articles()[1]
    paragraphs = split_paragraphs(text)
    heading = paragraphs[4]
    assert text[heading[0] : heading[1]] == "Another Concacaf Selection, interested in Juan Carlos Osorio"
    result = chunk_article(text, ChunkingParams())
    first_of = {start: i for i, (start, _end) in enumerate(result.sentences)}
    heading_span = result.span_of_sentence[first_of[heading[0]]]
    assert result.span_of_sentence[first_of[paragraphs[5][0]]] == heading_span
    assert result.span_of_sentence[first_of[paragraphs[3][0]]] == heading_span - 1
    # The heading and the next paragraph's first sentence can be quoted together.
    assert any(first == first_of[heading[0]] and last >= first + 2 for first, last in result.chunks)


def test_short_last_paragraph_joins_previous_span() -> None:
    text = (
        "A long first paragraph that easily passes the minimum span length. It has two sentences.\n\nThe end."
    )
    result = chunk_article(text, ChunkingParams(min_span_chars=30))
    assert result.span_of_sentence == [0, 0, 0]
    assert chunk_article("Only a tiny one.", ChunkingParams()).span_of_sentence == [0]
