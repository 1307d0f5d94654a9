"""“In this article”: the open article's highlights in reading order, one row each.

A row shows the highlight's themes as chips (colour, number key, name), a quote excerpt and a
note preview. Highlights whose text is gone from the article (orphaned) come last, marked
“text no longer found”. The list is a QListView over a model and a painting delegate, so an
article with hundreds of highlights costs one row's painting per visible row, and a change to
one highlight repaints that row only.

Signals: highlightActivated(id) on click or Enter (the window scrolls the reader there and
opens it); deleteRequested(id) on Delete or Backspace. The window calls select(id) to follow
the highlight opened elsewhere, and select_next()/select_previous() for its shortcuts.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from PySide6.QtCore import QAbstractListModel, QModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyle, QStyledItemDelegate

from ..core.codebook import depth_first, number_keys
from ..core.models import Highlight, Theme
from .highlight_marks import excerpt

RowRole = Qt.ItemDataRole.UserRole + 1
ORPHANED_MARK = "⚠ Text no longer found in the article"
ORPHANED_COLOR = "#B3261E"
EMPTY_TEXT = "No highlights in this article yet. Select a passage and press a theme's number."
QUOTE_CHARS = 400  # enough for two lines of any sensible width
PAD = 8
GAP = 4
CHIP_NAME_CHARS = 40  # the chip is elided to its width as well


@dataclass(frozen=True)
class Chip:
    """One theme on a row: its name, colour and number key (None past 9)."""

    name: str
    color: str
    key: int | None


@dataclass(frozen=True)
class HighlightRow:
    """What one row shows; rows compare equal when they would look the same."""

    highlight: Highlight
    chips: tuple[Chip, ...]

    @property
    def id(self) -> int:
        return self.highlight.id


def rows_for(highlights: list[Highlight], themes: list[Theme]) -> list[HighlightRow]:
    """Rows in reading order, orphaned highlights last; chips in the codebook's order."""
    by_id = {theme.id: theme for theme in themes}
    order = {theme.id: index for index, theme in enumerate(depth_first(themes))}
    keys = {theme_id: key for key, theme_id in number_keys(themes).items()}
    placed = sorted((h for h in highlights if not h.orphaned),
                    key=lambda h: (h.start, h.end, h.id))
    orphans = sorted((h for h in highlights if h.orphaned), key=lambda h: h.id)
    rows = []
    for highlight in placed + orphans:
        theme_ids = sorted((t for t in highlight.theme_ids if t in by_id), key=order.__getitem__)
        chips = tuple(Chip(by_id[t].name, by_id[t].color, keys.get(t)) for t in theme_ids)
        rows.append(HighlightRow(highlight, chips))
    return rows


def chip_text(chip: Chip) -> str:
    name = excerpt(chip.name, CHIP_NAME_CHARS)
    return f"{chip.key} {name}" if chip.key else name


def describe(row: HighlightRow) -> str:
    """The row in words: its tooltip, and what a screen reader says."""
    themes = ", ".join(chip_text(c) for c in row.chips) or "No theme"
    parts = [f"Themes: {themes}", f"“{excerpt(row.highlight.exact, QUOTE_CHARS)}”"]
    if row.highlight.note.strip():
        parts.append(f"Note: {excerpt(row.highlight.note, QUOTE_CHARS)}")
    if row.highlight.orphaned:
        parts.append(ORPHANED_MARK)
    return "\n".join(parts)


