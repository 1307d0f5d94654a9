"""File ▸ Backups…: the list with each backup's counts, Back Up Now, Restore (the old content
back in the window, the replaced archive kept aside), the folder setting honoured by the daily
backup, and the size bound's warning in the window."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from gleaner.core import operations as ops
from gleaner.core.archive import Archive, backup
from gleaner.ui import backups_dialog
from gleaner.ui.archive_problem import latest_backup
from gleaner.ui.backups_dialog import BackupsDialog
from test_archive import make_article

from .conftest import save_screenshot

DAY_ONE = datetime(2026, 3, 1, 9, tzinfo=UTC)


def fill(path: Path, articles: int, highlights_each: int) -> None:
    """Add articles to the archive at path, each with that many coded highlights."""
    with Archive.open(path) as archive:
        for number in range(articles):
            url = f"https://news.example/{path.stat().st_size}-{number}"
            article_id = ops.save_article(archive, make_article(url=url, title=url)).value[0]
            for index in range(highlights_each):
                ops.code_passage(archive, article_id, index * 6, index * 6 + 5, [1])


def two_backups(path: Path) -> tuple[Path, Path]:
    """Backups of the archive on 1 March (1 article, 2 highlights) and 2 March (3, 5)."""
    fill(path, 1, 2)
    first = backup.make_backup(path, backup.backup_folder(path) / backup.stamped_name(
        path, "", DAY_ONE))
    fill(path, 2, 1)
    fill(path, 0, 0)
    with Archive.open(path) as archive:
        ops.code_passage(archive, 1, 40, 45, [2])
    second = backup.make_backup(path, backup.backup_folder(path) / backup.stamped_name(
        path, "", DAY_ONE + timedelta(days=1)))
    return first, second


def open_dialog(window, qtbot) -> BackupsDialog:
    """File ▸ Backups…, then wait until the list has been read."""
    window.backups_action.trigger()
    dialog = window.backups_dialog
    qtbot.waitUntil(lambda: not dialog._loading, timeout=10000)
    return dialog


def rows(dialog: BackupsDialog) -> list[list[str]]:
    items = [dialog.list.topLevelItem(i) for i in range(dialog.list.topLevelItemCount())]
    return [[item.text(column) for column in range(1, 5)] for item in items]


def count(path: Path, table: str) -> int:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        connection.close()


def library_titles(window) -> list[str]:
    model = window.library.model_
    return sorted(model.article_at(row).title for row in range(model.rowCount()))


def answer_restore(button_name: str, seen: list[str]) -> None:
    """Click a button of the confirmation once it shows (it runs its own event loop)."""
    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, click)
            return
        seen.append(f"{box.text()}\n{box.informativeText()}")
        next(b for b in box.buttons() if b.objectName() == button_name).click()
    QTimer.singleShot(0, click)


def test_the_list_shows_each_backup_with_its_counts(open_window, archive_path, qtbot,
                                                    tmp_path):
    two_backups(archive_path)
    window = open_window(archive_path)
    dialog = open_dialog(window, qtbot)
    assert [row[0] for row in rows(dialog)] == ["Daily", "Daily"]
    assert [row[2:] for row in rows(dialog)] == [["3", "5"], ["1", "2"]]  # newest first
    newest = dialog.list.topLevelItem(0).text(0)
    assert newest == (DAY_ONE + timedelta(days=1)).astimezone().strftime("%a %d %b %Y, %H:%M")
    assert "2 backups" in dialog.summary.text()
    dialog.list.topLevelItem(1).setSelected(True)
    save_screenshot(dialog, tmp_path / "backups.png")


def test_back_up_now_adds_a_row_and_a_file(open_window, archive_path, qtbot):
    fill(archive_path, 2, 3)
    window = open_window(archive_path)
    dialog = open_dialog(window, qtbot)
    assert rows(dialog) == [] and "No backups yet" in dialog.summary.text()
    qtbot.mouseClick(dialog.back_up_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.list.topLevelItemCount() == 1, timeout=20000)
    [made] = backup.backup_folder(archive_path).glob("*.gleaner")
    assert "-manual-" in made.name and "Backed up to" in dialog.banner.text()
    assert (count(made, "articles"), count(made, "highlights")) == (2, 6)
    assert rows(dialog)[0] == ["Manual", backup.format_size(made.stat().st_size), "2", "6"]


def dump(path: Path) -> list[str]:
    """The whole database as SQL, read through a read-only connection."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def test_restore_brings_the_old_content_back_and_keeps_the_archive_aside(
        open_window, archive_path, qtbot, monkeypatch):
    fill(archive_path, 1, 2)
    old = backup.make_backup(archive_path, backup.backup_folder(archive_path) / backup.
                             stamped_name(archive_path, "", DAY_ONE))
    fill(archive_path, 2, 0)  # work after the backup
    window = open_window(archive_path)
    assert len(library_titles(window)) == 3
    as_it_was = dump(archive_path)
    # The archive's bytes once the window has let go of it and it is one file again, just
    # before it is moved aside: the file kept aside must be exactly those.
    closed: list[bytes] = []
    close_journal = backup._close_journal
    monkeypatch.setattr(backup, "_close_journal", lambda path: (
        close_journal(path), closed.append(path.read_bytes())))
    dialog = open_dialog(window, qtbot)
    dialog.list.topLevelItem(0).setSelected(True)
    assert dialog.selected().path == old
    seen: list[str] = []
    answer_restore("restoreConfirmed", seen)
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert "Restore the backup made" in seen[0] and "(1 article, 2 highlights)" in seen[0]
    assert "moved aside, unchanged" in seen[0]
    assert len(library_titles(window)) == 1 and window.archive.alive
    assert (count(archive_path, "articles"), count(archive_path, "highlights")) == (1, 2)
    [aside] = archive_path.parent.glob(f"{archive_path.stem}-replaced-*.gleaner")
    assert aside.read_bytes() == closed[0] and dump(aside) == as_it_was
    assert "Restored the backup" in dialog.banner.text() and aside.name in dialog.banner.text()
    # The window works on the restored archive: a change made there is stored there.
    assert window.run_op("set_starred", window.article.id, True) is not None
    assert count(archive_path, "articles") == 1


