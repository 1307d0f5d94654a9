"""The main window: library on the left, reader in the centre, themes and highlight on the right.

The window owns no data: it asks the archive, shows what it gets, and stores each change the
moment the user makes it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..core.archive import Archive, ArchiveError
from ..core.capture import capture
from ..core.models import Article, CapturedArticle, Highlight
from ..core.resources import resource_path
from .highlight_panel import HighlightPanel
from .library_view import LibraryView
from .reader import ReaderView
from .theme_dialog import ThemeDialog
from .themes_panel import ThemesPanel
from .widgets import MessageBanner, WelcomePage


class MainWindow(QMainWindow):
    """Gleaner's window over one open archive."""

    def __init__(self, archive: Archive, parent=None) -> None:
        super().__init__(parent)
        from .tasks import TaskRunner

        self.archive = archive
        self.tasks = TaskRunner(self)
        self.article: Article | None = None
        self.highlights: list[Highlight] = []
        self.active_highlight: int | None = None
        self.theme_dialog: ThemeDialog | None = None
        self._last_deleted: Highlight | None = None
        self.setWindowTitle(f"Gleaner — {archive.path.name}")
        self.setAcceptDrops(True)
        self._build_widgets()
        self._build_actions()
        self.tasks.busy_changed.connect(self._show_busy)
        self.refresh_themes()
        self.refresh_library()
        self._restore_geometry()

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
        self.library = LibraryView()
        self.library.articleSelected.connect(self.show_article)
        self.library.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.library.customContextMenuRequested.connect(self._library_menu)
        self.reader = ReaderView()
        self.reader.highlightClicked.connect(self.select_highlight)
        self.reader.codeRequested.connect(self.code_selection)
        self.reader.selectionChanged.connect(self._on_reader_selection)
        self.welcome = WelcomePage()
        self.welcome.sampleRequested.connect(self.open_sample_article)
        self.centre = QStackedWidget()
        self.centre.addWidget(self.welcome)
        self.centre.addWidget(self.reader)

        self.themes_panel = ThemesPanel()
        self.themes_panel.themeActivated.connect(self.code_selection)
        self.themes_panel.newThemeRequested.connect(self.ask_new_theme)
        self.themes_panel.editThemeRequested.connect(self.ask_edit_theme)
        self.themes_panel.deleteThemeRequested.connect(self.ask_delete_theme)
        self.themes_panel.moveThemeRequested.connect(self.move_theme)
        self.highlight_panel = HighlightPanel()
        self.highlight_panel.noteEdited.connect(self.set_note)
        self.highlight_panel.themeToggled.connect(self.toggle_theme)
        self.highlight_panel.deleteRequested.connect(self.delete_highlight)
        side = QSplitter(Qt.Orientation.Vertical)
        side.setObjectName("sidePanels")
        side.addWidget(self.themes_panel)
        side.addWidget(self.highlight_panel)
        side.setStretchFactor(0, 0)
        side.setStretchFactor(1, 1)
        side.setSizes([330, 470])

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.library)
        self.splitter.addWidget(self.centre)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(1, 1)
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
        quit_action = _action(self, "Quit", QKeySequence.StandardKey.Quit, self.close)
        for action in (self.save_url_action, self.open_file_action, self.sample_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)

        edit_menu = self.menuBar().addMenu("&Edit")
        self.undo_delete_action = _action(self, "Undo Delete Highlight",
                                          QKeySequence.StandardKey.Undo, self.undo_delete)
        self.undo_delete_action.setEnabled(False)
        edit_menu.addAction(self.undo_delete_action)

        themes_menu = self.menuBar().addMenu("&Themes")
        themes_menu.addAction(_action(self, "New Theme…", "Ctrl+T", self.ask_new_theme))

        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(_action(self, "About Gleaner", None, self._about))

        # Number keys code the selection; a text field with focus takes its digits first.
        self.number_shortcuts = []
        for number in range(1, 10):
            shortcut = QShortcut(QKeySequence(str(number)), self)
            shortcut.activated.connect(lambda n=number: self.code_with_key(n))
            self.number_shortcuts.append(shortcut)

    # --- library ---------------------------------------------------------------------------

    def refresh_library(self, select: int | None = None) -> None:
        """Reload the article list, keeping the current article selected."""
        articles = self.archive.list_articles()
        keep = select if select is not None else (self.article.id if self.article else None)
        self.library.set_articles(articles, keep=keep)
        if not articles:
            self.article = None
            self.centre.setCurrentWidget(self.welcome)
            self.highlight_panel.show_highlight(None, [])
        elif select is not None or self.article is None:
            if select is None:
                select = self._last_read(articles) or articles[0].id
            self.show_article(select)

    def show_article(self, article_id: int) -> None:
        """Open an article in the reader."""
        try:
            self.article = self.archive.get_article(article_id)
        except ArchiveError as error:
            self.banner.show_error(str(error))
            return
        self.library.select_article(article_id)
        QSettings().setValue(self._last_read_key(), article_id)
        self.highlights = self.archive.list_highlights(article_id=article_id)
        self.active_highlight = None
        self.reader.show_article(self.article, self.highlights, self.themes_panel.themes())
        self.centre.setCurrentWidget(self.reader)
        self.highlight_panel.show_highlight(None, [])

    def _library_menu(self, point) -> None:
        index = self.library.indexAt(point)
        if not index.isValid():
            return
        article_id = self.library.model_.articles[index.row()].id
        menu = QMenu(self)
        menu.addAction("Delete article…", lambda: self.ask_delete_article(article_id))
        menu.exec(self.library.viewport().mapToGlobal(point))

    def ask_delete_article(self, article_id: int) -> None:
        article = self.archive.get_article(article_id)
        count = len(self.archive.list_highlights(article_id=article_id))
        detail = f" and its {count} highlight{'s' if count != 1 else ''}" if count else ""
        if confirm(self, "Delete article",
                   f"Delete “{article.title}”{detail} from the archive?"):
            self.archive.delete_article(article_id)
            if self.article and self.article.id == article_id:
                self.article = None
            self.refresh_library()
            self.refresh_themes()

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
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Open saved web pages", str(Path.home()),
            "Web pages (*.html *.htm);;All files (*)")
        self.save_sources(paths)

    def open_sample_article(self) -> None:
        self.save_sources([str(resource_path("sample-article.html"))])

    def save_sources(self, sources: list[str]) -> None:
        """Capture each URL or file in the background, then store it on this thread."""
        for source in sources:
            self.tasks.start(
                f"Saving {source}", lambda progress, s=source: capture(s, progress),
                on_finished=lambda article, s=source: self._store_captured(s, article),
                on_failed=lambda reason, s=source: self.banner.show_error(
                    f"Could not save {_short(s)}: {reason}"),
                on_progress=lambda message, _fraction: self.busy_label.setText(message),
                on_cancelled=lambda s=source: self.statusBar().showMessage(
                    f"Stopped saving {_short(s)}", 5000))

    def _store_captured(self, source: str, captured: CapturedArticle) -> None:
        try:
            article_id, created = self.archive.save_article(captured)
        except ArchiveError as error:
            self.banner.show_error(f"Could not save {_short(source)}: {error}")
            return
        if not created:
            self.banner.show_notice(f"“{captured.title}” is already in your archive.")
        if self.focusWidget() is self.highlight_panel.note:
            # The user is writing a note (focusWidget holds even while the window is in the
            # background): add the article to the library but stay where they are.
            self.refresh_library()
            if created:
                self.banner.show_notice(f"Saved “{captured.title}”. It is in the library.")
            return
        self.refresh_library(select=article_id)
        if created:
            self.statusBar().showMessage(f"Saved “{captured.title}”", 5000)

    def _show_busy(self, busy: bool) -> None:
        for widget in (self.busy_label, self.busy_bar, self.cancel_button):
            widget.setVisible(busy)
        if busy:
            self.busy_label.setText("Saving…")

    # --- coding ----------------------------------------------------------------------------

    def code_with_key(self, number: int) -> None:
        theme = self.themes_panel.theme_for_key(number)
        if theme:
            self.code_selection(theme.id)

    def code_selection(self, theme_id: int) -> None:
        """Code the reader's selection with a theme; with no selection, add the theme to the
        highlight that is open in the side panel."""
        selection = self.reader.selection_range()
        try:
            if self.article and selection:
                highlight = self.archive.add_highlight(self.article.id, *selection, [theme_id])
                self.reader.clear_selection()
            elif self.active_highlight is not None:
                highlight = self.archive.add_highlight_theme(self.active_highlight, theme_id)
            else:
                self.statusBar().showMessage(
                    "Select a passage in the article first, then choose a theme.", 5000)
                return
        except ArchiveError as error:
            self.banner.show_error(str(error))
            return
        self._after_highlight_change(highlight.id)

    def select_highlight(self, highlight_id: int | None) -> None:
        """Show a highlight in the side panel (None clears it)."""
        self.active_highlight = highlight_id
        highlight = next((h for h in self.highlights if h.id == highlight_id), None)
        self.highlight_panel.show_highlight(highlight, self.themes_panel.themes())
        self.reader.set_highlights(self.highlights, self.themes_panel.themes(), highlight_id)

    def set_note(self, highlight_id: int, note: str) -> None:
        try:
            updated = self.archive.set_note(highlight_id, note)
        except ArchiveError as error:
            self.banner.show_error(f"The note could not be saved: {error}")
            return
        self.highlights = [updated if h.id == highlight_id else h for h in self.highlights]

    def toggle_theme(self, highlight_id: int, theme_id: int, applied: bool) -> None:
        try:
            if applied:
                self.archive.add_highlight_theme(highlight_id, theme_id)
            else:
                self.archive.remove_highlight_theme(highlight_id, theme_id)
        except ArchiveError as error:
            self.banner.show_error(str(error))
        self._after_highlight_change(highlight_id)

    def delete_highlight(self, highlight_id: int) -> None:
        try:
            self._last_deleted = self.archive.get_highlight(highlight_id)
            self.archive.delete_highlight(highlight_id)
        except ArchiveError as error:
            self.banner.show_error(str(error))
            return
        self.undo_delete_action.setEnabled(True)
        self.statusBar().showMessage("Highlight deleted. Press Ctrl+Z to undo.", 8000)
        self._after_highlight_change(None)

    def undo_delete(self) -> None:
        """Bring back the last deleted highlight with its themes and note."""
        deleted, self._last_deleted = self._last_deleted, None
        self.undo_delete_action.setEnabled(False)
        if deleted is None:
            return
        # A theme deleted since then is left out rather than losing the whole highlight.
        existing = {theme.id for theme in self.archive.list_themes()}
        themes = [theme_id for theme_id in deleted.theme_ids if theme_id in existing]
        try:
            restored = self.archive.add_highlight(deleted.article_id, deleted.start, deleted.end,
                                                  themes, deleted.note)
        except ArchiveError as error:
            self.banner.show_error(f"The highlight could not be restored: {error}")
            return
        if self.article and self.article.id == deleted.article_id:
            self._after_highlight_change(restored.id)
        else:
            self.refresh_library()
            self.refresh_themes()

    def _after_highlight_change(self, active: int | None) -> None:
        self.highlights = self.archive.list_highlights(article_id=self.article.id) \
            if self.article else []
        self.refresh_themes()
        self.select_highlight(active)
        self.library.set_articles(self.archive.list_articles(),
                                  keep=self.article.id if self.article else None)

    def _on_reader_selection(self) -> None:
        if self.reader.selection_range():
            self.statusBar().showMessage("Press 1–9 or click a theme to code this passage.")
        else:
            self.statusBar().clearMessage()

    # --- themes ----------------------------------------------------------------------------

    def refresh_themes(self) -> None:
        self.themes_panel.set_themes(self.archive.list_themes())

    def ask_new_theme(self) -> None:
        self._open_theme_dialog(None)

    def ask_edit_theme(self, theme_id: int) -> None:
        self._open_theme_dialog(self.archive.get_theme(theme_id))

    def _open_theme_dialog(self, theme) -> None:
        dialog = ThemeDialog(self, theme, suggested_color=self.archive.suggest_color())
        dialog.accepted.connect(lambda: self._apply_theme_dialog(dialog, theme))
        dialog.finished.connect(dialog.deleteLater)
        self.theme_dialog = dialog
        dialog.open()

    def _apply_theme_dialog(self, dialog: ThemeDialog, theme) -> None:
        try:
            if theme is None:
                self.archive.add_theme(dialog.name(), dialog.color(), dialog.description())
            else:
                self.archive.update_theme(theme.id, name=dialog.name(), color=dialog.color(),
                                          description=dialog.description())
        except ArchiveError as error:
            self.banner.show_error(str(error))
            return
        self._after_themes_change()

    def move_theme(self, theme_id: int, new_row: int) -> None:
        """Reorder the codebook; the number keys follow the new order."""
        try:
            self.archive.move_theme(theme_id, new_row)
        except ArchiveError as error:
            self.banner.show_error(str(error))
            return
        self._after_themes_change()

    def ask_delete_theme(self, theme_id: int) -> None:
        theme = self.archive.get_theme(theme_id)
        uses = (f" It will be taken off {theme.highlight_count} highlight(s); the highlights "
                "themselves stay." if theme.highlight_count else "")
        if confirm(self, "Delete theme", f"Delete the theme “{theme.name}”?{uses}"):
            self.archive.delete_theme(theme_id)
            self._after_themes_change()

    def _after_themes_change(self) -> None:
        self.refresh_themes()
        if self.article:
            self.highlights = self.archive.list_highlights(article_id=self.article.id)
        self.select_highlight(self.active_highlight)

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
        self.tasks.cancel_all()  # workers touch no data; nothing to wait for
        settings = QSettings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/splitter", self.splitter.saveState())
        super().closeEvent(event)

    def _last_read_key(self) -> str:
        # One entry per archive file; '/' would nest groups in QSettings.
        return "lastRead/" + str(self.archive.path.resolve()).replace("/", "|")

    def _last_read(self, articles) -> int | None:
        """The article this archive had open when the window last closed, if it still exists."""
        value = str(QSettings().value(self._last_read_key(), ""))
        if value.isdigit() and any(article.id == int(value) for article in articles):
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

    def _about(self) -> None:
        QMessageBox.about(
            self, "About Gleaner",
            "<b>Gleaner</b><br>Save articles offline, read them, and code passages with "
            f"themes.<br><br>Archive: {self.archive.path}")

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
