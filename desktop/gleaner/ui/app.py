"""Starting the window: the application object, style, logging and the archive."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from ..core.logs import configure_logging, report_unexpected
from ..core.paths import default_archive_path
from ..core.resources import resource_path
from ..core.service import ArchiveClient
from .main_window import MainWindow

log = logging.getLogger("gleaner")


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with Gleaner's name, icon and stylesheet (reused if one exists)."""
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("Gleaner")
    app.setOrganizationName("Gleaner")
    app.setDesktopFileName("gleaner")
    app.setWindowIcon(QIcon(str(resource_path("icons/gleaner.svg"))))
    app.setStyleSheet(resource_path("style.qss").read_text("utf-8"))
    return app


def run_app(archive_path: Path | None = None) -> int:
    """Open the window on an archive and run until it is closed; returns the exit status."""
    configure_logging()
    # The archive process starts first and opens the archive while Qt sets itself up.
    path = archive_path or default_archive_path()
    starting = ArchiveClient.spawn(path)
    create_application()
    from .archive_problem import open_archive_with_remedies

    archive = open_archive_with_remedies(Path(path), client=starting)
    if archive is None:
        return 1
    app = QApplication.instance()
    window = MainWindow(archive)
    sys.excepthook = lambda *info: _report_unexpected(window, *info)
    window.show()
    try:
        return app.exec()
    finally:
        window.archive.close()  # File ▸ Open Archive… may have switched it


def _report_unexpected(window: MainWindow, kind, value, tb) -> None:
    """A bug must not show a traceback or kill the window: log it and say so in one line."""
    if value is None:
        value = kind()
    value.__traceback__ = tb
    line = report_unexpected(value)
    window.banner.show_error(line[0].upper() + line[1:])
