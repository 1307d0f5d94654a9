"""The selected highlight: its quote, its themes (tick to add or remove), its note."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPixmap, QTextCursor
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..core.codebook import depths
from ..core.models import Highlight, Theme
from .widgets import WrappingLabel

QUOTE_PREVIEW_CHARS = 280
ORPHANED_TEXT = ("Its text is no longer in the article (it changed when the article was "
                 "extracted again). Select the passage in the reader, then re-attach it.")


class HighlightPanel(QWidget):
    """Edits one highlight. Theme ticks are emitted at once; the note after each pause in
    typing (NOTE_PAUSE_MS), or at once when the note loses focus or another highlight is
    shown, so each pause is one step of the undo history."""

    NOTE_PAUSE_MS = 600

    noteEdited = Signal(int, str)
    themeToggled = Signal(int, int, bool)  # highlight id, theme id, now applied
    deleteRequested = Signal(int)
    reattachRequested = Signal(int)  # an orphaned highlight, to the reader's selection
    leaveRequested = Signal()  # Escape in the note: back to the reader

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("highlightPanel")
        self.highlight: Highlight | None = None

        title = QLabel("Highlight")
        title.setObjectName("panelTitle")
        self.empty = QLabel("Click a highlighted passage to see its themes and note.")
        self.empty.setObjectName("panelHint")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop)

        self.quote = WrappingLabel()
        self.quote.setObjectName("quote")
        self.quote.setWordWrap(True)
        self.quote.setTextFormat(Qt.TextFormat.PlainText)
        self.quote.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.theme_list = QListWidget()
        self.theme_list.setObjectName("highlightThemes")
        self.theme_list.itemChanged.connect(self._on_theme_item_changed)
        self.note = QPlainTextEdit()
        self.note.setMinimumHeight(64)  # a few lines; it grows with the panel
        self.note.setObjectName("note")
        self.note.setPlaceholderText("Add a note — it is saved as you type")
        self.note.textChanged.connect(self._on_note_changed)
        self.note.setTabChangesFocus(True)  # Tab leaves the note; it never types a tab
        self.note.installEventFilter(self)
        self._note_timer = QTimer(self)
        self._note_timer.setSingleShot(True)
        self._note_timer.setInterval(self.NOTE_PAUSE_MS)
        self._note_timer.timeout.connect(self.flush_note)
        self._pending_note: int | None = None  # highlight whose typed note is not stored yet
        self.orphaned = WrappingLabel(ORPHANED_TEXT)
        self.orphaned.setObjectName("orphanedNotice")
        self.orphaned.setWordWrap(True)
        self.reattach_button = QPushButton("Re-attach to selection")
        self.reattach_button.setObjectName("reattachHighlight")
        self.reattach_button.clicked.connect(self._on_reattach)
        self.delete_button = QPushButton("Delete highlight")
        self.delete_button.setObjectName("deleteHighlight")
        self.delete_button.clicked.connect(self._on_delete)

        details = QWidget()
        details_layout = QVBoxLayout(details)
        details_layout.setContentsMargins(0, 0, 0, 0)
        details_layout.addWidget(self.quote)
        details_layout.addWidget(self.orphaned)
        details_layout.addWidget(self.reattach_button, 0, Qt.AlignmentFlag.AlignLeft)
        details_layout.addWidget(_caption("Themes"))
        details_layout.addWidget(self.theme_list)
        details_layout.addWidget(_caption("Note"))
        details_layout.addWidget(self.note, 1)
        details_layout.addWidget(self.delete_button, 0, Qt.AlignmentFlag.AlignLeft)

        # Shown and hidden rather than stacked: a stack would not let the wrapped quote grow.
        self.details = details
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 12)
        layout.addWidget(title)
        layout.addWidget(self.empty, 1)
        layout.addWidget(details, 1)
        details.hide()

    def show_highlight(self, highlight: Highlight | None, themes: list[Theme]) -> None:
        """Show a highlight (or the hint when None)."""
        same = highlight and self.highlight and highlight.id == self.highlight.id
        if not same:
            self.flush_note()
        self.highlight = highlight
        self.empty.setVisible(highlight is None)
        self.details.setVisible(highlight is not None)
        if highlight is None:
            return
        quote = highlight.exact
        if len(quote) > QUOTE_PREVIEW_CHARS:
            quote = quote[:QUOTE_PREVIEW_CHARS].rsplit(" ", 1)[0] + " …"
        self.quote.setText(f"“{quote}”")
        self.orphaned.setVisible(highlight.orphaned)
        self.reattach_button.setVisible(highlight.orphaned)
        levels = depths(themes)
        with QSignalBlocker(self.theme_list):
            self.theme_list.clear()
            for theme in themes:
                # Sub-themes indented under their parents, as in the codebook.
                item = QListWidgetItem(_chip(theme.color),
                                       "    " * levels.get(theme.id, 0) + theme.name)
                item.setData(Qt.ItemDataRole.UserRole, theme.id)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if theme.id in highlight.theme_ids
                                   else Qt.CheckState.Unchecked)
                self.theme_list.addItem(item)
        rows = min(self.theme_list.count(), 8)  # more themes scroll inside the list
        self.theme_list.setFixedHeight(rows * max(self.theme_list.sizeHintForRow(0), 18)
                                       + 2 * self.theme_list.frameWidth() + 2)
        # Reload the note unless the user is typing in it: never fight their keystrokes.
        # Never fight keystrokes not yet stored; otherwise show the stored note (Undo may
        # have changed it while the caret is in the box).
        typing = same and self._pending_note is not None
        if self.note.toPlainText() != highlight.note and not typing:
            caret = self.note.textCursor().position()
            with QSignalBlocker(self.note):
                self.note.setPlainText(highlight.note)
            cursor = self.note.textCursor()
            cursor.setPosition(min(caret, len(highlight.note)))
            self.note.setTextCursor(cursor)

    def theme_item(self, name: str) -> QListWidgetItem | None:
        for row in range(self.theme_list.count()):
            if self.theme_list.item(row).text().strip() == name:
                return self.theme_list.item(row)
        return None

    def _on_theme_item_changed(self, item: QListWidgetItem) -> None:
        if self.highlight:
            self.themeToggled.emit(self.highlight.id, item.data(Qt.ItemDataRole.UserRole),
                                   item.checkState() == Qt.CheckState.Checked)

    def current_id(self) -> int | None:
        return self.highlight.id if self.highlight else None

    def flush_note(self) -> None:
        """Send the note typed so far, if it has not been sent yet."""
        self._note_timer.stop()
        pending, self._pending_note = self._pending_note, None
        if pending is not None and self.highlight and self.highlight.id == pending:
            self.noteEdited.emit(pending, self.note.toPlainText())

    def edit_note(self) -> None:
        """Put the caret at the end of the note, ready to type (Enter on a highlight)."""
        self.note.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.note.moveCursor(QTextCursor.MoveOperation.End)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.note and event.type() == QEvent.Type.FocusOut:
            self.flush_note()
        if (watched is self.note and event.type() == QEvent.Type.KeyPress
                and event.key() == Qt.Key.Key_Escape):
            self.flush_note()
            self.leaveRequested.emit()
            return True
        return super().eventFilter(watched, event)

    def _on_reattach(self) -> None:
        if self.highlight:
            self.reattachRequested.emit(self.highlight.id)

    def _on_note_changed(self) -> None:
        if self.highlight:
            self._pending_note = self.highlight.id
            self._note_timer.start()

    def _on_delete(self) -> None:
        if self.highlight:
            self.deleteRequested.emit(self.highlight.id)


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("caption")
    return label


def _chip(color: str) -> QPixmap:
    pixmap = QPixmap(14, 14)
    pixmap.fill(QColor(color))
    return pixmap
