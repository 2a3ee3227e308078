"""manifest.json: what a build records, and the manifests older versions wrote, which must keep loading."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from index.answer.answerer import Answerer
from index.build.builder import IndexBuilder
from index.embedding import Embedder
from index.store.generations import generation_path
from index.store.handle import IndexHandle
from index.store.manifest import MANIFEST_NAME, Manifest


def test_an_index_whose_manifest_carries_the_old_min_score_still_loads_serves_and_extends(
    tiny_corpus: Path, make_builder: Callable[..., IndexBuilder], fake_embedder: Embedder
) -> None:
    builder = make_builder(tiny_corpus)
    builder.build(interactive=False)
    generation = generation_path(builder.index_dir)
    assert generation is not None
    path = generation / MANIFEST_NAME
    data = json.loads(path.read_text(encoding="utf-8"))
    assert "min_score" not in data  # no longer written: nothing reads it
    # As every index built before session 7 has it on the operators' disks.
    path.write_text(json.dumps({**data, "min_score": 0.45}, indent=2), encoding="utf-8")
    manifest = Manifest.read(generation)
    assert manifest.model == fake_embedder.name and manifest.corpus_fingerprint == data["corpus_fingerprint"]
    answer = Answerer(IndexHandle(builder.index_dir, fake_embedder.name), fake_embedder).ask(
        "Which volcano erupted over Catania?"
    )
    assert answer.quotes and answer.quotes[0].article_id == "volcano"
    assert builder.build(interactive=False).up_to_date  # read as the previous generation, not rebuilt
