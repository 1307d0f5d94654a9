"""The open article's own data: its star, read mark, tags and memo (a side panel), and the
details extraction may have got wrong (the "Edit details" dialog).

Nothing here changes the archive. The panel emits a signal for each change the moment it is
made (the memo after a pause in typing, like a highlight's note); the window runs the
operation and shows the fresh article again with `show_article`.
"""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import (
    QEvent,
    QPoint,
    QRect,
    QSignalBlocker,
    QSize,
    QStringListModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core.models import Article
from .formatting import human_date
from .widgets import WrappingLabel

# The fields the user can correct, as the core names them, with the words the window uses.
FIELD_LABELS = {"title": "Title", "authors": "Authors", "site_name": "Site",
                "published": "Published"}
HINT_CHARS = 80  # an extracted value quoted in a hint is cut to this many characters

# The panel's own look. It sits in the window's side column, under the app's stylesheet.
PANEL_STYLE = """
QWidget#articleDetails { background: #FBFAF8; }
QLabel#articleTitle { font-weight: 600; font-size: 10.5pt; color: #1B1B1B; }
QLabel#detailLabel { color: #6B6B6B; font-size: 9pt; }
QLabel#correctionHint { color: #8A6D1F; font-size: 8.5pt; font-style: italic; }
QLabel#unreadMark { color: #1A5FB4; font-size: 9pt; }
QToolButton#starButton {
    border: none; background: transparent; font-size: 15pt; color: #8A867D; padding: 0 2px;
}
QToolButton#starButton:checked { color: #C98A00; }
QToolButton#starButton:focus { border: 1px solid #1A5FB4; border-radius: 4px; }
QFrame#tagChip {
    background: #E8EEF6; border: 1px solid #C9D6E8; border-radius: 10px;
}
QFrame#tagChip:focus { border: 1px solid #1A5FB4; background: #D6E3F5; }
QLabel#tagName { color: #1F3A5F; font-size: 9pt; }
QToolButton#removeTag {
    border: none; background: transparent; color: #5B6B80; padding: 0; font-size: 9pt;
}
QToolButton#removeTag:hover { color: #A32020; }
QLineEdit#tagInput { padding: 3px 6px; border: 1px solid #CFCBC2; border-radius: 6px;
                     background: white; }
QLineEdit#tagInput:focus { border-color: #1A5FB4; }
QPlainTextEdit#memo { background: white; border: 1px solid #CFCBC2; border-radius: 6px; }
"""


class ArticleDetailsPanel(QWidget):
    """Star, read mark, tags, memo and details of one article (`show_article`).

    Signals (article id first): `starToggled(id, starred)`, `readToggled(id, read)`,
    `memoEdited(id, text)` after each pause in typing (MEMO_PAUSE_MS) or at once when the
    memo loses focus or another article is shown, so each pause is one undo step;
    `tagsAdded(id, [names])`, `tagRemoved(id, name)`, `editRequested(id)` (open
    `EditDetailsDialog`). The panel shows what `show_article` gave it: after handling a signal,
    show the article again (also when the change failed, to undo what the click showed).
    """

    MEMO_PAUSE_MS = 600

    starToggled = Signal(int, bool)
    readToggled = Signal(int, bool)
    memoEdited = Signal(int, str)
    tagsAdded = Signal(int, list)
    tagRemoved = Signal(int, str)
    editRequested = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("articleDetails")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(PANEL_STYLE)
        self.article: Article | None = None
        self.chips: list[TagChip] = []
        self._refocus_chip: int | None = None  # where focus goes once a removed chip is gone

        heading = QLabel("Article")
        heading.setObjectName("panelTitle")
        self.unread_mark = QLabel("● Unread")
        self.unread_mark.setObjectName("unreadMark")
        self.star_button = QToolButton()
        self.star_button.setObjectName("starButton")
        self.star_button.setCheckable(True)
        self.star_button.setAccessibleName("Star")
        self.star_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.star_button.clicked.connect(self._on_star_clicked)
        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(heading)
        header.addSpacing(6)
        header.addWidget(self.unread_mark)
        header.addStretch(1)
        header.addWidget(self.star_button)

        self.empty = QLabel("Open an article to see its tags and memo.")
        self.empty.setObjectName("panelHint")
        self.empty.setWordWrap(True)

        self.details = QWidget()
        column = QVBoxLayout(self.details)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        column.addLayout(self._build_facts())
        column.addLayout(self._build_buttons())
        column.addWidget(_caption("Tags"))
        column.addWidget(self._build_tags())
        column.addWidget(_caption("Memo"))
        column.addWidget(self._build_memo(), 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 12)
        layout.addLayout(header)
        layout.addWidget(self.empty)
        layout.addWidget(self.details, 1)
        self.show_article(None, [])

    # --- building -------------------------------------------------------------------------

    def _build_facts(self) -> QGridLayout:
        """Title, then authors, site and date, each with a hint line shown when corrected."""
        self.title_label = _value_label("articleTitle")
        self.values: dict[str, QLabel] = {"title": self.title_label}
        self.hints: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setContentsMargins(0, 2, 0, 2)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(1)
        grid.addWidget(self.title_label, 0, 0, 1, 2)
        self.hints["title"] = _hint_label()
        grid.addWidget(self.hints["title"], 1, 0, 1, 2)
        row = 2
        for field in ("authors", "site_name", "published"):
            name = QLabel(FIELD_LABELS[field])
            name.setObjectName("detailLabel")
            name.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            self.values[field] = _value_label(f"{field}Value")
            self.hints[field] = _hint_label()
            grid.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(self.values[field], row, 1)
            grid.addWidget(self.hints[field], row + 1, 1)
            row += 2
        grid.setColumnStretch(1, 1)
        return grid

    def _build_buttons(self) -> QHBoxLayout:
        self.read_button = QPushButton("Mark read")
        self.read_button.setObjectName("readButton")
        self.read_button.clicked.connect(self._on_read_clicked)
        self.edit_button = QPushButton("Edit details…")
        self.edit_button.setObjectName("editDetails")
        self.edit_button.setToolTip("Correct the title, authors, site or date")
        self.edit_button.clicked.connect(self._on_edit_clicked)
        row = QHBoxLayout()
        row.setContentsMargins(0, 4, 0, 0)
        row.addWidget(self.read_button)
        row.addWidget(self.edit_button)
        row.addStretch(1)
        return row

    def _build_tags(self) -> QWidget:
        self.chip_box = QWidget()
        self.chip_box.setObjectName("tagChips")
        self.chip_layout = FlowLayout(self.chip_box, spacing=4)
        self.tag_input = QLineEdit()
        self.tag_input.setObjectName("tagInput")
        self.tag_input.setPlaceholderText("Add a tag…")
        self.tag_input.setToolTip("Type a tag and press Enter; commas separate several")
        self.tag_input.setAccessibleName("Add tags")
        self._tag_names = QStringListModel(self)
        self.completer = TagCompleter(self._tag_names, self)
        self.tag_input.setCompleter(self.completer)
        self.tag_input.returnPressed.connect(self._on_tag_entered)
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.chip_box)
        layout.addWidget(self.tag_input)
        return box

    def _build_memo(self) -> QPlainTextEdit:
        self.memo = QPlainTextEdit()
        self.memo.setObjectName("memo")
        self.memo.setAccessibleName("Memo")
        self.memo.setPlaceholderText("Notes on the whole article — saved as you type")
        self.memo.setMinimumHeight(72)
        self.memo.setTabChangesFocus(True)  # Tab leaves the memo; it never types a tab
        self.memo.textChanged.connect(self._on_memo_changed)
        self.memo.installEventFilter(self)
        self._memo_timer = QTimer(self)
        self._memo_timer.setSingleShot(True)
        self._memo_timer.setInterval(self.MEMO_PAUSE_MS)
        self._memo_timer.timeout.connect(self.flush_memo)
        self._pending_memo: int | None = None  # article whose typed memo is not sent yet
        return self.memo

    # --- showing --------------------------------------------------------------------------

    def show_article(self, article: Article | None, all_tags) -> None:
        """Show an article (or the hint when None). `all_tags` are the archive's tags, as
        `list_tags` gives them ((name, count) pairs) or as names: the tag box offers them."""
        same = article is not None and self.article is not None and article.id == self.article.id
        if not same:
            self.flush_memo()
            self.tag_input.clear()
            self._refocus_chip = None  # a removal that never came back must not move focus
        self.article = article
        self.empty.setVisible(article is None)
        self.details.setVisible(article is not None)
        self.star_button.setVisible(article is not None)
        self.unread_mark.setVisible(article is not None and not article.read)
        if article is None:
            self._set_chips([])
            return
        self._show_flags(article)
        self._show_facts(article)
        self._set_chips(list(article.tags))
        names = [tag if isinstance(tag, str) else tag[0] for tag in all_tags]
        taken = {tag.casefold() for tag in article.tags}
        self._tag_names.setStringList([n for n in names if n.casefold() not in taken])
        self._show_memo(article, typing=same and self._pending_memo is not None)

    def current_id(self) -> int | None:
        return self.article.id if self.article else None

    def _show_flags(self, article: Article) -> None:
        with QSignalBlocker(self.star_button):
            self.star_button.setChecked(article.starred)
        self.star_button.setText("★" if article.starred else "☆")
        self.star_button.setToolTip("Unstar this article" if article.starred
                                    else "Star this article")
        self.star_button.setAccessibleDescription("Starred" if article.starred
                                                  else "Not starred")
        self.read_button.setText("Mark unread" if article.read else "Mark read")
        self.read_button.setToolTip("Show it as not read yet in the library" if article.read
                                    else "Show it as read in the library")

    def _show_facts(self, article: Article) -> None:
        shown = {"title": article.title, "authors": ", ".join(article.authors),
                 "site_name": article.site_name, "published": human_date(article.published)}
        for field, label in self.values.items():
            label.setText(shown[field] or "—")
        for field, hint in self.hints.items():
            corrected = field in article.extracted
            hint.setVisible(corrected)
            if corrected:
                hint.setText(correction_hint(field, article.extracted[field]))

    def _show_memo(self, article: Article, typing: bool) -> None:
        # Never fight keystrokes not sent yet; otherwise show the stored memo (Undo may have
        # changed it while the caret is in the box).
        if typing or self.memo.toPlainText() == article.memo:
            return
        caret = self.memo.textCursor().position()
        with QSignalBlocker(self.memo):
            self.memo.setPlainText(article.memo)
        cursor = self.memo.textCursor()
        cursor.setPosition(min(caret, len(article.memo)))
        self.memo.setTextCursor(cursor)

    def _set_chips(self, names: list[str]) -> None:
        had_focus = any(chip.hasFocus() for chip in self.chips)
        if [chip.name for chip in self.chips] != names:
            for chip in self.chips:
                self.chip_layout.removeWidget(chip)
                chip.hide()
                chip.deleteLater()
            self.chips = []
            for name in names:
                chip = TagChip(name, self.chip_box)
                chip.removeRequested.connect(self._on_chip_remove)
                self.chip_layout.addWidget(chip)
                chip.show()
                self.chips.append(chip)
            self.chip_box.setVisible(bool(names))
            self._fix_tab_order()
            self.chip_box.updateGeometry()
        refocus, self._refocus_chip = self._refocus_chip, None
        if refocus is not None and (had_focus or self.focusWidget() is None
                                    or not self.isAncestorOf(self.focusWidget())):
            # A chip removed from the keyboard: focus moves to the next chip, or the tag box.
            target = self.chips[min(refocus, len(self.chips) - 1)] if self.chips \
                else self.tag_input
            target.setFocus(Qt.FocusReason.OtherFocusReason)

    def _fix_tab_order(self) -> None:
        """Star, read, edit, the chips, the tag box, the memo (chips are made later)."""
        chain = [self.star_button, self.read_button, self.edit_button, *self.chips,
                 self.tag_input, self.memo]
        for before, after in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(before, after)

    # --- edits ----------------------------------------------------------------------------

    def _on_star_clicked(self, checked: bool) -> None:
        if self.article:
            self.star_button.setText("★" if checked else "☆")
            self.starToggled.emit(self.article.id, checked)

    def _on_read_clicked(self) -> None:
        if self.article:
            self.readToggled.emit(self.article.id, not self.article.read)

    def _on_edit_clicked(self) -> None:
        if self.article:
            self.editRequested.emit(self.article.id)

    def _on_tag_entered(self) -> None:
        if not self.article:
            return
        names = split_tags(self.tag_input.text())
        taken = {tag.casefold() for tag in self.article.tags}
        fresh = [name for name in names if name.casefold() not in taken]
        self.tag_input.clear()
        if fresh:
            self.tagsAdded.emit(self.article.id, fresh)

    def _on_chip_remove(self, chip: TagChip, from_keyboard: bool) -> None:
        if not self.article:
            return
        if from_keyboard:
            self._refocus_chip = self.chips.index(chip)
        self.tagRemoved.emit(self.article.id, chip.name)

    def flush_memo(self) -> None:
        """Send the memo typed so far, if it has not been sent yet."""
        self._memo_timer.stop()
        pending, self._pending_memo = self._pending_memo, None
        if pending is not None and self.article and self.article.id == pending:
            self.memoEdited.emit(pending, self.memo.toPlainText())

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.memo and event.type() == QEvent.Type.FocusOut:
            self.flush_memo()
        return super().eventFilter(watched, event)

    def _on_memo_changed(self) -> None:
        if self.article:
            self._pending_memo = self.article.id
            self._memo_timer.start()


