"""A damaged index generation: one clear "damaged; rebuild" error everywhere, and a build repairs it."""

from __future__ import annotations

import errno
import math
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from index.answer.answerer import Answerer
from index.build.builder import IndexBuilder
from index.embedding.protocol import Embedder
from index.errors import IndexDamaged, NoSpaceLeft
from index.store.generations import generation_path
from index.store.handle import IndexHandle


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def garble(path: Path) -> None:
    path.write_bytes(b"\xff\xfe\x00garbage\x80" * 8)


def fewer_rows(path: Path) -> None:
    np.save(path, np.load(path)[:-1])  # a valid file, but not the size the manifest announces


# file in the generation -> how it is damaged
DAMAGE: dict[str, Callable[[Path], None]] = {
    "dense.faiss": truncate,
    "chunk_vectors.npy": truncate,
    "sentences.npy": fewer_rows,
    "sentence_spans.npy": garble,
    "chunks.npy": truncate,
    "chunk_keys.npy": fewer_rows,
    "articles.jsonl": truncate,
    "articles.offsets.npy": garble,
    "bm25/indices.csc.index.npy": truncate,
    "bm25/vocab.index.json": garble,
    "bm25/size.txt": garble,
    "facts/terms.values.npy": truncate,
    "facts/flags.npy": fewer_rows,
    "manifest.json": garble,
}


def damage(index_dir: Path, name: str) -> Path:
    """Damage one file of the current generation; the generation."""
    generation = generation_path(index_dir)
    assert generation is not None
    DAMAGE[name](generation / name)
    return generation


@pytest.fixture
def built(tiny_corpus: Path, make_builder: Callable[..., IndexBuilder]) -> IndexBuilder:
    builder = make_builder(tiny_corpus)
    builder.build(interactive=False)
    return builder


def answerer(builder: IndexBuilder, embedder: Embedder) -> Answerer:
    return Answerer(IndexHandle(builder.index_dir, embedder.name), embedder, min_score=0.2)


@pytest.mark.parametrize("name", list(DAMAGE))
def test_loading_a_damaged_generation_says_which_file_and_how_to_rebuild(
    built: IndexBuilder, fake_embedder: Embedder, name: str
) -> None:
    generation = damage(built.index_dir, name)
    first = "articles.jsonl" if name.startswith("articles") else name.split("/")[0]
    with pytest.raises(IndexDamaged) as caught:
        answerer(built, fake_embedder).stats()
    message = str(caught.value)
    assert message.startswith(f"index generation {generation} is damaged (file {first}")
    assert message.endswith("rebuild with `python -m index build --full`") and "\n" not in message
    with pytest.raises(IndexDamaged):
        answerer(built, fake_embedder).ask("When did Etna erupt?")


@pytest.mark.parametrize(
    ("name", "full"),
    [(name, False) for name in DAMAGE]
    + [(name, True) for name in ("dense.faiss", "manifest.json", "chunks.npy")],
)
def test_a_build_over_a_damaged_generation_repairs_it(
    built: IndexBuilder, fake_embedder: Embedder, name: str, full: bool, caplog: pytest.LogCaptureFixture
) -> None:
    damage(built.index_dir, name)
    summary = built.build(full=full, interactive=False)
    assert summary.articles == 3 and not summary.up_to_date
    assert any("Rebuilding everything" in r.getMessage() for r in caplog.records)
    answer = answerer(built, fake_embedder).ask("How many hours were flights suspended at Catania?")
    assert answer.quotes and "six hours" in answer.quotes[0].text


def test_a_missing_generation_folder_is_damage_too(built: IndexBuilder, fake_embedder: Embedder) -> None:
    generation = generation_path(built.index_dir)
    assert generation is not None
    generation.rename(generation.with_name("moved"))
    with pytest.raises(IndexDamaged, match=r"file manifest\.json"):
        answerer(built, fake_embedder).stats()
    assert built.build(interactive=False).articles == 3


def test_an_article_garbled_in_place_is_damage_at_read_and_rebuilt(
    built: IndexBuilder, fake_embedder: Embedder
) -> None:
    generation = generation_path(built.index_dir)
    assert generation is not None
    path = generation / "articles.jsonl"
    path.write_bytes(path.read_bytes().replace(b'"title":"', b'"title":1', 1))  # same length
    summary = built.build(interactive=False)
    assert summary.articles == 3 and not summary.up_to_date


def test_a_full_disk_is_one_line_and_the_old_index_stays(
    built: IndexBuilder, fake_embedder: Embedder, tiny_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = generation_path(built.index_dir)
    assert old is not None
    (tiny_corpus / "extra.txt").write_text("A new story about the harbour of Genoa.", encoding="utf-8")
    real_save = np.save
    calls = []

    def full_disk(*args: object, **kwargs: object) -> None:
        calls.append(args[0])
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_save(*args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(np, "save", full_disk)
    with pytest.raises(NoSpaceLeft) as caught:
        built.build(interactive=False)
    size = sum(p.stat().st_size for p in old.rglob("*") if p.is_file())  # the previous generation's
    needed = max(1, math.ceil(size / 2**20))
    assert (
        str(caught.value)
        == f"no space left on device for INDEX_DIR ({built.index_dir}): about {needed} MB needed"
    )
    assert generation_path(built.index_dir) == old
    assert not list(built.index_dir.glob(".tmp-*"))
    monkeypatch.setattr(np, "save", real_save)
    assert answerer(built, fake_embedder).ask("When did Etna erupt?").quotes


def run_cli(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EMBEDDING_MODEL": "hashing:256", "INDEX_DIR": str(tmp_path / "index")}
    env["CORPUS_DIR"] = str(tmp_path / "corpus")
    workdir = tmp_path / "work"
    workdir.mkdir(exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "index", *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_one_damage_line(result: subprocess.CompletedProcess[str], generation: Path, name: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"error: index generation {generation} is damaged (file {name}")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_the_cli_says_damaged_in_one_line_and_build_repairs(tiny_corpus: Path, tmp_path: Path) -> None:
    assert run_cli(["build"], tmp_path).returncode == 0
    generation = damage(tmp_path / "index", "dense.faiss")
    assert_one_damage_line(run_cli(["ask", "When did Etna erupt?"], tmp_path), generation, "dense.faiss")
    assert_one_damage_line(run_cli(["stats"], tmp_path), generation, "dense.faiss")
    assert run_cli(["build"], tmp_path).returncode == 0
    generation = damage(tmp_path / "index", "manifest.json")
    assert_one_damage_line(run_cli(["stats"], tmp_path), generation, "manifest.json")
    assert run_cli(["build", "--full"], tmp_path).returncode == 0
    assert "six hours" in run_cli(["ask", "How many hours were flights suspended?"], tmp_path).stdout


def test_a_full_disk_on_the_first_build_estimates_from_what_was_written(
    tiny_corpus: Path, make_builder: Callable[..., IndexBuilder], monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(np, "save", full_disk)
    builder = make_builder(tiny_corpus)
    with pytest.raises(
        NoSpaceLeft, match=r"^no space left on device for INDEX_DIR \(.*\): about 1 MB needed$"
    ):
        builder.build(interactive=False)
    assert generation_path(builder.index_dir) is None and not list(builder.index_dir.glob(".tmp-*"))
