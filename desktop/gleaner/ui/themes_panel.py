"""The codebook: themes as a tree, each with its colour chip, number key, name and counts.

Everything here works from the keyboard: arrows move, Enter codes the reader's selection (or
the open highlight) with the current theme, F2 renames in place, Delete deletes, Insert adds a
sub-theme, Ctrl+arrows reorder and re-parent, and typing in the filter box above the tree
narrows it to the matching themes (shown with their parents). The mouse does the same with a
click (code), drag and drop (reorder, re-parent) and the context menu.

The panel changes nothing itself: it asks, by signals, and the window runs the operation;
the refreshed codebook then comes back through `set_themes` (its shape changed) or
`update_themes` (names or counts changed), and the tree keeps what was expanded and current.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QMimeData,
    QModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeySequence, QPainterPath, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ..core.codebook import KEYS, descendants, number_keys
from ..core.models import Theme

ThemeRole = Qt.ItemDataRole.UserRole + 1  # the Theme itself
KeyRole = Qt.ItemDataRole.UserRole + 2  # its number key, or None
PinnedRole = Qt.ItemDataRole.UserRole + 3  # True when the user pinned it to that key
ParentRole = Qt.ItemDataRole.UserRole + 4  # True when it has sub-themes
DimRole = Qt.ItemDataRole.UserRole + 5  # shown only as the parent of a filter match

THEME_MIME = "application/x-gleaner-theme-id"
SELECTED = "#DCE6F2"  # as the library's selected card
TOP = None  # parent id of the top level


# --- what a row says -----------------------------------------------------------------------------

def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def count_lines(theme: Theme, has_children: bool) -> list[str]:
    """The small lines under a theme's name: its passages and articles; for a parent, its
    own ("Own: …") and with its sub-themes ("In all: …", each passage and article counted
    once)."""
    if theme.highlight_count:
        own = (f"{_plural(theme.highlight_count, 'passage')} · "
               f"{_plural(theme.article_count, 'article')}")
    else:
        own = "none" if has_children else "No passages yet"
    if theme.shortcut is not None:
        own += " · key pinned"
    if not has_children:
        return [own]
    if theme.total_highlights is None or theme.total_articles is None:
        total = "counting…"  # a large change is being counted again
    elif theme.total_highlights:
        total = (f"{_plural(theme.total_highlights, 'passage')} · "
                 f"{_plural(theme.total_articles, 'article')}")
    else:
        total = "none yet"
    return [f"In all: {total}", f"Own: {own}"]


def text_on(color: str) -> str:
    """Dark or white text, whichever contrasts more with this background (WCAG luminance)."""
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    background = QColor(color)
    luminance = (0.2126 * channel(background.redF()) + 0.7152 * channel(background.greenF())
                 + 0.0722 * channel(background.blueF()))
    dark = 0.0154  # luminance of #202124
    return "#202124" if (luminance + 0.05) / (dark + 0.05) >= 1.05 / (luminance + 0.05) \
        else "#FFFFFF"


def tooltip(theme: Theme, key: int | None, pinned: bool, has_children: bool) -> str:
    """Everything about a theme in sentences: key, counts, definition."""
    lines = [theme.name]
    if key is not None:
        lines.append(f"Key {key}" + (" (pinned)" if pinned else ""))
    lines.append(f"{_plural(theme.highlight_count, 'passage')} in "
                 f"{_plural(theme.article_count, 'article')} coded with it")
    if has_children and theme.total_highlights is None:
        lines.append("With its sub-themes: still being counted")
    elif has_children:
        lines.append(f"{_plural(theme.total_highlights, 'passage')} in "
                     f"{_plural(theme.total_articles, 'article')} with its sub-themes")
    if theme.description:
        lines += ["", theme.description]
    return "\n".join(lines)


# --- the model -----------------------------------------------------------------------------------

class ThemeTreeModel(QAbstractItemModel):
    """The codebook as a tree of one column; an index's internal id is its theme's id.

    A drop asks for a move (`moveRequested`) and a rename for a new name (`renameRequested`);
    the rows change when the window hands back the refreshed codebook.
    """

    moveRequested = Signal(int, int, object)  # theme id, index among siblings, parent id
    renameRequested = Signal(int, str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.themes: list[Theme] = []  # depth-first, as shown
        self.by_id: dict[int, Theme] = {}
        self.children: dict[int | None, list[int]] = {}
        self.keys: dict[int, int] = {}  # theme id -> number key
        self.matches: set[int] | None = None  # themes matching the filter, if one is typed

    # --- filling ---------------------------------------------------------------------------------

    def set_themes(self, themes: list[Theme]) -> None:
        """Show this codebook (depth-first, as `Archive.list_themes` returns it)."""
        self.beginResetModel()
        self.themes = list(themes)
        self.by_id = {theme.id: theme for theme in self.themes}
        self.children = {}
        for theme in self.themes:
            parent = theme.parent_id if theme.parent_id in self.by_id else TOP
            self.children.setdefault(parent, []).append(theme.id)
        self.keys = {theme_id: key for key, theme_id in number_keys(self.themes).items()}
        self.endResetModel()

    def update_themes(self, themes: list[Theme]) -> bool:
        """Put these themes' new names, colours and counts in their rows; False (and nothing
        done) if one moved or is not in the tree, which needs `set_themes`."""
        fresh = [theme for theme in themes if theme.id in self.by_id]
        if len(fresh) != len(themes) or any(
                (t.parent_id, t.position) != (self.by_id[t.id].parent_id,
                                              self.by_id[t.id].position) for t in fresh):
            return False
        for theme in fresh:
            self.by_id[theme.id] = theme
        self.themes = [self.by_id[theme.id] for theme in self.themes]
        keys = {theme_id: key for key, theme_id in number_keys(self.themes).items()}
        # A renamed or recounted theme's row, and any whose key changed with it.
        changed = {theme.id for theme in fresh} | {
            i for i in set(keys) | set(self.keys) if keys.get(i) != self.keys.get(i)}
        self.keys = keys
        for theme_id in changed:
            index = self.index_of(theme_id)
            self.dataChanged.emit(index, index)
        return True

    def set_matches(self, matches: set[int] | None) -> None:
        """Mark the themes matching the filter (None: no filter); the others are dimmed."""
        self.matches = matches
        for theme in self.themes:
            index = self.index_of(theme.id)
            self.dataChanged.emit(index, index, [DimRole])

    # --- reading ---------------------------------------------------------------------------------

    def theme(self, index: QModelIndex) -> Theme | None:
        return self.by_id.get(index.internalId()) if index.isValid() else None

    def index_of(self, theme_id: int | None) -> QModelIndex:
        if theme_id not in self.by_id:
            return QModelIndex()
        parent = self.by_id[theme_id].parent_id
        parent = parent if parent in self.by_id else TOP
        return self.createIndex(self.children[parent].index(theme_id), 0, theme_id)

    def parent_id(self, theme_id: int) -> int | None:
        parent = self.by_id[theme_id].parent_id
        return parent if parent in self.by_id else TOP

    def siblings(self, theme_id: int) -> list[int]:
        return self.children.get(self.parent_id(theme_id), [])

    def theme_for_key(self, number: int) -> Theme | None:
        found = next((i for i, key in self.keys.items() if key == number), None)
        return self.by_id.get(found)

    # --- Qt's model interface --------------------------------------------------------------------

    def index(self, row: int, column: int = 0, parent=QModelIndex()) -> QModelIndex:  # noqa: B008
        kids = self.children.get(parent.internalId() if parent.isValid() else TOP, [])
        if column != 0 or not 0 <= row < len(kids):
            return QModelIndex()
        return self.createIndex(row, 0, kids[row])

    def parent(self, index: QModelIndex | None = None):
        if index is None:
            return super().parent()  # QObject.parent()
        theme = self.theme(index)
        if theme is None:
            return QModelIndex()
        return self.index_of(self.parent_id(theme.id))

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008, N802 (Qt's name)
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self.children.get(parent.internalId() if parent.isValid() else TOP, []))

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008, N802 (Qt's name)
        return 1

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        theme = self.theme(index)
        if theme is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return theme.name
        if role == ThemeRole:
            return theme
        if role == KeyRole:
            return self.keys.get(theme.id)
        if role == PinnedRole:
            return theme.shortcut is not None and self.keys.get(theme.id) == theme.shortcut
        if role == ParentRole:
            return bool(self.children.get(theme.id))
        if role == DimRole:
            return self.matches is not None and theme.id not in self.matches
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(theme, self.keys.get(theme.id), self.data(index, PinnedRole),
                           bool(self.children.get(theme.id)))
        if role == Qt.ItemDataRole.AccessibleTextRole:
            key = self.keys.get(theme.id)
            return f"{theme.name}, key {key}" if key else theme.name
        return None

    def setData(self, index: QModelIndex, value, role=Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        """A name typed in place (F2): ask for the rename; the row changes once stored."""
        theme = self.theme(index)
        name = " ".join(str(value).split())
        if theme is None or role != Qt.ItemDataRole.EditRole or not name or name == theme.name:
            return False
        self.renameRequested.emit(theme.id, name)
        return False

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled  # dropped below the last theme: top level
        return (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsEditable | Qt.ItemFlag.ItemIsDragEnabled
                | Qt.ItemFlag.ItemIsDropEnabled)

    # --- drag and drop ---------------------------------------------------------------------------

    def supportedDropActions(self) -> Qt.DropAction:  # noqa: N802 (Qt's name)
        return Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:  # noqa: N802 (Qt's name)
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:  # noqa: N802 (Qt's name)
        return [THEME_MIME]

    def mimeData(self, indexes) -> QMimeData:  # noqa: N802 (Qt's name)
        data = QMimeData()
        themes = [self.theme(index) for index in indexes if self.theme(index)]
        if themes:
            data.setData(THEME_MIME, str(themes[0].id).encode())
            data.setText(themes[0].name)
        return data

    def canDropMimeData(self, data, action, row, column, parent) -> bool:  # noqa: N802
        return self.drop_target(data, row, parent) is not None

    def dropMimeData(self, data, action, row, column, parent) -> bool:  # noqa: N802
        """Ask to move the dropped theme there. The request waits for the drop to finish:
        the codebook it brings back replaces the rows the view is still dropping on."""
        target = self.drop_target(data, row, parent)
        if target is None:
            return False
        theme_id, new_index, parent_id = target
        if parent_id != self.parent_id(theme_id) or new_index != self.siblings(theme_id).index(
                theme_id):
            QTimer.singleShot(0, lambda: self.moveRequested.emit(theme_id, new_index,
                                                                 parent_id))
        return True

    def drop_target(self, data, row: int,
                    parent: QModelIndex) -> tuple[int, int, int | None] | None:
        """(theme id, index among its new siblings, new parent id) for a drop at `row` under
        `parent` (row -1: onto `parent`, as its last sub-theme); None if it cannot go there
        (not a theme, or onto itself or one of its own sub-themes)."""
        if data is None or not data.hasFormat(THEME_MIME):
            return None
        try:
            theme_id = int(bytes(data.data(THEME_MIME)).decode())
        except ValueError:
            return None
        if theme_id not in self.by_id:
            return None
        parent_theme = self.theme(parent)
        parent_id = parent_theme.id if parent_theme else TOP
        if parent_id is not None and (parent_id == theme_id or parent_id in descendants(
                self.themes, theme_id)):
            return None
        siblings = self.children.get(parent_id, [])
        new_index = len(siblings) if row < 0 else min(row, len(siblings))
        # Qt counts the dragged theme in its old place; the archive places it after
        # taking it out.
        if theme_id in siblings and siblings.index(theme_id) < new_index:
            new_index -= 1
        return theme_id, new_index, parent_id


# --- painting ------------------------------------------------------------------------------------

class ThemeDelegate(QStyledItemDelegate):
    """A colour chip holding the number key, the name, and small lines of counts below."""

    PAD = 5
    CHIP = QSize(24, 20)

    def _small(self, font: QFont) -> QFont:
        small = QFont(font)
        small.setPointSizeF(font.pointSizeF() * 0.85)
        return small

    def sizeHint(self, option, index) -> QSize:  # noqa: N802 (Qt's name)
        lines = len(count_lines(index.data(ThemeRole), index.data(ParentRole)))
        height = (max(QFontMetrics(option.font).height(), self.CHIP.height())
                  + lines * QFontMetrics(self._small(option.font)).height() + 2 * self.PAD)
        return QSize(160, height)

    def _name_rect(self, rect: QRect, font: QFont) -> QRect:
        left = rect.left() + 4 + self.CHIP.width() + 8
        height = max(QFontMetrics(font).height(), self.CHIP.height())
        return QRect(left, rect.top() + self.PAD, rect.right() - 6 - left, height)

    def paint(self, painter, option, index) -> None:
        theme: Theme = index.data(ThemeRole)
        painter.save()
        painter.setRenderHint(painter.RenderHint.Antialiasing)
        self._paint_background(painter, option)
        name_rect = self._name_rect(option.rect, option.font)
        chip = QRect(option.rect.left() + 4,
                     name_rect.top() + (name_rect.height() - self.CHIP.height()) // 2,
                     self.CHIP.width(), self.CHIP.height())
        self._paint_chip(painter, option, chip, theme.color, index.data(KeyRole),
                         index.data(PinnedRole))
        text = QColor(option.palette.color(QPalette.ColorRole.Text))
        muted = QColor(text)
        muted.setAlpha(150)
        painter.setFont(option.font)
        painter.setPen(muted if index.data(DimRole) else text)
        painter.drawText(name_rect, Qt.AlignmentFlag.AlignVCenter,
                         QFontMetrics(option.font).elidedText(
                             theme.name, Qt.TextElideMode.ElideRight, name_rect.width()))
        small = self._small(option.font)
        painter.setFont(small)
        painter.setPen(muted)
        line_height = QFontMetrics(small).height()
        top = name_rect.bottom() + 1
        for line in count_lines(theme, index.data(ParentRole)):
            line_rect = QRect(name_rect.left(), top, name_rect.width(), line_height)
            painter.drawText(line_rect, Qt.AlignmentFlag.AlignVCenter,
                             QFontMetrics(small).elidedText(
                                 line, Qt.TextElideMode.ElideRight, line_rect.width()))
            top += line_height
        painter.restore()

    def _paint_background(self, painter, option) -> None:
        state = option.state
        box = option.rect.adjusted(1, 1, -1, -1)
        if state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, QColor(SELECTED))
        elif state & QStyle.StateFlag.State_MouseOver:
            painter.fillRect(option.rect, QColor("#F0EEE9"))
        if state & QStyle.StateFlag.State_HasFocus and option.widget is not None \
                and option.widget.hasFocus():
            # The keyboard's place in the tree, visible whether or not it is selected.
            painter.setPen(QColor("#1A5FB4"))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(box, 4, 4)

    def _paint_chip(self, painter, option, chip: QRect, color: str, key: int | None,
                    pinned: bool) -> None:
        fill = QColor(color)
        painter.setPen(QColor(0, 0, 0, 150) if pinned else QColor(0, 0, 0, 45))
        painter.setBrush(fill)
        painter.drawRoundedRect(chip, 5, 5)
        if pinned:  # a folded corner: this key stays with the theme whatever the order
            corner = QPainterPath()
            corner.moveTo(chip.right() - 7, chip.top())
            corner.lineTo(chip.right() + 1, chip.top())
            corner.lineTo(chip.right() + 1, chip.top() + 8)
            corner.closeSubpath()
            painter.fillPath(corner, QColor("#202124"))
        if key is None:
            return
        font = self._small(option.font)
        font.setWeight(QFont.Weight.Bold)
        painter.setFont(font)
        painter.setPen(QColor(text_on(color)))
        painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, str(key))

    def updateEditorGeometry(self, editor, option, index) -> None:  # noqa: N802 (Qt's name)
        """The name is edited where it is shown, next to its chip."""
        editor.setGeometry(self._name_rect(option.rect, option.font).adjusted(-3, 0, 3, 0))


# --- the tree ------------------------------------------------------------------------------------

class ThemeTree(QTreeView):
    """The codebook's tree with its keys: Enter codes, Delete deletes, Insert adds a
    sub-theme, Ctrl+Up/Down reorder, Ctrl+Left/Right move out of or under a theme, the menu
    key opens the context menu on the current theme. F2 renames (Qt's edit key)."""

    applyRequested = Signal(int)
    deleteRequested = Signal(int)
    subThemeRequested = Signal(int)
    keyMoveRequested = Signal(int, str)  # theme id, "up" | "down" | "out" | "in"
    menuRequested = Signal(object, object)  # theme id or None, global position

    MOVES = {Qt.Key.Key_Up: "up", Qt.Key.Key_Down: "down", Qt.Key.Key_Left: "out",
             Qt.Key.Key_Right: "in"}
    MAX_ROWS_SHOWN = 8  # the tree asks for room for this many rows, then scrolls

    def current_id(self) -> int | None:
        theme = self.currentIndex().data(ThemeRole) if self.currentIndex().isValid() else None
        return theme.id if theme else None

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        theme_id = self.current_id()
        key, modifiers = event.key(), event.modifiers()
        control = modifiers & Qt.KeyboardModifier.ControlModifier
        if theme_id is not None and self.state() != QAbstractItemView.State.EditingState:
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not control:
                self.applyRequested.emit(theme_id)
                return
            if key == Qt.Key.Key_Delete:
                self.deleteRequested.emit(theme_id)
                return
            if key == Qt.Key.Key_Insert:
                self.subThemeRequested.emit(theme_id)
                return
            if control and key in self.MOVES:
                self.keyMoveRequested.emit(theme_id, self.MOVES[key])
                return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if event.reason() == event.Reason.Keyboard:
            index = self.currentIndex()
            rect = self.visualRect(index)
            point = self.viewport().mapToGlobal(rect.center()) if index.isValid() \
                else event.globalPos()
        else:
            index = self.indexAt(self.viewport().mapFromGlobal(event.globalPos()))
            point = event.globalPos()
            if index.isValid():
                self.setCurrentIndex(index)
        theme = index.data(ThemeRole) if index.isValid() else None
        self.menuRequested.emit(theme.id if theme else None, point)

    def rows_height(self, limit: int) -> int:
        """Height of the first `limit` rows shown (expanded and not filtered out)."""
        total, index, rows = 0, self.model().index(0, 0) if self.model() else QModelIndex(), 0
        while index.isValid() and rows < limit:
            total += self.rowHeight(index) or self.sizeHintForIndex(index).height()
            index = self.indexBelow(index)
            rows += 1
        return total

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        rows = max(self.rows_height(self.MAX_ROWS_SHOWN), 120)
        return QSize(super().sizeHint().width(), rows + 2 * self.frameWidth() + 4)


# --- the panel -----------------------------------------------------------------------------------

class ThemesPanel(QWidget):
    """The codebook. Click a theme, press its number or Enter on it to code the selected
    passage (or, with none selected, the open highlight)."""

    themeActivated = Signal(int)
    newThemeRequested = Signal(object)  # the parent's id, or None for the top level
    editThemeRequested = Signal(int)
    renameRequested = Signal(int, str)
    deleteThemeRequested = Signal(int)
    moveThemeRequested = Signal(int, int, object)  # theme id, index among siblings, parent id
    mergeThemeRequested = Signal(int)
    pinRequested = Signal(int, object)  # theme id, key 1–9 or None to unpin

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("themesPanel")
        self._collapsed: set[int] = set()  # parents the user closed; new ones open
        self._quiet = False  # expanding or collapsing for the filter, not for the user
        title = QLabel("Themes")
        title.setObjectName("panelTitle")
        self.hint = QLabel("Select a passage, then click a theme or press its number "
                           "(Ctrl+T: a new theme).")
        self.hint.setObjectName("panelHint")
        self.hint.setWordWrap(True)
        self.new_button = QPushButton("New theme…")
        self.new_button.setToolTip("Add a theme to the codebook")
        self.new_button.clicked.connect(lambda: self.newThemeRequested.emit(TOP))
        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("themeFilter")
        self.filter_edit.setPlaceholderText("Filter themes (Ctrl+Shift+F)")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._apply_filter)
        self.filter_edit.installEventFilter(self)
        self.no_match = QLabel()
        self.no_match.setObjectName("panelHint")
        self.no_match.hide()
        self.model_ = ThemeTreeModel(self)
        self.model_.moveRequested.connect(self._request_move)
        self.model_.renameRequested.connect(self.renameRequested)
        self.tree = self._build_tree()
        header = QHBoxLayout()
        header.addWidget(title)
        header.addStretch()
        header.addWidget(self.new_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 6)
        layout.addLayout(header)
        layout.addWidget(self.hint)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.no_match)
        layout.addWidget(self.tree)
        self.setFocusProxy(self.tree)

    def _build_tree(self) -> ThemeTree:
        tree = ThemeTree()
        tree.setObjectName("themeTree")
        tree.setModel(self.model_)
        tree.setItemDelegate(ThemeDelegate(tree))
        tree.setHeaderHidden(True)
        tree.setIndentation(14)
        tree.setMouseTracking(True)
        tree.setAnimated(False)
        tree.setExpandsOnDoubleClick(False)  # a click codes; the arrow opens and closes
        tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        tree.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        tree.setDragEnabled(True)
        tree.setAcceptDrops(True)
        tree.setDropIndicatorShown(True)
        # DragDrop rather than InternalMove: the model moves the theme itself (through the
        # archive), so the view must not remove the dragged row.
        tree.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        tree.setDefaultDropAction(Qt.DropAction.MoveAction)
        tree.setMinimumHeight(120)
        tree.setFrameShape(QTreeView.Shape.NoFrame)
        tree.setStyleSheet("QTreeView#themeTree { background: transparent; }")
        # The view paints the selected row's branch area (left of the chip) itself: in the
        # delegate's selection colour rather than the style's strong blue.
        palette = tree.palette()
        palette.setColor(QPalette.ColorRole.Highlight, QColor(SELECTED))
        tree.setPalette(palette)
        tree.clicked.connect(self._on_clicked)
        tree.applyRequested.connect(self.themeActivated)
        tree.deleteRequested.connect(self.deleteThemeRequested)
        tree.subThemeRequested.connect(lambda theme_id: self.newThemeRequested.emit(theme_id))
        tree.keyMoveRequested.connect(self.move_by_key)
        tree.menuRequested.connect(self._show_menu)
        tree.expanded.connect(lambda index: self._remember(index, expanded=True))
        tree.collapsed.connect(lambda index: self._remember(index, expanded=False))
        return tree

    # --- filling ---------------------------------------------------------------------------------

    def set_themes(self, themes: list[Theme]) -> None:
        """Show a new codebook, keeping what was expanded, current and scrolled to. When the
        current theme is gone (deleted, merged), the one now in its place becomes current,
        so the keyboard keeps its place."""
        current = self.tree.current_id()
        selected = self.current_theme()
        order = [theme.id for theme in self.model_.themes]
        scrolled = self.tree.verticalScrollBar().value()
        self.model_.set_themes(themes)
        self._restore_expansion()
        self._apply_filter()
        if current is not None and current not in self.model_.by_id and self.model_.themes:
            place = min(order.index(current), len(self.model_.themes) - 1)
            current = self.model_.themes[place].id
        if current is not None:
            self._make_current(current, select=selected is not None)
        self.tree.verticalScrollBar().setValue(scrolled)
        self.tree.updateGeometry()

    def update_themes(self, themes: list[Theme]) -> None:
        """Refresh these themes' rows (name, colour, counts) where they are."""
        if not self.model_.update_themes(themes):
            merged = {theme.id: theme for theme in self.model_.themes}
            merged.update({theme.id: theme for theme in themes})
            self.set_themes(list(merged.values()))
        elif self.filter_text():
            self._apply_filter()  # a new name may match, or no longer

    # --- reading ---------------------------------------------------------------------------------

    def themes(self) -> list[Theme]:
        """The whole codebook in its displayed order (depth-first), filtered or not."""
        return list(self.model_.themes)

    def theme_for_key(self, number: int) -> Theme | None:
        """The theme answering to number key 1–9."""
        return self.model_.theme_for_key(number)

    def key_of(self, theme_id: int) -> int | None:
        return self.model_.keys.get(theme_id)

    def current_theme(self) -> Theme | None:
        """The theme selected in the tree (clicked, or reached with the arrows)."""
        rows = self.tree.selectionModel().selectedIndexes()
        return rows[0].data(ThemeRole) if rows else None

    def index_of(self, theme_id: int) -> QModelIndex:
        return self.model_.index_of(theme_id)

    def theme_rect(self, theme_id: int) -> QRect:
        """Where a theme's row is, in the tree's viewport."""
        return self.tree.visualRect(self.model_.index_of(theme_id))

    def filter_text(self) -> str:
        return self.filter_edit.text().strip()

    def is_shown(self, theme_id: int) -> bool:
        """Whether a theme's row can be seen (not filtered out, its parents expanded)."""
        index = self.model_.index_of(theme_id)
        return index.isValid() and self.tree.visualRect(index).height() > 0

    # --- acting ----------------------------------------------------------------------------------

    def select_theme(self, theme_id: int) -> None:
        """Make a theme current and selected, its parents open, and scroll to it."""
        self._make_current(theme_id, select=True)

    def focus_filter(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def move_by_key(self, theme_id: int, where: str) -> None:
        """Ctrl+Up/Down: one place among its siblings; Ctrl+Left: out of its parent, just
        after it; Ctrl+Right: under the theme above it, as its last sub-theme."""
        siblings = self.model_.siblings(theme_id)
        row = siblings.index(theme_id)
        parent = self.model_.parent_id(theme_id)
        if where == "up" and row > 0:
            self._request_move(theme_id, row - 1, parent)
        elif where == "down" and row < len(siblings) - 1:
            self._request_move(theme_id, row + 1, parent)
        elif where == "out" and parent is not None:
            above = self.model_.parent_id(parent)
            self._request_move(theme_id, self.model_.siblings(parent).index(parent) + 1, above)
        elif where == "in" and row > 0:
            new_parent = siblings[row - 1]
            self._request_move(theme_id, len(self.model_.children.get(new_parent, [])),
                               new_parent)

    def _request_move(self, theme_id: int, new_index: int, parent_id: int | None) -> None:
        if parent_id is not None:
            self._collapsed.discard(parent_id)  # show the theme where it went
        self.moveThemeRequested.emit(theme_id, new_index, parent_id)

    def menu_for(self, theme_id: int | None) -> QMenu:
        """The context menu of a theme (or of the empty tree, for None)."""
        menu = QMenu(self)
        if theme_id is None:
            menu.addAction("New theme…", lambda: self.newThemeRequested.emit(TOP))
            return menu
        theme = self.model_.by_id[theme_id]
        _add(menu, "Code with this theme", "Enter", lambda: self.themeActivated.emit(theme_id))
        menu.addSeparator()
        _add(menu, "New sub-theme…", "Ins", lambda: self.newThemeRequested.emit(theme_id))
        _add(menu, "Rename", "F2", lambda: self._rename(theme_id))
        menu.addAction("Edit colour and definition…",
                       lambda: self.editThemeRequested.emit(theme_id))
        menu.addMenu(self._pin_menu(menu, theme))
        menu.addSeparator()
        self._add_moves(menu, theme_id)
        merge = menu.addAction("Merge into…", lambda: self.mergeThemeRequested.emit(theme_id))
        merge.setEnabled(len(self.model_.themes) > 1 + len(descendants(self.model_.themes,
                                                                       theme_id)))
        menu.addSeparator()
        _add(menu, "Delete…", "Del", lambda: self.deleteThemeRequested.emit(theme_id))
        return menu

    def _pin_menu(self, parent: QMenu, theme: Theme) -> QMenu:
        menu = QMenu("Pin to key", parent)
        menu.setObjectName("pinMenu")
        for key in KEYS:
            holder = self.theme_for_key(key)
            label = f"&{key}" + (f"  —  now {holder.name}" if holder and holder.id != theme.id
                                 else "")
            action = menu.addAction(label, lambda k=key: self.pinRequested.emit(theme.id, k))
            action.setCheckable(True)
            action.setChecked(theme.shortcut == key)
        menu.addSeparator()
        unpin = menu.addAction("Unpin", lambda: self.pinRequested.emit(theme.id, None))
        unpin.setEnabled(theme.shortcut is not None)
        return menu

    def _add_moves(self, menu: QMenu, theme_id: int) -> None:
        siblings = self.model_.siblings(theme_id)
        row = siblings.index(theme_id)
        parent = self.model_.parent_id(theme_id)
        moves = [("Move up", "Ctrl+Up", "up", row > 0),
                 ("Move down", "Ctrl+Down", "down", row < len(siblings) - 1)]
        if parent is not None:
            moves.append((f"Move out of “{self.model_.by_id[parent].name}”", "Ctrl+Left",
                          "out", True))
        if row > 0:
            moves.append((f"Move under “{self.model_.by_id[siblings[row - 1]].name}”",
                          "Ctrl+Right", "in", True))
        for text, keys, where, enabled in moves:
            _add(menu, text, keys, lambda w=where: self.move_by_key(theme_id, w)).setEnabled(
                enabled)

    def _show_menu(self, theme_id: int | None, point) -> None:
        menu = self.menu_for(theme_id)
        menu.exec(point)
        menu.deleteLater()

    def _rename(self, theme_id: int) -> None:
        index = self.model_.index_of(theme_id)
        self.tree.setCurrentIndex(index)
        self.tree.edit(index)

    def _on_clicked(self, index: QModelIndex) -> None:
        theme = index.data(ThemeRole)
        if theme is not None:
            self.themeActivated.emit(theme.id)

    # --- expansion, current item and the filter --------------------------------------------------

    def _remember(self, index: QModelIndex, expanded: bool) -> None:
        theme = index.data(ThemeRole)
        if self._quiet or theme is None:
            return
        if expanded:
            self._collapsed.discard(theme.id)
        else:
            self._collapsed.add(theme.id)

    def _restore_expansion(self) -> None:
        self._quiet = True
        try:
            for parent_id in self.model_.children:
                if parent_id is not None:
                    self.tree.setExpanded(self.model_.index_of(parent_id),
                                          parent_id not in self._collapsed)
        finally:
            self._quiet = False

    def _make_current(self, theme_id: int, select: bool) -> None:
        index = self.model_.index_of(theme_id)
        if not index.isValid():
            return
        self._quiet = True
        try:
            parent = index.parent()
            while parent.isValid():
                self.tree.setExpanded(parent, True)
                if not self.filter_text():
                    self._collapsed.discard(parent.internalId())
                parent = parent.parent()
        finally:
            self._quiet = False
        flag = (self.tree.selectionModel().SelectionFlag.ClearAndSelect if select
                else self.tree.selectionModel().SelectionFlag.NoUpdate)
        self.tree.selectionModel().setCurrentIndex(index, flag)
        self.tree.scrollTo(index)

    def _apply_filter(self, _text: str = "") -> None:
        """Show only the themes whose name contains the typed text, with their parents
        (opened); with no text, everything as the user left it."""
        words = self.filter_text().casefold()
        if not words:
            if self.model_.matches is not None:
                self.model_.set_matches(None)
                self._show_rows(None)
                self._restore_expansion()
            self.no_match.hide()
            return
        matches = {theme.id for theme in self.model_.themes if words in theme.name.casefold()}
        shown = set(matches)
        for theme_id in matches:
            parent = self.model_.parent_id(theme_id)
            while parent is not None and parent not in shown:
                shown.add(parent)
                parent = self.model_.parent_id(parent)
        self.model_.set_matches(matches)
        self._show_rows(shown)
        self._quiet = True
        try:
            for theme_id in shown - matches:
                self.tree.setExpanded(self.model_.index_of(theme_id), True)
        finally:
            self._quiet = False
        self.no_match.setText(f"No theme’s name contains “{self.filter_text()}”.")
        self.no_match.setVisible(not matches)
        first = next((t.id for t in self.model_.themes if t.id in matches), None)
        current = self.tree.current_id()
        if first is not None and current not in matches:
            self._make_current(first, select=False)

    def _show_rows(self, shown: set[int] | None) -> None:
        for theme in self.model_.themes:
            index = self.model_.index_of(theme.id)
            self.tree.setRowHidden(index.row(), index.parent(),
                                   shown is not None and theme.id not in shown)
        self.tree.updateGeometry()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        """In the filter box: Down goes into the tree, Enter codes with the current match,
        Escape clears the filter."""
        if watched is self.filter_edit and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if key == Qt.Key.Key_Down:
                self._enter_tree()
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                current = self.tree.current_id()
                if current is not None and self.filter_text() and (
                        current in (self.model_.matches or ())):
                    self.themeActivated.emit(current)
                return True
            if key == Qt.Key.Key_Escape and self.filter_edit.text():
                self.filter_edit.clear()
                return True
        return super().eventFilter(watched, event)

    def _enter_tree(self) -> None:
        current = self.tree.current_id()
        if current is None or not self.is_shown(current):
            first = next((t.id for t in self.model_.themes if self.is_shown(t.id)), None)
            if first is not None:
                self._make_current(first, select=True)
        else:
            self._make_current(current, select=True)
        self.tree.setFocus(Qt.FocusReason.TabFocusReason)


def _add(menu: QMenu, text: str, keys: str, slot):
    """A menu entry showing the key that does the same in the tree."""
    action = menu.addAction(text, slot)
    action.setShortcut(QKeySequence(keys))
    # Shown as a hint only: the tree handles these keys itself.
    action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
    return action
