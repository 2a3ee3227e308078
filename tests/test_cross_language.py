"""Questions asked in another language than the articles: dense alone retrieves, and their own answer cut."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import TINY_ARTICLES
from test_answerability import _sigmoid, _trees, _write

from index.answer import Answerer
from index.embedding import Embedder
from index.errors import RankerError
from index.eval.run import EvalOptions, evaluate
from index.ranking.answerability import ANSWERABILITY_FEATURES
from index.ranking.answerability_model import VETO_FACTOR, load_answerability, with_answerability
from index.ranking.e5_profiles import E5_EMBEDDER, LOGISTIC_CROSS_E5, CosineMixScorer, e5_profiles
from index.ranking.features import FEATURES
from index.ranking.model_files import MODELS_DIR
from index.ranking.pipeline import RankingPipeline
from index.ranking.profiles import hand_set_profiles
from index.ranking.scorers import Scores, ScoringInput
from index.retrieval.intent import QueryIntent
from index.retrieval.search import RetrievalParams, asked_across, retrieve
from index.store.generations import Snapshot
from index.text.analysis import analyze_query

SPANISH = "¿Qué ciudad cubrió de ceniza el volcán Etna el domingo por la noche?"
ENGLISH = "Which city did the Etna volcano cover in ash on Sunday night?"


def test_a_question_is_asked_across_languages_when_most_leading_stories_are_foreign(
    make_snapshot: Callable[[str, dict[str, str]], Snapshot], fake_embedder: Embedder
) -> None:
    snap = make_snapshot("tiny", TINY_ARTICLES)  # English articles
    dense_ids, _ = snap.dense.search(fake_embedder.embed_query(SPANISH), 50)
    assert asked_across(snap, dense_ids, "es")
    assert not asked_across(snap, dense_ids, "en")
    assert not asked_across(snap, dense_ids, "unknown")  # a question of no clear language is never across
    assert not asked_across(snap, dense_ids[:0], "es")


def test_across_languages_the_fusion_takes_the_cross_weights(
    make_snapshot: Callable[[str, dict[str, str]], Snapshot], fake_embedder: Embedder
) -> None:
    snap = make_snapshot("tiny", TINY_ARTICLES)
    vector = fake_embedder.embed_query(SPANISH)
    dense_ids, _ = snap.dense.search(vector, 50)
    across = RetrievalParams(fusion_weights=(0.0, 1.0), cross_weights=(1.0, 0.0))
    spanish = QueryIntent(SPANISH, "es", analyze_query(SPANISH))
    hits = retrieve(snap, vector, spanish, across).hits
    assert [h.row for h in hits[: len(dense_ids)]] == dense_ids.tolist()  # dense's order alone
    # The same question read as English (the articles' language) keeps the profile's own weights: BM25's.
    english = QueryIntent(SPANISH, "en", analyze_query(SPANISH))
    sparse_ids, _ = snap.sparse.search(english.terms, 50)
    kept = retrieve(snap, vector, english, across).hits
    assert [h.row for h in kept[: len(sparse_ids)]] == sparse_ids.tolist()


def _with_cross(path: Path, trees: dict[str, object], cuts: dict[str, float]) -> Path:
    """The model file at `path` with cross-language trees and cuts added."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    raw["across_languages"] = {**trees, "thresholds": cuts}
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


