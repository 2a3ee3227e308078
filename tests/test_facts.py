"""Per-sentence facts stored at build time: the features they give are exactly the per-question ones."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import SEED_CORPUS, TINY_ARTICLES, write_corpus
from legacy_features import candidate_features as legacy_candidates
from legacy_features import term_overlap as legacy_overlap
from legacy_features import tree_features as legacy_trees

from bench.synth import write_corpus as write_synthetic
from index.build.builder import IndexBuilder
from index.embedding.hashing import HashingEmbedder
from index.ranking.features import FEATURES, candidate_features
from index.ranking.tree_features import tree_features
from index.retrieval.search import retrieve
from index.store.fact_match import GatheredSets, KeyRows, LazyFacts, StoredFacts, weighted_share
from index.store.facts import FACTS_DIR, keys_of
from index.store.generations import Snapshot, generation_path, load_snapshot

SPANISH = (
    "El Gobierno aprobó el 3 de marzo de 2021 un presupuesto de 4.500 millones de euros, un 12 por ciento "
    "más que en 2020. La ministra María López dijo que el dinero irá a escuelas y hospitales.\n\n"
    "Él añadió que la inflación subió un 3,4% en enero. Los sindicatos de Madrid criticaron la medida."
)
MARKETS = (
    " date 2020-01-15 Shares of Acme Corp rose 5 percent to $120 on Monday, the best day since the 1990s. "
    "Analysts at Goldman Sachs said the rally could last until March.\n\nThe company, founded in 1987 by "
    "John Smith, employs 12,000 people and paid €3.5 million in fines."
)
QUESTIONS = [
    "How much did Acme shares rise on Monday?",
    "Who founded the company in 1987?",
    "How many hours were flights at Catania suspended?",
    "When did Etna last erupt in 2021?",
    "Who scored the only goal of the Champions League final?",
    "How much money did the city council approve for the budget?",
    "What did Osorio win with Nacional?",
    "¿Cuánto dinero aprobó el Gobierno para escuelas y hospitales?",
    "¿Quién criticó la medida en Madrid?",
    "What percent did inflation rise in January?",
    "budget budget council budget",  # repeated terms: the pair features
    "What is it?",  # no content words
    "Real Madrid Liverpool Paris final goal minute",
]


@pytest.fixture(scope="module")
def corpus_snapshot(tmp_path_factory: pytest.TempPathFactory) -> tuple[Snapshot, list[str]]:
    """An index over English, Spanish and synthetic articles, and questions about them."""
    root = tmp_path_factory.mktemp("facts")
    corpus = write_corpus(
        root / "corpus", {**TINY_ARTICLES, "es.txt": " date 2021-03-04 " + SPANISH, "markets.txt": MARKETS}
    )
    for path in SEED_CORPUS.iterdir():
        shutil.copy(path, corpus / path.name)
    synthetic = write_synthetic(corpus / "synth", 40)
    IndexBuilder(corpus, root / "index", HashingEmbedder(256)).build(interactive=False)
    path = generation_path(root / "index")
    assert path is not None
    return load_snapshot(path), QUESTIONS + synthetic[:30]


def _both(snap: Snapshot, question: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(new, legacy) tree features and (new, legacy) title-and-sentence overlaps for one question."""
    vector = HashingEmbedder(256).embed_query(question)
    found = retrieve(snap, vector, question)
    hits = found.hits[:12]
    new = candidate_features(snap, vector, found.terms, question, hits)
    old = legacy_candidates(snap, vector, found.terms, question, hits)
    assert np.array_equal(new.rows, old.rows)
    x_new = tree_features(snap, new, question, found.language, vector)
    x_old = legacy_trees(snap, old, question, found.language, vector)
    return (
        x_new,
        x_old,
        new.features[:, FEATURES.index("overlap_title")],
        legacy_overlap(snap, old.rows, found.terms).astype(np.float32),
    )


def test_stored_facts_give_exactly_the_per_question_features(corpus_snapshot: tuple) -> None:
    snap, questions = corpus_snapshot
    assert isinstance(snap.facts, StoredFacts)
    compared = 0
    for question in questions:
        x_new, x_old, overlap_new, overlap_old = _both(snap, question)
        assert x_new.dtype == x_old.dtype and x_new.shape == x_old.shape
        assert np.array_equal(x_new, x_old), question  # bit for bit, not approximately
        assert np.array_equal(overlap_new, overlap_old), question
        compared += len(x_new)
    assert compared > 300


def test_generations_without_facts_compute_them_per_question(corpus_snapshot: tuple, tmp_path: Path) -> None:
    snap, questions = corpus_snapshot
    old = tmp_path / "gen"
    shutil.copytree(snap.path, old)
    shutil.rmtree(old / FACTS_DIR)
    legacy = load_snapshot(old)
    assert isinstance(legacy.facts, LazyFacts)
    for question in questions[:12]:
        x_new, x_old, overlap_new, overlap_old = _both(legacy, question)
        assert np.array_equal(x_new, x_old) and np.array_equal(overlap_new, overlap_old), question


def test_facts_of_another_version_are_not_read(corpus_snapshot: tuple, tmp_path: Path) -> None:
    snap, _ = corpus_snapshot
    other = tmp_path / "gen"
    shutil.copytree(snap.path, other)
    layout = other / FACTS_DIR / "facts.json"
    layout.write_text(json.dumps({**json.loads(layout.read_text()), "version": 0}))
    assert isinstance(load_snapshot(other).facts, LazyFacts)