def test_a_failed_restore_leaves_the_window_on_the_original(open_window, archive_path,
                                                            qtbot):
    fill(archive_path, 1, 0)
    damaged = backup.make_backup(archive_path, backup.backup_folder(archive_path) / backup.
                                 stamped_name(archive_path, "", DAY_ONE))
    fill(archive_path, 1, 0)
    window = open_window(archive_path)
    dialog = open_dialog(window, qtbot)
    dialog.list.topLevelItem(0).setSelected(True)
    damaged.write_bytes(b"damaged after it was listed" * 100)
    seen: list[str] = []
    answer_restore("restoreConfirmed", seen)
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert "The backup was not restored" in dialog.banner.text()
    assert "not a Gleaner archive" in dialog.banner.text()
    assert len(library_titles(window)) == 2 and window.archive.alive
    assert not list(archive_path.parent.glob("*-replaced-*"))
    assert window.run_op("set_starred", window.article.id, True) is not None


def test_cancelling_the_confirmation_restores_nothing(open_window, archive_path, qtbot):
    fill(archive_path, 1, 0)
    backup.make_backup(archive_path)
    fill(archive_path, 1, 0)
    window = open_window(archive_path)
    dialog = open_dialog(window, qtbot)
    dialog.list.topLevelItem(0).setSelected(True)
    seen: list[str] = []
    answer_restore("restoreCancelled", seen)
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert seen and len(library_titles(window)) == 2
    assert not list(archive_path.parent.glob("*-replaced-*"))


