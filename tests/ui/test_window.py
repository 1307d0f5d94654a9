"""The window's other duties: first run, errors as messages, themes, and a reader that loads
nothing by itself."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QDialogButtonBox

from gleaner.core.capture import capture
from gleaner.ui import reader as reader_module

from .conftest import select_with_mouse


def coded_sample(archive, sample_article_path):
    """The sample article saved, with "thermal cameras" coded with the first theme."""
    article_id, _ = archive.save_article(capture(str(sample_article_path)))
    start = archive.get_article(article_id).text.index("thermal cameras")
    return article_id, archive.add_highlight(article_id, start, start + 15,
                                             [archive.list_themes()[0].id])


def test_first_run_offers_the_sample_article(open_window, archive, qtbot):
    window = open_window(archive)
    assert window.centre.currentWidget() is window.welcome
    qtbot.mouseClick(window.welcome.sample_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.library.model_.rowCount() == 1, timeout=15000)
    assert window.centre.currentWidget() is window.reader
    assert "port security pact" in window.article.title
    assert window.reader.body_text() == window.article.text
    assert window.article.site_name == "The Harbour Ledger"


def test_a_failed_save_is_a_message_and_changes_nothing(open_window, archive, qtbot, snapshot,
                                                        httpserver, sample_article_path):
    archive.save_article(capture(str(sample_article_path)))
    window = open_window(archive)
    before = snapshot(archive)
    httpserver.expect_request("/gone").respond_with_data("no", status=404)
    httpserver.expect_request("/report.pdf").respond_with_data(
        b"%PDF-1.4", content_type="application/pdf")

    window.address.setFocus()
    qtbot.keyClicks(window.address, httpserver.url_for("/gone"))
    qtbot.keyClick(window.address, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=10000)
    assert "404" in window.banner.text()
    assert "Traceback" not in window.banner.text()
    assert window.banner.text().count("\n") == 0

    window.save_sources([httpserver.url_for("/report.pdf")])
    qtbot.waitUntil(lambda: "not a web page" in window.banner.text(), timeout=10000)
    qtbot.waitUntil(lambda: not window.tasks.running, timeout=10000)
    assert snapshot(archive) == before
    assert window.library.model_.rowCount() == 1


def test_saving_the_same_page_twice_keeps_one_copy(open_window, archive, qtbot,
                                                   sample_article_path):
    window = open_window(archive)
    window.save_sources([str(sample_article_path)])
    qtbot.waitUntil(lambda: window.library.model_.rowCount() == 1, timeout=15000)
    window.save_sources([str(sample_article_path)])
    qtbot.waitUntil(lambda: "already in your archive" in window.banner.text(), timeout=15000)
    assert len(archive.list_articles()) == 1


def test_new_theme_dialog_adds_a_theme_that_codes(open_window, archive, qtbot,
                                                  sample_article_path):
    archive.save_article(capture(str(sample_article_path)))
    window = open_window(archive)
    count = len(archive.list_themes())
    qtbot.mouseClick(window.themes_panel.new_button, Qt.MouseButton.LeftButton)
    dialog = window.theme_dialog
    assert dialog.isVisible()
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()  # a theme needs a name
    qtbot.keyClicks(dialog.name_edit, "Media framing")
    dialog.set_color("#336699")
    qtbot.keyClicks(dialog.description_edit, "How the story is framed.")
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    themes = archive.list_themes()
    assert len(themes) == count + 1
    assert (themes[-1].name, themes[-1].color, themes[-1].description) == (
        "Media framing", "#336699", "How the story is framed.")
    assert window.themes_panel.themes()[-1].name == "Media framing"

    # A duplicate name is refused with a message, and nothing is added.
    qtbot.mouseClick(window.themes_panel.new_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(window.theme_dialog.name_edit, "media FRAMING")
    qtbot.mouseClick(window.theme_dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)
    assert "already exists" in window.banner.text()
    assert len(archive.list_themes()) == count + 1


def test_number_key_without_selection_does_not_code(open_window, archive, qtbot,
                                                    sample_article_path):
    archive.save_article(capture(str(sample_article_path)))
    window = open_window(archive)
    window.reader.setFocus()
    qtbot.keyClick(window.reader, Qt.Key.Key_1)
    assert archive.list_highlights() == []
    assert "Select a passage" in window.statusBar().currentMessage()


def test_reader_loads_nothing_and_opens_only_web_links(open_window, archive, qtbot,
                                                       monkeypatch, sample_article_path):
    archive.save_article(capture(str(sample_article_path)))
    window = open_window(archive)
    reader = window.reader
    for kind in (QTextDocument.ResourceType.ImageResource,
                 QTextDocument.ResourceType.StyleSheetResource):
        assert reader.loadResource(kind, QUrl("file:///etc/passwd")) is None
        assert reader.loadResource(kind, QUrl("https://tracker.example/p.gif")) is None
    opened = []
    monkeypatch.setattr(reader_module.QDesktopServices, "openUrl", opened.append)
    reader.anchorClicked.emit(QUrl("javascript:alert(1)"))
    reader.anchorClicked.emit(QUrl("file:///etc/passwd"))
    reader.anchorClicked.emit(QUrl("https://harbour-ledger.example/x"))
    assert [url.toString() for url in opened] == ["https://harbour-ledger.example/x"]
    assert not reader.openLinks() and not reader.openExternalLinks()


@pytest.mark.parametrize("width", [900, 1800])
def test_reading_column_keeps_its_measure(open_window, archive, qtbot, width,
                                          sample_article_path):
    archive.save_article(capture(str(sample_article_path)))
    window = open_window(archive)
    window.resize(width, 800)
    qtbot.waitUntil(lambda: window.width() == width)
    frame = window.reader.document().rootFrame().frameFormat()
    text_width = window.reader.viewport().width() - frame.leftMargin() - frame.rightMargin()
    assert text_width <= reader_module.READING_WIDTH + 2
    assert frame.leftMargin() >= 24


def test_clicking_a_theme_codes_the_selection(open_window, archive, qtbot, sample_article_path):
    archive.save_article(capture(str(sample_article_path)))
    window = open_window(archive)
    text = window.article.text
    start = text.index("one water point")
    end = start + len("one water point for the entire area")
    window.reader.setFocus()
    select_with_mouse(qtbot, window.reader, start, end)
    humanitarian = archive.list_themes()[1]
    qtbot.mouseClick(window.themes_panel.tree.viewport(), Qt.MouseButton.LeftButton,
                     pos=window.themes_panel.theme_rect(humanitarian.id).center())
    [highlight] = archive.list_highlights()
    assert (highlight.start, highlight.end) == (start, end)
    assert highlight.exact == "one water point for the entire area"
    assert highlight.theme_ids == (humanitarian.id,)
    # The theme's count in the codebook follows at once.
    assert window.themes_panel.themes()[1].highlight_count == 1
    assert window.library.model_.article_at(0).highlight_count == 1


def test_cancel_stops_a_stalled_download_at_once(open_window, archive, qtbot, httpserver,
                                                 snapshot):
    import time

    def stall(request):
        time.sleep(2)
        from werkzeug import Response
        return Response("<html><body><p>late</p></body></html>", content_type="text/html")

    httpserver.expect_request("/slow").respond_with_handler(stall)
    window = open_window(archive)
    before = snapshot(archive)
    window.save_sources([httpserver.url_for("/slow")])
    assert window.cancel_button.isVisible()
    started = time.monotonic()
    qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
    assert time.monotonic() - started < 0.5
    assert not window.busy_bar.isVisible()
    assert window.tasks.running == []
    assert "Stopped saving" in window.statusBar().currentMessage()
    qtbot.wait(2500)  # the worker wakes up later; what it fetched is dropped
    assert snapshot(archive) == before
    assert window.banner.text() == ""


def test_dropping_a_text_passage_saves_nothing(open_window, archive, qtbot):
    from PySide6.QtCore import QMimeData, QPointF
    from PySide6.QtGui import QDropEvent

    window = open_window(archive)
    data = QMimeData()
    data.setText("a passage of article text\nthat was dragged by mistake")
    event = QDropEvent(QPointF(100, 100), Qt.DropAction.CopyAction, data,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    assert window.tasks.running == []


def test_moving_a_theme_moves_its_number_key(open_window, archive, qtbot, sample_article_path):
    archive.save_article(capture(str(sample_article_path)))
    window = open_window(archive)
    legal = archive.theme_by_name("Legal framework")
    window.move_theme(legal.id, 0)
    assert window.themes_panel.theme_for_key(1).id == legal.id
    text = window.article.text
    start = text.index("three-year programme")
    window.reader.setFocus()
    select_with_mouse(qtbot, window.reader, start, start + len("three-year programme"))
    qtbot.keyClick(window.reader, Qt.Key.Key_1)
    assert archive.list_highlights()[0].theme_ids == (legal.id,)


def test_keyboard_selection_can_be_coded(open_window, archive, qtbot, sample_article_path):
    archive.save_article(capture(str(sample_article_path)))
    window = open_window(archive)
    text = window.article.text
    start = text.index("thermal cameras")
    window.reader.setFocus()
    window.reader.select_range(start, start)
    for _ in range(len("thermal cameras")):
        qtbot.keyClick(window.reader, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert window.reader.selection_range() == (start, start + len("thermal cameras"))
    qtbot.keyClick(window.reader, Qt.Key.Key_3)
    assert archive.list_highlights()[0].exact == "thermal cameras"


def test_the_last_article_read_is_reopened(open_window, archive, fixtures_dir, qtbot,
                                          sample_article_path):
    older, _ = archive.save_article(capture(str(fixtures_dir / "news_page.html")))
    archive.save_article(capture(str(sample_article_path)))
    window = open_window(archive)
    assert window.article.id != older  # newest first on a first visit
    index = window.library.model_.index(window.library.model_.row_of(older))
    qtbot.mouseClick(window.library.viewport(), Qt.MouseButton.LeftButton,
                     pos=window.library.visualRect(index).center())
    assert window.article.id == older
    window.close()
    again = open_window(archive)
    assert again.article.id == older


def test_deleting_an_article_asks_and_removes_its_highlights(open_window, archive, monkeypatch,
                                                             sample_article_path):
    article_id, _ = coded_sample(archive, sample_article_path)
    window = open_window(archive)
    questions = []
    monkeypatch.setattr("gleaner.ui.main_window.confirm",
                        lambda parent, title, text: questions.append(text) or False)
    window.ask_delete_article(article_id)
    assert len(archive.list_articles()) == 1  # "No" keeps it
    assert "1 highlight" in questions[0]
    monkeypatch.setattr("gleaner.ui.main_window.confirm", lambda *args: True)
    window.ask_delete_article(article_id)
    assert archive.list_articles() == [] and archive.list_highlights() == []
    assert window.centre.currentWidget() is window.welcome


def test_every_control_is_reachable_at_800_by_600(open_window, archive, qtbot,
                                                  sample_article_path):
    from PySide6.QtCore import QPoint, QRect

    article_id, _ = coded_sample(archive, sample_article_path)
    window = open_window(archive)
    window.resize(800, 600)
    qtbot.wait(50)
    assert (window.width(), window.height()) == (800, 600)  # the window did not grow
    window.select_highlight(window.highlights[0].id)
    qtbot.wait(200)  # let the layouts settle (the side pages fit again after 50 ms)
    panel = window.highlight_panel

    def shown(widget) -> bool:
        top_left = widget.mapTo(window, widget.rect().topLeft())
        return QRect(top_left, widget.size()).intersected(window.rect()).height() > 8 \
            and widget.isVisible()

    for widget in (window.address, window.save_button, window.open_button, window.library,
                   window.reader, window.themes_panel.new_button, window.themes_panel.tree):
        assert shown(widget), widget.objectName()
    # The side panels scroll: each control there can be brought into view and used.
    for widget in (panel.theme_list, panel.note, panel.delete_button):
        window.side_scroll.ensureWidgetVisible(widget)
        viewport = window.side_scroll.viewport()
        corner = widget.mapTo(viewport, widget.rect().topLeft())
        assert viewport.rect().contains(corner + QPoint(10, 10)), widget
    assert window.side_scroll.verticalScrollBar().maximum() > 0
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    assert archive.list_highlights() == []


def test_coding_refreshes_only_what_changed(open_window, archive, qtbot, sample_article_path,
                                            fixtures_dir):
    """Coding a passage re-reads that theme, that article's library row and that article's
    highlights — never the library, the codebook or any other article."""
    archive.save_article(capture(str(fixtures_dir / "news_page.html")))
    article_id, _ = archive.save_article(capture(str(sample_article_path)))
    window = open_window(archive)
    window.show_article(article_id)
    reads = []
    real_read = window.archive.read

    def recording_read(name, *args, **kwargs):
        reads.append(name)
        return real_read(name, *args, **kwargs)

    window.archive.read = recording_read
    start = window.article.text.index("thermal cameras")
    window.reader.setFocus()
    select_with_mouse(qtbot, window.reader, start, start + len("thermal cameras"))
    qtbot.keyClick(window.reader, Qt.Key.Key_2)
    assert len(archive.list_highlights(article_id=article_id)) == 1
    assert sorted(set(reads)) == ["article_summaries", "list_highlights", "themes_by_id"]
    assert window.themes_panel.themes()[1].highlight_count == 1
    row = window.library.model_.row_of(article_id)
    assert window.library.model_.article_at(row).highlight_count == 1


def test_a_dead_archive_process_is_restarted_without_losing_data(open_window, archive, qtbot,
                                                                 sample_article_path):
    import os
    import signal

    article_id, _ = archive.save_article(capture(str(sample_article_path)))
    window = open_window(archive)
    start = window.article.text.index("thermal cameras")
    window.run_op("code_passage", article_id, start, start + 15, [1])
    old_pid = window.archive.pid
    os.kill(old_pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: window.archive.pid != old_pid, timeout=3000)
    assert "restarted" in window.banner.text()
    assert len(window.reader.painted_ranges()) == 1  # the coded passage is still there
    window.run_op("code_passage", article_id, start + 20, start + 30, [2])
    assert len(archive.list_highlights(article_id=article_id)) == 2


def test_a_note_typed_while_the_archive_process_dies_is_kept(open_window, archive, qtbot,
                                                             sample_article_path):
    import os
    import signal

    article_id, highlight = coded_sample(archive, sample_article_path)
    window = open_window(archive)
    window.select_highlight(highlight.id)
    note = window.highlight_panel.note
    note.setFocus()
    qtbot.keyClicks(note, "typed as it died")
    os.kill(window.archive.pid, signal.SIGKILL)
    window.reader.setFocus()  # leaving the note stores it: the process is gone
    qtbot.waitUntil(lambda: archive.get_highlight(highlight.id).note == "typed as it died",
                    timeout=3000)
    assert "restarted" in window.banner.text()


def test_outside_changes_do_not_move_the_library(open_window, archive, qtbot,
                                                 sample_article_path):
    from dataclasses import replace

    base = replace(capture(str(sample_article_path)), canonical_url="")  # 41 distinct pages
    for n in range(40):
        archive.save_article(replace(base, url=f"https://example.org/{n}",
                                     url_requested=f"https://example.org/{n}"))
    window = open_window(archive)
    window.library.scrollToBottom()
    qtbot.wait(20)
    scrolled = window.library.verticalScrollBar().value()
    assert scrolled > 0
    current = window.article.id
    archive.save_article(replace(base, url="https://example.org/new",
                                 url_requested="https://example.org/new"))
    qtbot.waitUntil(lambda: window.library.model_.rowCount() == 41, timeout=2500)
    assert window.library.verticalScrollBar().value() == scrolled
    assert window.article.id == current


def test_the_welcome_text_is_shown_whole(open_window, archive, qtbot):
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QFontMetrics
    from PySide6.QtWidgets import QLabel

    window = open_window(archive)
    for width in (1360, 900):
        window.resize(width, 760)
        qtbot.wait(30)
        body = window.welcome.findChild(QLabel, "welcomeBody")
        text = body.text().replace("<br>", "\n")
        needed = QFontMetrics(body.font()).boundingRect(
            QRect(0, 0, body.width(), 10_000), Qt.TextFlag.TextWordWrap, text).height()
        assert body.isVisible() and body.height() >= needed


def test_the_status_bar_names_the_background_work_and_offers_cancel_only_when_it_can(
        open_window, archive, qtbot):
    import threading

    window = open_window(archive)
    release = threading.Event()
    window.tasks.start("Checking the archive", lambda _progress: release.wait(5),
                       on_finished=lambda _: None, on_failed=lambda _: None,
                       cancellable=False)
    try:
        assert window.busy_label.isVisible() and window.busy_label.text() == (
            "Checking the archive…")
        assert not window.cancel_button.isVisible()  # nothing it could stop
    finally:
        release.set()
    qtbot.waitUntil(lambda: not window.busy_label.isVisible(), timeout=5000)
