"""Articles of a loaded generation: memory-mapped, parsed when asked for, old generations included."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from index.errors import IndexMismatch
from index.models import Article
from index.store.article_table import OFFSETS, ArticleTable, write_articles


def _articles(count: int) -> list[Article]:
    return [
        Article(
            id=f"a{i}", title=f"Título {i}", date=dt.date(2024, 1, 1 + i), source=f"a{i}.txt",
            text=f"Texto número {i} con acentos y\\nsaltos.", content_hash=str(i), language="es",
        )
        for i in range(count)
    ]  # fmt: skip


def test_articles_read_back_one_by_one_by_slice_and_in_order(tmp_path: Path) -> None:
    articles = _articles(5)
    write_articles(tmp_path, articles)
    table = ArticleTable(tmp_path)
    assert len(table) == 5 and table[3] == articles[3] and table[-1] == articles[4]
    assert table[1:3] == articles[1:3] and list(table) == articles
    with pytest.raises(IndexError):
        table[5]


def test_generations_without_line_offsets_are_scanned(tmp_path: Path) -> None:
    articles = _articles(3)
    write_articles(tmp_path, articles)
    (tmp_path / OFFSETS).unlink()
    assert list(ArticleTable(tmp_path)) == articles
    write_articles(tmp_path, [])
    (tmp_path / OFFSETS).unlink()
    assert len(ArticleTable(tmp_path)) == 0


def test_a_damaged_line_says_to_rebuild(tmp_path: Path) -> None:
    write_articles(tmp_path, _articles(2))
    path = tmp_path / "articles.jsonl"
    path.write_bytes(path.read_bytes().replace(b'"id":"a1"', b'"id":1.50'))  # same length
    table = ArticleTable(tmp_path)
    assert table[0].id == "a0"
    with pytest.raises(IndexMismatch, match="rebuild"):
        table[1]