class TagChip(QFrame):
    """One tag on the article: its name and a × button. Focused (Tab), Delete or Backspace
    removes it too. Emits removeRequested(chip, from_keyboard)."""

    removeRequested = Signal(object, bool)

    def __init__(self, name: str, parent=None) -> None:
        super().__init__(parent)
        self.name = name
        self.setObjectName("tagChip")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName(f"Tag {name}")
        self.setAccessibleDescription("Press Delete to remove it")
        self.setToolTip(f"{name} — Delete or × removes it")
        label = QLabel(name)
        label.setObjectName("tagName")
        label.setTextFormat(Qt.TextFormat.PlainText)
        self.remove_button = QToolButton()
        self.remove_button.setObjectName("removeTag")
        self.remove_button.setText("×")
        self.remove_button.setAccessibleName(f"Remove tag {name}")
        self.remove_button.setToolTip(f"Remove the tag {name}")
        # One tab stop per chip: the keyboard removes with Delete on the chip itself.
        self.remove_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.remove_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.remove_button.clicked.connect(lambda: self.removeRequested.emit(self, False))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 1, 4, 1)
        layout.setSpacing(2)
        layout.addWidget(label)
        layout.addWidget(self.remove_button)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.removeRequested.emit(self, True)
            return
        super().keyPressEvent(event)


