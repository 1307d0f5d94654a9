"""Starting the window: the application object, style, logging and the archive."""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path

import platformdirs
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from ..core.errors import ArchiveError
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
    _configure_logging()
    # The archive process starts first and opens the archive while Qt sets itself up.
    archive = ArchiveClient.spawn(archive_path or default_archive_path())
    app = create_application()
    try:
        archive.wait_ready()
    except ArchiveError as error:
        QMessageBox.critical(None, "Gleaner", f"The archive could not be opened.\n\n{error}")
        return 1
    window = MainWindow(archive)
    sys.excepthook = lambda *info: _report_unexpected(window, *info)
    window.show()
    try:
        return app.exec()
    finally:
        window.archive.close()  # File ▸ Open Archive… may have switched it


def _report_unexpected(window: MainWindow, kind, value, tb) -> None:
    """A bug must not show a traceback or kill the window: log it and say so in one line."""
    log.error("unexpected error:\n%s", "".join(traceback.format_exception(kind, value, tb)))
    window.banner.show_error(f"Something went wrong ({kind.__name__}: {value}). "
                             f"Details are in {_log_path()}.")


def _log_path() -> Path:
    return Path(platformdirs.user_log_dir("Gleaner", appauthor=False)) / "gleaner.log"


def _configure_logging() -> None:
    path = _log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        logging.basicConfig(filename=path, level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    except OSError:
        logging.basicConfig(level=logging.INFO)
