"""Spanish reranker features: article-local term weights, the place cue, and how the model reads them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from index.embedding.protocol import Embedder
from index.ranking.features import FEATURES, LANGUAGE_FEATURES, RerankModel, candidate_features, sentence_text
from index.ranking.features_es import SPANISH_FEATURES, local_weights, model_inputs, names_a_place
from index.retrieval.search import retrieve
from index.store.fact_match import weighted_share
from index.store.generations import Snapshot
from index.text.analysis import analyze

# Every sentence names the club; only one says where the final is played.
CLUB = [
    "El Nacional de Medellín jugará la final de la Copa el domingo.",
    "El Nacional ganó seis títulos de liga en su historia.",
    "La final se jugará en el estadio Atanasio Girardot de Medellín.",
    "El Nacional espera llenar el estadio.",
]
STORY = {
    "club.jsonl": json.dumps({"id": "club", "title": "Final de Copa", "text": "\n\n".join(CLUB)}) + "\n",
}


@pytest.fixture
def club_snapshot(make_snapshot: Callable[[str, dict[str, str]], Snapshot]) -> Snapshot:
    """One Spanish story indexed with the fake embedder."""
    return make_snapshot("es-club", STORY)


def _article(texts: list[str]) -> tuple[tuple[str, ...], str]:
    return tuple(texts), "es"


def test_terms_in_every_sentence_of_the_article_count_less() -> None:
    terms = analyze("Nacional estadio", "es")  # "Nacional" is in three sentences, "estadio" in two
    present = np.array([[t in analyze(s, "es") for t in terms] for s in CLUB])
    idf = [1.0] * len(terms)
    plain = weighted_share(present, idf, float(len(terms)))
    assert plain[1] == plain[2] == 0.5  # one of the two words each
    weights = local_weights(idf, present)
    local = weighted_share(present, weights.tolist(), float(weights.sum()))
    assert local[2] > 0.5 > local[1]
    assert local[3] == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("sentence", "question", "expected"),
    [
        ("La reunión se celebrará en Viena la próxima semana.", "¿Dónde será la reunión?", True),
        ("Los ministros llegaron desde la Casa Blanca.", "¿De dónde llegaron?", True),
        ("4 de mayo de 2012 Los ministros se reunieron ayer.", "¿Dónde se reunieron?", False),  # dateline
        ("Los ministros se reunieron en secreto.", "¿Dónde se reunieron?", False),
        ("La reunión se celebrará en Viena.", "¿Dónde en Viena será la reunión?", False),  # asked already
    ],
)
def test_place_cue_needs_a_place_the_question_does_not_name(
    sentence: str, question: str, expected: bool
) -> None:
    words = frozenset(re.findall(r"\w+", question.lower()))
    assert names_a_place(sentence, words) is expected


def test_spanish_questions_get_their_own_columns(club_snapshot: Snapshot, fake_embedder: Embedder) -> None:
    question = "¿Dónde se jugará la final?"
    vector = fake_embedder.embed_query(question)
    found = retrieve(club_snapshot, vector, question)
    assert found.language == "es"
    cands = candidate_features(club_snapshot, vector, found.terms, question, found.hits)
    x = model_inputs(club_snapshot, cands, found.terms, question, "es")
    assert x.shape == (len(cands.rows), len(FEATURES) + len(SPANISH_FEATURES))
    assert np.array_equal(x[:, : len(FEATURES)], cands.features)
    texts = [sentence_text(club_snapshot, int(r)) for r in cands.rows]
    venue = texts.index(CLUB[2])
    place = len(FEATURES) + SPANISH_FEATURES.index("cue_place")
    assert x[venue, place] == 1.0 and x[:, place].sum() < len(texts)
    assert model_inputs(club_snapshot, cands, found.terms, question, "en") is cands.features


def test_model_file_must_list_the_languages_own_columns(tmp_path: Path) -> None:
    n = len(FEATURES) + len(LANGUAGE_FEATURES["es"])
    params = {"mean": [0.0] * n, "scale": [1.0] * n, "coef": [0.0] * n, "intercept": 0.0}
    path = tmp_path / "model.json"
    path.write_text(json.dumps({"features": list(FEATURES), "languages": {"es": params}}))
    with pytest.raises(ValueError, match="retrain"):
        RerankModel.load(path)
    params["extra_features"] = list(LANGUAGE_FEATURES["es"])
    path.write_text(json.dumps({"features": list(FEATURES), "languages": {"es": params}}))
    model = RerankModel.load(path)
    assert model.feature_names("es") == FEATURES + LANGUAGE_FEATURES["es"]
    assert model.score(np.zeros((1, n), dtype=np.float32), "es")[0] == pytest.approx(0.5)


def test_spanish_number_and_date_cues_skip_the_dateline(
    make_snapshot: Callable[[str, dict[str, str]], Snapshot], fake_embedder: Embedder
) -> None:
    lede = "4 de mayo de 2012 Los bomberos apagaron el incendio de la fábrica."
    count = "Participaron 30 bomberos y dos camiones."
    story = {"f.jsonl": json.dumps({"id": "f", "title": "Incendio", "text": f"{lede}\n\n{count}"}) + "\n"}
    snap = make_snapshot("es-fire", story)
    question = "¿Cuántos bomberos apagaron el incendio?"
    vector = fake_embedder.embed_query(question)
    found = retrieve(snap, vector, question)
    cands = candidate_features(snap, vector, found.terms, question, found.hits)
    texts = [sentence_text(snap, int(r)) for r in cands.rows]
    number = FEATURES.index("cue_number")
    assert cands.features[texts.index(lede), number] == 1.0  # the shared cue counts the dateline's digits
    x = model_inputs(snap, cands, found.terms, question, "es")
    assert x[texts.index(lede), number] == 0.0
    assert x[texts.index(count), number] == 1.0  # "30", "dos"
