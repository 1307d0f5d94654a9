"""Help ▸ Check Archive: the check runs in its own process and the window shows the outcome."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from gleaner.core import operations
from gleaner.core.archive import Archive
from gleaner.core.capture import capture


def _help_action(window, text: str):
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    return next(a for a in menu.actions() if a.text() == text)


def test_a_sound_archive_is_reported_sound(open_window, archive: Archive, qtbot,
                                           sample_article_path) -> None:
    article_id, _ = operations.save_article(archive, capture(str(sample_article_path))).value
    operations.code_passage(archive, article_id, 0, 10, [archive.list_themes()[0].id])
    window = open_window(archive)
    _help_action(window, "Check Archive…").trigger()
    assert window.tasks.running  # in the background: the window keeps answering
    qtbot.waitUntil(lambda: getattr(window, "check_report", None) is not None, timeout=20000)
    box = window.check_report
    assert box.icon() == QMessageBox.Icon.Information
    assert box.text() == "The archive is sound: all 6 checks passed."
    assert "quotes: ok" in box.detailedText() and "integrity: ok" in box.detailedText()
    box.accept()


def test_a_damaged_count_is_named(open_window, archive: Archive, qtbot,
                                  sample_article_path) -> None:
    article_id, _ = operations.save_article(archive, capture(str(sample_article_path))).value
    theme = archive.list_themes()[0]
    operations.code_passage(archive, article_id, 0, 10, [theme.id])
    window = open_window(archive)
    archive.db.execute("UPDATE theme_counts SET highlights = 7 WHERE theme_id = ?", [theme.id])
    archive.db.conn.commit()
    window.check_archive()
    qtbot.waitUntil(lambda: getattr(window, "check_report", None) is not None, timeout=20000)
    box = window.check_report
    assert box.icon() == QMessageBox.Icon.Warning
    assert box.text().startswith("Problems found (counts). Nothing was changed.")
    assert "counts: " in box.detailedText() and "counts: ok" not in box.detailedText()
    # The check changed nothing: the wrong count is still there.
    assert archive.db.execute("SELECT highlights FROM theme_counts WHERE theme_id = ?",
                              [theme.id]).fetchone()[0] == 7
    box.accept()
