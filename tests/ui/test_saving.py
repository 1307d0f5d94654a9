"""Saving from the window: a page saved before is offered, not fetched again; a save that
finishes after the user moved on does not take the reader away; Article ▸ Re-extract."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import Qt

from gleaner.core import operations
from gleaner.core.archive import Archive
from gleaner.core.capture import capture

SITES = Path(__file__).resolve().parents[1] / "fixtures" / "sites"
HTML = "text/html; charset=utf-8"


def _serve(httpserver, path: str, fixture: str) -> str:
    httpserver.expect_request(path).respond_with_data((SITES / fixture).read_bytes(),
                                                      content_type=HTML)
    return httpserver.url_for(path)


def test_an_address_saved_before_is_offered_not_fetched(open_window, archive, qtbot,
                                                        httpserver) -> None:
    url = _serve(httpserver, "/story", "news_jsonld.html")
    article_id, _ = operations.save_article(archive, capture(url)).value
    other = _serve(httpserver, "/other", "wordpress.html")
    operations.save_article(archive, capture(other))
    requests = len(httpserver.log)
    window = open_window(archive)
    window.show_article(archive.list_articles()[0].id)
    assert window.article.id != article_id

    window.address.setFocus()
    qtbot.keyClicks(window.address, url + "?utm_source=newsletter#comments")
    qtbot.keyClick(window.address, Qt.Key.Key_Return)

    assert f"saved as #{article_id}" in window.banner.text()
    assert len(httpserver.log) == requests  # not downloaded again
    assert not window.tasks.running
    assert window.banner.action_button.isVisible()
    qtbot.mouseClick(window.banner.action_button, Qt.MouseButton.LeftButton)
    assert window.article.id == article_id
    assert window.library.current_article_id() == article_id
    assert archive.article_count() == 2


def test_a_copy_found_after_download_is_offered(open_window, archive, qtbot,
                                                httpserver) -> None:
    """A page whose canonical address names a saved article is recognised once fetched."""
    url = _serve(httpserver, "/original", "multi_author.html")
    article_id, _ = operations.save_article(archive, capture(url)).value
    page = (SITES / "multi_author.html").read_text("utf-8").replace(
        "<head>", f'<head><link rel="canonical" href="{url}">', 1)
    httpserver.expect_request("/amp").respond_with_data(page.encode(), content_type=HTML)
    window = open_window(archive)
    window.save_sources([httpserver.url_for("/amp")])
    qtbot.waitUntil(lambda: f"saved as #{article_id}" in window.banner.text(), timeout=15000)
    assert archive.article_count() == 1


def test_a_save_finishing_after_the_user_moved_on_is_marked_new(open_window, archive, qtbot,
                                                                httpserver) -> None:
    first, _ = operations.save_article(archive, capture(str(SITES / "wordpress.html"))).value
    second, _ = operations.save_article(archive, capture(str(SITES / "listicle.html"))).value
    release = threading.Event()
    page = (SITES / "science_review.html").read_bytes()

    def slow(_request):
        from werkzeug import Response

        release.wait(10)
        return Response(page, content_type=HTML)

    httpserver.expect_request("/slow").respond_with_handler(slow)
    window = open_window(archive)
    window.open_article(first)
    window.save_sources([httpserver.url_for("/slow")])
    qtbot.waitUntil(lambda: bool(window.tasks.running), timeout=3000)
    # While it downloads, the user opens another article from the library.
    row = window.library.model_.row_of(second)
    rect = window.library.visualRect(window.library.model_.index(row))
    qtbot.mouseClick(window.library.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.article.id == second
    release.set()
    qtbot.waitUntil(lambda: archive.article_count() == 3, timeout=15000)
    qtbot.waitUntil(lambda: window.library.model_.rowCount() == 3, timeout=5000)
    new_id = max(a.id for a in archive.list_articles())
    assert window.article.id == second  # the reader stayed where the user was
    assert window.library.marked_articles() == {new_id}
    assert "It is in the library" in window.banner.text()
    # Opening it from the library clears the mark.
    row = window.library.model_.row_of(new_id)
    rect = window.library.visualRect(window.library.model_.index(row))
    qtbot.mouseClick(window.library.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.article.id == new_id
    assert window.library.marked_articles() == set()


def test_a_save_opens_the_new_article_when_the_user_stayed(open_window, archive, qtbot,
                                                           httpserver) -> None:
    first, _ = operations.save_article(archive, capture(str(SITES / "wordpress.html"))).value
    url = _serve(httpserver, "/fresh", "photo_essay.html")
    window = open_window(archive)
    window.open_article(first)
    window.save_sources([url])
    qtbot.waitUntil(lambda: archive.article_count() == 2, timeout=15000)
    qtbot.waitUntil(lambda: window.article.id != first, timeout=5000)
    assert window.article.url == url
    assert window.library.marked_articles() == set()


def _older_text(archive: Archive, article_id: int) -> str:
    """Replace the stored text by an older extractor's: its first block missing."""
    import json

    from gleaner.core.document import blocks_from_json, canonical_text

    structure = json.loads(archive.db.execute(
        "SELECT structure FROM article_contents WHERE article_id = ?",
        [article_id]).fetchone()[0])[1:]
    text = canonical_text(blocks_from_json(structure))
    archive.db.execute("UPDATE article_contents SET structure = ?, text = ? WHERE article_id = ?",
                       [json.dumps(structure), text, article_id])
    archive.db.conn.commit()
    return text


def test_reextract_from_the_article_menu(open_window, archive, qtbot) -> None:
    captured = capture(str(SITES / "product_review.html"))
    article_id, _ = operations.save_article(archive, captured).value
    old = _older_text(archive, article_id)
    quote = captured.blocks[5].text[:30]
    start = old.index(quote)
    highlight = operations.code_passage(archive, article_id, start, start + len(quote),
                                        [archive.list_themes()[0].id]).value
    window = open_window(archive)
    window.open_article(article_id)
    assert window.reader.body_text() == old

    article_menu = next(a.menu() for a in window.menuBar().actions()
                        if a.text() == "&Article")
    assert window.reextract_action in article_menu.actions()
    window.reextract_action.trigger()
    qtbot.waitUntil(lambda: archive.article_text(article_id) == captured.text, timeout=10000)
    qtbot.waitUntil(lambda: window.reader.body_text() == captured.text, timeout=5000)
    moved = archive.get_highlight(highlight.id)
    assert captured.text[moved.start:moved.end] == quote
    qtbot.waitUntil(lambda: any((s, e) == (moved.start, moved.end)
                                for s, e, _c in window.reader.painted_ranges()), timeout=3000)
    assert "1 highlight in place" in window.statusBar().currentMessage()

    # Undo brings the older text back, in the reader too.
    window.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: archive.article_text(article_id) == old, timeout=5000)
    qtbot.waitUntil(lambda: window.reader.body_text() == old, timeout=5000)
