"""What the researcher adds to an article: star, read mark, memo, tags and corrected details,
each an undoable operation; what extraction found is kept and never overwritten."""

from __future__ import annotations

import pytest

from gleaner.core import operations as ops
from gleaner.core.archive import Archive, ArchiveError
from test_archive import make_article


@pytest.fixture
def article_id(archive: Archive) -> int:
    return ops.save_article(archive, make_article()).value[0]


def test_star_read_and_memo_are_steps(archive: Archive, article_id: int):
    result = ops.set_starred(archive, article_id, True)
    assert result.label == "Star article" and article_id in result.changes.articles
    ops.set_read(archive, article_id, True)
    ops.set_article_memo(archive, article_id, "Compare with the Le Monde piece.")
    article = archive.get_article(article_id)
    assert (article.starred, article.read, article.memo) == (
        True, True, "Compare with the Le Monde piece.")
    summary = archive.article_summaries([article_id])[0]
    assert summary.starred and summary.read
    for _ in range(3):
        ops.undo(archive)
    article = archive.get_article(article_id)
    assert (article.starred, article.read, article.memo) == (False, False, "")


def test_tags_are_shared_by_name_and_forgotten_when_unused(archive: Archive, article_id: int):
    ops.tag_article(archive, article_id, ["France", " calais  2015 ", "france"])
    assert archive.get_article(article_id).tags == ("calais 2015", "France")
    assert archive.list_tags() == [("calais 2015", 1), ("France", 1)]
    ops.untag_article(archive, article_id, ["FRANCE"])
    assert archive.get_article(article_id).tags == ("calais 2015",)
    assert archive.list_tags() == [("calais 2015", 1)]
    ops.undo(archive)
    assert archive.get_article(article_id).tags == ("calais 2015", "France")
    ops.redo(archive)  # the tag's last use goes again, and the tag with it
    assert archive.list_tags() == [("calais 2015", 1)]
    ops.undo(archive)
    with pytest.raises(ArchiveError, match="a tag needs a name"):
        ops.tag_article(archive, article_id, ["  "])


def test_deleting_an_article_takes_its_tags_and_undo_brings_them_back(archive: Archive,
                                                                       article_id: int):
    ops.tag_article(archive, article_id, ["Border"])
    ops.delete_article(archive, article_id)
    assert archive.db.execute("SELECT count(*) FROM article_tags").fetchone() == (0,)
    ops.undo(archive)
    assert archive.get_article(article_id).tags == ("Border",)


def test_corrections_keep_what_extraction_found(archive: Archive, article_id: int):
    found = archive.get_article(article_id)
    ops.edit_article(archive, article_id, title="The real headline",
                     authors=["Ana Lopez", "Tom Wright"], published="2015-07-29")
    article = archive.get_article(article_id)
    assert article.title == "The real headline"
    assert article.authors == ["Ana Lopez", "Tom Wright"]
    assert article.published == "2015-07-29"
    assert article.extracted["title"] == found.title
    assert article.extracted["authors"] == found.authors
    assert article.extracted["published"] == found.published
    # Setting a field back to what was extracted clears that correction; a date given as the
    # extracted day restores the extracted value with its time.
    ops.edit_article(archive, article_id, title=found.title,
                     published=(found.published or "")[:10] or None)
    article = archive.get_article(article_id)
    assert "title" not in article.extracted and article.title == found.title
    assert article.published == found.published
    assert "published" not in article.extracted
    with pytest.raises(ArchiveError, match="YYYY-MM-DD"):
        ops.edit_article(archive, article_id, published="29/07/2015")
    with pytest.raises(ArchiveError, match="needs a title"):
        ops.edit_article(archive, article_id, title="   ")
    with pytest.raises(ArchiveError, match="cannot be edited"):
        ops.edit_article(archive, article_id, url="https://elsewhere.example/")


def test_re_extraction_never_overwrites_a_correction(archive: Archive, article_id: int):
    ops.edit_article(archive, article_id, title="Corrected title")
    with archive.step("Re-extract"):
        archive.refresh_extracted(article_id, {"title": "Newly extracted title",
                                               "site_name": "New site",
                                               "authors": ["New Author"]})
    article = archive.get_article(article_id)
    assert article.title == "Corrected title"
    assert article.extracted["title"] == "Newly extracted title"
    assert article.site_name == "New site" and article.authors == ["New Author"]


def test_library_pages_are_the_same_read_from_either_end(archive: Archive):
    """Pages past the middle are read from the library's other end: the rows must be the
    same as one walk in the library's order, for every page size and place."""
    import dataclasses

    for n in range(23):
        article = make_article()
        ops.save_article(archive, dataclasses.replace(
            article, url=f"https://example.org/{n}", url_requested=f"https://example.org/{n}"))
    everything = [a.id for a in archive.list_articles()]
    assert len(everything) == 23
    for limit in (1, 5, 10, 100):
        for offset in range(0, 25):
            page = [a.id for a in archive.article_page(offset, limit)]
            assert page == everything[offset:offset + limit], (offset, limit)
