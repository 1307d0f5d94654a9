"""The whole path through the real window: save by URL, select, code with a number key,
reopen the archive and find the highlight painted over the same characters."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from gleaner.core.archive import Archive

from .conftest import save_screenshot, select_with_mouse

PASSAGE = "a 40-bed night shelter"


def serve_news_page(httpserver, news_page_html: bytes) -> str:
    httpserver.expect_request("/news/2023/night-shelter-vote").respond_with_data(
        news_page_html, content_type="text/html; charset=utf-8")
    return httpserver.url_for("/news/2023/night-shelter-vote")


def test_save_select_code_reopen(open_window, qtbot, httpserver, news_page_html,
                                 archive_path, tmp_path):
    url = serve_news_page(httpserver, news_page_html)
    archive = Archive.open(archive_path)
    window = open_window(archive)
    assert window.centre.currentWidget() is window.welcome  # empty archive: the welcome page

    # Save by typing the address and pressing Enter; the work runs in the background.
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.address.hasFocus()
    qtbot.keyClicks(window.address, url)
    qtbot.keyClick(window.address, Qt.Key.Key_Return)
    assert window.busy_bar.isVisible()  # a visible busy state while it saves
    qtbot.waitUntil(lambda: window.library.model_.rowCount() == 1, timeout=15000)
    assert not window.busy_bar.isVisible()
    assert window.centre.currentWidget() is window.reader
    article = window.article
    assert article.title == "Council backs night shelter plan"
    # What the reader shows is exactly the canonical text that offsets point into.
    assert window.reader.body_text() == article.text

    # Select a passage with the mouse and press "2" (the second theme).
    start = article.text.index(PASSAGE)
    end = start + len(PASSAGE)
    window.reader.setFocus()
    select_with_mouse(qtbot, window.reader, start, end)
    assert window.reader.selection_range() == (start, end)
    qtbot.keyClick(window.reader, Qt.Key.Key_2)

    theme = archive.list_themes()[1]
    highlights = archive.list_highlights(article_id=article.id)
    assert len(highlights) == 1
    highlight = highlights[0]
    assert (highlight.start, highlight.end, highlight.exact) == (start, end, PASSAGE)
    assert highlight.theme_ids == (theme.id,)
    assert highlight.prefix == article.text[max(0, start - 32):start]
    assert window.reader.selection_range() is None  # the selection gave way to the paint
    painted = window.reader.painted_ranges()
    assert [(s, e) for s, e, _ in painted] == [(start, end)]
    assert painted[0][2] == QColor(theme.color).name().upper()
    image = save_screenshot(window, tmp_path / "main-window.png")
    assert image.width() >= 1200

    window.close()
    archive.close()

    # A new window on the reopened archive paints the same characters.
    reopened = Archive.open(archive_path)
    try:
        second = open_window(reopened)
        assert second.article.id == article.id
        assert [(s, e) for s, e, _ in second.reader.painted_ranges()] == [(start, end)]
        assert second.reader.body_text()[start:end] == PASSAGE
        second.close()
    finally:
        reopened.close()