class TagCompleter(QCompleter):
    """Completes the tag being typed after the last comma, keeping the ones before it."""

    def __init__(self, model, parent=None) -> None:
        super().__init__(model, parent)
        self.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterMode(Qt.MatchFlag.MatchContains)
        self.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)

    def splitPath(self, path: str) -> list[str]:  # noqa: N802 (Qt's name)
        return [path.rsplit(",", 1)[-1].strip()]

    def pathFromIndex(self, index) -> str:  # noqa: N802 (Qt's name)
        name = index.data()
        widget = self.widget()
        typed = widget.text() if isinstance(widget, QLineEdit) else ""
        if "," not in typed:
            return name
        return f"{typed.rsplit(',', 1)[0]}, {name}"


class FlowLayout(QLayout):
    """Lays its items left to right and wraps them onto new lines (the tag chips)."""

    def __init__(self, parent=None, spacing: int = 4) -> None:
        super().__init__(parent)
        self._items = []
        self._spacing = spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item) -> None:  # noqa: N802 (Qt's name)
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int):  # noqa: N802 (Qt's name)
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int):  # noqa: N802 (Qt's name)
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802 (Qt's name)
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt's name)
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt's name)
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802 (Qt's name)
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return self.minimumSize()

    def minimumSize(self) -> QSize:  # noqa: N802 (Qt's name)
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        margins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def _arrange(self, rect: QRect, move: bool) -> int:
        """Place the items in rows within rect; returns the height they take."""
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        x, y, line_height = area.x(), area.y(), 0
        for item in self._items:
            hint = item.sizeHint()
            if x + hint.width() > area.right() + 1 and line_height > 0:
                x, y = area.x(), y + line_height + self._spacing
                line_height = 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._spacing
            line_height = max(line_height, hint.height())
        return y + line_height - rect.y() + margins.bottom()


class EditDetailsDialog(QDialog):
    """Correct an article's title, authors, site name and published date.

    A corrected field shows what extraction found, with "Restore extracted" to go back to it
    (the core then forgets the correction). `values()` gives only the fields that changed,
    ready for the `edit_article` operation.
    """

    def __init__(self, article: Article, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("editDetailsDialog")
        self.setWindowTitle("Edit details")
        self.article = article
        self.title_edit = QLineEdit(article.title)
        self.authors_edit = QPlainTextEdit("\n".join(article.authors))
        self.authors_edit.setTabChangesFocus(True)
        self.authors_edit.setPlaceholderText("One per line, or separated by commas")
        self.authors_edit.setFixedHeight(self.authors_edit.fontMetrics().lineSpacing() * 4 + 12)
        self.site_edit = QLineEdit(article.site_name)
        self.published_edit = QLineEdit(_date_part(article.published))
        self.published_edit.setPlaceholderText("YYYY-MM-DD (empty: no date)")
        self.published_edit.setMaxLength(10)
        self.edits = {"title": self.title_edit, "authors": self.authors_edit,
                      "site_name": self.site_edit, "published": self.published_edit}
        for field, edit in self.edits.items():
            edit.setObjectName(f"{field}Edit")
            edit.setAccessibleName(FIELD_LABELS[field])
        self.restore_buttons: dict[str, QPushButton] = {}
        self.error = QLabel()
        self.error.setObjectName("dialogError")
        self.error.setStyleSheet("color: #A32020;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        grid = QGridLayout()
        grid.setVerticalSpacing(4)
        row = 0
        for field, edit in self.edits.items():
            label = QLabel(f"&{FIELD_LABELS[field]}")
            label.setBuddy(edit)
            # Level with a one-line field's text; at the top of the authors box.
            grid.addWidget(label, row, 0, Qt.AlignmentFlag.AlignTop if field == "authors"
                           else Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(edit, row, 1)
            row += 1
            if field in article.extracted:
                grid.addLayout(self._extracted_row(field), row, 1)
                row += 1
        grid.setColumnStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)
        for edit in self.edits.values():
            edit.textChanged.connect(self._check)
        self._check()

    def _extracted_row(self, field: str) -> QHBoxLayout:
        """'Extracted: …' and the button that puts it back in the field."""
        found = self.article.extracted[field]
        text = _edit_text(field, found)
        label = QLabel(f"Extracted: {_shorten(text.replace(chr(10), ', ')) or '(nothing)'}")
        label.setObjectName("correctionHint")
        label.setStyleSheet("color: #8A6D1F; font-style: italic;")
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        button = QPushButton("Restore extracted")
        button.setObjectName(f"restore_{field}")
        button.setAccessibleName(f"Restore the extracted {FIELD_LABELS[field].lower()}")
        button.clicked.connect(lambda: self._restore(field))
        self.restore_buttons[field] = button
        row = QHBoxLayout()
        row.addWidget(label, 1)
        row.addWidget(button)
        return row

    def _restore(self, field: str) -> None:
        edit = self.edits[field]
        text = _edit_text(field, self.article.extracted[field])
        if isinstance(edit, QPlainTextEdit):
            edit.setPlainText(text)
        else:
            edit.setText(text)
        edit.setFocus()

    def _text(self, field: str) -> str:
        edit = self.edits[field]
        return edit.toPlainText() if isinstance(edit, QPlainTextEdit) else edit.text()

    def _problem(self) -> str:
        if not self._text("title").strip():
            return "An article needs a title."
        published = self._text("published").strip()
        if published and not _is_date(published):
            return "Write the date as YYYY-MM-DD (for example 2024-03-14), or leave it empty."
        return ""

    def _check(self) -> None:
        problem = self._problem()
        self.error.setText(problem)
        self.error.setVisible(bool(problem))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)
        for field, button in self.restore_buttons.items():
            restored = self._parsed(field) == _parsed_value(field, self.article.extracted[field])
            button.setEnabled(not restored)

    def _parsed(self, field: str):
        return _parsed_value(field, self._text(field))

    def values(self) -> dict:
        """The fields that differ from the article's, as `edit_article` takes them: title,
        authors (a list), site_name, published ("YYYY-MM-DD", or None for no date)."""
        changed = {}
        for field in self.edits:
            value = self._parsed(field)
            if value != _parsed_value(field, getattr(self.article, field)):
                changed[field] = value
        return changed


# --- helpers -------------------------------------------------------------------------------

def split_tags(text: str) -> list[str]:
    """'Project X, France ,,france' → ['Project X', 'France'] (spaces tidied, case-blind
    duplicates dropped)."""
    names, seen = [], set()
    for part in text.split(","):
        name = " ".join(part.split())
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return names


def split_authors(text: str) -> list[str]:
    """Authors written one per line or separated by commas."""
    return [name for name in (" ".join(part.split()) for part in re.split(r"[\n,;]", text))
            if name]


def correction_hint(field: str, found) -> str:
    """'(corrected; extracted: …)' for a field the user corrected."""
    if field == "published":
        shown = human_date(found) if found else ""
    elif field == "authors":
        shown = ", ".join(found or [])
    else:
        shown = found or ""
    return f"(corrected; extracted: {_shorten(shown) or 'nothing'})"


def _parsed_value(field: str, value):
    """A field's value in the form `edit_article` takes, from the dialog's text or the
    article's own value."""
    if field == "authors":
        if isinstance(value, str):
            return split_authors(value)
        return [" ".join(name.split()) for name in value or [] if name.strip()]
    if field == "published":
        return _date_part(value) or None
    return " ".join((value or "").split())


def _edit_text(field: str, value) -> str:
    """How a value is written in its field of the dialog."""
    if field == "authors":
        return "\n".join(value or [])
    if field == "published":
        return _date_part(value)
    return value or ""


def _date_part(value: str | None) -> str:
    """The YYYY-MM-DD of an ISO date or date-time ('' for none)."""
    value = (value or "").strip()
    return value[:10] if _is_date(value[:10]) else value


def _is_date(text: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= HINT_CHARS else text[:HINT_CHARS - 1].rstrip() + "…"


def _value_label(name: str) -> QLabel:
    label = WrappingLabel()
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _hint_label() -> QLabel:
    label = WrappingLabel()
    label.setObjectName("correctionHint")
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.hide()
    return label


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("caption")
    return label

