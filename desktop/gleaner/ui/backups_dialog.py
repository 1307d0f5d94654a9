"""File ▸ Backups…: this archive's backups, making one now, restoring one, and the settings of
the daily backup.

The list shows every backup of the archive (daily, manual and before-upgrade; see
`core.archive.backup`) with its date, size and numbers of articles and highlights. Reading
them opens each file (a read-only connection, in core) — a backups folder can hold dozens of
large files — so it runs on the window's background helper, never on the GUI thread. Back Up
Now runs `gleaner backup` in a process of its own, as the daily backup does. Restoring is the
window's work (`MainWindow.restore_backup_file`): it must close its archive, put the backup in
its place and open it again.

Settings: where the backups go is this archive's (by default the `backups` folder beside it,
so archives in different places keep their backups apart, and an important one can back up
to another disk); how many to keep, how much room they may take and whether the daily
backup runs are one policy for every archive (the user's, like a preference), kept in
QSettings under `backups/`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.archive.backup import (
    MANUAL,
    BackupInfo,
    backup_folder,
    describe_backups,
    format_size,
    stamped_name,
)
from .check_archive import BackupRun, run_backup
from .file_dialogs import make_file_dialog
from .formatting import plural
from .widgets import MessageBanner

if TYPE_CHECKING:
    from .main_window import MainWindow

DEFAULT_KEEP_DAILY = 7
DEFAULT_KEEP_WEEKLY = 4
# 5 GB holds the 11 backups the default rule keeps of an archive up to about 450 MB (saved
# pages and images make archives of hundreds of MB), yet is a small part of today's disks.
DEFAULT_MAX_BYTES = 5 * 10**9
COLUMNS = ("Made", "Kind", "Size", "Articles", "Highlights")


@dataclass(frozen=True)
class BackupSettings:
    """How this archive is backed up (see the module's docstring for what is per archive)."""

    folder: Path
    custom_folder: bool  # False: the default folder beside the archive
    daily: bool
    keep_daily: int
    keep_weekly: int
    max_bytes: int


def _folder_key(archive_path: Path) -> str:
    # One entry per archive file; '/' would nest groups in QSettings.
    return "backupFolders/" + str(Path(archive_path).resolve()).replace("/", "|")


def load_settings(archive_path: Path) -> BackupSettings:
    """The backup settings for this archive (defaults where none were saved)."""
    settings = QSettings()
    chosen = str(settings.value(_folder_key(archive_path), "") or "")
    return BackupSettings(
        folder=Path(chosen) if chosen else backup_folder(archive_path),
        custom_folder=bool(chosen),
        daily=settings.value("backups/daily", True, type=bool),
        keep_daily=settings.value("backups/keepDaily", DEFAULT_KEEP_DAILY, type=int),
        keep_weekly=settings.value("backups/keepWeekly", DEFAULT_KEEP_WEEKLY, type=int),
        max_bytes=settings.value("backups/maxBytes", DEFAULT_MAX_BYTES, type=int))


def save_settings(archive_path: Path, chosen: BackupSettings) -> None:
    """Store the settings: the folder for this archive (none: the default), the rest for
    every archive."""
    settings = QSettings()
    if chosen.custom_folder:
        settings.setValue(_folder_key(archive_path), str(chosen.folder))
    else:
        settings.remove(_folder_key(archive_path))
    settings.setValue("backups/daily", chosen.daily)
    settings.setValue("backups/keepDaily", chosen.keep_daily)
    settings.setValue("backups/keepWeekly", chosen.keep_weekly)
    settings.setValue("backups/maxBytes", chosen.max_bytes)


def backup_folders(archive_path: Path) -> list[Path]:
    """Where this archive's backups can be: the chosen folder, then the default one (backups
    made before an upgrade or a repair always go beside the archive)."""
    folders = [load_settings(archive_path).folder, backup_folder(archive_path)]
    return [folder for index, folder in enumerate(folders) if folder not in folders[:index]]


def ask_folder(parent: QWidget, start: Path) -> str | None:
    """Ask for a folder to keep backups in; None if cancelled."""
    dialog = make_file_dialog(parent, "Keep backups in", start if start.is_dir() else Path.home(),
                              "")
    dialog.setFileMode(QFileDialog.FileMode.Directory)
    dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    return dialog.selectedFiles()[0] if dialog.exec() and dialog.selectedFiles() else None


def open_folder(folder: Path) -> bool:
    """Show the folder in the system's file manager."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def describe_time(made: datetime) -> str:
    """`Thu 26 Nov 2026, 14:05` in local time."""
    return made.astimezone().strftime("%a %d %b %Y, %H:%M")


class BackupsDialog(QDialog):
    """The Backups dialog of one window (not modal: the window stays usable)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.setObjectName("backupsDialog")
        self.window_ = window
        self.backups: list[BackupInfo] = []
        self._generation = 0  # a listing started before the last change is dropped
        self._loading = False
        self._backing_up = False
        self._build()
        self.resize(760, 560)
        self._titled()

    def _titled(self) -> None:
        self.setWindowTitle(f"Backups — {self.archive_path.name}")

    @classmethod
    def show_for(cls, window: MainWindow) -> BackupsDialog:
        """Show the window's Backups dialog (made once), up to date."""
        dialog = getattr(window, "backups_dialog", None)
        if dialog is None:
            dialog = window.backups_dialog = cls(window)
        dialog._titled()  # the window may have opened another archive since
        dialog.load_settings()
        dialog.reload()
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    @property
    def archive_path(self) -> Path:
        return self.window_.archive.path

    # --- building ------------------------------------------------------------------------

    def _build(self) -> None:
        self.banner = MessageBanner()
        self.list = QTreeWidget()
        self.list.setObjectName("backupsList")
        self.list.setHeaderLabels(COLUMNS)
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setAlternatingRowColors(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.list.header()
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(72)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self.list.itemDoubleClicked.connect(lambda *_: self.ask_restore())
        self.summary = QLabel()
        self.summary.setObjectName("backupsSummary")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.back_up_button = QPushButton("Back Up Now")
        self.back_up_button.setObjectName("backUpNow")
        self.back_up_button.clicked.connect(self.back_up_now)
        self.restore_button = QPushButton("Restore…")
        self.restore_button.setObjectName("restoreBackup")
        self.restore_button.clicked.connect(self.ask_restore)
        self.show_button = QPushButton("Show in Folder")
        self.show_button.setObjectName("showBackups")
        self.show_button.clicked.connect(self.show_folder)
        actions = QHBoxLayout()
        for button in (self.back_up_button, self.restore_button, self.show_button):
            actions.addWidget(button)
        actions.addStretch(1)

        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.summary)
        layout.addLayout(actions)
        layout.addWidget(self._build_settings())
        layout.addWidget(close)
        self._update_buttons()

    def _build_settings(self) -> QGroupBox:
        box = QGroupBox("Settings")
        form = QFormLayout(box)
        self.folder_field = QLineEdit()
        self.folder_field.setObjectName("backupFolder")
        self.folder_field.setReadOnly(True)
        self.choose_button = QPushButton("Choose…")
        self.choose_button.setObjectName("chooseBackupFolder")
        self.choose_button.clicked.connect(self.choose_folder)
        self.default_button = QPushButton("Beside the Archive")
        self.default_button.setObjectName("defaultBackupFolder")
        self.default_button.setToolTip("Keep backups in the 'backups' folder beside the archive")
        self.default_button.clicked.connect(lambda: self.set_folder(None))
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_field, 1)
        folder_row.addWidget(self.choose_button)
        folder_row.addWidget(self.default_button)
        form.addRow("Folder:", folder_row)

        self.daily_box = QCheckBox("Back up once a day, shortly after Gleaner opens")
        self.daily_box.setObjectName("dailyBackup")
        self.keep_daily = _spin_box("keepDaily", 1, 365)
        self.keep_weekly = _spin_box("keepWeekly", 1, 520)
        keep_row = QHBoxLayout()
        for widget in (QLabel("the newest backup of each of the last"), self.keep_daily,
                       QLabel("days and"), self.keep_weekly, QLabel("weeks")):
            keep_row.addWidget(widget)
        keep_row.addStretch(1)
        self.max_size = QDoubleSpinBox()
        self.max_size.setObjectName("maxSize")
        self.max_size.setRange(0.1, 100_000)
        self.max_size.setDecimals(1)
        self.max_size.setSingleStep(0.5)
        self.max_size.setSuffix(" GB")
        self.max_size.setFixedWidth(100)
        size_row = QHBoxLayout()
        size_row.addWidget(self.max_size)
        size_row.addWidget(QLabel("for daily backups in all (beyond it the oldest go, never "
                                  "the newest)"))
        size_row.addStretch(1)
        form.addRow("", self.daily_box)
        form.addRow("Keep:", keep_row)
        form.addRow("At most:", size_row)
        note = QLabel("The folder is this archive's; the rest applies to every archive. "
                      "Backups you make with Back Up Now are never removed automatically.")
        note.setWordWrap(True)
        note.setObjectName("backupsNote")
        form.addRow("", note)
        for signal in (self.daily_box.toggled, self.keep_daily.valueChanged,
                       self.keep_weekly.valueChanged, self.max_size.valueChanged):
            signal.connect(self._save_settings)
        return box

    # --- settings ------------------------------------------------------------------------

    def load_settings(self) -> None:
        """Show the saved settings (without saving them back while doing so)."""
        current = load_settings(self.archive_path)
        self._settings = current
        widgets = (self.daily_box, self.keep_daily, self.keep_weekly, self.max_size)
        for widget in widgets:
            widget.blockSignals(True)
        self.daily_box.setChecked(current.daily)
        self.keep_daily.setValue(current.keep_daily)
        self.keep_weekly.setValue(current.keep_weekly)
        self.max_size.setValue(current.max_bytes / 10**9)
        for widget in widgets:
            widget.blockSignals(False)
        self._show_folder(current)

    def _show_folder(self, current: BackupSettings) -> None:
        self.folder_field.setText(str(current.folder))
        self.folder_field.setCursorPosition(0)
        self.default_button.setEnabled(current.custom_folder)

    def _save_settings(self) -> None:
        self._settings = BackupSettings(
            self._settings.folder, self._settings.custom_folder, self.daily_box.isChecked(),
            self.keep_daily.value(), self.keep_weekly.value(),
            round(self.max_size.value() * 10**9))
        save_settings(self.archive_path, self._settings)

    def choose_folder(self) -> None:
        """Choose… : another folder for this archive's backups (another disk, say)."""
        chosen = ask_folder(self, self._settings.folder)
        if chosen:
            self.set_folder(Path(chosen))

    def set_folder(self, folder: Path | None) -> None:
        """Keep this archive's backups in `folder` (None: beside the archive) from now on."""
        default = backup_folder(self.archive_path)
        custom = folder is not None and Path(folder).absolute() != default.absolute()
        self._settings = BackupSettings(
            Path(folder).absolute() if custom else default, custom, self._settings.daily,
            self._settings.keep_daily, self._settings.keep_weekly, self._settings.max_bytes)
        save_settings(self.archive_path, self._settings)
        self._show_folder(self._settings)
        self.reload()

    # --- the list ------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the backups again (on the background helper)."""
        self._generation += 1
        generation, path = self._generation, self.archive_path
        folders = backup_folders(path)
        self._loading = True
        self.summary.setText("Reading the backups…")
        self._update_buttons()
        self.window_.tasks.start(
            "Reading the backups", lambda _progress: describe_backups(folders, path),
            on_finished=lambda infos: self._listed(generation, infos),
            on_failed=lambda reason: self._listed(generation, [], reason),
            on_cancelled=lambda: self._listed(generation, [], "stopped"))

    def _listed(self, generation: int, backups: list[BackupInfo], failure: str = "") -> None:
        if generation != self._generation:
            return  # the folder changed or a backup was made since: a newer listing follows
        self._loading = False
        selected = self.selected()
        self.backups = backups
        self.list.clear()
        for info in backups:
            item = QTreeWidgetItem([describe_time(info.made), info.kind.capitalize(),
                                    format_size(info.size), _count(info.articles),
                                    _count(info.highlights)])
            for column in range(2, len(COLUMNS)):
                item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight
                                      | Qt.AlignmentFlag.AlignVCenter)
            tip = f"{info.path}\n{info.problem}" if info.problem else str(info.path)
            for column in range(len(COLUMNS)):
                item.setToolTip(column, tip)
            self.list.addTopLevelItem(item)
            if selected is not None and info.path == selected.path:
                item.setSelected(True)
        self.summary.setText(self._summary(failure))
        self._update_buttons()

    def _summary(self, failure: str) -> str:
        if failure:
            return f"The backups could not be read: {failure}"
        if not self.backups:
            return f"No backups yet in {self._settings.folder}."
        total = sum(info.size for info in self.backups)
        return (f"{plural(len(self.backups), 'backup')}, {format_size(total)} in all, "
                f"in {self._settings.folder}")

    def selected(self) -> BackupInfo | None:
        """The backup selected in the list, if any."""
        items = self.list.selectedItems()
        return self.backups[self.list.indexOfTopLevelItem(items[0])] if items else None

    def _update_buttons(self) -> None:
        selected = self.selected()
        self.restore_button.setEnabled(
            selected is not None and not selected.problem and not self._loading
            and not self.window_.archive.read_only)
        self.back_up_button.setEnabled(not self._backing_up)

    # --- actions -------------------------------------------------------------------------

    def back_up_now(self) -> None:
        """Back Up Now: a manual backup in the backups folder (rotation leaves it alone)."""
        path = self.archive_path
        target = self._settings.folder / stamped_name(path, MANUAL, datetime.now(UTC))
        self._backing_up = True
        self._update_buttons()
        self.banner.hide()
        self.window_.tasks.start(
            "Backing up the archive", lambda _progress: run_backup(path, [str(target)]),
            on_finished=self._backed_up, on_failed=self._backup_failed, cancellable=False)

    def _backed_up(self, run: BackupRun) -> None:
        self._backing_up = False
        self.banner.show_notice(f"Backed up to {run.made}.")
        self.reload()

    def _backup_failed(self, reason: str) -> None:
        self._backing_up = False
        self._update_buttons()
        self.banner.show_error(f"No backup was made: {reason}")

    def ask_restore(self) -> None:
        """Restore…: after the user confirms, the selected backup replaces the archive (the
        archive as it is now is kept aside, unchanged)."""
        info = self.selected()
        if info is None or not self.restore_button.isEnabled():
            return
        if not self._confirm_restore(info):
            return
        self.banner.hide()
        failure, aside = self.window_.restore_backup_file(info.path)
        if failure:
            self.banner.show_error(f"The backup was not restored: {failure}")
        else:
            self.banner.show_notice(
                f"Restored the backup made {describe_time(info.made)}. The archive it "
                f"replaced is kept as {aside}.")
        self.reload()

    def _confirm_restore(self, info: BackupInfo) -> bool:
        name = self.archive_path.name
        counts = (f" ({plural(info.articles, 'article')}, "
                  f"{plural(info.highlights, 'highlight')})" if info.articles is not None
                  else "")
        box = QMessageBox(
            QMessageBox.Icon.Question, "Restore Backup",
            f"Restore the backup made {describe_time(info.made)}{counts}?", parent=self)
        box.setObjectName("confirmRestore")
        box.setInformativeText(
            f"{name} is closed and moved aside, unchanged, as "
            f"“{Path(name).stem}-replaced-<date and time>.gleaner” in the same folder; a copy "
            "of the backup takes its place. Work done since the backup stays in the file "
            "kept aside.")
        restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
        restore.setObjectName("restoreConfirmed")
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        cancel.setObjectName("restoreCancelled")
        box.setDefaultButton(cancel)
        box.exec()
        return box.clickedButton() is restore

    def show_folder(self) -> None:
        """Show in Folder: the backups folder in the file manager (made if it is not yet)."""
        folder = self._settings.folder
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            self.banner.show_error(f"Cannot make {folder}: {error.strerror or error}")
            return
        if not open_folder(folder):
            self.banner.show_error(f"No file manager could show {folder}.")

    def show_warnings(self, warnings: list[str]) -> None:
        """Warnings from the last daily backup (the size bound), shown at the top."""
        if warnings:
            self.banner.show_error("The daily backup: " + "; ".join(warnings) + ".")


def _spin_box(name: str, low: int, high: int) -> QSpinBox:
    box = QSpinBox()
    box.setObjectName(name)
    box.setRange(low, high)
    box.setFixedWidth(64)
    return box


def _count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"
