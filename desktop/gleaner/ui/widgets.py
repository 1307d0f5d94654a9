"""Small widgets shared by the window: the message banner and the welcome page."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


class MessageBanner(QFrame):
    """A one-line message across the top of the window: errors stay, notices fade."""

    NOTICE_MS = 6000

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.label = QLabel()
        self.label.setObjectName("bannerText")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # messages quote URLs and titles
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QPushButton("✕")
        close.setObjectName("bannerClose")
        close.setFlat(True)
        close.setToolTip("Dismiss")
        close.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 8, 8, 8)
        # An optional action beside the message ("Open" on "already saved as #12").
        self.action_button = QPushButton()
        self.action_button.setObjectName("bannerAction")
        self.action_button.clicked.connect(self._run_action)
        self.action_button.hide()
        self._action = None
        layout.addWidget(self.label, 1)
        layout.addWidget(self.action_button)
        layout.addWidget(close)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def show_error(self, text: str) -> None:
        self._show(text, "error")
        self._timer.stop()

    def show_notice(self, text: str, action: tuple[str, object] | None = None) -> None:
        """A message that fades; with action=(label, callable) a button beside it runs the
        callable and dismisses the message (it then stays until used or dismissed)."""
        self._show(text, "notice")
        if action is None:
            self._timer.start(self.NOTICE_MS)
            return
        self._timer.stop()
        self._action = action[1]
        self.action_button.setText(action[0])
        self.action_button.show()

    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""

    def _run_action(self) -> None:
        action, self._action = self._action, None
        self.hide()
        if action is not None:
            action()

    def _show(self, text: str, kind: str) -> None:
        self._action = None
        self.action_button.hide()
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        self.label.setText(text)
        self.show()


class WrappingLabel(QLabel):
    """A word-wrapped label that asks its layout for the height its text needs."""

    def __init__(self, text: str = "") -> None:
        super().__init__(text)
        self.setWordWrap(True)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        needed = self.heightForWidth(self.width())
        if needed > 0 and needed != self.minimumHeight():
            self.setMinimumHeight(needed)


class WelcomePage(QWidget):
    """What the reader's place shows with no article open: in an empty archive, how to start
    and the sample article; otherwise, where to find the articles."""

    EMPTY = ("Your archive is empty",
             "Save an article by pasting its web address in the box above and pressing Enter "
             "(Ctrl+L), or open a web page you saved as an .html file (Ctrl+O).<br><br>"
             "Then select a passage and click a theme, or press its number key, to code it.")
    NONE_OPEN = ("No article open",
                 "Choose an article in the library on the left to read and code it, or save "
                 "another by pasting its web address in the box above (Ctrl+L).")

    sampleRequested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome")
        heading = QLabel(self.EMPTY[0])
        heading.setObjectName("welcomeHeading")
        body = WrappingLabel(self.EMPTY[1])
        body.setObjectName("welcomeBody")
        self.heading, self.body = heading, body
        body.setWordWrap(True)
        self.sample_button = QPushButton("Open the sample article")
        self.sample_button.setObjectName("sampleButton")
        self.sample_button.clicked.connect(self.sampleRequested)
        note = QLabel("A short news report written for Gleaner, to try highlighting offline.")
        note.setObjectName("panelHint")
        self.note = note
        column = QVBoxLayout()
        column.addWidget(heading)
        column.addSpacing(8)
        column.addWidget(body)
        column.addSpacing(18)
        column.addWidget(self.sample_button, 0, Qt.AlignmentFlag.AlignLeft)
        column.addWidget(note)
        holder = QWidget()
        holder.setMaximumWidth(520)
        holder.setLayout(column)
        # Centred by stretches, not an alignment flag: aligned, the column would get only its
        # size hint and the wrapped text's last line was cut off.
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(holder, 4)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(2)

    def set_archive_empty(self, empty: bool) -> None:
        """Say how to start (an empty archive) or where the articles are (none open)."""
        heading, body = self.EMPTY if empty else self.NONE_OPEN
        self.heading.setText(heading)
        self.body.setText(body)
        self.sample_button.setVisible(empty)
        self.note.setVisible(empty)
