"""multilingual-e5-small gets its own ranking profiles (e5's cosine scale); MiniLM keeps its own."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from index.embedding.e5_engine import E5_MODEL, ENGINE_SUFFIX
from index.errors import RankerError
from index.ranking.answerability_model import load_answerability
from index.ranking.e5_profiles import (
    ANSWERABILITY_E5,
    E5_EMBEDDER,
    E5_THRESHOLDS,
    LOGISTIC_E5,
    RERANK_CHUNKS_ES,
    RERANK_CHUNKS_ES_LOGISTIC,
    TREES_EN_E5,
    CosineMixScorer,
    RescaledHandScorer,
    e5_profiles,
)
from index.ranking.features import FEATURES, Candidates
from index.ranking.model_files import LOGISTIC, MODELS_DIR, TREES_EN
from index.ranking.scorers import ScoringInput, hand_scores
from index.services import ranking_profiles
from index.settings import MINILM_MODEL
from index.store.manifest import Manifest


def test_the_e5_engine_gets_the_e5_profiles_and_minilm_keeps_its_own() -> None:
    assert E5_EMBEDDER == E5_MODEL + ENGINE_SUFFIX
    e5 = ranking_profiles(E5_EMBEDDER)
    assert e5.embedder == E5_EMBEDDER and e5.fallback == "en"
    assert set(e5.profiles) == {"en", "es"}
    # Thresholds on e5's scale (unrelated sentences already score about 0.75), not MiniLM's 0.45: the
    # answerability model's when it is shipped (tests/test_answerability.py), else E5_THRESHOLDS.
    shipped = MODELS_DIR / ANSWERABILITY_E5
    expected = load_answerability(shipped)[0].thresholds if shipped.exists() else E5_THRESHOLDS
    assert e5.for_language("en").threshold == expected["en"] > 0.0
    assert e5.for_language("unknown") is e5.for_language("en")
    # stats names what decides, with its cut; an operator's MIN_SCORE replaces every profile's cut.
    decider = e5.for_language("en").confidence.name
    assert e5.deciders()["en"].startswith(f"{decider} >= {expected['en']:.3g}")
    if "cross:en" in expected:  # the cut for a question answered from a story in another language
        across = f"(>= {expected['cross:en']:.3g} from a story in another language)"
        assert e5.deciders()["en"].endswith(across)
    assert e5.deciders(0.5) == {
        "en": f"{decider} >= 0.5",
        "es": f"{e5.for_language('es').confidence.name} >= 0.5",
    }
    # Dense is back in the Spanish fusion (MiniLM's Spanish profile gives it weight 0).
    assert e5.for_language("es").retrieval.fusion_weights[0] > 0
    minilm = ranking_profiles(MINILM_MODEL)
    assert minilm.embedder == MINILM_MODEL
    assert minilm.for_language("es").retrieval.fusion_weights[0] == 0
    assert {f.path.name for f in minilm.model_files}.isdisjoint({f.path.name for f in e5.model_files})


def test_the_confidence_mixes_the_sentence_cosine_with_the_hand_set_evidence() -> None:
    features = np.zeros((2, len(FEATURES)))
    features[:, FEATURES.index("sent_cos")] = [0.9, 0.8]
    features[:, FEATURES.index("overlap_title")] = [0.0, 1.0]
    cands = Candidates(np.array([3, 4]), features)
    job = ScoringInput(None, None, np.zeros(3), cands)  # type: ignore[arg-type]
    scores = CosineMixScorer(0.8, floor=0.0).score(job).values
    expected = 0.8 * features[:, 0] + 0.2 * hand_scores(features)
    assert np.allclose(scores, expected)
    # Counted from e5's unrelated level: a sentence at that level scores 0, a perfect one 1.
    assert CosineMixScorer(1.0, floor=0.8).score(job).values.tolist() == pytest.approx([0.5, 0.0])


def _e5_trees(tmp_path: Path, embedder: str) -> Path:
    """A models folder holding English trees that record `embedder`."""
    folder = tmp_path / "models"
    folder.mkdir()
    raw = json.loads((MODELS_DIR / TREES_EN).read_text(encoding="utf-8"))
    raw["provenance"]["embedder"] = {"name": embedder, "backend": "e5-engine", "dimension": 384}
    (folder / TREES_EN_E5).write_text(json.dumps(raw), encoding="utf-8")
    return folder


def test_e5_trees_are_used_for_english_and_checked_against_the_index(tmp_path: Path) -> None:
    profiles = e5_profiles(_e5_trees(tmp_path, E5_EMBEDDER))
    assert profiles.scorers() == {"en": "trees", "es": "hand-set (e5 cosines)"}
    assert [f.provenance.embedder for f in profiles.model_files] == [E5_EMBEDDER]
    analyzer = profiles.model_files[0].provenance.analyzer
    profiles.check(Manifest.model_construct(model=E5_EMBEDDER, dimension=384, analyzer=analyzer))
    minilm_index = Manifest.model_construct(model=MINILM_MODEL, dimension=384, analyzer=analyzer)
    with pytest.raises(RankerError, match="retrain"):
        profiles.check(minilm_index)


def test_without_e5_trees_english_is_ordered_by_the_hand_set_weights(tmp_path: Path) -> None:
    profiles = e5_profiles(tmp_path)
    assert profiles.scorers() == {"en": "hand-set", "es": "hand-set (e5 cosines)"}
    assert profiles.model_files == ()
    # The hand-set Spanish order keeps the depth it was tuned at; the logistic model's is its own.
    assert profiles.for_language("es").rerank_chunks == RERANK_CHUNKS_ES != RERANK_CHUNKS_ES_LOGISTIC


def test_spanish_hand_set_weights_read_e5_cosines_from_the_unrelated_level() -> None:
    # Two sentences: one closer to the question, one sharing the title. On e5's raw scale (0.75-0.9) the
    # cosine gap is too small for the 0.45 weight to matter; counted from 0.75 it leads again.
    features = np.zeros((2, len(FEATURES)))
    features[:, FEATURES.index("sent_cos")] = [0.90, 0.80]
    features[:, FEATURES.index("overlap_title")] = [0.0, 0.4]
    features[:, FEATURES.index("chunk_cos")] = 0.75  # the unrelated level: 0 once rescaled
    job = ScoringInput(None, None, np.zeros(3), Candidates(np.array([1, 2]), features))  # type: ignore[arg-type]
    raw = hand_scores(features)
    assert raw[1] > raw[0]
    rescaled = RescaledHandScorer(floor=0.75).score(job).values
    assert rescaled[0] > rescaled[1]
    assert rescaled[0] == pytest.approx(0.45 * (0.90 - 0.75) / 0.25)


def test_an_e5_logistic_file_orders_spanish_and_records_e5(tmp_path: Path) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    raw = json.loads((MODELS_DIR / LOGISTIC).read_text(encoding="utf-8"))
    raw["provenance"]["embedder"] = {"name": E5_EMBEDDER, "backend": "e5-engine", "dimension": 384}
    (folder / LOGISTIC_E5).write_text(json.dumps(raw), encoding="utf-8")
    profiles = e5_profiles(folder)
    assert profiles.scorers() == {"en": "hand-set", "es": "logistic (es)"}
    assert [f.path.name for f in profiles.model_files] == [LOGISTIC_E5]
    assert profiles.for_language("es").rerank_chunks == RERANK_CHUNKS_ES_LOGISTIC
