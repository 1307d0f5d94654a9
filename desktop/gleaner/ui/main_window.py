"""The main window: library on the left, reader in the centre, themes and highlight on the right.

The window owns no data. It reads from the archive (through the archive process), and every
change the user makes is a core operation (`client.ops.NAME`), stored the moment it is made.
An operation says what it changed; `apply_changes` refreshes exactly that: the passage's paint,
the theme's count, the article's library row — never the whole library.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QEvent, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from ..core.errors import ArchiveError
from ..core.models import Article, CapturedArticle, Changes, Highlight, OpResult, Theme
from ..core.resources import resource_path
from ..core.service import ArchiveClient, ArchiveProcessError
from .article_details import ArticleDetailsPanel, EditDetailsDialog
from .article_highlights import ArticleHighlightsList
from .file_dialogs import ask_archive, ask_open_pages
from .formatting import plural
from .highlight_panel import HighlightPanel
from .library_view import LibraryView
from .reader import ReaderView
from .theme_dialog import MergeDialog, ThemeDialog
from .themes_panel import ThemesPanel
from .widgets import MessageBanner, WelcomePage

KEEP_PARENT = "keep"  # move_theme: stay under the same parent (core.archive.codebook.KEEP)


READ_ONLY_MESSAGE = ("This archive is open read-only: you can read it, but nothing can be "
                     "saved, coded or changed.")


class MainWindow(QMainWindow):
    """Gleaner's window over one open archive (which File ▸ Open Archive… can switch)."""

    RECENT_LIMIT = 8
    # A step touching more rows than this (deleting a much-used theme, undoing that) runs on
    # the background helper, so the window never freezes for it, even when the archive's
    # pages must first come from disk (measured: 272 ms for 6,794 links after a reboot).
    BACKGROUND_ROWS = 2000
    WATCH_MS = 1000  # how often to look for changes made by another process
    STALE_TOTALS_MS = 150  # how soon to read again totals the archive is still counting
    DAILY_BACKUP_DELAY_MS = 5000  # after start-up, when the window is no longer busy

    def __init__(self, archive: ArchiveClient, parent=None) -> None:
        super().__init__(parent)
        from .tasks import TaskRunner

        self.archive = archive
        self.tasks = TaskRunner(self)
        self.article: Article | None = None
        self.highlights: list[Highlight] = []
        self.active_highlight: int | None = None
        self.theme_dialog: ThemeDialog | None = None
        self.details_dialog: EditDetailsDialog | None = None
        self.merge_dialog: MergeDialog | None = None
        self._data_version: int | None = None
        self._unsaved_note: tuple[int, str] | None = None  # a note the archive refused
        self._restarting = False
        self.running_op: str | None = None  # a large step running in the background
        self.setAcceptDrops(True)
        self._build_widgets()
        self._build_actions()
        self.tasks.busy_changed.connect(self._show_busy)
        self._stale_themes: list[int] = []
        self._stale_timer = QTimer(self)
        self._stale_timer.setSingleShot(True)
        self._stale_timer.setInterval(self.STALE_TOTALS_MS)
        self._stale_timer.timeout.connect(self._refresh_stale_totals)
        self.watch_timer = QTimer(self)
        self.watch_timer.setInterval(self.WATCH_MS)
        self.watch_timer.timeout.connect(self.check_for_outside_changes)
        self._restore_geometry()
        self._show_archive()
        if QSettings().value("backups/daily", True, type=bool):
            QTimer.singleShot(self.DAILY_BACKUP_DELAY_MS, self.back_up_if_due)

    # --- construction --------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.address = QLineEdit()
        self.address.setObjectName("address")
        self.address.setPlaceholderText("Paste an article's web address and press Enter")
        self.address.setClearButtonEnabled(True)
        self.address.returnPressed.connect(self._save_address)
        self.save_button = QPushButton("Save article")
        self.save_button.setObjectName("saveButton")
        self.save_button.clicked.connect(self._save_address)
        self.open_button = QPushButton("Open file…")
        self.open_button.clicked.connect(self.ask_open_files)
        top = QWidget()
        top.setObjectName("topBar")
        top_layout = QHBoxLayout(top)
        top_layout.setContentsMargins(12, 10, 12, 10)
        top_layout.addWidget(self.address, 1)
        top_layout.addWidget(self.save_button)
        top_layout.addWidget(self.open_button)

        self.banner = MessageBanner()
        self.library = LibraryView(self.archive)
        self.library.setMinimumWidth(180)
        self.library.articleSelected.connect(self.show_article)
        self.library.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.library.customContextMenuRequested.connect(self._library_menu)
        self.reader = ReaderView()
        # The reader's images come from the archive alone (None: not saved with the article).
        self.reader.set_image_loader(
            self._image_bytes,
            lambda article_id: self.archive.read("article_asset_sizes", article_id))
        self.reader.highlightClicked.connect(self.select_highlight)
        self.reader.codeRequested.connect(self.code_selection)
        self.reader.selectionChanged.connect(self._on_reader_selection)
        self.welcome = WelcomePage()
        self.welcome.sampleRequested.connect(self.open_sample_article)
        self.centre = QStackedWidget()
        self.centre.setMinimumWidth(300)
        self.centre.addWidget(self.welcome)
        self.centre.addWidget(self.reader)

        self.themes_panel = ThemesPanel()
        self.themes_panel.themeActivated.connect(self.code_selection)
        self.themes_panel.newThemeRequested.connect(self.ask_new_theme)
        self.themes_panel.editThemeRequested.connect(self.ask_edit_theme)
        self.themes_panel.renameRequested.connect(self.rename_theme)
        self.themes_panel.deleteThemeRequested.connect(self.ask_delete_theme)
        self.themes_panel.moveThemeRequested.connect(self.move_theme)
        self.themes_panel.mergeThemeRequested.connect(self.ask_merge_theme)
        self.themes_panel.pinRequested.connect(self.pin_theme)
        self.highlight_panel = HighlightPanel()
        self.highlight_panel.noteEdited.connect(self.set_note)
        self.highlight_panel.themeToggled.connect(self.toggle_theme)
        self.highlight_panel.deleteRequested.connect(self.delete_highlight)
        self.highlight_panel.reattachRequested.connect(self.reattach_highlight)
        self.highlight_panel.leaveRequested.connect(self._back_to_reader)
        self.reader.selectionNotice.connect(
            lambda message: self.statusBar().showMessage(message, 6000))
        self.article_highlights = ArticleHighlightsList()
        self.article_highlights.highlightActivated.connect(self.go_to_highlight)
        self.article_highlights.noteRequested.connect(self.edit_note)
        self.article_highlights.deleteRequested.connect(self.delete_highlight)
        self.details = ArticleDetailsPanel()
        self.details.starToggled.connect(
            lambda article_id, on: self._article_op("set_starred", article_id, on))
        self.details.readToggled.connect(
            lambda article_id, on: self._article_op("set_read", article_id, on))
        self.details.memoEdited.connect(self.set_article_memo)
        self.details.tagsAdded.connect(
            lambda article_id, names: self._article_op("tag_article", article_id, names))
        self.details.tagRemoved.connect(
            lambda article_id, name: self._article_op("untag_article", article_id, [name]))
        self.details.editRequested.connect(self.ask_edit_details)
        # Below the codebook: the open highlight, the article's list of highlights and the
        # article's own details, a tab each (the codebook stays in view for coding).
        self.side_tabs = SideTabs()
        self.side_tabs.setObjectName("sideTabs")
        self.side_tabs.addTab(self.highlight_panel, "Highlight")
        self.side_tabs.addTab(self.article_highlights, "In article")
        self.side_tabs.addTab(self.details, "Article")
        self.side_tabs.setTabToolTip(1, "In this article: its highlights in reading order "
                                        "(Ctrl+Up/Down move between them)")
        side = QWidget()
        side.setObjectName("sidePanels")
        side_layout = _MinimumHeightLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.setSpacing(0)
        side_layout.addWidget(self.side_tabs.hold(self.themes_panel))
        side_layout.addWidget(self.side_tabs)
        # The pages sit in the column itself, one shown at a time: the scroll area then
        # knows the shown page's true minimum height (a QTabWidget hid it, and squeezed the
        # page's contents over each other).
        for holder in self.side_tabs.holders:
            side_layout.addWidget(holder, 1)
        # In a small window the side panels scroll rather than push the window off screen
        # (a layout, not a splitter, so the scroll area knows their true minimum height).
        self.side_scroll = QScrollArea()
        self.side_scroll.setObjectName("sideScroll")
        self.side_scroll.setWidgetResizable(True)
        self.side_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.side_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.side_scroll.setWidget(side)
        self.side_scroll.setMinimumWidth(220)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.library)
        self.splitter.addWidget(self.centre)
        self.splitter.addWidget(self.side_scroll)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([290, 760, 300])

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(top)
        layout.addWidget(self.banner)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self.busy_label = QLabel()
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(140)
        self.busy_bar.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.tasks.cancel_all)
        for widget in (self.busy_label, self.busy_bar, self.cancel_button):
            self.statusBar().addPermanentWidget(widget)
            widget.hide()

    def _build_actions(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.save_url_action = _action(self, "Save URL…", "Ctrl+L", self.focus_address)
        self.open_file_action = _action(self, "Open File…", QKeySequence.StandardKey.Open,
                                        self.ask_open_files)
        self.sample_action = _action(self, "Open the Sample Article", None,
                                     self.open_sample_article)
        self.open_archive_action = _action(self, "Open Archive…", "Ctrl+Shift+O",
                                           self.ask_open_archive)
        self.recent_menu = QMenu("Open &Recent", self)
        self.recent_menu.setObjectName("recentMenu")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        quit_action = _action(self, "Quit", QKeySequence.StandardKey.Quit, self.close)
        for action in (self.save_url_action, self.open_file_action, self.sample_action):
            file_menu.addAction(action)
        # File ▸ Import…: bulk import in its own dialog (ui/import_dialog.py).
        self.import_action = _action(self, "Import…", "Ctrl+Shift+I", self.open_import_dialog)
        file_menu.insertAction(self.sample_action, self.import_action)
        file_menu.addSeparator()
        file_menu.addAction(self.open_archive_action)
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        # File ▸ Backups…: list, make and restore backups, and their settings.
        self.backups_action = _action(self, "Backups…", None, self.open_backups_dialog)
        file_menu.addAction(self.backups_action)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)

        edit_menu = self.menuBar().addMenu("&Edit")
        # Window-wide: a focused text field takes Ctrl+Z for its own typing first (Qt's
        # shortcut override); anywhere else it undoes the last archive step.
        self.undo_action = _action(self, "Undo", QKeySequence.StandardKey.Undo, self.undo)
        self.redo_action = _action(self, "Redo", None, self.redo)
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)

        themes_menu = self.menuBar().addMenu("&Themes")
        # With a passage selected, Ctrl+T names a new theme and codes the passage with it.
        self.new_theme_action = _action(self, "New Theme…", "Ctrl+T", self.new_theme)
        self.filter_themes_action = _action(self, "Filter Themes", "Ctrl+Shift+F",
                                            self.themes_panel.focus_filter)
        themes_menu.addAction(self.new_theme_action)
        themes_menu.addAction(self.filter_themes_action)

        article_menu = self.menuBar().addMenu("&Article")
        self.star_action = _action(self, "Star", "Ctrl+D", self.toggle_star)
        self.read_action = _action(self, "Mark as Read", "Ctrl+Shift+U", self.toggle_read)
        self.edit_details_action = _action(self, "Edit Details…", "Ctrl+E",
                                           lambda: self.article and self.ask_edit_details(
                                               self.article.id))
        self.reextract_action = _action(self, "Re-extract", None, self.reextract_current)
        self.reextract_action.setStatusTip("Rebuild the article's text from the page saved "
                                           "with it, with today's extractor (no download)")
        self.delete_article_action = _action(self, "Delete Article…", None,
                                             lambda: self.article and self.ask_delete_article(
                                                 self.article.id))
        for action in (self.star_action, self.read_action, self.edit_details_action):
            article_menu.addAction(action)
        article_menu.addSeparator()
        article_menu.addAction(self.reextract_action)
        article_menu.addAction(self.delete_article_action)

        help_menu = self.menuBar().addMenu("&Help")
        self.check_action = _action(self, "Check Archive…", None, self.check_archive)
        help_menu.addAction(self.check_action)
        help_menu.addAction(_action(self, "About Gleaner", None, self._about))

        # Number keys code the selection; a text field with focus takes its digits first.
        self.number_shortcuts = []
        for number in range(1, 10):
            shortcut = QShortcut(QKeySequence(str(number)), self)
            shortcut.activated.connect(lambda n=number: self.code_with_key(n))
            self.number_shortcuts.append(shortcut)
        # Moving between highlights from the keyboard, wherever the article has focus (the
        # codebook keeps Ctrl+Up/Down for moving themes).
        for widget in (self.reader, self.highlight_panel, self.details):
            for key, step in (("Ctrl+Down", self.next_highlight),
                              ("Ctrl+Up", self.previous_highlight)):
                shortcut = QShortcut(QKeySequence(key), widget)
                shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                shortcut.activated.connect(step)
        self.reader.installEventFilter(self)

    # --- the archive -----------------------------------------------------------------------

    def _show_archive(self) -> None:
        """Fill every view from the archive just opened."""
        path = self.archive.path
        read_only = " (read-only)" if self.archive.read_only else ""
        self.setWindowTitle(f"{path.name}{read_only} — Gleaner")
        self.setWindowFilePath(str(path))
        self._remember_recent(path)
        self.article = None
        self.highlights = []
        self.active_highlight = None
        self.refresh_themes()
        self.library.model_.set_archive(self.archive)
        self._data_version = self.archive.read("data_version")
        self._set_history_labels(self.archive.read("undo_label"),
                                 self.archive.read("redo_label"))
        first = self.library.model_.article_at(0)
        if first is None:
            self._show_nothing()
        else:
            self.show_article(self._last_read() or first.id)
        self.watch_timer.start()
        self._allow_changes(not self.archive.read_only)
        if self.archive.read_only:
            # Stays (as errors do) while the window shows this archive: every change is off.
            self.banner.show_error(READ_ONLY_MESSAGE)
        elif self.banner.text() == READ_ONLY_MESSAGE:  # another archive, writable
            self.banner.hide()

    def _allow_changes(self, allowed: bool) -> None:
        """Turn on or off every control that would change the archive (a read-only archive
        would refuse it), so that none is offered only to fail."""
        for action in (self.save_url_action, self.open_file_action, self.sample_action,
                       self.import_action, self.new_theme_action, self.star_action,
                       self.read_action, self.edit_details_action, self.reextract_action,
                       self.delete_article_action):
            action.setEnabled(allowed)
        for shortcut in self.number_shortcuts:
            shortcut.setEnabled(allowed)
        details, panel = self.details, self.highlight_panel
        for widget in (self.address, self.save_button, self.open_button,
                       self.themes_panel.new_button, details.star_button, details.read_button,
                       details.edit_button, details.tag_input, panel.theme_list,
                       panel.reattach_button, panel.delete_button):
            widget.setEnabled(allowed)
        for text in (details.memo, panel.note):  # still selectable and copyable
            text.setReadOnly(not allowed)
        self.address.setPlaceholderText(
            "Paste an article's web address and press Enter" if allowed
            else "This archive is open read-only")
        if not allowed:
            self.undo_action.setEnabled(False)
            self.redo_action.setEnabled(False)

    def ask_open_archive(self) -> None:
        """File ▸ Open Archive…: open (or create) another archive in this window."""
        path = ask_archive(self, self.archive.path.parent)
        if path:
            self.open_archive(Path(path))

    def open_archive(self, path: Path) -> bool:
        """Switch this window to the archive at path; if it cannot be opened, the user is
        told why and offered what can be done; if they cancel, the current one stays."""
        from .archive_problem import open_archive_with_remedies

        self._flush_typing()
        client = open_archive_with_remedies(Path(path), self, give_up_label="Cancel")
        if client is None:
            return False
        old, self.archive = self.archive, client
        old.close()
        self.banner.hide()
        lost_note = client.path != old.path and self._unsaved_note is not None
        if lost_note:
            self._unsaved_note = None  # it belongs to the other archive, which refused it
        self._show_archive()
        self.statusBar().showMessage(f"Opened {client.path}", 5000)
        if lost_note:
            self.banner.show_error(f"Your last note could not be stored in {old.path.name}.")
        return True

    def _remember_recent(self, path: Path) -> None:
        settings = QSettings()
        recent = [p for p in _string_list(settings.value("recentArchives"))
                  if p != str(path)]
        settings.setValue("recentArchives", [str(path), *recent][:self.RECENT_LIMIT])

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        current = str(self.archive.path)
        for entry in _string_list(QSettings().value("recentArchives")):
            action = self.recent_menu.addAction(
                entry, lambda p=entry: self.open_archive(Path(p)))
            action.setEnabled(entry != current)
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("No other archives yet").setEnabled(False)

    def run_op(self, operation: str, /, *args, **kwargs) -> OpResult | None:
        """Run a core operation and refresh what it changed; errors become a banner."""
        if self.running_op:
            self.statusBar().showMessage(f"Please wait: {self.running_op}…", 3000)
            return None
        self._flush_typing()  # a note typed just before is its own step
        try:
            result = getattr(self.archive.ops, operation)(*args, **kwargs)
        except ArchiveProcessError:
            self._archive_process_stopped()
            return None
        except ArchiveError as error:
            self.banner.show_error(str(error))
            return None
        self.apply_changes(result.changes)
        self._set_history_labels(result.undo_label, result.redo_label)
        return result

    def run_op_in_background(self, label: str, operation: str, *args, then=None) -> None:
        """Run a large operation on the background helper; the window stays responsive and
        refreshes what changed when it is done. Other changes wait until then."""
        if self.running_op:
            self.statusBar().showMessage(f"Please wait: {self.running_op}…", 3000)
            return
        self._flush_typing()
        self.running_op = label
        archive = self.archive
        self.tasks.start(
            label, lambda _progress: getattr(archive.ops, operation)(*args),
            on_finished=lambda result: self._background_op_done(result, then),
            on_failed=self._background_op_failed, cancellable=False)
        self.busy_label.setText(f"{label}…")

    def _background_op_done(self, result: OpResult, then) -> None:
        self.running_op = None
        self.apply_changes(result.changes)
        self._set_history_labels(result.undo_label, result.redo_label)
        if then:
            then(result)

    def _background_op_failed(self, reason: str) -> None:
        self.running_op = None
        if not self.archive.alive:
            self._archive_process_stopped()
        else:
            self.banner.show_error(reason)

    def _flush_typing(self) -> None:
        """Store a note or memo typed just before (each is its own step)."""
        self.highlight_panel.flush_note()
        self.details.flush_memo()

    def apply_changes(self, changes: Changes) -> None:
        """Refresh exactly what changed: theme rows, library rows, the open article's paint."""
        if changes.codebook:
            self.refresh_themes()
        elif changes.themes:
            changed = self.archive.read("themes_by_id", sorted(changes.themes))
            self.themes_panel.update_themes(changed)
            self._watch_stale_totals(changed)
        if changes.library:
            self._reload_library()
        elif changes.articles:
            self.library.model_.refresh_articles(changes.articles)
        if self.article and self.article.id in changes.details:
            self._refresh_article()
        if self.article and (self.article.id in changes.articles or changes.themes
                             or changes.codebook
                             or any(h.id in changes.highlights for h in self.highlights)):
            self._reload_highlights()

    def check_for_outside_changes(self) -> None:
        """Pick up what another window or the command line wrote to this archive."""
        if self.running_op:
            return  # the archive process is busy with it; look again next time
        try:
            version = self.archive.read("data_version")
        except ArchiveProcessError:
            self._archive_process_stopped()
            return
        except ArchiveError as error:
            self.banner.show_error(str(error))
            return
        if version == self._data_version:
            return
        self._data_version = version
        current = {self.article.id} if self.article else set()
        try:
            self.apply_changes(Changes(articles=frozenset(current), library=True,
                                       codebook=True, details=frozenset(current)))
            self._set_history_labels(self.archive.read("undo_label"),
                                     self.archive.read("redo_label"))
        except ArchiveProcessError:
            self._archive_process_stopped()
        except ArchiveError as error:
            self.banner.show_error(str(error))

    def _archive_process_stopped(self) -> None:
        """The archive process died (killed, out of memory): start a new one on the same
        archive. SQLite kept every committed step; one cut short was rolled back. A note
        that could not be stored is stored now."""
        if self._restarting:
            return
        if self.archive.alive:  # already restarted (a second report of the same failure)
            self._store_unsaved_note()
            return
        self._restarting = True
        try:
            self.watch_timer.stop()
            if self.open_archive(self.archive.path):
                self._store_unsaved_note()
                self.banner.show_error(
                    "Gleaner's archive process stopped unexpectedly and was restarted. "
                    "Everything stored before is safe; check that your last change is there.")
        finally:
            self._restarting = False

    def _store_unsaved_note(self) -> None:
        if self._unsaved_note is not None:
            highlight_id, note = self._unsaved_note
            self.set_note(highlight_id, note)

    def _reload_library(self) -> None:
        """Articles were added or removed: re-count, keep the open article if it is still
        there, else open the one now in its place."""
        current = self.article.id if self.article else None
        old_row = self.library.currentIndex().row()
        self.library.reload(keep=current)
        count = self.library.model_.rowCount()
        if count == 0:
            self._show_nothing()
        elif current is None or self.library.model_.row_of(current) is None:
            replacement = self.library.model_.article_at(min(max(old_row, 0), count - 1))
            if replacement is None:  # removed meanwhile by another process
                self._show_nothing()
            else:
                self.show_article(replacement.id)

    def show_imported(self, changes: Changes) -> None:
        """Articles arrived from a bulk import: the library shows them; the reader keeps the
        article it shows, and with none open it opens none (it says where the articles are)."""
        if self.article is not None:
            self.apply_changes(changes)
            return
        self.library.reload(keep=None)
        self.welcome.set_archive_empty(self.library.model_.rowCount() == 0)

    def _refresh_article(self) -> None:
        """The open article's own data changed (star, tags, memo, corrected details, a new
        extraction): show it; the reader is laid out again only if its header or text
        changed."""
        try:
            article = self.archive.read("get_article", self.article.id)
        except ArchiveError:
            return  # deleted: the library's refresh opens another
        header = ("title", "authors", "byline", "site_name", "published", "text", "html")
        relayout = any(getattr(article, f) != getattr(self.article, f) for f in header)
        self.article = article
        if relayout:
            scroll = self.reader.verticalScrollBar().value()
            self.reader.show_article(article, self.highlights, self.themes_panel.themes())
            self.reader.verticalScrollBar().setValue(scroll)
        self._show_details()

    def _show_details(self) -> None:
        self.details.show_article(self.article, self.archive.read("tag_names"))
        self.side_tabs.fit_pages()
        starred = bool(self.article and self.article.starred)
        self.star_action.setText("Unstar" if starred else "Star")
        self.read_action.setText("Mark as Unread" if self.article and self.article.read
                                 else "Mark as Read")

    def _show_nothing(self) -> None:
        self.article = None
        self.highlights = []
        self.active_highlight = None
        self.welcome.set_archive_empty(self.library.model_.rowCount() == 0)
        self.centre.setCurrentWidget(self.welcome)
        self.highlight_panel.show_highlight(None, [])
        self.article_highlights.set_highlights([], [])
        self.details.show_article(None, [])

    # --- history ---------------------------------------------------------------------------

    def undo(self) -> None:
        """Edit ▸ Undo: take back the last archive step, whoever made it."""
        self._replay("undo", "Undid")

    def redo(self) -> None:
        """Edit ▸ Redo: do again the step last undone."""
        self._replay("redo", "Redid")

    def _replay(self, operation: str, verb: str) -> None:
        if self.running_op:
            self.statusBar().showMessage(f"Please wait: {self.running_op}…", 3000)
            return
        self._flush_typing()

        def report(result: OpResult) -> None:
            self.statusBar().showMessage(f"{verb} “{result.label}”", 5000)

        try:
            size = self.archive.read("step_size", operation == "undo")
        except ArchiveError:
            size = 0  # run_op below reports the problem
        if size > self.BACKGROUND_ROWS:
            label = ("Undoing " if operation == "undo" else "Redoing ") + (
                self.archive.read(f"{operation}_label") or "")
            self.run_op_in_background(label.strip(), operation, then=report)
        elif result := self.run_op(operation):
            report(result)

    def _set_history_labels(self, undo_label: str | None, redo_label: str | None) -> None:
        writable = not self.archive.read_only
        self.undo_action.setText(f"&Undo {undo_label}" if undo_label else "&Undo")
        self.undo_action.setEnabled(writable and undo_label is not None)
        self.redo_action.setText(f"&Redo {redo_label}" if redo_label else "&Redo")
        self.redo_action.setEnabled(writable and redo_label is not None)

    # --- library ---------------------------------------------------------------------------

    def _image_bytes(self, name: str) -> bytes | None:
        """An image of the open article, as kept in the archive (called on the reader's image
        thread; the archive client is thread-safe). A request that outlives its article reads
        the same name in the next one (names come from the image's address) or nothing, and
        the reader drops its answer either way."""
        article = self.reader.article
        if article is None:
            return None
        found = self.archive.read("article_asset", article.id, name)
        return found[1] if found else None

    def show_article(self, article_id: int) -> None:
        """Open an article in the reader."""
        self._flush_typing()
        try:
            self.article = self.archive.read("get_article", article_id)
            self.highlights = self.archive.read("list_highlights", article_id=article_id)
        except ArchiveError as error:
            self.banner.show_error(str(error))
            return
        self.library.select_article(article_id)
        QSettings().setValue(self._last_read_key(), article_id)
        self.active_highlight = None
        self.reader.show_article(self.article, self.highlights, self.themes_panel.themes())
        self.centre.setCurrentWidget(self.reader)
        self.highlight_panel.show_highlight(None, [])
        self.article_highlights.set_highlights(self.highlights, self.themes_panel.themes())
        self._update_list_title()
        self._show_details()

    def _library_menu(self, point) -> None:
        index = self.library.indexAt(point)
        article = self.library.model_.article_at(index.row()) if index.isValid() else None
        if article is None:
            return
        menu = QMenu(self)
        menu.addAction("Unstar" if article.starred else "Star",
                       lambda: self._article_op("set_starred", article.id, not article.starred))
        menu.addAction("Mark as Unread" if article.read else "Mark as Read",
                       lambda: self._article_op("set_read", article.id, not article.read))
        menu.addSeparator()
        menu.addAction("Delete article…", lambda: self.ask_delete_article(article.id))
        menu.exec(self.library.viewport().mapToGlobal(point))

    def ask_delete_article(self, article_id: int) -> None:
        try:
            article = self.archive.read("get_article", article_id)
            count = len(self.archive.read("list_highlights", article_id=article_id))
        except ArchiveError as error:
            self.banner.show_error(str(error))
            return
        detail = f" and its {count} highlight{'s' if count != 1 else ''}" if count else ""
        question = (f"Delete “{article.title}”{detail} from the archive?\n\n"
                    "Edit ▸ Undo brings it back.")
        if confirm(self, "Delete article", question) and self.run_op("delete_article",
                                                                      article_id):
            self.statusBar().showMessage("Article deleted. Press Ctrl+Z to undo.", 8000)

    # --- saving articles -------------------------------------------------------------------

    def focus_address(self) -> None:
        self.address.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.address.selectAll()

    def _save_address(self) -> None:
        source = self.address.text().strip()
        if source:
            self.address.clear()
            self.save_sources([source])

    def ask_open_files(self) -> None:
        self.save_sources(ask_open_pages(self, Path.home()))

    def open_import_dialog(self) -> None:
        """File ▸ Import…: many pages at once; the reader stays on the open article."""
        from .import_dialog import ImportDialog  # loaded on first use

        ImportDialog.show_for(self)

    def open_sample_article(self) -> None:
        self.save_sources([str(resource_path("sample-article.html"))])

    def save_sources(self, sources: list[str]) -> None:
        """Capture each URL or file in the background, then store it (an operation). An
        address already in the archive is not fetched again: the window offers to open it."""
        from ..core.capture import capture  # loaded on first use: it takes a third of a second

        for source in sources:
            saved = self._saved_as(source)
            if saved is not None:
                self.offer_saved_article(saved)
                continue
            opened = self.article.id if self.article else None
            self.tasks.start(
                f"Saving {source}", lambda progress, s=source: capture(s, progress),
                on_finished=lambda article, s=source, o=opened: self._store_captured(
                    s, article, o),
                on_failed=lambda reason, s=source: self.banner.show_error(
                    f"Could not save {_short(s)}: {reason}"),
                on_progress=lambda message, _fraction: self.busy_label.setText(message),
                on_cancelled=lambda s=source: self.statusBar().showMessage(
                    f"Stopped saving {_short(s)}", 5000))

    def _saved_as(self, source: str) -> int | None:
        """The article already saved from this web address (tracking parameters and the like
        aside), if any; files are recognised once read, by their bytes."""
        from ..core.capture import is_local_file
        from ..core.fetch import CaptureError, normalise_url

        if is_local_file(source):
            return None
        try:
            return self.archive.read("find_article_by_url", normalise_url(source))
        except (CaptureError, ArchiveError):
            return None  # the capture reports a bad address properly

    def offer_saved_article(self, article_id: int) -> None:
        """Say that a page is already saved, as which article, with a button to open it."""
        try:
            title = self.archive.read("get_article", article_id).title
        except ArchiveError:
            return
        self.banner.show_notice(
            f"“{title}” is already in your archive (saved as #{article_id}).",
            action=("Open", lambda: self.open_article(article_id)))

    def open_article(self, article_id: int) -> None:
        """Open an article and make it the library's current row."""
        self.library.select_article(article_id)
        self.show_article(article_id)

    def _store_captured(self, source: str, captured: CapturedArticle,
                        opened: int | None = None) -> None:
        try:
            result = self.archive.ops.save_article(captured)
        except ArchiveError as error:
            self.banner.show_error(f"Could not save {_short(source)}: {error}")
            return
        article_id, created = result.value
        self._set_history_labels(result.undo_label, result.redo_label)
        if not created:
            self.offer_saved_article(article_id)
            return
        writing = self.focusWidget() in (self.highlight_panel.note, self.details.memo)
        moved_on = (self.article.id if self.article else None) != opened
        if writing or moved_on:
            # The user is writing a note (focusWidget holds even while the window is in the
            # background), or opened another article while this one downloaded: add it to
            # the library, marked New, but stay where they are.
            self.apply_changes(result.changes)
            self.library.mark_new(article_id)
            self.banner.show_notice(f"Saved “{captured.title}”. It is in the library.",
                                    action=("Open", lambda: self.open_article(article_id)))
            return
        if result.changes.library:
            self.library.reload(keep=self.article.id if self.article else None)
        self.show_article(article_id)
        self.statusBar().showMessage(f"Saved “{captured.title}”", 5000)

    def _show_busy(self, busy: bool) -> None:
        """The status bar while background work runs: what it is, and Cancel only for work
        that can be cancelled (a backup or a large step cannot)."""
        for widget in (self.busy_label, self.busy_bar):
            widget.setVisible(busy)
        running = self.tasks.running
        self.cancel_button.setVisible(busy and any(task.cancellable for task in running))
        if busy and running:
            label = running[0].label
            self.busy_label.setText("Saving…" if label.startswith("Saving ") else f"{label}…")

    # --- coding ----------------------------------------------------------------------------

    def code_with_key(self, number: int) -> None:
        """A number key: code the selection with its theme; with no selection, add the theme
        to the open highlight, or take it off if the highlight has it."""
        theme = self.themes_panel.theme_for_key(number)
        if not theme:
            return
        active = next((h for h in self.highlights if h.id == self.active_highlight), None)
        if (not self.reader.selection_range() and active is not None
                and theme.id in active.theme_ids):
            self.run_op("remove_theme_from_highlight", active.id, theme.id)
            return
        self.code_selection(theme.id)

    def code_selection(self, theme_id: int) -> None:
        """Code the reader's selection with a theme; with no selection, add the theme to the
        highlight that is open in the side panel."""
        selection = self.reader.selection_range()
        if self.article and selection:
            result = self.run_op("code_passage", self.article.id, *selection, [theme_id])
            if result:
                self.reader.clear_selection()
                self.select_highlight(result.value.id)
        elif self.active_highlight is not None:
            self.run_op("add_theme_to_highlight", self.active_highlight, theme_id)
        else:
            self.statusBar().showMessage(
                self.reader.selection_problem()
                or "Select a passage in the article first, then choose a theme.", 5000)

    def select_highlight(self, highlight_id: int | None) -> None:
        """Show a highlight in the side panel (None clears it)."""
        if highlight_id is None and self.sender() is self.reader and any(
                h.id == self.active_highlight and h.orphaned for h in self.highlights):
            # A click in the text while an orphaned highlight is open starts selecting the
            # passage to re-attach it to: keep it open.
            return
        self.active_highlight = highlight_id
        highlight = next((h for h in self.highlights if h.id == highlight_id), None)
        self.highlight_panel.show_highlight(highlight, self.themes_panel.themes())
        self.side_tabs.fit_pages()
        self.reader.set_highlights(self.highlights, self.themes_panel.themes(), highlight_id)
        self.article_highlights.select(highlight_id)
        if highlight is not None and self.sender() is self.reader:
            self.side_tabs.setCurrentWidget(self.highlight_panel)

    def go_to_highlight(self, highlight_id: int) -> None:
        """Open a highlight and scroll the reader to it (from the list, or Ctrl+Up/Down)."""
        highlight = next((h for h in self.highlights if h.id == highlight_id), None)
        if highlight is None:
            return
        self.select_highlight(highlight_id)
        if not highlight.orphaned:
            self.reader.scroll_to(highlight.start)

    def next_highlight(self) -> None:
        """Ctrl+Down: the next highlight in reading order."""
        if self.article_highlights.select_next() is None:
            self.statusBar().showMessage("No more highlights in this article.", 3000)

    def previous_highlight(self) -> None:
        """Ctrl+Up: the previous highlight in reading order."""
        if self.article_highlights.select_previous() is None:
            self.statusBar().showMessage("This is the first highlight.", 3000)

    def edit_note(self, highlight_id: int | None = None) -> None:
        """Enter on a highlight: open it and put the caret in its note."""
        highlight_id = highlight_id if highlight_id is not None else self.active_highlight
        if highlight_id is None:
            return
        if highlight_id != self.active_highlight:
            self.go_to_highlight(highlight_id)
        self.side_tabs.setCurrentWidget(self.highlight_panel)
        self.highlight_panel.edit_note()

    def _back_to_reader(self) -> None:
        self.reader.setFocus(Qt.FocusReason.OtherFocusReason)

    def reattach_highlight(self, highlight_id: int) -> None:
        """Put an orphaned highlight on the passage selected in the reader."""
        selection = self.reader.selection_range()
        if not selection:
            self.statusBar().showMessage(
                "Select the passage in the reader first, then re-attach the highlight.", 6000)
            return
        if self.run_op("reattach_highlight", highlight_id, *selection):
            self.reader.clear_selection()
            self.statusBar().showMessage("Highlight re-attached.", 5000)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        # Enter in the reader, with a highlight open and nothing selected, edits its note.
        if (watched is self.reader and event.type() == QEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and self.active_highlight is not None and not self.reader.selection_range()):
            self.edit_note()
            return True
        return super().eventFilter(watched, event)

    def _update_list_title(self) -> None:
        count = len(self.highlights)
        index = self.side_tabs.indexOf(self.article_highlights)
        self.side_tabs.setTabText(index, f"In article ({count})" if count else "In article")

    # --- the article's own data --------------------------------------------------------------

    def _article_op(self, operation: str, article_id: int, *args) -> None:
        """Star, read mark, tags: an operation, then the panel shows what is stored (also
        when it was refused)."""
        result = self.run_op(operation, article_id, *args)
        if result is None and self.article and self.article.id == article_id:
            self._show_details()

    def toggle_star(self) -> None:
        if self.article:
            self._article_op("set_starred", self.article.id, not self.article.starred)

    def reextract_current(self) -> None:
        """Article ▸ Re-extract: rebuild the open article from its saved page (background;
        its highlights are re-anchored, and any that cannot be placed are reported)."""
        if self.article:
            self.run_op_in_background("Re-extracting the article", "reextract_article",
                                      self.article.id, then=self._reextracted)

    def _reextracted(self, result: OpResult) -> None:
        placed, orphaned = result.value["placed"], result.value["orphaned"]
        message = f"Re-extracted. {plural(placed, 'highlight')} in place"
        if orphaned:
            self.banner.show_notice(
                f"{message}; {plural(len(orphaned), 'highlight')} could not be placed in the "
                "new text and {} kept as orphaned (see “In article”).".format(
                    "is" if len(orphaned) == 1 else "are"))
        else:
            self.statusBar().showMessage(message + ".", 8000)

    def toggle_read(self) -> None:
        if self.article:
            self._article_op("set_read", self.article.id, not self.article.read)

    def set_article_memo(self, article_id: int, memo: str) -> None:
        """Store the article's memo (sent after each pause in typing: one undo step)."""
        try:
            result = self.archive.ops.set_article_memo(article_id, memo)
        except ArchiveProcessError:
            QTimer.singleShot(0, self._archive_process_stopped)
            return
        except ArchiveError as error:
            self.banner.show_error(f"The memo could not be saved: {error}")
            return
        # The panel already shows the text; the library row and reader need nothing.
        if self.article and self.article.id == article_id:
            self.article = replace(self.article, memo=memo)
        self._set_history_labels(result.undo_label, result.redo_label)

    def ask_edit_details(self, article_id: int) -> None:
        """Article ▸ Edit Details…: correct title, authors, date or site name."""
        try:
            article = self.archive.read("get_article", article_id)
        except ArchiveError as error:
            self.banner.show_error(str(error))
            return
        dialog = EditDetailsDialog(article, self)
        dialog.accepted.connect(lambda: dialog.values() and self.run_op(
            "edit_article", article_id, **dialog.values()))
        dialog.finished.connect(dialog.deleteLater)
        self.details_dialog = dialog
        dialog.open()

    def set_note(self, highlight_id: int, note: str) -> None:
        """Store a note (the panel sends it after each pause in typing: one undo step)."""
        self._unsaved_note = (highlight_id, note)
        try:
            result = self.archive.ops.set_note(highlight_id, note)
        except ArchiveProcessError:
            # Kept in _unsaved_note and stored once a new archive process runs.
            QTimer.singleShot(0, self._archive_process_stopped)
            return
        except ArchiveError as error:
            self.banner.show_error(f"The note could not be saved: {error}")
            return
        self._unsaved_note = None
        # The panel already shows the text: update the copy kept here and the list's
        # preview of the note (one row), repaint nothing else.
        self.highlights = [result.value if h.id == highlight_id else h for h in self.highlights]
        self.article_highlights.set_highlights(self.highlights, self.themes_panel.themes(),
                                               self.active_highlight)
        self.highlight_panel.highlight = next(
            (h for h in self.highlights if h.id == self.highlight_panel.current_id()),
            self.highlight_panel.highlight)
        self._set_history_labels(result.undo_label, result.redo_label)

    def toggle_theme(self, highlight_id: int, theme_id: int, applied: bool) -> None:
        name = "add_theme_to_highlight" if applied else "remove_theme_from_highlight"
        if self.run_op(name, highlight_id, theme_id) is None:
            self._reload_highlights()  # put the tick back as it is stored

    def delete_highlight(self, highlight_id: int) -> None:
        if self.run_op("delete_highlight", highlight_id):
            # The panel's button disappears; keep focus where Ctrl+Z means "undo the delete".
            self.reader.setFocus(Qt.FocusReason.OtherFocusReason)
            self.statusBar().showMessage("Highlight deleted. Press Ctrl+Z to undo.", 8000)

    def _reload_highlights(self) -> None:
        """Re-read the open article's highlights and repaint them (one article's worth)."""
        if self.article is None:
            return
        self.highlights = self.archive.read("list_highlights", article_id=self.article.id)
        active = self.active_highlight
        if active is not None and all(h.id != active for h in self.highlights):
            active = None
        self.article_highlights.set_highlights(self.highlights, self.themes_panel.themes(),
                                               active)
        self._update_list_title()
        self.select_highlight(active)

    def _on_reader_selection(self) -> None:
        if self.reader.selection_range():
            self.statusBar().showMessage("Press 1–9 or click a theme to code this passage; "
                                         "Ctrl+T codes it with a new theme.")
        else:
            self.statusBar().clearMessage()

    # --- themes ----------------------------------------------------------------------------

    def refresh_themes(self) -> None:
        themes = self.archive.read("list_themes")
        self.themes_panel.set_themes(themes)
        self._watch_stale_totals(themes)

    def _watch_stale_totals(self, themes) -> None:
        """Totals with sub-themes that a large step left to be counted (shown as "counting")
        are read again a moment later, when the archive has counted them."""
        stale = sorted(t.id for t in themes if t.total_highlights is None)
        if stale and not self._stale_timer.isActive():
            self._stale_themes = stale
            self._stale_timer.start()

    def _refresh_stale_totals(self) -> None:
        if self.running_op:
            # The archive is busy with a large step: a read now would wait for it.
            self._stale_timer.start()
            return
        try:
            themes = self.archive.read("themes_by_id", self._stale_themes)
        except ArchiveError:
            return
        self.themes_panel.update_themes(themes)
        self._watch_stale_totals(themes)

    def new_theme(self) -> None:
        """Themes ▸ New Theme… (Ctrl+T): with a passage selected, a new theme that codes it
        (under the theme current in the codebook, unless the user picks another parent);
        otherwise a new theme at the top level."""
        selection = self.reader.selection_range()
        if self.article is None or selection is None:
            self.ask_new_theme(None)
            return
        current = self.themes_panel.current_theme()
        article_id = self.article.id
        self._open_theme_dialog(
            None, current.id if current else None,
            on_accept=lambda dialog: self._code_with_new_theme(dialog, article_id, *selection),
            with_definition=False, title="New theme from selection",
            passage=self.article.text[selection[0]:selection[1]])

    def _code_with_new_theme(self, dialog: ThemeDialog, article_id: int, start: int,
                             end: int) -> None:
        result = self.run_op("code_with_new_theme", article_id, start, end, dialog.name(),
                             dialog.color(), dialog.parent_id())
        if result:
            self.reader.clear_selection()
            self.select_highlight(result.value.id)
            self.themes_panel.select_theme(result.value.theme_ids[0])

    def ask_new_theme(self, parent_id: int | None = None) -> None:
        """Open the dialog for a new theme, under `parent_id` unless the user picks another."""
        self._open_theme_dialog(None, parent_id)

    def ask_edit_theme(self, theme_id: int) -> None:
        self._open_theme_dialog(self.archive.read("get_theme", theme_id))

    def _open_theme_dialog(self, theme, parent_id: int | None = None, on_accept=None,
                           **options) -> None:
        """The theme dialog, for a new theme (theme None) or to edit one; `on_accept(dialog)`
        replaces creating or updating the theme when it is accepted."""
        dialog = ThemeDialog(self, theme, suggested_color=self.archive.read("suggest_color"),
                             themes=self.themes_panel.themes(), parent_id=parent_id, **options)
        accept = on_accept or (lambda d: self._apply_theme_dialog(d, theme))
        dialog.accepted.connect(lambda: accept(dialog))
        dialog.finished.connect(dialog.deleteLater)
        self.theme_dialog = dialog
        dialog.open()

    def _apply_theme_dialog(self, dialog: ThemeDialog, theme) -> None:
        if theme is None:
            result = self.run_op("create_theme", dialog.name(), dialog.color(),
                                 dialog.description(), dialog.parent_id())
            if result:
                self.themes_panel.select_theme(result.value.id)
        else:
            self.run_op("update_theme", theme.id, name=dialog.name(), color=dialog.color(),
                        description=dialog.description())

    def rename_theme(self, theme_id: int, name: str) -> None:
        """A name typed in the codebook (F2); a name another theme has is refused."""
        self.run_op("update_theme", theme_id, name=name)

    def pin_theme(self, theme_id: int, key: int | None) -> None:
        """Pin a theme to a number key (None unpins it); the key's former theme lets go."""
        self.run_op("update_theme", theme_id, shortcut=key)

    def move_theme(self, theme_id: int, new_index: int, parent_id=KEEP_PARENT) -> None:
        """Reorder the codebook or move a theme under another (None: the top level); the
        number keys follow the new order."""
        self.run_op("move_theme", theme_id, new_index, parent_id)

    def ask_delete_theme(self, theme_id: int) -> None:
        """Delete a theme after asking; for a parent, also whether its sub-themes move up
        or go with it."""
        theme = self.archive.read("get_theme", theme_id)
        children = [t for t in self.themes_panel.themes() if t.parent_id == theme_id]
        if children:
            choice = ask_sub_themes(self, theme, len(children))
            if choice:
                self.run_op("delete_theme", theme_id, choice)
            return
        count = theme.highlight_count
        uses = (f" {_highlights(count)} {'use' if count != 1 else 'uses'} it; "
                f"{'they stay' if count != 1 else 'it stays'}, with any other themes."
                if count else "")
        if not confirm(self, "Delete theme", f"Delete the theme “{theme.name}”?{uses}"):
            return
        # One row changes (the theme is marked deleted), however many passages it codes.
        self.run_op("delete_theme", theme_id)

    def ask_merge_theme(self, theme_id: int) -> None:
        """Context menu ▸ Merge into…: choose the theme to merge this one into."""
        source = self.archive.read("get_theme", theme_id)
        dialog = MergeDialog(self, source, self.themes_panel.themes())
        dialog.accepted.connect(lambda: self.merge_theme(theme_id, dialog.target_id()))
        dialog.finished.connect(dialog.deleteLater)
        self.merge_dialog = dialog
        dialog.open()

    def merge_theme(self, source_id: int, target_id: int) -> None:
        """Merge one theme into another; a much-used one is merged in the background (its
        passages each get a new link)."""
        source = self.archive.read("get_theme", source_id)
        if source.highlight_count > self.BACKGROUND_ROWS:
            target = self.archive.read("get_theme", target_id)
            self.run_op_in_background(f"Merging “{source.name}” into “{target.name}”",
                                      "merge_theme", source_id, target_id)
        elif self.run_op("merge_theme", source_id, target_id):
            self.themes_panel.select_theme(target_id)

    # --- window ----------------------------------------------------------------------------

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        data = event.mimeData()
        if data.hasUrls() or _web_addresses(data.text() if data.hasText() else ""):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        data = event.mimeData()
        urls = [u.toLocalFile() if u.isLocalFile() else u.toString() for u in data.urls()]
        if not urls and data.hasText():
            # Dropped text counts only where it is web addresses, not a dragged passage.
            urls = _web_addresses(data.text())
        if urls:
            self.save_sources(urls)
            event.acceptProposedAction()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self._flush_typing()
        if self._unsaved_note is not None:
            self._store_unsaved_note()  # one more try (the archive may have been busy)
        if self._unsaved_note is not None and not confirm(
                self, "Note not saved", "Your last note could not be stored in the archive. "
                "Close anyway and lose it?"):
            event.ignore()
            return
        self.watch_timer.stop()
        self.tasks.cancel_all()  # workers touch no data; nothing to wait for
        settings = QSettings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/splitter", self.splitter.saveState())
        super().closeEvent(event)

    def _last_read_key(self) -> str:
        # One entry per archive file; '/' would nest groups in QSettings.
        return "lastRead/" + str(self.archive.path.resolve()).replace("/", "|")

    def _last_read(self) -> int | None:
        """The article this archive had open when the window last closed, if it still exists."""
        value = str(QSettings().value(self._last_read_key(), ""))
        if value.isdigit() and self.archive.read("article_row", int(value)) is not None:
            return int(value)
        return None

    def _restore_geometry(self) -> None:
        settings = QSettings()
        geometry = settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
            self.splitter.restoreState(settings.value("window/splitter"))
        else:
            self.resize(1360, 860)
        _fit_on_screen(self)

    def back_up_if_due(self) -> None:
        """A backup of the archive when the last is a day old (`gleaner backup --if-due
        --rotate`, in a process of its own: a consistent copy while the window works on),
        into the folder and within the bounds set in File ▸ Backups…."""
        from .backups_dialog import load_settings
        from .check_archive import run_backup_if_due

        path = self.archive.path
        if self.archive.read_only:
            return  # its folder is likely read-only too; and it is not changing
        chosen = load_settings(path)
        if not chosen.daily:
            return
        self.tasks.start(
            "Backing up the archive",
            lambda _progress: run_backup_if_due(path, chosen.folder, chosen.keep_daily,
                                                chosen.keep_weekly, chosen.max_bytes),
            on_finished=self._backed_up,
            on_failed=lambda reason: self.banner.show_error(f"No backup was made: {reason}"),
            cancellable=False)  # a process of its own, which Cancel would not stop

    def _backed_up(self, run) -> None:
        self.backup_made = run.made  # "": none was due (kept for tests and diagnosis)
        self.backup_warnings = run.warnings
        if run.warnings:
            # The size bound removed backups the daily/weekly rule keeps, or cannot be met.
            self.banner.show_error("Backups: " + "; ".join(run.warnings) + ". See File ▸ "
                                   "Backups….")
        if run.made:
            self.statusBar().showMessage(f"Backed up the archive to {run.made}", 8000)

    def open_backups_dialog(self) -> None:
        """File ▸ Backups…: this archive's backups (see ui/backups_dialog.py)."""
        from .backups_dialog import BackupsDialog  # loaded on first use

        dialog = BackupsDialog.show_for(self)
        dialog.show_warnings(getattr(self, "backup_warnings", []))

    def restore_backup_file(self, backup: Path) -> tuple[str, Path | None]:
        """Put `backup` in the archive's place and show it: close the archive (its process
        must let go of the file), restore, open the same path again. Returns ("", where the
        replaced archive was kept) or (the reason, None) when nothing was restored; either
        way the window is left on an open archive."""
        from PySide6.QtWidgets import QApplication

        from ..core.archive.backup import restore_backup

        busy = [task.label for task in self.tasks.running if task.label != "Reading the backups"]
        if self.running_op or busy:
            return f"wait until “{self.running_op or busy[0]}” is done", None
        self._flush_typing()
        path, read_only = self.archive.path, self.archive.read_only
        self._restarting = True  # the closed archive is not a process that stopped
        self.watch_timer.stop()
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        failure, aside = "", None
        try:
            self.archive.close()
            try:
                aside = restore_backup(path, backup)
            except ArchiveError as error:
                failure = str(error)
            self._reopen_after_restore(path, read_only)
        finally:
            QApplication.restoreOverrideCursor()
            self._restarting = False
        if not failure:
            self.statusBar().showMessage(f"Restored {backup.name}", 8000)
        return failure, aside

    def _reopen_after_restore(self, path: Path, read_only: bool) -> None:
        """Open the archive at `path` again (the restored one, or the original if restoring
        failed); if it will not open, the user is asked what to do, as at start-up."""
        from .archive_problem import open_archive_with_remedies

        try:
            client = ArchiveClient.start(path, read_only)
        except ArchiveError:
            client = open_archive_with_remedies(path, self, give_up_label="Quit")
        if client is None:
            self.close()
            return
        self.archive = client
        self.banner.hide()
        self._unsaved_note = None  # it belonged to the archive that was replaced
        self._show_archive()

    def check_archive(self) -> None:
        """Help ▸ Check Archive: `gleaner check` in a process of its own (see
        ui/check_archive.py); the outcome is shown when it ends."""
        from .check_archive import run_check, show_results

        path = self.archive.path
        self.check_report = None
        self.tasks.start(
            "Checking the archive", lambda _progress: run_check(path),
            on_finished=lambda results: setattr(self, "check_report",
                                                show_results(self, results)),
            on_failed=self.banner.show_error, cancellable=False)

    def _about(self) -> None:
        QMessageBox.about(
            self, "About Gleaner",
            "<b>Gleaner</b><br>Save articles offline, read them, and code passages with "
            f"themes.<br><br>Archive: {self.archive.path}")


