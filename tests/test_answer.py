"""The Answerer with the fake embedder: exact quotes, sources, the no-answer and invalid-question paths."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import write_corpus

from index.answer.answerer import Answerer
from index.build.builder import IndexBuilder
from index.embedding.hashing import HashingEmbedder
from index.embedding.protocol import Embedder
from index.store.generations import generation_path, load_snapshot
from index.store.handle import IndexHandle


def test_quotes_are_exact_substrings_with_sources(tiny_answerer: Answerer, tiny_corpus: Path) -> None:
    answer = tiny_answerer.ask("When was the Etna volcano eruption and was anyone hurt?")
    assert answer.answered and answer.status == "answered" and answer.quotes
    snap = load_snapshot(generation_path(tiny_corpus.parent / "index"))  # type: ignore[arg-type]
    texts = {a.id: a.text for a in snap.data.articles}
    for quote in answer.quotes:
        assert texts[quote.article_id][quote.start : quote.end] == quote.text
        assert 0 <= quote.highlight_start < quote.highlight_end <= len(quote.text)
        assert quote.text.count(".") <= 3 + quote.text.count("4.2")
    top = answer.quotes[0]
    assert top.article_id == "volcano"
    # No publisher and no URL: the attribution names the article's title, never the file `volcano.txt`.
    assert str(top.date) == "2024-03-02" and top.source == top.title and top.url is None
    assert answer.took_ms > 0 and answer.index_built_at is not None


def test_the_site_of_the_url_is_the_source_without_a_publisher(tiny_answerer: Answerer) -> None:
    top = tiny_answerer.ask("How big is the budget the city council approved?").quotes[0]
    assert top.article_id == "budget" and top.source == "news.example"
    assert top.url == "https://news.example/budget" and top.title == "City approves budget"


def test_the_publisher_from_front_matter_or_jsonl_is_the_source(
    tmp_path: Path, make_builder: Callable[..., IndexBuilder], fake_embedder: Embedder
) -> None:
    corpus = write_corpus(
        tmp_path / "pub",
        {
            "001_55c37db124a18bc8.md": "---\ntitle: Port strike ends\nsource: El Tiempo\n"
            "url: https://www.eltiempo.com/strike\n---\nDock workers in Buenaventura ended their strike.",
            "feed.jsonl": '{"id": "ferry", "source": "Reuters", '
            '"text": "A new ferry links Cartagena and Colón."}\n',
            "002_ab.md": "---\nurl: https://www.semana.com/x\n---\nThe Magdalena river rose two metres.",
        },
    )
    builder = make_builder(corpus)
    builder.build(interactive=False)
    answerer = Answerer(IndexHandle(builder.index_dir, fake_embedder.name), fake_embedder, min_score=0.0)
    strike = answerer.ask("When did the dock workers in Buenaventura end their strike?").quotes[0]
    assert strike.source == "El Tiempo" and strike.url == "https://www.eltiempo.com/strike"
    assert answerer.ask("Which ferry links Cartagena and Colón?").quotes[0].source == "Reuters"
    assert answerer.ask("How much did the Magdalena river rise?").quotes[0].source == "semana.com"


def test_quotes_never_repeat_a_passage(tiny_answerer: Answerer) -> None:
    quotes = tiny_answerer.ask("Catania ash volcano flights", max_quotes=5).quotes
    spans = [(q.article_id, q.start, q.end) for q in quotes]
    for i, (aid, start, end) in enumerate(spans):
        for other, ostart, oend in spans[i + 1 :]:
            assert aid != other or end <= ostart or oend <= start


def test_unrelated_question_is_not_answered_but_shows_closest(tiny_answerer: Answerer) -> None:
    answer = tiny_answerer.ask("What is the recipe for tiramisu?")
    assert not answer.answered and answer.status == "no_answer"
    assert "don't answer" in answer.message
    assert len(answer.quotes) <= 1


def test_invalid_questions_get_a_message_not_an_exception(tiny_answerer: Answerer) -> None:
    for question, words in [("", "empty"), ("   \n ", "empty"), ("?!?", "words"), ("x" * 600, "500")]:
        answer = tiny_answerer.ask(question)
        assert answer.status == "invalid_question" and not answer.answered and not answer.quotes
        assert words in answer.message


def test_empty_index_says_how_to_build(tmp_path: Path) -> None:
    embedder = HashingEmbedder(64)
    answer = Answerer(IndexHandle(tmp_path / "none", embedder.name), embedder).ask("anything?")
    assert answer.status == "empty_index" and "python -m index build" in answer.message


def test_spanish_question_finds_spanish_article(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "es.txt").write_text(
        "El Gobierno aprobó ayer la reforma de las pensiones en el Congreso.\n\n"
        "La oposición votó en contra de la reforma.",
        encoding="utf-8",
    )
    (corpus / "en.txt").write_text(
        "The parliament debated the new pension reform on Tuesday.", encoding="utf-8"
    )
    embedder = HashingEmbedder(256)
    builder = IndexBuilder(corpus, tmp_path / "index", embedder)
    builder.build(interactive=False)
    answer = Answerer(IndexHandle(builder.index_dir, embedder.name), embedder, min_score=0.0).ask(
        "¿Qué aprobó el Gobierno?"
    )
    assert answer.quotes[0].article_id == "es" and "aprobó" in answer.quotes[0].text


def test_the_answer_says_whether_the_question_asks_about_the_present(tiny_answerer: Answerer) -> None:
    assert tiny_answerer.ask("What is the latest on the Etna volcano?").asks_about_present
    assert not tiny_answerer.ask("When did the Etna volcano erupt in 2024?").asks_about_present