def test_an_incremental_build_keeps_unchanged_facts_and_matches_a_full_one(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", TINY_ARTICLES)
    write_synthetic(corpus / "synth", 20)
    builder = IndexBuilder(corpus, tmp_path / "index", HashingEmbedder(64))
    builder.build(interactive=False)
    volcano = corpus / "volcano.txt"
    volcano.write_text(
        volcano.read_text() + "\n\nLava reached the sea in 2024, 40% faster.", encoding="utf-8"
    )
    (corpus / "budget.md").unlink()
    builder.build(interactive=False)
    incremental = load_snapshot(generation_path(tmp_path / "index"))  # type: ignore[arg-type]
    builder.build(full=True, interactive=False)
    full = load_snapshot(generation_path(tmp_path / "index"))  # type: ignore[arg-type]
    a, b = incremental.data.facts, full.data.facts
    assert a is not None and b is not None
    for name in ("terms", "titles", "names", "years", "numbers", "cue_names"):
        ours = a.terms if name == "terms" else a.titles if name == "titles" else a.sets[name]
        theirs = b.terms if name == "terms" else b.titles if name == "titles" else b.sets[name]
        assert np.array_equal(ours.offsets, theirs.offsets) and np.array_equal(ours.values, theirs.values)
    assert np.array_equal(a.flags, b.flags) and np.array_equal(a.distinct, b.distinct)
    assert (
        len(a.distinct) == len(full.data.sentences) and len(a.titles.offsets) == len(full.data.articles) + 1
    )


def test_key_rows_match_keys_per_row() -> None:
    rows = KeyRows.from_lists([[1, 2, 3], [], [3, 3, 9]])
    keys = np.array([3, 7, 1], dtype=np.uint64)
    assert rows.index_in(keys).tolist() == [2, -1, 0, 0, 0, -1]
    assert rows.presence(keys).tolist() == [[True, False, True], [False, False, False], [True, False, False]]
    assert rows.misses(keys).tolist() == [1, 0, 1]
    assert rows.misses(np.zeros(0, dtype=np.uint64)).tolist() == [3, 0, 3]
    assert keys_of(["a", "a"]).tolist()[0] == keys_of(["a"]).tolist()[0] != keys_of(["b"]).tolist()[0]


def test_stored_sets_are_gathered_when_read_and_match_the_extracted_ones(
    corpus_snapshot: tuple, tmp_path: Path
) -> None:
    snap, _ = corpus_snapshot
    old = tmp_path / "gen"
    shutil.copytree(snap.path, old)
    shutil.rmtree(old / FACTS_DIR)
    rows = np.array([5, 0, 3, 3, len(snap.data.sentences) - 1], dtype=np.int64)
    stored, extracted = snap.facts.batch(rows), load_snapshot(old).facts.batch(rows)
    assert isinstance(stored.sets, GatheredSets)
    assert sorted(stored.sets) == sorted(extracted.sets) and len(stored.sets) == len(extracted.sets)
    for name in extracted.sets:
        mine, theirs = stored.sets[name], extracted.sets[name]
        assert stored.sets[name] is mine  # gathered once per batch
        assert np.array_equal(mine.starts, theirs.starts)
        for i in range(len(rows)):  # the same keys per row (stored sets are sorted, extracted ones not)
            a, b = (
                mine.values[mine.starts[i] : mine.starts[i + 1]],
                theirs.values[theirs.starts[i] : theirs.starts[i + 1]],
            )
            assert sorted(a.tolist()) == sorted(b.tolist()), (name, i)


def test_fast_flags_agree_with_the_regexes_they_replace() -> None:
    from legacy_features import _DATE, _MONTH, _R_NUMBER

    from index.store.fact_extractors import FLAGS

    rng = random.Random(3)
    pieces = [
        "one", "ONE", "oNe", "someone", "ten", "ſeven", "mil", "Mil.", "millones", "2021", "12021", "1999s",
        "21st", "3RD", "1th", "May", "may", "MAY", "Mayo", "mayo", "Junes", "diciembre", "Dec", "K", "İ",
        "_one", "one_", "é", "x", "-", ".", ",", " ", "  ", "\n", "(", "’", "٣", "²", "20", "1", "st",
    ]  # fmt: skip
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 8))) for _ in range(20_000)]
    for text in [*pieces, *texts]:
        assert FLAGS["cue_number"](text) == bool(_R_NUMBER.search(text)), text
        assert FLAGS["cue_date"](text) == bool(_DATE.search(text)), text
        assert FLAGS["month"](text) == bool(_MONTH.search(text)), text


def test_a_build_over_a_generation_without_facts_writes_them(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", TINY_ARTICLES)
    builder = IndexBuilder(corpus, tmp_path / "index", HashingEmbedder(64))
    builder.build(interactive=False)
    old = generation_path(tmp_path / "index")
    assert old is not None
    shutil.rmtree(old / FACTS_DIR)
    summary = builder.build(interactive=False)
    assert not summary.up_to_date and summary.embedded_chunks == 0
    assert isinstance(load_snapshot(generation_path(tmp_path / "index")).facts, StoredFacts)  # type: ignore[arg-type]
    assert builder.build(interactive=False).up_to_date


def test_weighted_shares_add_the_weights_in_column_order_bit_for_bit() -> None:
    rng = np.random.default_rng(5)
    for trial in range(300):
        rows, columns = int(rng.integers(0, 40)), int(rng.integers(0, 9))
        present = rng.random((rows, columns)) < 0.5
        weights = [float(w) for w in rng.random(columns) * 10]
        if trial % 2:  # float32 idf values, as the sparse index gives them
            weights = np.asarray(weights, dtype=np.float32).tolist()
        total = sum(weights) or 1.0
        sums = [sum(w for w, p in zip(weights, row, strict=True) if p) for row in present.tolist()]
        expected = np.array(sums, dtype=np.float64)
        got = weighted_share(present, weights, total)
        assert got.dtype == np.float64
        assert np.array_equal(got, expected / total)  # Python's own left-to-right sum
