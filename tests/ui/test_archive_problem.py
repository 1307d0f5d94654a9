"""An archive that cannot be opened: the window says what is wrong and offers what can be
done, and the refused file is never written to."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from gleaner.core import operations
from gleaner.core.archive import Archive
from gleaner.core.archive.backup import make_backup
from gleaner.ui.archive_problem import (
    CHOOSE,
    GIVE_UP,
    RESTORE,
    RETRY,
    ArchiveProblemDialog,
    open_archive_with_remedies,
)
from other_programs import can_mount_privately, hold_locked


def answer_dialog(choose, seen: list) -> None:
    """When the problem dialog shows, note what it offers and click choose(dialog)'s button."""
    def look() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ArchiveProblemDialog):
            QTimer.singleShot(20, look)
            return
        seen.append({"text": dialog.text(), "details": dialog.informativeText(),
                     "offers": sorted(b.text() for b in dialog.buttons())})
        choose(dialog).click()
    QTimer.singleShot(20, look)


def _archive_with_an_article(path: Path, page: Path) -> None:
    from gleaner.core.capture import capture

    with Archive.open(path) as archive:
        operations.save_article(archive, capture(str(page)))


def test_a_damaged_archive_can_be_restored_from_its_latest_backup(app, qtbot, tmp_path):
    path = tmp_path / "study.gleaner"
    with Archive.open(path) as archive:
        operations.create_theme(archive, "Border policing")
    make_backup(path)
    damaged = path.read_bytes()[:5000]  # cut short, as by a failing disk
    path.write_bytes(damaged)
    for side in tmp_path.glob("study.gleaner-*"):
        side.unlink()

    seen: list = []
    answer_dialog(lambda dialog: dialog.button_for(RESTORE), seen)
    client = open_archive_with_remedies(path)
    try:
        assert client is not None
        assert "Border policing" in [t.name for t in client.read("list_themes")]
    finally:
        client.close()
    assert seen[0]["text"] == "<b>This file is not a usable Gleaner archive.</b>"
    assert seen[0]["offers"] == ["Choose Another Archive…", "Quit", "Restore Latest Backup"]
    assert "kept beside it, unchanged" in seen[0]["details"]
    kept = list(tmp_path.glob("study-replaced-*.gleaner"))
    assert len(kept) == 1 and kept[0].read_bytes() == damaged  # the bad file, byte for byte


def test_an_archive_in_use_elsewhere_can_be_tried_again(app, qtbot, tmp_path):
    path = tmp_path / "study.gleaner"
    Archive.open(path).close()
    holder = hold_locked(path)
    content = path.read_bytes()
    seen: list = []

    def let_go_then_retry(dialog):
        holder.communicate("")  # the other program closes the archive
        return dialog.button_for(RETRY)

    answer_dialog(let_go_then_retry, seen)
    client = open_archive_with_remedies(path)
    try:
        assert client is not None and client.read("list_themes")
    finally:
        client.close()
    assert seen[0]["text"] == "<b>The archive is in use by another program.</b>"
    assert seen[0]["offers"] == ["Choose Another Archive…", "Quit", "Try Again"]
    assert len(seen) == 1
    assert content[:100] == path.read_bytes()[:100]


def test_open_archive_in_the_window_keeps_the_current_one_when_cancelled(open_window,
                                                                         archive, tmp_path):
    window = open_window(archive)
    foreign = tmp_path / "expenses.gleaner"
    foreign.write_bytes(b"Not a database at all.\n" * 100)
    seen: list = []
    answer_dialog(lambda dialog: dialog.button_for(GIVE_UP), seen)
    assert window.open_archive(foreign) is False
    assert seen[0]["offers"] == ["Cancel", "Choose Another Archive…"]  # no backup to offer
    assert window.archive.path == archive.path and window.archive.alive
    assert foreign.read_bytes() == b"Not a database at all.\n" * 100
    assert sorted(os.listdir(tmp_path)).count("expenses.gleaner-wal") == 0


def test_choosing_another_archive_opens_that_one(app, qtbot, tmp_path, monkeypatch):
    newer = tmp_path / "from-the-future.gleaner"
    Archive.open(newer).close()
    import sqlite3
    raw = sqlite3.connect(newer)
    raw.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                "VALUES ('gleaner', '0099_from_the_future', 't')")
    raw.commit()
    raw.close()
    other = tmp_path / "other.gleaner"
    monkeypatch.setattr("gleaner.ui.archive_problem.ask_archive",
                        lambda parent, folder: str(other))
    seen: list = []
    answer_dialog(lambda dialog: dialog.button_for(CHOOSE), seen)
    client = open_archive_with_remedies(newer)
    try:
        assert client is not None and client.path == other
    finally:
        client.close()
    assert seen[0]["text"] == "<b>The archive was made by a newer version of Gleaner.</b>"
    assert seen[0]["offers"] == ["Choose Another Archive…", "Quit"]


DRIVER = textwrap.dedent("""
    import json, subprocess, sys
    folder, archive = sys.argv[1], sys.argv[2]
    if "--mount" in sys.argv:  # a read-only disk; else the folder's permissions do it
        subprocess.run(["mount", "--make-rprivate", "/"], check=True)
        subprocess.run(["mount", "--bind", "-o", "ro", folder, folder], check=True)
        subprocess.run(["mount", "-o", "remount,bind,ro", folder], check=True)

    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication
    from gleaner.ui.app import create_application, run_app
    from gleaner.ui.archive_problem import READ_ONLY, ArchiveProblemDialog
    from gleaner.ui.main_window import MainWindow

    create_application()
    QSettings().setValue("backups/daily", False)
    seen = {"offers": []}

    def answer():
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, ArchiveProblemDialog):
            seen["offers"] = sorted(button.text() for button in dialog.buttons())
            dialog.button_for(READ_ONLY).click()
            QTimer.singleShot(300, inspect)
        else:
            QTimer.singleShot(20, answer)

    def inspect():
        window = next(w for w in QApplication.topLevelWidgets()
                      if isinstance(w, MainWindow) and w.isVisible())
        seen["title"] = window.windowTitle()
        seen["notice"] = window.banner.isVisible() and window.banner.text()
        seen["articles"] = window.library.model_.rowCount()
        window.run_op("create_theme", "Border policing")
        seen["after_change"] = window.banner.text()
        window.close()
        QApplication.quit()

    QTimer.singleShot(20, answer)
    seen["status"] = run_app(__import__("pathlib").Path(archive))
    print(json.dumps(seen))
""")


def test_an_archive_on_a_read_only_disk_opens_read_only_in_the_window(tmp_path,
                                                                      sample_article_path):
    folder = tmp_path / "usb-stick"
    folder.mkdir()
    path = folder / "study.gleaner"
    _archive_with_an_article(path, sample_article_path)
    content = path.read_bytes()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path),
           "XDG_STATE_HOME": str(tmp_path), "GLEANER_LOG_DIR": str(tmp_path / "logs")}
    if can_mount_privately():
        command = ["unshare", "--mount", sys.executable, "-c", DRIVER, str(folder), str(path),
                   "--mount"]
    else:
        folder.chmod(0o555)
        command = [sys.executable, "-c", DRIVER, str(folder), str(path)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
    finally:
        folder.chmod(0o755)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["offers"] == ["Choose Another Archive…", "Open Read-Only", "Quit"]
    assert seen["title"] == "study.gleaner (read-only) — Gleaner"
    assert "open read-only" in seen["notice"] and seen["articles"] == 1
    assert "read-only; nothing can be changed" in seen["after_change"]
    assert path.read_bytes() == content and sorted(os.listdir(folder)) == ["study.gleaner"]
