"""Spanish first stage: whole-article evidence, question analysis, language routing (fake embedder)."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from index.embedding.protocol import Embedder
from index.ranking.profiles import RERANK_CHUNKS, hand_set_profiles, rerank_chunks, retrieval_params
from index.retrieval.search import ChunkHit, hybrid_search, retrieve
from index.store.article_evidence import article_index
from index.store.generations import Snapshot
from index.text.analysis import analyze, analyze_query
from index.text.language import detect_language

REPO = Path(__file__).resolve().parent.parent


def _paragraphs(*sentences: str) -> str:
    # Each sentence its own long paragraph, so that every chunk holds one sentence.
    return "\n\n".join(
        s + " " + "Texto de relleno sin relación con la pregunta ni con nada más. " * 2 for s in sentences
    )


# The fire story names Valparaíso only in its lede; the answer sentence, far below, does not. Another
# story packs more of the question's words into one sentence, so chunk BM25 alone prefers it.
SPANISH_ARTICLES = {
    "incendio.jsonl": json.dumps(
        {
            "id": "incendio",
            "title": "Evacuación en la costa",
            "text": _paragraphs(
                "El incendio forestal de Valparaíso obligó a evacuar a cientos de familias.",
                "El gobierno regional pidió ayuda al ejército.",
                "Varias escuelas suspendieron las clases durante la semana.",
                "Los bomberos controlaron el fuego el domingo por la mañana.",
            ),
        }
    )
    + "\n",
    "fabrica.jsonl": json.dumps(
        {
            "id": "fabrica",
            "title": "Fábrica en Santiago",
            "text": _paragraphs(
                "Los bomberos de Santiago controlaron un incendio en una fábrica de muebles.",
                "La empresa calculó pérdidas por dos millones de pesos.",
            ),
        }
    )
    + "\n",
}
QUESTION = "¿Cuándo controlaron los bomberos el incendio de Valparaíso?"


@pytest.fixture
def spanish_snapshot(make_snapshot: Callable[[str, dict[str, str]], Snapshot]) -> Snapshot:
    """Two Spanish stories indexed with the fake embedder."""
    return make_snapshot("es-corpus", SPANISH_ARTICLES)


def _article_of(snap: Snapshot, hit: ChunkHit) -> str:
    return snap.data.articles[int(snap.data.chunks[hit.row, 0])].id


def _first_sentence(snap: Snapshot, hit: ChunkHit) -> str:
    article_row, first, _ = (int(x) for x in snap.data.chunks[hit.row])
    _, start, end = (int(x) for x in snap.data.sentences[first])
    return snap.data.articles[article_row].text[start:end]


def _rank_of(snap: Snapshot, hits: list[ChunkHit], opening: str) -> int:
    return next(i for i, h in enumerate(hits) if _first_sentence(snap, h).startswith(opening))


def test_article_evidence_lifts_the_right_articles_chunk(
    spanish_snapshot: Snapshot, fake_embedder: Embedder
) -> None:
    snap, vector, terms = spanish_snapshot, fake_embedder.embed_query(QUESTION), analyze_query(QUESTION)
    answer, distractor = "Los bomberos controlaron el fuego", "Los bomberos de Santiago"
    chunk_only = hybrid_search(snap, vector, terms, weights=(0.0, 1.0))
    assert _article_of(snap, chunk_only[0]) == "fabrica"
    assert _rank_of(snap, chunk_only, distractor) < _rank_of(snap, chunk_only, answer)
    blended = hybrid_search(snap, vector, terms, weights=(0.0, 1.0), article_blend=1.0)
    assert _article_of(snap, blended[0]) == "incendio"
    assert _rank_of(snap, blended, answer) < _rank_of(snap, blended, distractor)


def test_spanish_questions_use_the_blended_first_stage(
    spanish_snapshot: Snapshot, fake_embedder: Embedder
) -> None:
    profile = hand_set_profiles().for_language(detect_language(QUESTION))
    found = retrieve(spanish_snapshot, fake_embedder.embed_query(QUESTION), QUESTION, profile.retrieval)
    assert found.language == "es" and profile.retrieval.article_blend > 0
    assert _article_of(spanish_snapshot, found.hits[0]) == "incendio"
    assert rerank_chunks("es") < rerank_chunks("en")


def test_article_index_scores_whole_articles_and_is_cached(spanish_snapshot: Snapshot) -> None:
    articles = article_index(spanish_snapshot)
    assert article_index(spanish_snapshot) is articles
    rows, scores = articles.search(analyze_query(QUESTION), 2)
    assert spanish_snapshot.data.articles[int(rows[0])].id == "incendio"
    assert scores[0] > scores[1] > 0
    owners = [int(spanish_snapshot.data.chunks[c, 0]) for r in range(2) for c in articles.chunks_of(r)]
    assert owners == sorted(owners) and len(owners) == len(spanish_snapshot.data.chunks)
    assert all(int(spanish_snapshot.data.chunks[c, 0]) == r for r in range(2) for c in articles.chunks_of(r))


def test_english_questions_keep_plain_fusion() -> None:
    assert retrieval_params("en").article_blend == 0.0
    assert rerank_chunks("en") == RERANK_CHUNKS


@pytest.mark.parametrize(
    ("question", "dropped", "kept"),
    [
        ("¿Cuántos goles marcó Tamudo?", {"cuant", "cuanto"}, {"gol", "marc", "tamud"}),
        ("¿Dónde jugaron Holanda y Brasil?", {"dond", "donde"}, {"jug", "holand", "brasil"}),
        ("¿Cómo se llama el presidente de Bolivia?", {"com", "llam", "llama"}, {"president", "bolivi"}),
        ("¿Quién fue el árbitro del partido?", {"quien"}, {"arbitr", "part"}),
    ],
)
def test_spanish_question_words_are_not_search_terms(
    question: str, dropped: set[str], kept: set[str]
) -> None:
    terms = set(analyze_query(question))
    assert not terms & dropped
    assert kept <= terms


def test_spanish_questions_add_english_stems_for_names_only() -> None:
    terms = analyze_query("¿Qué premios logró Robinho con el equipo?")
    assert {"robinh", "robinho"} <= set(terms)  # Spanish and English stems of the name
    assert "premio" not in terms and "equipo" not in terms  # no English stems of Spanish words
    # English questions are analysed as before, both ways.
    assert {"osorio", "osori"} <= set(analyze_query("Where does Osorio coach now?"))


def test_question_words_stay_in_articles() -> None:
    assert "cuant" in analyze("Nadie sabe cuántos goles marcó.", "es")


@pytest.mark.parametrize(
    "question",
    [
        "¿Cuándo murió Nikolaus August Otto?",
        "¿Qué país dirige Gordon Brown?",
        "¿Cuántos años tiene Rosa Regás?",
    ],
)
def test_inverted_question_mark_marks_short_spanish_questions(question: str) -> None:
    assert detect_language(question) == "es"


def test_inverted_mark_does_not_outvote_english_text() -> None:
    assert (
        detect_language("The sign read ¡Hola! and the crowd said that it was the best day of the year.")
        == "en"
    )


def test_train_script_keeps_other_languages(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    spec = importlib.util.spec_from_file_location("train_reranker", REPO / "scripts" / "train_reranker.py")
    assert spec is not None and spec.loader is not None
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    path = tmp_path / "model.json"
    features = list(train.FEATURES)
    path.write_text(json.dumps({"features": features, "languages": {"en": {"coef": [1]}}, "note": "kept"}))
    train.write_model(path, {"es": {"coef": [2]}})
    written = json.loads(path.read_text())
    assert written["languages"] == {"en": {"coef": [1]}, "es": {"coef": [2]}}
    assert written["note"] == "kept" and written["features"] == features


def test_spanish_terms_keep_a_light_plural_free_form_beside_snowball() -> None:
    terms = analyze("Los presidentes visitaron el partido", "es")
    assert {"president", "part"} <= set(terms)  # Snowball conflates "partido" with "parte"
    assert {"~president", "~partido", "~visitaron"} <= set(terms)
    assert not any(t.startswith("~") for t in analyze("The presidents visited the party", "en"))
    assert "~partido" in analyze_query("¿Qué partido ganó?")
    assert not any(t.startswith("~") for t in analyze_query("Which party won the election?"))