def ask_sub_themes(parent, theme: Theme, children: int) -> str | None:
    """Deleting a parent theme: "move-up" (its sub-themes take its place), "delete" (they
    go with it) or None (keep everything)."""
    own = _highlights(theme.highlight_count) if theme.highlight_count else "no highlight"
    sub = f"{children} sub-theme{'s' if children != 1 else ''}"
    text = (f"Delete the theme “{theme.name}”? It codes {own}; with its {sub}, "
            f"{_highlights(theme.total_highlights)}. The highlights stay, with any other "
            "themes they have.\n\nShould its sub-themes move up to take its place, or be "
            "deleted with it?")
    box = QMessageBox(QMessageBox.Icon.Question, "Delete theme", text,
                      QMessageBox.StandardButton.Cancel, parent)
    box.setObjectName("deleteParentQuestion")
    box.setTextFormat(Qt.TextFormat.PlainText)
    move_up = box.addButton("Move sub-themes up", QMessageBox.ButtonRole.AcceptRole)
    with_it = box.addButton("Delete sub-themes too", QMessageBox.ButtonRole.DestructiveRole)
    move_up.setObjectName("moveUp")
    with_it.setObjectName("deleteWithIt")
    box.setDefaultButton(move_up)
    box.exec()
    return {move_up: "move-up", with_it: "delete"}.get(box.clickedButton())


