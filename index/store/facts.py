"""Per-sentence facts (terms, names, numbers, flags) computed once at build time and read at question time.

Everything a quote feature needs from a sentence whatever the question lives here, stored with the index
generation as compact arrays (64-bit keys of the strings, in ragged rows) that are memory-mapped when
loaded. The feature code compares them with the question's keys in a few vectorised steps
(`index/fact_match.py`) instead of analysing ~30 sentences per question. To add a fact: add an extractor
to SETS or FLAGS and bump FACTS_VERSION; generations with other facts are recomputed by the next build
and, until then, answered from facts computed on demand (LazyFacts).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from index.models import Article
from index.store.fact_extractors import FLAGS, SETS
from index.text.analysis import analyze

log = logging.getLogger(__name__)

FACTS_VERSION = 1
FACTS_DIR = "facts"


@lru_cache(maxsize=1 << 19)
def key_of(text: str) -> int:
    """A stable 64-bit key of a string (the same in every process), as stored in the facts arrays."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def keys_of(texts: Iterable[str]) -> np.ndarray:
    """The keys of several strings, in order."""
    return np.fromiter((key_of(t) for t in texts), dtype=np.uint64)


@dataclass
class Ragged:
    """Rows of uint64 keys of different lengths: row i is values[offsets[i]:offsets[i + 1]]."""

    offsets: np.ndarray  # (rows + 1,) int64
    values: np.ndarray  # uint64

    @classmethod
    def from_rows(cls, rows: Sequence[np.ndarray]) -> Ragged:
        """Pack rows (arrays of keys) into one ragged array."""
        offsets = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum([len(r) for r in rows], out=offsets[1:])
        values = np.concatenate(rows).astype(np.uint64) if rows else np.zeros(0, np.uint64)
        return cls(offsets, values)

    @classmethod
    def concat(cls, parts: Sequence[Ragged]) -> Ragged:
        """The rows of several ragged arrays, one after the other."""
        if not parts:
            return cls(np.zeros(1, np.int64), np.zeros(0, np.uint64))
        shifts = np.cumsum([0, *(len(p.values) for p in parts[:-1])])
        offsets = [parts[0].offsets[:1], *(p.offsets[1:] + s for p, s in zip(parts, shifts, strict=True))]
        return cls(np.concatenate(offsets).astype(np.int64), np.concatenate([p.values for p in parts]))

    def part(self, first: int, end: int) -> Ragged:
        """Rows [first, end) as a ragged array of their own (values are a view: concat copies them)."""
        a, b = int(self.offsets[first]), int(self.offsets[end])
        return Ragged(self.offsets[first : end + 1] - a, self.values[a:b])

    def gather(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The values of `rows` one row after the other, and where each row starts ((len(rows) + 1,))."""
        begin, end = self.offsets[rows], self.offsets[rows + 1]
        lengths = end - begin
        starts = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=starts[1:])
        index = np.arange(starts[-1], dtype=np.int64) + np.repeat(begin - starts[:-1], lengths)
        return self.values[index], starts


@dataclass
class SentenceFacts:
    """The facts of every sentence row (and the title terms of every article) of an index or article."""

    terms: Ragged  # analysed terms of each sentence, in order
    distinct: np.ndarray  # (sentences,) int32: number of distinct terms
    sets: dict[str, Ragged]  # per SETS name: the distinct strings of each sentence
    flags: np.ndarray  # (sentences,) uint32: bit i = FLAGS entry i
    titles: Ragged  # per article: the distinct terms of its title

    @classmethod
    def extract(cls, article: Article, bounds: np.ndarray) -> SentenceFacts:
        """The facts of one article's sentences, given as (k, 2) start/end offsets."""
        terms, flags = _Rows(), []
        sets = [_Rows() for _ in SETS]
        for start, end in bounds.tolist():
            found = extract_sentence(article.text[start:end], article.language)
            terms.add(found.terms)
            for rows, values in zip(sets, found.sets, strict=True):
                rows.add(values)
            flags.append(found.flags)
        title = list(set(keys_of(analyze(article.title, article.language)).tolist()))
        return cls(
            terms=terms.ragged(),
            distinct=np.array([len(set(t)) for t in terms.rows], dtype=np.int32),
            sets={name: rows.ragged() for name, rows in zip(SETS, sets, strict=True)},
            flags=np.array(flags, dtype=np.uint32),
            titles=Ragged.from_rows([np.array(title, dtype=np.uint64)]),
        )

    @classmethod
    def concat(cls, parts: Sequence[SentenceFacts]) -> SentenceFacts:
        """The facts of several articles' pieces, in index order."""
        return cls(
            terms=Ragged.concat([p.terms for p in parts]),
            distinct=_stack([p.distinct for p in parts], np.int32),
            sets={name: Ragged.concat([p.sets[name] for p in parts]) for name in SETS},
            flags=_stack([p.flags for p in parts], np.uint32),
            titles=Ragged.concat([p.titles for p in parts]),
        )

    def article_part(self, first: int, end: int, article_row: int) -> SentenceFacts:
        """The facts of sentence rows [first, end), which belong to article `article_row`."""
        return SentenceFacts(
            terms=self.terms.part(first, end),
            distinct=self.distinct[first:end],
            sets={name: r.part(first, end) for name, r in self.sets.items()},
            flags=self.flags[first:end],
            titles=self.titles.part(article_row, article_row + 1),
        )

    def save(self, directory: Path) -> None:
        """Write the arrays (and what they hold) into `directory`."""
        directory.mkdir()
        for name, ragged in self._ragged().items():
            np.save(directory / f"{name}.offsets.npy", ragged.offsets)
            np.save(directory / f"{name}.values.npy", ragged.values)
        np.save(directory / "distinct.npy", self.distinct)
        np.save(directory / "flags.npy", self.flags)
        (directory / "facts.json").write_text(json.dumps(_layout()), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> SentenceFacts | None:
        """Memory-map stored facts; None when absent or written with other facts (older generations)."""
        try:
            if json.loads((directory / "facts.json").read_text(encoding="utf-8")) != _layout():
                return None
        except (OSError, ValueError):
            return None
        ragged = {name: _load_ragged(directory, name) for name in ("terms", "titles", *SETS)}
        return cls(
            terms=ragged["terms"],
            distinct=memory_map(directory / "distinct.npy"),
            sets={name: ragged[name] for name in SETS},
            flags=memory_map(directory / "flags.npy"),
            titles=ragged["titles"],
        )

    def _ragged(self) -> dict[str, Ragged]:
        return {"terms": self.terms, "titles": self.titles, **self.sets}


@dataclass(frozen=True)
class RowFacts:
    """The facts of one sentence, as key lists."""

    terms: list[int]  # in order
    sets: tuple[list[int], ...]  # in SETS order, distinct
    flags: int  # bit i = FLAGS entry i


def extract_sentence(text: str, language: str) -> RowFacts:
    """The facts of one sentence written in `language`."""
    return RowFacts(
        terms=[key_of(t) for t in analyze(text, language)],
        sets=tuple(list({key_of(s) for s in extract(text)}) for extract in SETS.values()),
        flags=sum(1 << bit for bit, test in enumerate(FLAGS.values()) if test(text)),
    )


class _Rows:
    """Key lists collected row by row, packed into one Ragged per article (not one array per row)."""

    def __init__(self) -> None:
        self.rows: list[list[int]] = []

    def add(self, keys: list[int]) -> None:
        self.rows.append(keys)

    def ragged(self) -> Ragged:
        offsets = np.zeros(len(self.rows) + 1, dtype=np.int64)
        np.cumsum([len(r) for r in self.rows], out=offsets[1:])
        values = np.fromiter((k for r in self.rows for k in r), dtype=np.uint64, count=int(offsets[-1]))
        return Ragged(offsets, values)


def _layout() -> dict[str, object]:
    return {"version": FACTS_VERSION, "sets": list(SETS), "flags": list(FLAGS)}


def _stack(parts: Sequence[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)


def memory_map(path: Path) -> np.ndarray:
    """A .npy file memory-mapped read-only, as a plain ndarray."""
    # A plain ndarray view of the map: indexing a np.memmap costs ~10 us of Python per call.
    return np.asarray(np.load(path, mmap_mode="r"))


def _load_ragged(directory: Path, name: str) -> Ragged:
    return Ragged(memory_map(directory / f"{name}.offsets.npy"), memory_map(directory / f"{name}.values.npy"))