def test_the_daily_backup_goes_to_the_folder_chosen_in_the_dialog(
        open_window, archive_path, qtbot, monkeypatch, tmp_path):
    fill(archive_path, 1, 1)
    chosen = tmp_path / "other disk" / "gleaner backups"
    chosen.mkdir(parents=True)
    monkeypatch.setattr(backups_dialog, "ask_folder", lambda parent, start: str(chosen))
    window = open_window(archive_path)
    dialog = open_dialog(window, qtbot)
    qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    assert dialog.folder_field.text() == str(chosen)
    assert not dialog.daily_box.isChecked()  # the tests' default: off
    dialog.daily_box.click()
    dialog.keep_daily.setValue(3)
    settings = backups_dialog.load_settings(archive_path)
    assert (settings.folder, settings.daily, settings.keep_daily) == (chosen, True, 3)
    assert QSettings().value("backups/daily", type=bool)
    window.back_up_if_due()
    qtbot.waitUntil(lambda: getattr(window, "backup_made", None) is not None, timeout=20000)
    assert Path(window.backup_made).parent == chosen
    assert not backup.backup_folder(archive_path).exists()
    # Back beside the archive: the default button forgets the chosen folder.
    qtbot.mouseClick(dialog.default_button, Qt.MouseButton.LeftButton)
    assert backups_dialog.load_settings(archive_path).folder == backup.backup_folder(
        archive_path)


def test_the_size_bound_warns_in_the_window(open_window, archive_path, qtbot):
    fill(archive_path, 1, 1)
    folder = backup.backup_folder(archive_path)
    older = [backup.make_backup(archive_path, folder / backup.stamped_name(
        archive_path, "", DAY_ONE + timedelta(days=day))) for day in range(2)]
    QSettings().setValue("backups/maxBytes", 1000)  # smaller than any backup
    window = open_window(archive_path)
    QSettings().setValue("backups/daily", True)  # once open: no second run 5 s after start
    window.back_up_if_due()
    qtbot.waitUntil(lambda: getattr(window, "backup_made", None) is not None, timeout=20000)
    assert not any(path.exists() for path in older) and Path(window.backup_made).exists()
    banner = window.banner.text()
    assert "2 backups the daily/weekly rule keeps were removed" in banner
    assert "the newest backup alone" in banner and "File ▸ Backups" in banner
    dialog = open_dialog(window, qtbot)
    assert "the newest backup alone" in dialog.banner.text()
    assert len(rows(dialog)) == 1


def test_show_in_folder_opens_the_backups_folder(open_window, archive_path, qtbot,
                                                 monkeypatch):
    fill(archive_path, 1, 0)
    shown: list[Path] = []
    monkeypatch.setattr(backups_dialog, "open_folder", lambda folder: shown.append(folder)
                        or True)
    window = open_window(archive_path)
    dialog = open_dialog(window, qtbot)
    qtbot.mouseClick(dialog.show_button, Qt.MouseButton.LeftButton)
    assert shown == [backup.backup_folder(archive_path)] and shown[0].is_dir()
    assert dialog.banner.text() == ""


def test_the_latest_backup_for_a_refused_archive_is_found_in_the_chosen_folder(
        app, archive_path, tmp_path):
    fill(archive_path, 1, 0)
    beside = backup.make_backup(archive_path, backup.backup_folder(archive_path) / backup.
                                stamped_name(archive_path, "before-upgrade-", DAY_ONE))
    assert latest_backup(archive_path).path == beside
    chosen = tmp_path / "elsewhere"
    newer = backup.make_backup(archive_path, chosen / backup.stamped_name(
        archive_path, "", DAY_ONE + timedelta(days=1)))
    assert latest_backup(archive_path).path == beside  # not a folder it knows yet
    settings = backups_dialog.load_settings(archive_path)
    backups_dialog.save_settings(archive_path, backups_dialog.BackupSettings(
        chosen, True, settings.daily, settings.keep_daily, settings.keep_weekly,
        settings.max_bytes))
    assert latest_backup(archive_path).path == newer