def test_a_question_whose_best_story_is_foreign_is_judged_by_the_cross_language_trees(tmp_path: Path) -> None:
    x = np.zeros((2, len(ANSWERABILITY_FEATURES)))
    x[:, ANSWERABILITY_FEATURES.index("overlap")] = 1.0
    x[1, ANSWERABILITY_FEATURES.index("language_match")] = 1.0  # row 0: the best story is foreign
    path = _write(tmp_path / "a.json", _trees("overlap", -2.0, 2.0), {"en": 0.5}, "m", 8)
    plain, _ = load_answerability(path)
    # Without cross-language trees, word evidence across languages is read at its mean (0 here).
    assert plain.judge(x).tolist() == pytest.approx([_sigmoid(-2.0), _sigmoid(2.0)])
    assert plain.cross is None and plain.cross_threshold("es") is None
    crossed, _ = load_answerability(_with_cross(path, _trees("overlap", -1.0, 1.0), {"es": 0.2}))
    assert crossed.judge(x).tolist() == pytest.approx([_sigmoid(1.0), _sigmoid(2.0)])
    assert crossed.probability(x).tolist() == pytest.approx([_sigmoid(2.0), _sigmoid(2.0)])
    assert crossed.cross_threshold("es") == 0.2 and crossed.cross_threshold("en") is None
    vetoed = x.copy()
    vetoed[0, ANSWERABILITY_FEATURES.index("role_absent")] = 1.0  # the vetoes hold across languages too
    assert crossed.judge(vetoed)[0] == pytest.approx(_sigmoid(1.0) * VETO_FACTOR)
    raw = json.loads(path.read_text(encoding="utf-8"))
    del raw["across_languages"]["thresholds"]
    (tmp_path / "b.json").write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(RankerError, match=r"b\.json.*across_languages needs trees and thresholds"):
        load_answerability(tmp_path / "b.json")


def test_a_question_answered_from_another_language_is_judged_by_its_own_cut(
    tiny_answerer: Answerer, fake_embedder: Embedder, tmp_path: Path
) -> None:
    # Every question gets the same probability, 0.5, on both sides: only the cut decides.
    flat = _trees("gap_next", 0.0, 0.0)
    path = _write(
        tmp_path / "a.json", flat, {"en": 0.6, "es": 0.6}, fake_embedder.name, fake_embedder.dimension
    )
    ranker = RankingPipeline(with_answerability(hand_set_profiles(), _with_cross(path, flat, {"es": 0.4})))
    answerer = Answerer(tiny_answerer.handle, fake_embedder, ranker=ranker)
    across = answerer.ask(SPANISH)
    assert across.answered and across.threshold == 0.4 and across.quotes[0].language == "en"
    same = answerer.ask(ENGLISH)
    assert not same.answered and same.threshold == 0.6
    assert "(>= 0.4 from a story in another language)" in ranker.deciders()["es"]
    assert "another language" not in ranker.deciders()["en"] and "another" not in ranker.deciders(0.3)["es"]


def test_a_translated_set_keeps_every_paragraph_and_only_the_translated_questions(tmp_path: Path) -> None:
    dataset = {
        "data": [
            {
                "title": "Etna",
                "paragraphs": [
                    {"context": "Etna erupted on Sunday.", "qas": [_qa("q1", "When?", "Sunday")]},
                    {"context": "Ash covered Catania.", "qas": [_qa("q2", "What covered it?", "Ash")]},
                ],
            }
        ]
    }
    (tmp_path / "set.json").write_text(json.dumps(dataset), encoding="utf-8")
    rows = [{"id": "q2", "split": "report", "translation": "¿Qué cubrió Catania?"}]
    (tmp_path / "es.jsonl").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    script = Path(__file__).parents[1] / "scripts" / "translated_set.py"
    args = [str(tmp_path / "set.json"), str(tmp_path / "es.jsonl"), "--split", "report"]
    done = subprocess.run(
        [sys.executable, script, *args, "--out", str(tmp_path / "out.json")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    [article] = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["data"]
    paragraphs = article["paragraphs"]
    assert [p["context"] for p in paragraphs] == ["Etna erupted on Sunday.", "Ash covered Catania."]
    assert [[q["question"] for q in p["qas"]] for p in paragraphs] == [[], ["¿Qué cubrió Catania?"]]
    assert article["paragraphs"][1]["qas"][0]["answers"] == [{"text": "Ash", "answer_start": 0}]
    rows.append({"id": "q9", "split": "report", "translation": "¿?"})  # an id the dataset lacks: one line
    (tmp_path / "es.jsonl").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, script, *args, "--out", str(tmp_path / "x.json")], capture_output=True, text=True
    )
    assert done.returncode == 2 and "1 ids are not in" in done.stderr and "Traceback" not in done.stderr


