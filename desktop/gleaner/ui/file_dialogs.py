"""Gleaner's file dialogs: Qt's own dialog with an icon provider that never opens a file.

Qt's default icon provider may read a file's first bytes to guess its type. Reading and closing
an archive file is harmless to the window (its archive lives in another process) but would
drop the SQLite locks of any process that had the archive open, so our dialogs go by the
file's name alone.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QFileInfo
from PySide6.QtGui import QAbstractFileIconProvider, QIcon
from PySide6.QtWidgets import QApplication, QFileDialog, QStyle, QWidget

ARCHIVE_FILTER = "Gleaner archives (*.gleaner);;All files (*)"
PAGE_FILTER = "Web pages (*.html *.htm);;All files (*)"


class NameOnlyIconProvider(QAbstractFileIconProvider):
    """Icons and type names from the file's name and kind only; file contents are never read."""

    def icon(self, which) -> QIcon:  # noqa: D102 (Qt's overloads: a QFileInfo or an IconType)
        style = QApplication.style()
        if isinstance(which, QFileInfo):
            kind = (QStyle.StandardPixmap.SP_DirIcon if which.isDir()
                    else QStyle.StandardPixmap.SP_FileIcon)
            return style.standardIcon(kind)
        if which == QAbstractFileIconProvider.IconType.Folder:
            return style.standardIcon(QStyle.StandardPixmap.SP_DirIcon)
        return style.standardIcon(QStyle.StandardPixmap.SP_FileIcon)

    def type(self, info: QFileInfo) -> str:  # noqa: A003 (Qt's name)
        if info.isDir():
            return "Folder"
        if info.suffix().lower() == "gleaner":
            return "Gleaner archive"
        return f"{info.suffix().upper()} file" if info.suffix() else "File"


def make_file_dialog(parent: QWidget, caption: str, folder: str | Path,
                     name_filter: str) -> QFileDialog:
    """A Qt (not native) file dialog that reads nothing but names and sizes."""
    dialog = QFileDialog(parent, caption, str(folder), name_filter)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setOption(QFileDialog.Option.DontUseCustomDirectoryIcons, True)
    provider = NameOnlyIconProvider()
    dialog.setIconProvider(provider)
    dialog._icon_provider = provider  # the dialog does not own it: keep it alive with it
    return dialog


def ask_open_pages(parent: QWidget, folder: str | Path) -> list[str]:
    """Ask for saved web pages to add; [] if cancelled."""
    dialog = make_file_dialog(parent, "Open saved web pages", folder, PAGE_FILTER)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
    return dialog.selectedFiles() if dialog.exec() else []


def ask_archive(parent: QWidget, folder: str | Path) -> str | None:
    """Ask for an archive to open or create; None if cancelled."""
    dialog = make_file_dialog(parent, "Open archive", folder, ARCHIVE_FILTER)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
    dialog.setDefaultSuffix("gleaner")
    if dialog.exec() and dialog.selectedFiles():
        return dialog.selectedFiles()[0]
    return None
