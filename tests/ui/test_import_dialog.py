"""File ▸ Import… driven through the real dialog: choosing files, following the progress,
cancelling, the report and its Copy button; the library fills as batches land and the reader
stays on the article the user was reading."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from gleaner.core.capture import capture
from gleaner.ui import import_dialog
from gleaner.ui.import_dialog import ImportDialog
from import_site import Site, article_title

CHOOSE, RUNNING, REPORT = 0, 1, 2


def open_import(window, qtbot) -> ImportDialog:
    """File ▸ Import… from the keyboard."""
    qtbot.keyClick(window, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    dialog = window.findChild(ImportDialog)
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    return dialog


def choose_and_start(dialog: ImportDialog, qtbot, monkeypatch, files: list[Path]) -> None:
    monkeypatch.setattr(import_dialog, "ask_import_files",
                        lambda parent: [str(path) for path in files])
    qtbot.mouseClick(dialog.add_files_button, Qt.MouseButton.LeftButton)
    assert dialog.sources.count() == len(files)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)


def bookmarks(urls: list[str], folder: str) -> str:
    links = "\n".join(f'<DT><A HREF="{url}">page</A>' for url in urls)
    return ("<!DOCTYPE NETSCAPE-Bookmark-file-1>\n<H1>Bookmarks</H1>\n<DL><p>\n"
            f"<DT><H3>{folder}</H3>\n<DL><p>\n{links}\n</DL><p>\n</DL>")


def test_import_fills_the_library_and_leaves_the_reader_alone(
        open_window, archive, qtbot, monkeypatch, server, tmp_path, sample_article_path):
    sample_id, _ = archive.save_article(capture(str(sample_article_path)))
    site = Site(server, delay=0.15)  # slow enough to see batches land before the end
    server.expect_request("/gone").respond_with_data("no", status=404)
    url_list = tmp_path / "reading.txt"
    url_list.write_text("# to read\n" + "\n".join(
        [site.url(n) for n in range(16)] + [server.url_for("/gone")]))
    marked = tmp_path / "bookmarks.html"
    marked.write_text(bookmarks([site.url(n) for n in range(16, 20)], "Fieldwork"))
    window = open_window(archive)
    window.show_article(sample_id)
    reader_text = window.reader.body_text()

    dialog = open_import(window, qtbot)
    choose_and_start(dialog, qtbot, monkeypatch, [url_list, marked])
    assert dialog.pages.currentIndex() == RUNNING
    # Batches land while the import runs: the library grows before the report.
    qtbot.waitUntil(lambda: window.library.model_.rowCount() > 1, timeout=20000)
    assert dialog.pages.currentIndex() == RUNNING
    assert dialog.bar.maximum() == 21 and 0 < dialog.bar.value() < 21
    assert dialog.current_label.text()
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == REPORT, timeout=30000)

    assert dialog.summary_label.text() == (
        "Imported: 21 pages: 20 saved, 0 already saved, 1 failed")
    lines = dialog.report_view.toPlainText().splitlines()
    assert len(lines) == 21
    assert lines[16] == (f"{server.url_for('/gone')}\tfailed: "
                         "the server answered 404 Not Found (check the address)")
    saved = {archive.get_article(int(line.split("\tsaved #")[1].split()[0])).title
             for line in lines if "\tsaved #" in line}
    assert saved == {article_title(n) for n in range(20)}
    # The database holds them, the bookmarks with their folder as a tag.
    assert archive.article_count() == 21
    tagged = [a for a in archive.list_articles() if a.tags == ("Fieldwork",)]
    assert {a.title for a in tagged} == {article_title(n) for n in range(16, 20)}
    # The window: every article listed, the reader still on the one the user was reading.
    assert window.library.model_.rowCount() == 21
    assert window.article.id == sample_id
    assert window.centre.currentWidget() is window.reader
    assert window.reader.body_text() == reader_text
    assert window.library.current_article_id() == sample_id

    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text()
    assert copied == dialog.report.text()
    assert copied.startswith("Imported: 21 pages: 20 saved") and copied.count("\n") == 23


def test_cancel_stops_and_reports_what_was_saved(open_window, archive, qtbot, monkeypatch,
                                                 server, tmp_path):
    site = Site(server, delay=0.5)
    url_list = tmp_path / "reading.txt"
    url_list.write_text("\n".join(site.url(n) for n in range(40)))
    window = open_window(archive)
    dialog = open_import(window, qtbot)
    choose_and_start(dialog, qtbot, monkeypatch, [url_list])
    qtbot.waitUntil(lambda: window.library.model_.rowCount() > 0, timeout=20000)

    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert dialog.heading.text() == "Stopping…" and not dialog.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == REPORT, timeout=5000)
    report = dialog.report
    assert report.cancelled and dialog.summary_label.text().startswith(
        "Import cancelled: 40 pages: ")
    saved = report.count("saved")
    assert 0 < saved < 40 and report.count("not imported") > 0
    assert archive.article_count() == saved
    assert window.library.model_.rowCount() == saved
    # With no article open before, none is opened by the import.
    assert window.article is None and window.centre.currentWidget() is window.welcome


def test_escape_while_importing_cancels_instead_of_closing(open_window, archive, qtbot,
                                                           monkeypatch, server, tmp_path):
    site = Site(server, delay=0.5)
    url_list = tmp_path / "reading.txt"
    url_list.write_text("\n".join(site.url(n) for n in range(30)))
    window = open_window(archive)
    dialog = open_import(window, qtbot)
    choose_and_start(dialog, qtbot, monkeypatch, [url_list])
    qtbot.waitUntil(lambda: dialog.bar.maximum() == 30, timeout=5000)  # the list is read
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible() and dialog.heading.text() == "Stopping…"
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == REPORT, timeout=5000)
    assert dialog.report.cancelled
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # done: Escape closes it now
    assert not dialog.isVisible()


def test_unreadable_source_is_refused_and_changes_nothing(open_window, archive, qtbot,
                                                          monkeypatch, tmp_path, snapshot,
                                                          sample_article_path):
    archive.save_article(capture(str(sample_article_path)))
    noise = tmp_path / "export.csv"
    noise.write_bytes(bytes((i * 37 + 11) % 256 for i in range(5000)))
    fine = tmp_path / "fine.txt"
    fine.write_text("https://example.org/never-fetched\n")
    window = open_window(archive)
    before = snapshot(archive)
    dialog = open_import(window, qtbot)
    choose_and_start(dialog, qtbot, monkeypatch, [fine, noise])
    qtbot.waitUntil(lambda: dialog.error_label.isVisible(), timeout=10000)
    assert dialog.pages.currentIndex() == CHOOSE
    assert dialog.error_label.text() == f"{noise}: not a text file (it looks like binary data)"
    assert snapshot(archive) == before
    # The list is kept for another try; removing the bad file leaves the other.
    dialog.sources.item(1).setSelected(True)
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert [dialog.sources.item(i).text() for i in range(dialog.sources.count())] == [str(fine)]


def test_a_second_import_skips_what_is_saved(open_window, archive, qtbot, monkeypatch, server,
                                             tmp_path):
    site = Site(server)
    url_list = tmp_path / "reading.txt"
    url_list.write_text("\n".join(site.url(n) for n in range(5)))
    window = open_window(archive)
    dialog = open_import(window, qtbot)
    choose_and_start(dialog, qtbot, monkeypatch, [url_list])
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == REPORT, timeout=20000)
    assert dialog.report.count("saved") == 5
    # No article was open: none is opened, and the empty-archive welcome no longer shows.
    assert window.article is None and window.library.model_.rowCount() == 5
    assert window.centre.currentWidget() is window.welcome
    assert window.welcome.heading.text() == "No article open"
    assert not window.welcome.sample_button.isVisible()

    more = [button for button in dialog.findChildren(type(dialog.copy_button))
            if button.text() == "Import &More…"][0]
    qtbot.mouseClick(more, Qt.MouseButton.LeftButton)
    assert dialog.pages.currentIndex() == CHOOSE and dialog.sources.count() == 0
    choose_and_start(dialog, qtbot, monkeypatch, [url_list])
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == REPORT, timeout=20000)
    assert dialog.summary_label.text() == "Imported: 5 pages: 0 saved, 5 already saved, 0 failed"
    assert set(site.page_requests().values()) == {1}
    assert archive.article_count() == 5