class HighlightRowsModel(QAbstractListModel):
    """The rows; set_rows changes only the rows that differ (inserted, removed, redrawn)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[HighlightRow] = []

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008, N802 (Qt's signature)
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == RowRole:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return excerpt(row.highlight.exact, 80)
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return describe(row)
        return None

    def set_rows(self, rows: list[HighlightRow]) -> None:
        """Become these rows, telling views about each insertion, removal and change (a
        note edited repaints its row; a highlight added inserts one row)."""
        old = [row.id for row in self.rows]
        new = [row.id for row in rows]
        steps = SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
        # From the end, so the old positions of the steps still to do stay valid.
        for tag, i1, i2, j1, j2 in reversed(steps):
            if tag == "equal":
                self._refresh(i1, rows[j1:j2])
                continue
            if i2 > i1:
                self.beginRemoveRows(QModelIndex(), i1, i2 - 1)
                del self.rows[i1:i2]
                self.endRemoveRows()
            if j2 > j1:
                self.beginInsertRows(QModelIndex(), i1, i1 + j2 - j1 - 1)
                self.rows[i1:i1] = rows[j1:j2]
                self.endInsertRows()

    def _refresh(self, first: int, fresh: list[HighlightRow]) -> None:
        for position, row in enumerate(fresh, start=first):
            if self.rows[position] != row:
                self.rows[position] = row
                index = self.index(position)
                self.dataChanged.emit(index, index)

    def row_of(self, highlight_id: int | None) -> int | None:
        for position, row in enumerate(self.rows):
            if row.id == highlight_id:
                return position
        return None


def wrap_lines(text: str, metrics: QFontMetrics, width: int, most: int) -> list[str]:
    """text broken at spaces into at most `most` lines of `width` pixels, the last elided."""
    words = text.split()
    lines: list[str] = []
    current = ""
    for index, word in enumerate(words):
        candidate = f"{current} {word}" if current else word
        if not current or metrics.horizontalAdvance(candidate) <= width:
            current = candidate
            continue
        if len(lines) == most - 1:
            current = " ".join(words[index - len(current.split()):])
            break
        lines.append(current)
        current = word
    if current:
        lines.append(current)
    # A word wider than the line is cut too, not only the last line.
    return [metrics.elidedText(line, Qt.TextElideMode.ElideRight, width) for line in lines]


class HighlightRowDelegate(QStyledItemDelegate):
    """Paints a row: theme chips, the quote (two lines at most), the note, the orphan mark."""

    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        self.view = view

    def _fonts(self, option) -> tuple[QFont, QFont, QFont]:
        small = QFont(option.font)
        small.setPointSizeF(option.font.pointSizeF() * 0.85)
        small.setWeight(QFont.Weight.DemiBold)
        note = QFont(option.font)
        note.setItalic(True)
        return small, QFont(option.font), note

    def _text_width(self) -> int:
        return max(80, self.view.viewport().width() - 2 * PAD - 6)

    def _quote_lines(self, row: HighlightRow, font: QFont) -> list[str]:
        text = f"“{excerpt(row.highlight.exact, QUOTE_CHARS)}”"
        return wrap_lines(text, QFontMetrics(font), self._text_width(), 2)

    def sizeHint(self, option, index) -> QSize:  # noqa: N802 (Qt's name)
        row: HighlightRow = index.data(RowRole)
        small, body, note = self._fonts(option)
        placed, _hidden = chip_layout(row.chips, QFontMetrics(small), self._text_width())
        height = 2 * PAD + placed[-1][0].bottom() + 1 + GAP
        height += len(self._quote_lines(row, body)) * QFontMetrics(body).lineSpacing()
        extra_lines = int(bool(row.highlight.note.strip())) + int(row.highlight.orphaned)
        height += extra_lines * (QFontMetrics(note).lineSpacing() + 2)
        return QSize(self._text_width(), height)

    def paint(self, painter: QPainter, option, index) -> None:
        row: HighlightRow = index.data(RowRole)
        palette = option.palette
        small, body, note_font = self._fonts(option)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_background(painter, option)
        x, y = option.rect.left() + PAD + 6, option.rect.top() + PAD
        width = option.rect.right() - PAD - x
        y = self._paint_chips(painter, row, small, x, y, width) + GAP
        text = QColor(palette.color(QPalette.ColorRole.Text))
        if row.highlight.orphaned:
            text.setAlpha(150)  # its quote is what it was: dimmed, the mark says why
        painter.setFont(body)
        painter.setPen(text)
        spacing = QFontMetrics(body).lineSpacing()
        for line in self._quote_lines(row, body):
            painter.drawText(QRect(x, y, width, spacing), Qt.AlignmentFlag.AlignVCenter, line)
            y += spacing
        painter.setFont(note_font)
        metrics = QFontMetrics(note_font)
        if row.highlight.note.strip():
            muted = QColor(palette.color(QPalette.ColorRole.Text))
            muted.setAlpha(160)
            painter.setPen(muted)
            line = metrics.elidedText("✎ " + excerpt(row.highlight.note, QUOTE_CHARS),
                                      Qt.TextElideMode.ElideRight, width)
            painter.drawText(QRect(x, y + 2, width, metrics.lineSpacing()),
                             Qt.AlignmentFlag.AlignVCenter, line)
            y += metrics.lineSpacing() + 2
        if row.highlight.orphaned:
            painter.setPen(QColor(ORPHANED_COLOR))
            painter.drawText(QRect(x, y + 2, width, metrics.lineSpacing()),
                             Qt.AlignmentFlag.AlignVCenter, ORPHANED_MARK)
        painter.restore()

    def _paint_background(self, painter: QPainter, option) -> None:
        palette = option.palette
        selected = option.state & QStyle.StateFlag.State_Selected
        if selected:
            tint = QColor(palette.color(QPalette.ColorRole.Highlight))
            tint.setAlpha(45)
            painter.fillRect(option.rect, tint)
            accent = QRect(option.rect.left(), option.rect.top(), 4, option.rect.height())
            painter.fillRect(accent, palette.color(QPalette.ColorRole.Highlight))
        elif option.state & QStyle.StateFlag.State_MouseOver:
            painter.fillRect(option.rect, palette.color(QPalette.ColorRole.AlternateBase))
        rule = QColor(palette.color(QPalette.ColorRole.Text))
        rule.setAlpha(30)
        painter.setPen(rule)
        painter.drawLine(option.rect.bottomLeft(), option.rect.bottomRight())

    def _paint_chips(self, painter: QPainter, row: HighlightRow, font: QFont, x: int, y: int,
                     width: int) -> int:
        """Theme chips left to right, wrapping onto a second line; any left over are counted
        as “+n”. Returns the y under them."""
        metrics = QFontMetrics(font)
        painter.setFont(font)
        placed, hidden = chip_layout(row.chips, metrics, width)
        for rect, chip in placed:
            rect = rect.translated(x, y)
            painter.setPen(QColor(0, 0, 0, 45))
            painter.setBrush(QColor(chip.color))
            painter.drawRoundedRect(rect, 5, 5)
            painter.setPen(QColor("#202124"))  # theme colours are light: dark text reads
            painter.drawText(rect.adjusted(7, 0, -4, 0), Qt.AlignmentFlag.AlignVCenter,
                             metrics.elidedText(chip_text(chip), Qt.TextElideMode.ElideRight,
                                                rect.width() - 11))
        last = placed[-1][0].translated(x, y)
        if hidden:
            painter.setPen(QColor("#5F6368"))
            painter.drawText(QRect(last.right() + 6, last.top(), x + width - last.right() - 6,
                                   last.height()), Qt.AlignmentFlag.AlignVCenter, f"+{hidden}")
        return last.bottom() + 1


def chip_layout(chips: tuple[Chip, ...], metrics: QFontMetrics, width: int,
                most_lines: int = 2) -> tuple[list[tuple[QRect, Chip]], int]:
    """Where each chip goes (relative to the top left of the chip area), wrapping onto at most
    `most_lines` lines, and how many did not fit."""
    chips = chips or (Chip("No theme", "#C8C8C8", None),)
    height = metrics.height() + 4
    placed: list[tuple[QRect, Chip]] = []
    x = line = 0
    for index, chip in enumerate(chips):
        chip_width = min(metrics.horizontalAdvance(chip_text(chip)) + 14, width)
        left_over = len(chips) - index - 1
        reserve = metrics.horizontalAdvance(f"+{left_over}") + 8 if left_over else 0
        last_line = line == most_lines - 1
        if x and x + chip_width + (reserve if last_line else 0) > width:
            if last_line:
                return placed, len(chips) - index
            x, line = 0, line + 1
        placed.append((QRect(x, line * (height + 4), chip_width, height), chip))
        x += chip_width + 5
    return placed, 0


class ArticleHighlightsList(QListView):
    """The open article's highlights, “In this article”. See the module's docstring."""

    highlightActivated = Signal(int)
    deleteRequested = Signal(int)
    noteRequested = Signal(int)  # Enter: open the highlight and edit its note

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("articleHighlights")
        self.setAccessibleName("Highlights in this article")
        self.model_ = HighlightRowsModel(self)
        self.setModel(self.model_)
        self.setItemDelegate(HighlightRowDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setResizeMode(QListView.ResizeMode.Adjust)  # quotes rewrap to the new width
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMouseTracking(True)
        self.clicked.connect(self._on_clicked)

    def set_highlights(self, highlights: list[Highlight], themes: list[Theme],
                       active_id: int | None = None) -> None:
        """Show these highlights (the open article's) and select the active one."""
        self.model_.set_rows(rows_for(highlights, themes))
        self.select(active_id)

    def select(self, highlight_id: int | None) -> None:
        """Select a highlight's row and scroll to it, without emitting anything (None or an
        id not listed clears the selection)."""
        row = self.model_.row_of(highlight_id)
        if row is None:
            self.clearSelection()
            self.setCurrentIndex(QModelIndex())
            return
        index = self.model_.index(row)
        self.setCurrentIndex(index)
        self.scrollTo(index)

    def current_id(self) -> int | None:
        index = self.currentIndex()
        return self.model_.rows[index.row()].id if index.isValid() else None

    def ids(self) -> list[int]:
        """The highlight ids in the order the rows show them."""
        return [row.id for row in self.model_.rows]

    def select_next(self) -> int | None:
        """Go to the next highlight (the first if none is selected) and activate it; returns
        its id, or None at the end of the list."""
        index = self.currentIndex()
        return self._activate_row(index.row() + 1 if index.isValid() else 0)

    def select_previous(self) -> int | None:
        """Go to the previous highlight (the last if none is selected) and activate it;
        returns its id, or None at the top of the list."""
        index = self.currentIndex()
        return self._activate_row(index.row() - 1 if index.isValid()
                                  else self.model_.rowCount() - 1)

    def _activate_row(self, row: int) -> int | None:
        if not 0 <= row < self.model_.rowCount():
            return None
        highlight_id = self.model_.rows[row].id
        self.select(highlight_id)
        self.highlightActivated.emit(highlight_id)
        return highlight_id

    def _on_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.highlightActivated.emit(self.model_.rows[index.row()].id)

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        key, modifiers = event.key(), event.modifiers()
        control = modifiers & Qt.KeyboardModifier.ControlModifier
        current = self.current_id()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and current is not None:
            self.highlightActivated.emit(current)
            self.noteRequested.emit(current)
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and current is not None:
            self.deleteRequested.emit(current)
        elif control and key == Qt.Key.Key_Down:
            self.select_next()
        elif control and key == Qt.Key.Key_Up:
            self.select_previous()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().paintEvent(event)
        if self.model_.rowCount():
            return
        painter = QPainter(self.viewport())
        muted = QColor(self.palette().color(QPalette.ColorRole.Text))
        muted.setAlpha(140)
        painter.setPen(muted)
        painter.drawText(self.viewport().rect().adjusted(12, 12, -12, -12),
                         Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap, EMPTY_TEXT)
        painter.end()
