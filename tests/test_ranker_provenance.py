"""Trained ranker files record what they were trained with; an index built otherwise is refused clearly."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from index.answer.answerer import Answerer
from index.embedding.protocol import Embedder
from index.errors import RankerError
from index.ranking.model_files import LOGISTIC, MODELS_DIR, TREES_EN, shipped_profiles
from index.ranking.pipeline import RankingPipeline
from index.services import ranking_profiles
from index.settings import MINILM_MODEL


def _models_recording(tmp_path: Path, embedder: str, dimension: int) -> Path:
    """A copy of the shipped model files that claims to be trained with `embedder`."""
    folder = tmp_path / "models"
    shutil.copytree(MODELS_DIR, folder)
    for name in (TREES_EN, LOGISTIC):
        raw = json.loads((folder / name).read_text(encoding="utf-8"))
        raw["provenance"]["embedder"] = {"name": embedder, "backend": "test", "dimension": dimension}
        (folder / name).write_text(json.dumps(raw), encoding="utf-8")
    return folder


def test_shipped_files_record_their_embedder_features_analyzer_and_data() -> None:
    profiles = shipped_profiles()
    assert profiles.embedder == MINILM_MODEL
    for model_file in profiles.model_files:
        recorded = model_file.provenance
        assert (recorded.embedder, recorded.dimension) == (MINILM_MODEL, 384)
        assert recorded.backend and recorded.analyzer and recorded.features == model_file.features
        assert recorded.trained_on


def test_a_ranker_trained_with_another_embedder_is_refused_with_what_to_do(
    tiny_answerer: Answerer, fake_embedder: Embedder
) -> None:
    # The shipped files were trained with MiniLM; the tiny index was built with the hashing embedder.
    ranked = Answerer(tiny_answerer.handle, fake_embedder, ranker=RankingPipeline(shipped_profiles()))
    with pytest.raises(RankerError) as caught:
        ranked.ask("When did Etna erupt?")
    message = str(caught.value)
    assert MINILM_MODEL in message and fake_embedder.name in message
    assert "retrain" in message and "EMBEDDING_MODEL" in message and TREES_EN in message


def test_a_ranker_recording_the_index_embedder_is_used(
    tiny_answerer: Answerer, fake_embedder: Embedder, tmp_path: Path
) -> None:
    folder = _models_recording(tmp_path, fake_embedder.name, fake_embedder.dimension)
    ranker = RankingPipeline(shipped_profiles(folder))
    answer = Answerer(tiny_answerer.handle, fake_embedder, ranker=ranker).ask("When did Etna erupt?")
    assert answer.quotes
    assert ranker.scorers() == {"en": "trees", "es": "logistic (es)"}


def test_a_ranker_of_the_right_dimension_but_another_model_is_refused(
    tiny_answerer: Answerer, fake_embedder: Embedder, tmp_path: Path
) -> None:
    folder = _models_recording(tmp_path, "some/other-model", fake_embedder.dimension)
    ranked = Answerer(tiny_answerer.handle, fake_embedder, ranker=RankingPipeline(shipped_profiles(folder)))
    with pytest.raises(RankerError, match="some/other-model"):
        ranked.ask("When did Etna erupt?")


def test_a_model_file_without_provenance_must_be_retrained(tmp_path: Path) -> None:
    folder = tmp_path / "models"
    shutil.copytree(MODELS_DIR, folder)
    raw = json.loads((folder / LOGISTIC).read_text(encoding="utf-8"))
    del raw["provenance"]
    (folder / LOGISTIC).write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(RankerError, match=r"rerank_model\.json does not record .* retrain"):
        shipped_profiles(folder)


def test_an_unreadable_model_file_is_an_error_not_a_warning(tmp_path: Path) -> None:
    folder = tmp_path / "models"
    shutil.copytree(MODELS_DIR, folder)
    (folder / TREES_EN).write_text("{not json", encoding="utf-8")
    with pytest.raises(RankerError, match=r"quote_model_en\.json"):
        shipped_profiles(folder)


def test_services_pick_the_trained_ranker_only_for_its_embedder() -> None:
    assert ranking_profiles(MINILM_MODEL).scorers() == {"en": "trees", "es": "logistic (es)"}
    assert ranking_profiles("hashing:256").scorers() == {"en": "hand-set", "es": "hand-set"}
    assert ranking_profiles(MINILM_MODEL + "+onnx-int8").scorers()["en"] == "hand-set"
