"""Create or edit a theme: name, colour, one-line definition."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
)

from ..core.models import Theme


class ThemeDialog(QDialog):
    """A small form; read name(), color() and description() after it is accepted."""

    def __init__(self, parent=None, theme: Theme | None = None,
                 suggested_color: str = "#FFE45C") -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit theme" if theme else "New theme")
        self.name_edit = QLineEdit(theme.name if theme else "")
        self.name_edit.setPlaceholderText("e.g. Security measures")
        self.name_edit.setMaxLength(80)
        self._color = theme.color if theme else suggested_color
        self.color_button = QPushButton()
        self.color_button.clicked.connect(self._pick_color)
        self.description_edit = QPlainTextEdit(theme.description if theme else "")
        self.description_edit.setPlaceholderText("When to apply this theme (optional)")
        self.description_edit.setFixedHeight(70)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.name_edit.textChanged.connect(self._update_ok)
        layout = QFormLayout(self)
        layout.addRow("Name", self.name_edit)
        layout.addRow("Colour", self.color_button)
        layout.addRow("Definition", self.description_edit)
        layout.addRow(self.buttons)
        self._show_color()
        self._update_ok()

    def name(self) -> str:
        return self.name_edit.text().strip()

    def color(self) -> str:
        return self._color

    def description(self) -> str:
        return self.description_edit.toPlainText().strip()

    def set_color(self, color: str) -> None:
        self._color = QColor(color).name().upper()
        self._show_color()

    def _pick_color(self) -> None:
        chosen = QColorDialog.getColor(QColor(self._color), self, "Theme colour")
        if chosen.isValid():
            self.set_color(chosen.name())

    def _show_color(self) -> None:
        self.color_button.setText(self._color)
        self.color_button.setStyleSheet(
            f"QPushButton {{ background: {self._color}; color: #202124; border-radius: 4px;"
            " padding: 4px 12px; border: 1px solid rgba(0,0,0,0.2); }")

    def _update_ok(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.name()))
