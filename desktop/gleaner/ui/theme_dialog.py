"""Small dialogs of the codebook: create or edit a theme, and choose a theme to merge into."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
)

from ..core.codebook import depths, descendants
from ..core.models import Theme
from .themes_panel import text_on

TOP_LEVEL = "(top level)"


class ThemeDialog(QDialog):
    """Name, colour, definition and (for a new theme) its parent; read name(), color(),
    description() and parent_id() after it is accepted.

    Enter in the name accepts; in the definition Enter starts a new line and Ctrl+Enter
    accepts; Tab always moves to the next field. `with_definition=False` leaves the definition
    out (a theme made from a selection is named in one step and defined later).
    """

    def __init__(self, parent=None, theme: Theme | None = None,
                 suggested_color: str = "#FFE45C", themes: list[Theme] | None = None,
                 parent_id: int | None = None, with_definition: bool = True,
                 title: str | None = None, passage: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title or ("Edit theme" if theme else "New theme"))
        self.name_edit = QLineEdit(theme.name if theme else "")
        self.name_edit.setPlaceholderText("e.g. Security measures")
        self.name_edit.setMaxLength(80)
        self._color = theme.color if theme else suggested_color
        self.color_button = QPushButton()
        self.color_button.setToolTip("Choose the colour its passages are painted in")
        self.color_button.clicked.connect(self._pick_color)
        self.description_edit = QPlainTextEdit(theme.description if theme else "")
        self.description_edit.setPlaceholderText(
            "When to apply this theme, with an example passage (optional)")
        self.description_edit.setFixedHeight(84)
        self.description_edit.setTabChangesFocus(True)  # Tab moves on; it never types a tab
        self.description_edit.installEventFilter(self)
        self.parent_combo = QComboBox()
        self.parent_combo.setObjectName("parentChooser")
        self.parent_combo.setToolTip("Put the new theme under another as a sub-theme")
        self._fill_parents(themes or [], parent_id)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.name_edit.textChanged.connect(self._update_ok)
        layout = QFormLayout(self)
        if passage:
            quote = QLabel(f"“{_preview(passage)}”")
            quote.setObjectName("quote")
            quote.setWordWrap(True)
            quote.setTextFormat(Qt.TextFormat.PlainText)
            layout.addRow("Passage", quote)
        layout.addRow("&Name", self.name_edit)
        layout.addRow("&Colour", self.color_button)
        if with_definition:
            layout.addRow("&Definition", self.description_edit)
            hint = QLabel("Ctrl+Enter saves; Enter in the definition starts a new line.")
            hint.setObjectName("panelHint")
            layout.addRow("", hint)
        else:
            self.description_edit.hide()
        if theme is None:
            layout.addRow("&Under", self.parent_combo)
        else:
            self.parent_combo.hide()  # an existing theme moves by drag and drop
        layout.addRow(self.buttons)
        self._show_color()
        self._update_ok()

    def name(self) -> str:
        return self.name_edit.text().strip()

    def color(self) -> str:
        return self._color

    def description(self) -> str:
        return self.description_edit.toPlainText().strip()

    def parent_id(self) -> int | None:
        """The theme the new one goes under, or None for the top level."""
        return self.parent_combo.currentData()

    def set_parent_id(self, theme_id: int | None) -> None:
        row = self.parent_combo.findData(theme_id)
        self.parent_combo.setCurrentIndex(max(row, 0))

    def set_color(self, color: str) -> None:
        self._color = QColor(color).name().upper()
        self._show_color()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        # Ctrl+Enter in the definition saves, as Enter does in the name.
        if (watched is self.description_edit and event.type() == QEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and event.modifiers() & Qt.KeyboardModifier.ControlModifier):
            if self.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled():
                self.accept()
            return True
        return super().eventFilter(watched, event)

    def _fill_parents(self, themes: list[Theme], parent_id: int | None) -> None:
        self.parent_combo.addItem(TOP_LEVEL, None)
        levels = depths(themes)
        for theme in themes:
            # Indented as in the codebook, so the tree can be read in the list.
            self.parent_combo.addItem("    " * levels[theme.id] + theme.name, theme.id)
        self.set_parent_id(parent_id)

    def _pick_color(self) -> None:
        chosen = QColorDialog.getColor(QColor(self._color), self, "Theme colour")
        if chosen.isValid():
            self.set_color(chosen.name())

    def _show_color(self) -> None:
        self.color_button.setText("Change colour…")
        self.color_button.setAccessibleName(f"Colour {self._color}")
        text = text_on(self._color)
        self.color_button.setStyleSheet(
            f"QPushButton {{ background: {self._color}; color: {text}; border-radius: 4px;"
            " padding: 4px 12px; border: 1px solid rgba(0,0,0,0.2); }"
            " QPushButton:focus { border: 2px solid #1A5FB4; }")

    def _update_ok(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.name()))


class MergeDialog(QDialog):
    """Choose the theme another is merged into; read target_id() after it is accepted.

    The theme's own sub-themes are not offered: its sub-themes move under the theme it is
    merged into, which cannot be one of them (the archive refuses it too).
    """

    def __init__(self, parent, source: Theme, themes: list[Theme]) -> None:
        super().__init__(parent)
        self.setWindowTitle("Merge theme")
        below = set(descendants(themes, source.id))
        count = source.highlight_count
        said = [f"Merge “{source.name}” into the theme chosen below."]
        if count:
            said.append(f"Its {count} passage{'s are' if count != 1 else ' is'} then coded "
                        "with that theme.")
        if below:
            said.append("Its sub-themes move under that theme.")
        said.append(f"“{source.name}” leaves the codebook; Edit ▸ Undo brings it back.")
        self.intro = intro = QLabel(" ".join(said))
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        self.choices = QListWidget()
        self.choices.setObjectName("mergeChoices")
        levels = depths(themes)
        for theme in themes:
            if theme.id in below or theme.id == source.id:
                continue
            item = QListWidgetItem("    " * levels[theme.id] + theme.name)
            item.setData(Qt.ItemDataRole.UserRole, theme.id)
            self.choices.addItem(item)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.merge_button = self.buttons.addButton(
            "Merge", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.choices.currentItemChanged.connect(self._update_ok)
        self.choices.itemActivated.connect(lambda _item: self.accept())
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.choices)
        layout.addWidget(self.buttons)
        self.resize(380, 360)
        self._update_ok()

    def target_id(self) -> int | None:
        item = self.choices.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def choose(self, theme_id: int) -> None:
        """Make a theme the chosen one."""
        for row in range(self.choices.count()):
            if self.choices.item(row).data(Qt.ItemDataRole.UserRole) == theme_id:
                self.choices.setCurrentRow(row)
                return

    def _update_ok(self) -> None:
        self.merge_button.setEnabled(self.target_id() is not None)


def _preview(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
