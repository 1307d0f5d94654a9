"""The benchmark archive generator (tests/benchmarks/make_archive.py) writes a valid archive.

Its rows bypass the archive's methods, so this checks they are what those methods would have
written: offsets and quotes that agree with the text, text that is the structure's canonical
text, structure that is what the stored HTML parses to.
"""

from __future__ import annotations

import importlib.util
import random
import sys
import time
from pathlib import Path

import pytest

from gleaner.core.anchoring import anchor_range
from gleaner.core.archive import Archive
from gleaner.core.document import blocks_from_html, canonical_text

GENERATOR = Path(__file__).resolve().parent / "benchmarks" / "make_archive.py"
ARTICLES = 300


def load_generator():
    """Import the generator by path: tests/benchmarks is not a package on the test path."""
    spec = importlib.util.spec_from_file_location("make_archive", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being created
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, dict, float]:
    path = tmp_path_factory.mktemp("bench") / "bench.gleaner"
    started = time.perf_counter()
    # Chunks of 100 so the worker processes and the ordered writing are exercised too.
    result = load_generator().make_archive(path, ARTICLES, seed=7, chunk_size=100)
    return path, result, time.perf_counter() - started


def test_counts_and_speed(generated):
    path, result, seconds = generated
    assert seconds < 5
    assert result["articles"] == ARTICLES
    assert result["highlights"] == 2 * ARTICLES
    assert result["themes"] == 30
    with Archive.open(path) as archive:
        assert archive.article_count() == ARTICLES
        assert archive.db.execute("SELECT count(*) FROM highlights").fetchone()[0] == 600
        themes = archive.list_themes()
        assert len(themes) == 30
        assert len({theme.color for theme in themes}) == 30
        # Two levels: 8 starter themes, each with its sub-themes numbered from 0.
        top = [theme for theme in themes if theme.parent_id is None]
        assert len(top) == 8 and [theme.position for theme in top] == list(range(8))
        by_id = {theme.id: theme for theme in themes}
        assert all(by_id[theme.parent_id].parent_id is None
                   for theme in themes if theme.parent_id is not None)
        for parent in top:
            below = [t.position for t in themes if t.parent_id == parent.id]
            assert below == list(range(len(below)))
            assert parent.total_highlights >= parent.highlight_count
        links = archive.db.execute("SELECT count(*) FROM highlight_themes").fetchone()[0]
        assert 600 <= links <= 1800


def test_database_is_sound(generated):
    path, _, _ = generated
    with Archive.open(path) as archive:
        assert archive.db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert archive.db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_highlights_are_anchored_in_the_text(generated):
    path, _, _ = generated
    with Archive.open(path) as archive:
        highlights = archive.list_highlights()
        for highlight in random.Random(1).sample(highlights, 20):
            text = archive.article_text(highlight.article_id)
            assert text[highlight.start:highlight.end] == highlight.exact
            anchor = anchor_range(text, highlight.start, highlight.end)
            assert (anchor.start, anchor.end) == (highlight.start, highlight.end)
            assert (anchor.prefix, anchor.suffix) == (highlight.prefix, highlight.suffix)
            assert 5 <= len(highlight.exact.split()) <= 60
            assert 1 <= len(highlight.theme_ids) <= 3


def test_text_structure_and_html_agree(generated):
    path, _, _ = generated
    with Archive.open(path) as archive:
        for article_id in random.Random(2).sample(range(1, ARTICLES + 1), 20):
            article = archive.get_article(article_id)
            assert article.text == canonical_text(article.blocks)
            assert blocks_from_html(article.html) == article.blocks
            assert article.word_count == len(article.text.split())
            assert archive.original_html(article_id).startswith(b"<!DOCTYPE html>")


def test_library_order_is_newest_saved_first(generated):
    path, _, _ = generated
    with Archive.open(path) as archive:
        page = archive.article_page(0, 50)
        assert len(page) == 50
        keys = [(summary.saved_at, summary.id) for summary in page]
        assert keys == sorted(keys, reverse=True)
        assert all(summary.highlight_count == 2 for summary in page)
