"""The codebook: themes with their colour chips, number keys and highlight counts."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QVBoxLayout,
    QWidget,
)

from ..core.models import Theme
from .list_model import RecordListModel, RecordRole


class ThemeListModel(RecordListModel):
    """The codebook in its order; row n (0-based) answers to number key n+1."""

    @property
    def themes(self) -> list[Theme]:
        return self.records

    def record_data(self, theme: Theme, row: int, role: int):
        if role == Qt.ItemDataRole.DisplayRole:
            return theme.name
        if role == Qt.ItemDataRole.ToolTipRole:
            key = f"Key {row + 1}. " if row < 9 else ""
            return f"{theme.name}\n{key}{theme.description}".strip()
        if role == Qt.ItemDataRole.DecorationRole:
            return QColor(theme.color)
        return None


class ThemeDelegate(QStyledItemDelegate):
    """Colour chip with the number key in it, the name, and the count on the right."""

    def sizeHint(self, option, index) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(160, QFontMetrics(option.font).height() + 14)

    def paint(self, painter, option, index) -> None:
        theme: Theme = index.data(RecordRole)
        painter.save()
        painter.setRenderHint(painter.RenderHint.Antialiasing)
        palette = option.palette
        if option.state & (QStyle.StateFlag.State_Selected | QStyle.StateFlag.State_MouseOver):
            painter.fillRect(option.rect, palette.color(QPalette.ColorRole.AlternateBase))
        rect = option.rect.adjusted(8, 4, -10, -4)
        chip = QRect(rect.left(), rect.top() + (rect.height() - 20) // 2, 24, 20)
        painter.setPen(QColor(0, 0, 0, 40))
        painter.setBrush(QColor(theme.color))
        painter.drawRoundedRect(chip, 5, 5)
        small = QFont(option.font)
        small.setPointSizeF(option.font.pointSizeF() * 0.85)
        small.setWeight(QFont.Weight.DemiBold)
        painter.setFont(small)
        painter.setPen(QColor("#202124"))
        if index.row() < 9:
            painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, str(index.row() + 1))
        count = str(theme.highlight_count) if theme.highlight_count else ""
        count_width = QFontMetrics(small).horizontalAdvance(count) + 4
        muted = QColor(palette.color(QPalette.ColorRole.Text))
        muted.setAlpha(140)
        painter.setPen(muted)
        painter.drawText(QRect(rect.right() - count_width, rect.top(), count_width,
                               rect.height()), Qt.AlignmentFlag.AlignRight
                         | Qt.AlignmentFlag.AlignVCenter, count)
        painter.setFont(option.font)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        name_rect = QRect(chip.right() + 10, rect.top(),
                          rect.width() - chip.width() - count_width - 14, rect.height())
        painter.drawText(name_rect, Qt.AlignmentFlag.AlignVCenter,
                         QFontMetrics(option.font).elidedText(
                             theme.name, Qt.TextElideMode.ElideRight, name_rect.width()))
        painter.restore()


class ThemesPanel(QWidget):
    """Click a theme (or press its number) to code the selected passage with it."""

    themeActivated = Signal(int)
    newThemeRequested = Signal()
    editThemeRequested = Signal(int)
    deleteThemeRequested = Signal(int)
    moveThemeRequested = Signal(int, int)  # theme id, new row

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("themesPanel")
        title = QLabel("Themes")
        title.setObjectName("panelTitle")
        self.hint = QLabel("Select a passage, then click a theme or press its number.")
        self.hint.setObjectName("panelHint")
        self.hint.setWordWrap(True)
        self.model_ = ThemeListModel(self)
        self.list = QListView()
        self.list.setObjectName("themeList")
        self.list.setModel(self.model_)
        self.list.setItemDelegate(ThemeDelegate(self.list))
        self.list.setMouseTracking(True)
        self.list.setUniformItemSizes(True)
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keep focus (and selection) in reader
        self.list.clicked.connect(self._on_clicked)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._show_menu)
        self.new_button = QPushButton("New theme…")
        self.new_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.new_button.clicked.connect(self.newThemeRequested)
        header = QHBoxLayout()
        header.addWidget(title)
        header.addStretch()
        header.addWidget(self.new_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 6)
        layout.addLayout(header)
        layout.addWidget(self.hint)
        layout.addWidget(self.list)

    def set_themes(self, themes: list[Theme]) -> None:
        self.model_.set_records(themes)
        # Keep up to ten themes in view however the side panels are split.
        rows = max(1, min(len(themes), 10))
        row_height = self.list.sizeHintForRow(0) if themes else 30
        self.list.setMinimumHeight(rows * row_height + 2 * self.list.frameWidth())

    def update_themes(self, themes: list[Theme]) -> None:
        """Refresh these themes' rows (name, colour, count) where they are."""
        self.model_.replace_records(themes)

    def themes(self) -> list[Theme]:
        return list(self.model_.themes)

    def theme_for_key(self, number: int) -> Theme | None:
        """The theme answering to number key 1–9."""
        themes = self.model_.themes
        return themes[number - 1] if 1 <= number <= min(9, len(themes)) else None

    def row_rect(self, row: int) -> QRect:
        return self.list.visualRect(self.model_.index(row))

    def _on_clicked(self, index: QModelIndex) -> None:
        self.themeActivated.emit(index.data(RecordRole).id)
        self.list.clearSelection()

    def _show_menu(self, point) -> None:
        index = self.list.indexAt(point)
        if not index.isValid():
            return
        theme: Theme = index.data(RecordRole)
        row = index.row()
        menu = QMenu(self)
        menu.addAction("Edit theme…", lambda: self.editThemeRequested.emit(theme.id))
        up = menu.addAction("Move up", lambda: self.moveThemeRequested.emit(theme.id, row - 1))
        up.setEnabled(row > 0)
        down = menu.addAction("Move down",
                              lambda: self.moveThemeRequested.emit(theme.id, row + 1))
        down.setEnabled(row < self.model_.rowCount() - 1)
        menu.addSeparator()
        menu.addAction("Delete theme…", lambda: self.deleteThemeRequested.emit(theme.id))
        menu.exec(self.list.viewport().mapToGlobal(point))
