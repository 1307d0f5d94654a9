"""Fixtures for driving the real window with pytest-qt (offscreen)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from gleaner.core.archive import Archive
from gleaner.core.service import ArchiveClient
from gleaner.ui.app import create_application
from gleaner.ui.main_window import MainWindow
from gleaner.ui.reader import ReaderView

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture
def app(qapp, tmp_path_factory):
    """The QApplication styled as Gleaner, with settings kept out of the user's profile."""
    settings_dir = tmp_path_factory.mktemp("settings")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(settings_dir))
    application = create_application()
    # The daily backup (a subprocess 5 s after start) is off unless a test turns it on.
    QSettings().setValue("backups/daily", False)
    return application


@pytest.fixture
def open_window(app, qtbot):
    """open_window(archive or path) -> a shown, active MainWindow on that archive, through its
    own archive process (as the app runs). The test's `archive` stays a separate connection
    for checking what the window stored."""
    clients = []

    def opener(archive: Archive | Path) -> MainWindow:
        client = ArchiveClient.start(archive.path if isinstance(archive, Archive) else archive)
        clients.append(client)
        window = MainWindow(client)
        qtbot.addWidget(window)
        window.resize(1360, 860)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(lambda: window.isActiveWindow(), timeout=3000)
        clients.append(window)
        return window

    yield opener
    for item in clients:
        if isinstance(item, MainWindow):
            item.close()
            item.archive.close()  # the window may have switched archives
        else:
            item.close()


@pytest.fixture
def reader(app, qtbot):
    """A shown ReaderView on its own, 900 × 700."""
    view = ReaderView()
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.show()
    qtbot.waitExposed(view)
    return view


def point_of(reader: ReaderView, offset: int) -> QPoint:
    """Viewport point of the caret position before character `offset` of the body."""
    cursor = reader._cursor_for(offset, offset)
    return reader.cursorRect(cursor).center()


def select_with_mouse(qtbot, reader: ReaderView, start: int, end: int) -> None:
    """Select body characters start..end as a user would: click, then shift-click."""
    reader.select_range(start, start)  # scroll the passage into view first
    reader.ensureCursorVisible()
    viewport = reader.viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=point_of(reader, start))
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                     pos=point_of(reader, end))


def save_screenshot(widget: QWidget, path: Path) -> QImage:
    """Grab the real widget into a PNG; also refresh docs/ when GLEANER_UPDATE_SCREENSHOTS=1."""
    image = widget.grab().toImage()
    image.save(str(path))
    if os.environ.get("GLEANER_UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(exist_ok=True)
        image.save(str(DOCS / path.name))
    return image
