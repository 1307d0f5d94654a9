"""File ▸ Import…: many pages into the archive at once (see `core.importing`).

The dialog has three pages: choose what to import (files and folders), follow the import (a
progress bar of pages done out of all, the page being worked on, the failures so far, Cancel),
and read the report (one line per page, with a Copy button). The import runs on the background
helper (`ui.tasks`); its progress comes back to the main thread as queued signals, and the
library takes in each batch of saved articles as it lands. The reader is left alone: an import
never changes which article is open.

The dialog is not modal: the user can go on reading and coding while it works.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from .file_dialogs import make_file_dialog
from .tasks import TaskRunner

if TYPE_CHECKING:
    from ..core.importing import ImportReport, ImportStatus
    from .main_window import MainWindow

SOURCE_FILTER = ("Pages and lists (*.html *.htm *.xhtml *.txt *.csv *.tsv *.json *.zip);;"
                 "All files (*)")
EXPLANATION = ("Choose folders of saved web pages, saved pages, lists of web addresses (a text "
               "file with one per line, or a CSV file), a bookmarks export from your browser "
               "(its folders become tags), or a Pocket or Instapaper export. Pages already in "
               "the archive are skipped.")


def ask_import_files(parent: QWidget) -> list[str]:
    """Ask for files to import from; [] if cancelled."""
    dialog = make_file_dialog(parent, "Import from files", Path.home(), SOURCE_FILTER)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
    return dialog.selectedFiles() if dialog.exec() else []


def ask_import_folder(parent: QWidget) -> str | None:
    """Ask for a folder of saved pages; None if cancelled."""
    dialog = make_file_dialog(parent, "Import a folder of saved pages", Path.home(), "")
    dialog.setFileMode(QFileDialog.FileMode.Directory)
    dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    if dialog.exec() and dialog.selectedFiles():
        return dialog.selectedFiles()[0]
    return None


class _StatusRelay(QObject):
    """Carries the import's status from its thread to the main thread (queued: it is
    created on the main thread). It has no parent, so the dialog closing cannot delete it
    under a thread that is emitting."""

    status = Signal(object)

    def send(self, status: ImportStatus) -> None:
        with contextlib.suppress(RuntimeError):  # the application is shutting down
            self.status.emit(status)


class ImportDialog(QDialog):
    """Bulk import into the window's archive."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.setObjectName("importDialog")
        self.setWindowTitle("Import")
        self.setModal(False)
        self.main_window = window
        self.runner = TaskRunner(self)
        self.stop = None  # the running import's cancel flag (a core Progress)
        self.report: ImportReport | None = None
        self.pages = QStackedWidget()
        self.pages.addWidget(self._build_choose_page())
        self.pages.addWidget(self._build_progress_page())
        self.pages.addWidget(self._build_report_page())
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        self.resize(640, 440)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.cancel)  # workers must not outlive the window

    @classmethod
    def show_for(cls, window: MainWindow) -> ImportDialog:
        """Show the window's import dialog, creating it the first time."""
        dialog = window.findChild(cls)
        if dialog is None:
            dialog = cls(window)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    # --- pages ---------------------------------------------------------------------------

    def _build_choose_page(self) -> QWidget:
        page = QWidget()
        explanation = QLabel(EXPLANATION)
        explanation.setWordWrap(True)
        self.sources = QListWidget()
        self.sources.setObjectName("importSources")
        self.sources.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.sources.itemSelectionChanged.connect(self._update_buttons)
        self.add_files_button = QPushButton("Add &Files…")
        self.add_files_button.clicked.connect(self.add_files)
        self.add_folder_button = QPushButton("Add F&older…")
        self.add_folder_button.clicked.connect(self.add_folder)
        self.remove_button = QPushButton("&Remove")
        self.remove_button.clicked.connect(self.remove_selected)
        self.error_label = QLabel()
        self.error_label.setObjectName("importError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #B3261E;")
        self.error_label.hide()
        self.import_button = QPushButton("&Import")
        self.import_button.setDefault(True)
        self.import_button.clicked.connect(self.start)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        picks = QHBoxLayout()
        for button in (self.add_files_button, self.add_folder_button, self.remove_button):
            picks.addWidget(button)
        picks.addStretch()
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(close)
        buttons.addWidget(self.import_button)
        layout = QVBoxLayout(page)
        layout.addWidget(explanation)
        layout.addWidget(self.sources, 1)
        layout.addLayout(picks)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        self._update_buttons()
        return page

    def _build_progress_page(self) -> QWidget:
        page = QWidget()
        self.heading = QLabel("Importing…")
        self.heading.setStyleSheet("font-weight: 600;")
        self.bar = QProgressBar()
        self.bar.setObjectName("importProgress")
        self.bar.setFormat("%v of %m")
        self.current_label = QLabel()
        self.current_label.setObjectName("importCurrent")
        self.current_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.failures_label = QLabel()
        self.failures_label.setObjectName("importFailures")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(page)
        for widget in (self.heading, self.bar, self.current_label, self.failures_label):
            layout.addWidget(widget)
        layout.addStretch()
        layout.addLayout(buttons)
        return page

    def _build_report_page(self) -> QWidget:
        page = QWidget()
        self.summary_label = QLabel()
        self.summary_label.setObjectName("importSummary")
        self.summary_label.setWordWrap(True)
        self.summary_label.setStyleSheet("font-weight: 600;")
        self.report_view = QPlainTextEdit()
        self.report_view.setObjectName("importReport")
        self.report_view.setReadOnly(True)
        self.report_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.copy_button = QPushButton("&Copy Report")
        self.copy_button.clicked.connect(self.copy_report)
        again = QPushButton("Import &More…")
        again.clicked.connect(self._choose_again)
        close = QPushButton("Close")
        close.setDefault(True)
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addStretch()
        buttons.addWidget(again)
        buttons.addWidget(close)
        layout = QVBoxLayout(page)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.report_view, 1)
        layout.addLayout(buttons)
        return page

    # --- choosing --------------------------------------------------------------------------

    def add_files(self) -> None:
        self.add_sources(ask_import_files(self))

    def add_folder(self) -> None:
        folder = ask_import_folder(self)
        if folder:
            self.add_sources([folder])

    def add_sources(self, paths: list[str]) -> None:
        """Add files or folders to the list (each once)."""
        present = {self.sources.item(row).text() for row in range(self.sources.count())}
        for path in paths:
            if path and path not in present:
                self.sources.addItem(path)
                present.add(path)
        self.error_label.hide()
        self._update_buttons()

    def remove_selected(self) -> None:
        for item in self.sources.selectedItems():
            self.sources.takeItem(self.sources.row(item))
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.import_button.setEnabled(self.sources.count() > 0)
        self.remove_button.setEnabled(bool(self.sources.selectedItems()))

    def _choose_again(self) -> None:
        self.sources.clear()
        self._update_buttons()
        self.pages.setCurrentIndex(0)

    # --- running ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.stop is not None

    def start(self) -> None:
        """Read the chosen sources and import their pages, in the background."""
        from ..core.tasks import Progress

        paths = [self.sources.item(row).text() for row in range(self.sources.count())]
        if not paths or self.running:
            return
        self.stop = stop = Progress()
        relay = _StatusRelay()
        relay.status.connect(self._show_status)
        self.relay = relay
        client = self.main_window.archive

        def work(_progress):
            # Loaded here, not on the window's thread (the first time takes ~80 ms).
            from ..core.importing import ImportOptions, for_client, read_sources, run_import

            items = read_sources(paths)  # a source that cannot be read: nothing is imported
            stop.raise_if_cancelled()
            # Small batches: the window waits for the archive while one is being saved.
            options = ImportOptions(batch_size=5, batch_bytes=2 * 1024 * 1024)
            return run_import(for_client(client), items, stop, relay.send, options)

        self.heading.setText("Reading the list of pages…")
        self.bar.setRange(0, 0)  # busy until the number of pages is known
        self.current_label.clear()
        self.failures_label.clear()
        self.cancel_button.setEnabled(True)
        self.pages.setCurrentIndex(1)
        self.runner.start("Importing", work, on_finished=self._finished,
                          on_failed=self._failed, on_cancelled=self._stopped_early,
                          cancellable=False)

    def cancel(self) -> None:
        """Stop the import; what was saved stays, and the report says what was not done."""
        if self.stop is not None and not self.stop.cancelled:
            self.stop.cancel()
            self.heading.setText("Stopping…")
            self.cancel_button.setEnabled(False)

    def _show_status(self, status: ImportStatus) -> None:
        if self.stop is None:
            return  # a late status of an import already reported
        if status.changes:
            self.main_window.show_imported(status.changes)
        self.heading.setText("Stopping…" if self.stop.cancelled else "Importing…")
        self.bar.setRange(0, max(status.total, 1))
        self.bar.setValue(status.done)
        if status.current:
            self.current_label.setText(_elided(status.current))
            self.current_label.setToolTip(status.current)
        self.failures_label.setText(f"{status.failed} failed so far" if status.failed
                                    else "No failures so far")

    def _finished(self, report: ImportReport) -> None:
        self.stop = None
        self.report = report
        self.summary_label.setText(report.summary())
        self.report_view.setPlainText("\n".join(report.lines()))
        self.pages.setCurrentIndex(2)

    def _failed(self, reason: str) -> None:
        """The sources could not be read (or the archive failed): back to choosing."""
        self.stop = None
        self.error_label.setText(reason)
        self.error_label.show()
        self.pages.setCurrentIndex(0)

    def _stopped_early(self) -> None:
        """Cancelled while the list was still being read: nothing was imported."""
        self.stop = None
        self.error_label.setText("Import cancelled before any page was imported.")
        self.error_label.show()
        self.pages.setCurrentIndex(0)

    def copy_report(self) -> None:
        """Put the whole report (summary and one line per page) on the clipboard."""
        if self.report is not None:
            QGuiApplication.clipboard().setText(self.report.text())

    # --- closing ---------------------------------------------------------------------------

    def reject(self) -> None:  # Escape
        if self.running:
            self.cancel()  # the report follows; the dialog stays to show it
        else:
            super().reject()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if self.running:
            self.cancel()
            event.ignore()
            return
        super().closeEvent(event)


def _elided(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else "…" + text[-(limit - 1):]