def _qa(qid: str, question: str, answer: str) -> dict[str, object]:
    return {"id": qid, "question": question, "answers": [{"text": answer, "answer_start": 0}]}


class _Reversed:
    """Orders candidates against the sentence cosine: a scorer no other stage would agree with."""

    name = "reversed cosine"

    def score(self, job: ScoringInput) -> Scores:
        return Scores(1.0 - job.candidates.features[:, FEATURES.index("sent_cos")])


def test_a_story_in_another_language_is_ordered_by_the_cross_language_scorer(
    tiny_answerer: Answerer, fake_embedder: Embedder
) -> None:
    base = hand_set_profiles()

    def answerer(**changes: object) -> tuple[Answerer, RankingPipeline]:
        # Another confidence than the order, as in the e5 profiles, so the cross-language branch is taken.
        profiles = {
            lang: replace(p, confidence=CosineMixScorer(), **changes) for lang, p in base.profiles.items()
        }
        ranker = RankingPipeline(replace(base, profiles=profiles))
        return Answerer(tiny_answerer.handle, fake_embedder, ranker=ranker), ranker

    plain, _ = answerer()
    crossed, ranker = answerer(cross_order=_Reversed(), cross_grow_ratio=1.0)
    # The sentence most like the question leads the confidence's order, and not the reversed one.
    assert crossed.ask(SPANISH, 5).quotes[0].text != plain.ask(SPANISH, 5).quotes[0].text
    # A question in the stories' own language keeps the profile's order.
    assert [q.text for q in crossed.ask(ENGLISH, 5).quotes] == [q.text for q in plain.ask(ENGLISH, 5).quotes]
    assert ranker.scorers()["es"] == "hand-set + across languages reversed cosine"


def test_the_shipped_cross_language_order_is_read_with_its_provenance() -> None:
    if not (MODELS_DIR / LOGISTIC_CROSS_E5).exists():
        pytest.skip("no cross-language order shipped")
    profiles = e5_profiles()
    for language in ("en", "es"):
        order = profiles.for_language(language).cross_order
        assert order is not None and order.name == f"logistic ({language})"
        assert profiles.scorers()[language].endswith(f" + across languages logistic ({language})")
    recorded = {f.path.name: f.provenance for f in profiles.model_files}[LOGISTIC_CROSS_E5]
    assert recorded.embedder == E5_EMBEDDER and set(recorded.trained_on) >= {"en", "es"}


def test_the_evaluation_counts_each_unanswerable_question_refused_at_its_own_cut(
    fake_embedder: Embedder, tmp_path: Path
) -> None:
    fixture = Path(__file__).resolve().parent / "fixtures" / "tiny_squad.json"
    dataset = json.loads(fixture.read_text(encoding="utf-8"))
    [glacier] = [a for a in dataset["data"] if a["title"] == "Glacier"]
    glacier["paragraphs"][0]["qas"].append(_qa("es1", "¿Dónde se forman los glaciares?", "mountains"))
    (tmp_path / "set.json").write_text(json.dumps(dataset), encoding="utf-8")
    flat = _trees("gap_next", 0.0, 0.0)  # every question at 0.5: only the cut decides
    path = _write(
        tmp_path / "a.json", flat, {"en": 0.6, "es": 0.6}, fake_embedder.name, fake_embedder.dimension
    )
    ranker = RankingPipeline(with_answerability(hand_set_profiles(), _with_cross(path, flat, {"es": 0.4})))
    options = EvalOptions(tmp_path / "set.json", tmp_path / "ix", unanswerable=["Glacier"])
    report = evaluate(options, fake_embedder, ranker)
    # Glacier is not indexed: the English question is refused at 0.6; the Spanish one, answered from an
    # English story, is judged at its cross-language cut 0.4 and answered, though 0.5 < the usual 0.6.
    assert report.threshold == 0.6 and report.unanswerable_scores == pytest.approx([0.5, 0.5])
    assert report.unanswerable_refused == [True, False]
