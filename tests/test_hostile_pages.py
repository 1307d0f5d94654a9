"""Pages built to make extraction slow are saved whole, or refused in one line, within
seconds (tests/benchmarks/bench_hostile_pages.py measures the full-size ones)."""

from __future__ import annotations

import time

import pytest

from gleaner.core.capture import CaptureError, capture
from gleaner.core.extract import MAX_ELEMENTS

SENTENCE = ("The council heard evidence from residents, traders and charity workers about the "
            "shelter, the station and the winter before the vote was taken.")


def saved(tmp_path, body: str, limit: float):
    """The article captured from a file holding body (after a short introduction), and
    checked to have taken less than limit seconds."""
    path = tmp_path / "page.html"
    path.write_text(f"<html><head><title>Hostile</title></head><body><article><h1>Hostile</h1>"
                    f"<p>{SENTENCE}</p><p>{SENTENCE}</p>{body}</article></body></html>", "utf-8")
    started = time.perf_counter()
    article = capture(str(path), images=False)
    assert time.perf_counter() - started < limit
    return article


def test_a_half_megabyte_word_is_saved_whole(tmp_path):
    word = "abcdefghij" * 50_000
    article = saved(tmp_path, f"<p>{word}</p>", limit=3)
    assert word in article.text


def test_two_thousand_nested_divs_keep_the_text_of_every_level(tmp_path):
    levels = 2000
    body = "".join(f"<div>level{i} words " for i in range(levels)) + "</div>" * levels
    article = saved(tmp_path, body, limit=3)
    words = set(article.text.split())
    assert all(f"level{i}" in words for i in range(levels))


def test_five_hundred_nested_tables_keep_every_cell(tmp_path):
    levels = 500
    body = "".join(f"<table><tr><td>cell{i} words " for i in range(levels)) \
        + "</td></tr></table>" * levels
    article = saved(tmp_path, body, limit=3)
    words = set(article.text.split())
    assert all(f"cell{i}" in words for i in range(levels))


def test_twenty_thousand_bold_words_in_one_paragraph_are_saved(tmp_path):
    words = [f"w{i}" for i in range(20_000)]
    body = "<p>" + " ".join(f"<b><i>{word}</i></b>" for word in words) + "</p>"
    article = saved(tmp_path, body, limit=3)
    assert " ".join(words) in article.text


def test_a_page_of_too_many_elements_is_refused_at_once_in_one_line(tmp_path):
    path = tmp_path / "page.html"
    path.write_text("<html><body>" + "<p>w</p>" * (MAX_ELEMENTS + 10) + "</body></html>",
                    "utf-8")
    started = time.perf_counter()
    with pytest.raises(CaptureError) as refusal:
        capture(str(path), images=False)
    assert time.perf_counter() - started < 2
    assert "too many" in str(refusal.value) and "\n" not in str(refusal.value)


def test_five_thousand_nested_divs_keep_the_text_before_and_after_every_level(tmp_path):
    # Deeper than libxml2 reads (2,048 levels): the tags below a depth are taken out first.
    levels = 5000
    body = "".join(f"<div>open{i} words " for i in range(levels)) \
        + "".join(f"</div>close{i} " for i in range(levels))
    words = set(saved(tmp_path, body, limit=3).text.split())
    assert all(f"open{i}" in words for i in range(levels))
    # Text after the article's last paragraph, in the elements that hold it, is furniture to
    # core.body on every page (a 'Share' line after the story): only the outermost levels'.
    assert all(f"close{i}" in words for i in range(levels - 200))


def test_a_thousand_nested_tables_keep_every_cell(tmp_path):
    levels = 1000
    body = "".join(f"<table><tr><td>cell{i} words " for i in range(levels)) \
        + "</td></tr></table>" * levels
    words = set(saved(tmp_path, body, limit=3).text.split())
    assert all(f"cell{i}" in words for i in range(levels))


def test_deep_tags_taken_out_keep_words_apart_and_inline_words_whole(tmp_path):
    levels = 3000
    body = "".join(f"<section><p>al<b>pha</b>{i}</p><div>beta{i}</div>" for i in range(levels)) \
        + "</section>" * levels
    words = set(saved(tmp_path, body, limit=3).text.split())
    assert all(f"alpha{i}" in words and f"beta{i}" in words for i in range(levels))
