"""The daily backup: made when the window starts if the last one is a day old, not again."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import QSettings

from gleaner.core import operations
from gleaner.core.archive import Archive
from gleaner.core.capture import capture
from gleaner.ui.main_window import MainWindow


def test_a_backup_is_made_at_start_when_due_and_not_again(open_window, archive: Archive,
                                                          qtbot, monkeypatch,
                                                          sample_article_path) -> None:
    operations.save_article(archive, capture(str(sample_article_path)))
    QSettings().setValue("backups/daily", True)
    monkeypatch.setattr(MainWindow, "DAILY_BACKUP_DELAY_MS", 0)
    folder = archive.path.parent / "backups"
    window = open_window(archive)
    qtbot.waitUntil(lambda: folder.is_dir() and any(folder.glob("*.gleaner")), timeout=20000)
    qtbot.waitUntil(lambda: "Backed up the archive" in window.statusBar().currentMessage(),
                    timeout=5000)
    [made] = folder.glob("*.gleaner")
    copy = sqlite3.connect(made)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
    finally:
        copy.close()
    # Started again the same day: the backup is not due, none is made.
    assert window.backup_made == str(made)
    again = open_window(archive)
    qtbot.waitUntil(lambda: getattr(again, "backup_made", None) == "", timeout=20000)
    assert list(folder.glob("*.gleaner")) == [made]
    assert again.banner.text() == ""


def test_no_daily_backup_when_it_is_turned_off(open_window, archive: Archive, qtbot) -> None:
    QSettings().setValue("backups/daily", False)  # File ▸ Backups…: the box unticked
    window = open_window(archive)
    window.back_up_if_due()
    assert window.tasks.running == [] and not hasattr(window, "backup_made")
    QSettings().setValue("backups/daily", True)
    window.back_up_if_due()
    assert [task.label for task in window.tasks.running] == ["Backing up the archive"]
    qtbot.waitUntil(lambda: getattr(window, "backup_made", None) is not None, timeout=20000)
    assert window.backup_made and (archive.path.parent / "backups").is_dir()
