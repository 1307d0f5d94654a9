"""Re-extraction: an article rebuilt from its saved page, its highlights re-anchored, nothing
the user did lost, no network used."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from gleaner.core import operations
from gleaner.core.archive import Archive, NotFound
from gleaner.core.capture import capture
from gleaner.core.document import Block, Run, blocks_to_json, canonical_text

SITES = Path(__file__).resolve().parent / "fixtures" / "sites"
FURNITURE = "Share this story on social media and sign up for our morning briefing"


def _older_extraction(archive: Archive, article_id: int, dropped: int) -> str:
    """Make the stored text look like an older, worse extractor's: a line of page furniture
    at the top, and the block at index `dropped` missing. Returns the old text."""
    structure = json.loads(archive.db.execute(
        "SELECT structure FROM article_contents WHERE article_id = ?",
        [article_id]).fetchone()[0])
    furniture = blocks_to_json([Block("paragraph", (Run(FURNITURE),))])
    structure = furniture + structure[:dropped] + structure[dropped + 1:]
    from gleaner.core.document import blocks_from_json

    text = canonical_text(blocks_from_json(structure))
    archive.db.execute("UPDATE article_contents SET structure = ?, text = ? WHERE article_id = ?",
                       [json.dumps(structure), text, article_id])
    archive.db.conn.commit()
    return text


def _span(text: str, quote: str) -> tuple[int, int]:
    start = text.index(quote)
    return start, start + len(quote)


@pytest.fixture
def saved(archive: Archive):
    """A site fixture saved from its file, with an older extraction's text in its place."""
    captured = capture(str(SITES / "listicle.html"))
    article_id, _ = operations.save_article(archive, captured).value
    old_text = _older_extraction(archive, article_id, dropped=3)
    return archive, article_id, captured, old_text


def test_reextract_restores_the_full_text_and_reanchors(saved) -> None:
    archive, article_id, captured, old_text = saved
    blocks = [block.text for block in captured.blocks]
    kept, later = blocks[5][:40], blocks[-2][:30]
    themes = [theme.id for theme in archive.list_themes()[:2]]
    first = operations.code_passage(archive, article_id, *_span(old_text, kept),
                                    [themes[0]], "kept").value
    second = operations.code_passage(archive, article_id, *_span(old_text, later),
                                     [themes[1]]).value
    junk = operations.code_passage(archive, article_id, *_span(old_text, FURNITURE[:24]),
                                   [themes[0]]).value
    assert archive.article_text(article_id) != captured.text

    result = operations.reextract_article(archive, article_id)

    assert archive.article_text(article_id) == captured.text
    assert blocks[3] in archive.article_text(article_id)  # the dropped block is back
    by_id = {h.id: h for h in archive.list_highlights(article_id=article_id)}
    for highlight, quote in ((first, kept), (second, later)):
        moved = by_id[highlight.id]
        assert captured.text[moved.start:moved.end] == quote
        assert not moved.orphaned
    assert by_id[first.id].note == "kept" and by_id[first.id].theme_ids == (themes[0],)
    # The furniture is gone from the new text: that highlight is kept, orphaned, reported.
    assert by_id[junk.id].orphaned and by_id[junk.id].exact == FURNITURE[:24]
    assert result.value["orphaned"] == [junk.id] and result.value["placed"] == 2
    assert article_id in result.changes.articles
    assert {first.id, second.id} <= result.changes.highlights


def test_reextract_is_undone_in_one_step(saved) -> None:
    archive, article_id, captured, old_text = saved
    quote = captured.blocks[6].text[:30]
    highlight = operations.code_passage(archive, article_id, *_span(old_text, quote),
                                        [archive.list_themes()[0].id]).value
    before = archive.get_highlight(highlight.id)
    operations.reextract_article(archive, article_id)
    assert archive.get_highlight(highlight.id).start != before.start
    undone = operations.undo(archive)
    assert undone.label == "Re-extract article"
    assert archive.article_text(article_id) == old_text
    again = archive.get_highlight(highlight.id)
    assert (again.start, again.end, again.exact) == (before.start, before.end, before.exact)
    operations.redo(archive)
    assert archive.article_text(article_id) == captured.text


def test_reextract_keeps_corrections_and_original(saved) -> None:
    archive, article_id, captured, _ = saved
    original = archive.original_html(article_id)
    operations.edit_article(archive, article_id, title="My own title")
    archive.db.execute("UPDATE articles SET site_name = 'stale' WHERE id = ?", [article_id])
    archive.db.conn.commit()
    operations.reextract_article(archive, article_id)
    article = archive.get_article(article_id)
    assert article.title == "My own title"
    assert article.extracted["title"] == captured.title
    assert article.site_name == captured.site_name  # not corrected: the new value is taken
    assert archive.original_html(article_id) == original


def test_reextract_uses_no_network(archive: Archive, httpserver) -> None:
    page = (SITES / "news_jsonld.html").read_bytes()
    httpserver.expect_request("/story").respond_with_data(page, content_type="text/html")
    captured = capture(httpserver.url_for("/story"))
    article_id, _ = operations.save_article(archive, captured).value
    httpserver.clear()  # any request now fails (and is logged)
    requests = len(httpserver.log)
    _older_extraction(archive, article_id, dropped=1)
    operations.reextract_article(archive, article_id)
    assert len(httpserver.log) == requests
    assert archive.article_text(article_id) == captured.text
    assert archive.get_article(article_id).url == captured.url


def test_reextract_an_unknown_article_is_refused(archive: Archive) -> None:
    with pytest.raises(NotFound):
        operations.reextract_article(archive, 999)


def test_reextract_without_change_moves_nothing(archive: Archive) -> None:
    captured = capture(str(SITES / "science_review.html"))
    article_id, _ = operations.save_article(archive, captured).value
    quote = captured.blocks[4].text[:25]
    highlight = operations.code_passage(archive, article_id, *_span(captured.text, quote),
                                        [archive.list_themes()[0].id]).value
    result = operations.reextract_article(archive, article_id)
    assert result.value == {"placed": 1, "orphaned": [],
                            "how": {highlight.id: "position"}}
    assert dataclasses.astuple(archive.get_highlight(highlight.id)) == dataclasses.astuple(
        highlight)


def test_reextract_keeps_the_images(archive: Archive) -> None:
    """A saved page's images stay with it, and the rebuilt HTML and blocks still name them."""
    from gleaner.core.document import pictures

    page = SITES.parent / "saved_pages" / "complete" / "Field notes from the marsh.html"
    captured = capture(str(page))
    assert len(captured.images) == 3
    article_id, _ = operations.save_article(archive, captured).value
    names = sorted(archive.article_asset_names(article_id))
    _older_extraction(archive, article_id, dropped=2)
    operations.reextract_article(archive, article_id)
    article = archive.get_article(article_id)
    assert sorted(archive.article_asset_names(article_id)) == names
    shown = {p.name for p in pictures(article.blocks)}
    assert shown == {p.name for p in pictures(captured.blocks)} and set(names) <= shown
    for name in names:
        assert f'src="{name}"' in article.html
    assert article.html == captured.html