def _highlights(count: int | None) -> str:
    if count is None:
        return "highlights still being counted"
    return "1 highlight" if count == 1 else f"{count} highlights"


def confirm(parent, title: str, text: str) -> bool:
    """Ask a yes/no question; the text is shown as plain text (titles may contain '<')."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text,
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    return box.exec() == QMessageBox.StandardButton.Yes


def _action(parent, text: str, shortcut, slot) -> QAction:
    action = QAction(text, parent)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.triggered.connect(slot)
    parent.addAction(action)
    return action


def _web_addresses(text: str) -> list[str]:
    """The lines of dropped text that are web addresses."""
    return [line.strip() for line in text.splitlines()
            if line.strip().startswith(("http://", "https://"))]


def _short(source: str, limit: int = 70) -> str:
    return source if len(source) <= limit else source[:limit - 1] + "…"


class SideTabs(QTabBar):
    """Tabs over pages that the window lays out itself: the current tab's page is shown,
    the others hidden. Answers the few QTabWidget calls the window and tests use.

    Each page (and the codebook above them) sits in a holder whose minimum height follows
    its content at the column's width (`fit_pages`). The column's layout gives a part with
    wrapped text the height it needs at that width, while the scroll area sizes the column
    by the parts' plain minimum heights: the difference was drawn past the column's end,
    out of reach, or parts were squeezed over each other.
    """

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.pages: list[QWidget] = []
        self.holders: list[QWidget] = []
        self._always: list[tuple[QWidget, QWidget]] = []
        self.setDrawBase(False)
        self.setExpanding(False)
        # In a narrow column the labels shorten rather than hide behind scroll arrows.
        self.setUsesScrollButtons(False)
        self.setElideMode(Qt.TextElideMode.ElideRight)
        self.currentChanged.connect(self._show_page)

    def hold(self, widget: QWidget) -> QWidget:
        """A holder for a widget of the column that is always shown (the codebook), fitted
        like the pages."""
        holder = _holder(widget)
        self._always.append((widget, holder))
        return holder

    def addTab(self, page: QWidget, label: str) -> int:  # noqa: N802 (Qt's name)
        self.pages.append(page)
        self.holders.append(_holder(page))
        index = super().addTab(label)
        self._show_page(self.currentIndex())
        return index

    def indexOf(self, page: QWidget) -> int:  # noqa: N802 (Qt's name)
        return self.pages.index(page) if page in self.pages else -1

    def currentWidget(self) -> QWidget | None:  # noqa: N802 (Qt's name)
        index = self.currentIndex()
        return self.pages[index] if 0 <= index < len(self.pages) else None

    def setCurrentWidget(self, page: QWidget) -> None:  # noqa: N802 (Qt's name)
        self.setCurrentIndex(self.indexOf(page))

    def _show_page(self, index: int) -> None:
        for number, holder in enumerate(self.holders):
            holder.setVisible(number == index)
        self.fit_pages()  # a page laid out while hidden may have grown since

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.fit_pages()  # the column's width changed: wrapped text needs other heights

    def fit_pages(self) -> None:
        """Hold each page's height at least at what its content needs (call after a page's
        content changed; it runs again once the pages' layouts have settled). The column's
        layout shrinks a page below its minimum size hint when the codebook beside it wants
        to grow; an explicit minimum height it respects."""
        self._fit_now()
        QTimer.singleShot(0, self._fit_now)
        QTimer.singleShot(50, self._fit_now)  # after wrapped labels took their new width

    def _fit_now(self) -> None:
        for page, holder in zip(self.pages, self.holders, strict=True):
            layout = page.layout()
            if layout is None:
                continue
            layout.activate()
            width = holder.width() if holder.isVisible() else self.width()
            needed = (layout.minimumHeightForWidth(width) if layout.hasHeightForWidth()
                      else layout.totalMinimumSize().height())
            holder.setMinimumHeight(max(needed, layout.totalMinimumSize().height()))
        for widget, holder in self._always:
            # Its list scrolls inside it, so it may shrink down to its own minimum.
            holder.setMinimumHeight(widget.minimumSizeHint().height())


def _holder(widget: QWidget) -> QWidget:
    """A plain widget around `widget` that reports no height-for-width to the column."""
    holder = QWidget()
    layout = _MinimumHeightLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(widget)
    return holder


class _MinimumHeightLayout(QVBoxLayout):
    """A column that asks its scroll area only for its minimum height.

    With word-wrapped labels inside, a plain layout reports a height-for-width, and a
    resizable QScrollArea then sizes its content to the *preferred* height: the side panels
    scrolled even in a large window. Without it the content fills the viewport and scrolls
    only when the viewport is smaller than the panels' minimum.
    """

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt's name)
        return False


def _string_list(value) -> list[str]:
    """A QSettings list (which an INI file may hand back as one string, or None)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value]


def _fit_on_screen(window: QMainWindow) -> None:
    """Never open larger than the screen (a geometry saved on a bigger monitor, say)."""
    screen = window.screen()
    if screen is None:
        return
    available = screen.availableGeometry()
    width = min(window.width(), available.width())
    height = min(window.height(), available.height())
    if (width, height) != (window.width(), window.height()):
        window.resize(width, height)
