"""When an archive cannot be opened: say what is wrong and offer what can be done.

Damaged or not an archive → restore its latest backup (the bad file is kept aside, byte for
byte) or choose another archive. Locked by another program → try again. Read-only disk or
folder → open it read-only. Made by a newer Gleaner → choose another archive. The refused
file itself is never written to: every remedy either leaves it alone or moves it aside whole.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from ..core.errors import (
    ArchiveDamaged,
    ArchiveError,
    ArchiveLocked,
    ArchiveReadOnly,
    ArchiveTooNew,
    NotAnArchive,
)
from ..core.service import ArchiveClient
from .file_dialogs import ask_archive

RETRY, READ_ONLY, RESTORE, CHOOSE, GIVE_UP = "retry", "read-only", "restore", "choose", "give-up"


@dataclass(frozen=True)
class Remedy:
    """What the user chose in the problem dialog (`backup` for RESTORE)."""

    action: str
    backup: Path | None = None


def latest_backup(archive_path: Path):
    """The newest backup (a BackupFile) of this archive, of any kind, in the folder chosen in
    File ▸ Backups… or the backups folder beside it, if any."""
    from ..core.archive.backup import list_all_backups
    from .backups_dialog import backup_folders

    backups = list_all_backups(backup_folders(archive_path), archive_path)
    return backups[0][0] if backups else None


class ArchiveProblemDialog(QMessageBox):
    """The question for one refused archive; `remedy` is the answer once it is closed."""

    def __init__(self, path: Path, error: ArchiveError, parent: QWidget | None = None,
                 give_up_label: str = "Quit") -> None:
        super().__init__(parent)
        self.setObjectName("archiveProblem")
        self.setIcon(QMessageBox.Icon.Warning)
        self.setWindowTitle("Gleaner")
        self.setText(f"<b>{_headline(error)}</b>")
        self.setTextFormat(Qt.TextFormat.RichText)
        self.path = path
        self.remedy = Remedy(GIVE_UP)
        self._choices: dict[object, Remedy] = {}
        # Only a file that is not (or no longer) an archive is offered its backup.
        self._backup = latest_backup(path) if isinstance(
            error, ArchiveDamaged | NotAnArchive) else None
        lines = [_sentence(str(error))]
        for remedy, label, role in self._offers(error, give_up_label):
            button = self.addButton(label, role)
            self._choices[button] = remedy
            if remedy.action == RESTORE:
                made = self._backup.made.astimezone()
                lines.append(f"Restoring puts a copy of the backup made "
                             f"{made:%d %b %Y at %H:%M} in its place; the file that could "
                             "not be opened is kept beside it, unchanged.")
        self.setInformativeText("".join(f"<p>{html.escape(line)}</p>" for line in lines))
        self.buttonClicked.connect(self._chosen)

    def _offers(self, error: ArchiveError, give_up_label: str):
        role = QMessageBox.ButtonRole
        if isinstance(error, ArchiveReadOnly):
            yield Remedy(READ_ONLY), "Open Read-Only", role.AcceptRole
        elif isinstance(error, ArchiveLocked):
            yield Remedy(RETRY), "Try Again", role.AcceptRole
        elif self._backup is not None:
            yield Remedy(RESTORE, self._backup.path), "Restore Latest Backup", role.AcceptRole
        elif not isinstance(error, ArchiveDamaged | NotAnArchive | ArchiveTooNew):
            yield Remedy(RETRY), "Try Again", role.AcceptRole
        yield Remedy(CHOOSE), "Choose Another Archive…", role.ActionRole
        yield Remedy(GIVE_UP), give_up_label, role.RejectRole

    def _chosen(self, button) -> None:
        self.remedy = self._choices.get(button, Remedy(GIVE_UP))

    def button_for(self, action: str):
        """The button offering `action` (None if it is not offered); for tests."""
        return next((button for button, remedy in self._choices.items()
                     if remedy.action == action), None)


def open_archive_with_remedies(path: Path, parent: QWidget | None = None,
                               give_up_label: str = "Quit",
                               client: ArchiveClient | None = None) -> ArchiveClient | None:
    """Open the archive at path (or wait for `client`, already starting on it); while it
    cannot be opened, ask what to do. Returns the open client, or None if the user gave up."""
    read_only = False
    while True:
        try:
            if client is None:
                client = ArchiveClient.start(path, read_only)
            else:
                client.wait_ready()
            return client
        except ArchiveError as error:
            client = None
            remedy = ask_about(path, error, parent, give_up_label)
        if remedy.action == GIVE_UP:
            return None
        read_only = remedy.action == READ_ONLY
        if remedy.action == CHOOSE:
            chosen = ask_archive(parent, path.parent)
            if chosen:
                path = Path(chosen)
        elif remedy.action == RESTORE:
            _restore(path, remedy.backup, parent)


def ask_about(path: Path, error: ArchiveError, parent: QWidget | None,
              give_up_label: str) -> Remedy:
    """Show the problem dialog for this refusal and wait for the user's choice."""
    dialog = ArchiveProblemDialog(path, error, parent, give_up_label)
    dialog.exec()
    return dialog.remedy


def _restore(path: Path, backup: Path, parent: QWidget | None) -> None:
    from ..core.archive.backup import restore_backup

    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        restore_backup(path, backup)
    except ArchiveError as error:
        QMessageBox.warning(parent, "Gleaner", f"The backup could not be restored: {error}")
    finally:
        QApplication.restoreOverrideCursor()


def _sentence(text: str) -> str:
    """An error's one line as a sentence: capital first, full stop last."""
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def _headline(error: ArchiveError) -> str:
    if isinstance(error, ArchiveLocked):
        return "The archive is in use by another program."
    if isinstance(error, ArchiveReadOnly):
        return "The archive cannot be written here."
    if isinstance(error, ArchiveTooNew):
        return "The archive was made by a newer version of Gleaner."
    if isinstance(error, ArchiveDamaged | NotAnArchive):
        return "This file is not a usable Gleaner archive."
    return "The archive could not be opened."

