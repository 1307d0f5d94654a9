"""The reader: an article laid out for reading, with its highlights painted in theme colours.

The page is built block by block from the article's stored structure (`core.document`), so the
body's characters are exactly the canonical text. Offsets count code points (as the W3C
TextPositionSelector does) while Qt counts UTF-16 units, so `_PositionMap` converts between
them: they differ only after characters outside the Basic Multilingual Plane, such as emoji.
The view loads nothing by itself; a link opens in the system browser only when clicked, and
only for http(s).
"""

from __future__ import annotations

from bisect import bisect_left

from PySide6.QtCore import QPointF, Qt, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QFont,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
    QTextListFormat,
)
from PySide6.QtWidgets import QMenu, QTextBrowser, QTextEdit

from ..core.document import Block, Run
from ..core.models import Article, Highlight, Theme
from .formatting import human_date

READING_WIDTH = 700  # pixels of text column: about 70 characters a line
BODY_FONTS = ["Charter", "Georgia", "Source Serif Pro", "Noto Serif", "DejaVu Serif", "serif"]
UI_FONTS = ["Inter", "Segoe UI", "Helvetica Neue", "Noto Sans", "DejaVu Sans", "sans-serif"]
BODY_POINT_SIZE = 13
HIGHLIGHT_ALPHA = 150
ACTIVE_ALPHA = 255
UNCODED_COLOR = "#C8C8C8"


class _PositionMap:
    """Canonical offsets (code points) ↔ document positions (UTF-16 units) of the body."""

    def __init__(self, text: str = "", body_start: int = 0) -> None:
        self.body_start = body_start
        self.length = len(text)
        astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF]
        # UTF-16 index of each astral character: it is preceded by i earlier astral ones.
        self.astral = astral
        self.astral_units = [offset + i for i, offset in enumerate(astral)]

    def position(self, offset: int) -> int:
        return self.body_start + offset + bisect_left(self.astral, offset)

    def offset(self, position: int) -> int:
        units = position - self.body_start
        # Astral characters whose two units end at or before this position.
        before = bisect_left(self.astral_units, units - 1)
        return min(units - before, self.length)


class ReaderView(QTextBrowser):
    """Shows one article; emits highlightClicked(id or None) and codeRequested(theme_id)."""

    highlightClicked = Signal(object)
    codeRequested = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("reader")
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setFrameShape(QTextBrowser.Shape.NoFrame)
        # Keyboard users select with Shift+arrows too (a caret appears when focused).
        self.setTextInteractionFlags(self.textInteractionFlags()
                                     | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.anchorClicked.connect(open_external_link)
        self.article: Article | None = None
        self.body_start = 0
        self.positions = _PositionMap()
        self.highlights: list[Highlight] = []
        self.themes: dict[int, Theme] = {}
        self.active_highlight: int | None = None
        self._page: QTextDocument | None = None  # the page we built (Qt owns the first one)

    # --- loading -------------------------------------------------------------------------

    def loadResource(self, kind, name):  # noqa: N802 (Qt's name)
        """Never fetch anything: no images, style sheets or files from disk or network."""
        return None

    def show_article(self, article: Article, highlights: list[Highlight],
                     themes: list[Theme]) -> None:
        """Lay out the article and paint its highlights."""
        self.article = article
        self.active_highlight = None
        document = QTextDocument(self)
        document.setDocumentMargin(32)
        document.setDefaultFont(_font(BODY_FONTS, BODY_POINT_SIZE))
        cursor = QTextCursor(document)
        _write_header(cursor, article)
        cursor.insertBlock(_paragraph_format(), QTextCharFormat())
        self.body_start = cursor.position()
        self.positions = _PositionMap(article.text, self.body_start)
        _write_body(cursor, article.blocks)
        self.setDocument(document)
        if self._page is not None:
            self._page.deleteLater()  # one article's page in memory, however many are opened
        self._page = document
        self._fit_column()
        self.set_highlights(highlights, themes)
        self.verticalScrollBar().setValue(0)

    def body_text(self) -> str:
        """The body as displayed; equals the article's canonical text."""
        cursor = QTextCursor(self.document())
        cursor.setPosition(self.body_start)
        cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
        return cursor.selectedText().replace("\u2029", "\n")

    # --- highlights ----------------------------------------------------------------------

    def set_highlights(self, highlights: list[Highlight], themes: list[Theme],
                       active: int | None = None) -> None:
        """Paint highlights in their first theme's colour; a second theme (or being the active
        highlight) adds an underline."""
        self.highlights = list(highlights)
        self.themes = {theme.id: theme for theme in themes}
        self.active_highlight = active
        selections = []
        for highlight in self.highlights:
            colors = [QColor(self.themes[t].color) for t in highlight.theme_ids
                      if t in self.themes] or [QColor(UNCODED_COLOR)]
            fill = QColor(colors[0])
            fill.setAlpha(ACTIVE_ALPHA if highlight.id == active else HIGHLIGHT_ALPHA)
            selection = QTextEdit.ExtraSelection()
            selection.cursor = self._cursor_for(highlight.start, highlight.end)
            char_format = QTextCharFormat()
            char_format.setBackground(fill)
            if len(colors) > 1 or highlight.id == active:
                char_format.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
                char_format.setUnderlineColor(colors[1] if len(colors) > 1
                                              else colors[0].darker(170))
            char_format.setProperty(QTextFormat.Property.UserProperty, highlight.id)
            selection.format = char_format
            selections.append(selection)
        self.setExtraSelections(selections)

    def painted_ranges(self) -> list[tuple[int, int, str]]:
        """(start, end, colour) of every painted highlight, in canonical offsets."""
        return [(self.positions.offset(s.cursor.selectionStart()),
                 self.positions.offset(s.cursor.selectionEnd()),
                 s.format.background().color().name().upper())
                for s in self.extraSelections()]

    def highlight_at(self, offset: int) -> Highlight | None:
        """The shortest highlight covering offset (the innermost when they overlap)."""
        covering = [h for h in self.highlights if h.start <= offset < h.end]
        return min(covering, key=lambda h: h.end - h.start) if covering else None

    # --- selection -----------------------------------------------------------------------

    def selection_range(self) -> tuple[int, int] | None:
        """The selected part of the body as canonical offsets, or None."""
        cursor = self.textCursor()
        if not self.article or not cursor.hasSelection():
            return None
        start = self.positions.offset(max(cursor.selectionStart(), self.body_start))
        end = self.positions.offset(cursor.selectionEnd())
        if end <= start or not self.article.text[start:end].strip():
            return None
        return start, end

    def select_range(self, start: int, end: int) -> None:
        """Select canonical offsets start..end and scroll them into view."""
        self.setTextCursor(self._cursor_for(start, end))
        self.ensureCursorVisible()

    def clear_selection(self) -> None:
        cursor = self.textCursor()
        cursor.clearSelection()
        self.setTextCursor(cursor)

    def scroll_to(self, offset: int) -> None:
        cursor = self._cursor_for(offset, offset)
        self.setTextCursor(cursor)
        self.ensureCursorVisible()

    def _cursor_for(self, start: int, end: int) -> QTextCursor:
        cursor = QTextCursor(self.document())
        last = self.document().characterCount() - 1
        cursor.setPosition(min(self.positions.position(start), last))
        cursor.setPosition(min(self.positions.position(end), last),
                           QTextCursor.MoveMode.KeepAnchor)
        return cursor

    # --- events --------------------------------------------------------------------------

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().mouseReleaseEvent(event)
        if event.button() != Qt.MouseButton.LeftButton or self.textCursor().hasSelection():
            return
        offset = self.offset_at(event.position())
        found = self.highlight_at(offset) if offset is not None else None
        self.highlightClicked.emit(found.id if found else None)

    def offset_at(self, point: QPointF) -> int | None:
        """Canonical offset of the character under a viewport point, if it is body text."""
        scrolled = QPointF(point.x() + self.horizontalScrollBar().value(),
                           point.y() + self.verticalScrollBar().value())
        position = self.document().documentLayout().hitTest(scrolled, Qt.HitTestAccuracy.ExactHit)
        if position < self.body_start:
            return None
        return self.positions.offset(position)

    def contextMenuEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        menu = self.createStandardContextMenu(event.pos())
        if self.selection_range() and self.themes:
            code_menu = QMenu("Code selection as", menu)
            for number, theme in enumerate(sorted(self.themes.values(),
                                                  key=lambda t: (t.position, t.id)), start=1):
                label = f"{number}  {theme.name}" if number <= 9 else theme.name
                action = code_menu.addAction(label)
                action.triggered.connect(lambda _=False, t=theme.id: self.codeRequested.emit(t))
            menu.insertMenu(menu.actions()[0] if menu.actions() else None, code_menu)
            menu.insertSeparator(menu.actions()[1])
        menu.exec(event.globalPos())
        menu.deleteLater()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._fit_column()

    def _fit_column(self) -> None:
        """Keep a comfortable line length by widening the side margins of wide windows."""
        side = max(24, (self.viewport().width() - READING_WIDTH) // 2)
        frame = self.document().rootFrame()
        frame_format = frame.frameFormat()
        if frame_format.leftMargin() != side:
            frame_format.setLeftMargin(side)
            frame_format.setRightMargin(side)
            frame.setFrameFormat(frame_format)


def open_external_link(url: QUrl) -> None:
    """Open a clicked link in the system browser, if it is a web link."""
    if url.scheme() in ("http", "https"):
        QDesktopServices.openUrl(url)


def _font(families: list[str], point_size: float, weight=QFont.Weight.Normal) -> QFont:
    font = QFont()
    font.setFamilies(families)
    font.setPointSizeF(point_size)
    font.setWeight(weight)
    return font


def _paragraph_format(bottom: float = 14, line_height: int = 155) -> QTextBlockFormat:
    block_format = QTextBlockFormat()
    block_format.setBottomMargin(bottom)
    proportional = QTextBlockFormat.LineHeightTypes.ProportionalHeight.value
    block_format.setLineHeight(line_height, proportional)
    return block_format


def _write_header(cursor: QTextCursor, article: Article) -> None:
    title_format = QTextCharFormat()
    title_format.setFont(_font(BODY_FONTS, 21, QFont.Weight.Bold))
    title_block = _paragraph_format(bottom=10, line_height=120)
    cursor.setBlockFormat(title_block)
    cursor.insertText(article.title, title_format)

    meta_format = QTextCharFormat()
    meta_format.setFont(_font(UI_FONTS, 10))
    meta_format.setForeground(QColor("#5F6368"))
    parts = [article.site_name, article.byline, human_date(article.published)]
    cursor.insertBlock(_paragraph_format(bottom=4, line_height=130), meta_format)
    cursor.insertText("  ·  ".join(p for p in parts if p), meta_format)

    cursor.insertBlock(_paragraph_format(bottom=18, line_height=130), meta_format)
    if article.url.startswith(("http://", "https://")):
        link_format = QTextCharFormat(meta_format)
        link_format.setAnchor(True)
        link_format.setAnchorHref(article.url)
        link_format.setForeground(QColor("#1A5FB4"))
        link_format.setToolTip(article.url)
        cursor.insertText("Original article ↗", link_format)
        cursor.insertText(f"  ·  saved {human_date(article.saved_at)}", meta_format)
    else:
        cursor.insertText(f"Saved {human_date(article.saved_at)} from a file", meta_format)


def _write_body(cursor: QTextCursor, blocks: list[Block]) -> None:
    lists: dict[int, object] = {}
    for index, block in enumerate(blocks):
        block_format, char_base = _block_style(block)
        if index:
            cursor.insertBlock(block_format, char_base)
        else:
            cursor.setBlockFormat(block_format)
        if block.kind == "list_item":
            _attach_to_list(cursor, block, lists)
        else:
            lists.clear()
        for run in block.runs:
            cursor.insertText(run.text, _run_format(run, char_base))


def _block_style(block: Block) -> tuple[QTextBlockFormat, QTextCharFormat]:
    char_format = QTextCharFormat()
    block_format = _paragraph_format()
    if block.kind == "heading":
        size = {1: 20, 2: 17, 3: 15}.get(block.level, 14)
        char_format.setFont(_font(BODY_FONTS, size, QFont.Weight.Bold))
        block_format = _paragraph_format(bottom=8, line_height=125)
        block_format.setTopMargin(12)
    elif block.kind == "quote":
        block_format.setLeftMargin(28)
        char_format.setFontItalic(True)
        char_format.setForeground(QColor("#3C4043"))
    elif block.kind == "preformatted":
        block_format = _paragraph_format(bottom=0, line_height=125)
        block_format.setNonBreakableLines(True)
        char_format.setFont(_font(["DejaVu Sans Mono", "monospace"], 11))
    elif block.kind == "caption":
        char_format.setFont(_font(UI_FONTS, 10))
        char_format.setForeground(QColor("#5F6368"))
    elif block.kind == "list_item":
        block_format = _paragraph_format(bottom=6)
    return block_format, char_format


def _attach_to_list(cursor: QTextCursor, block: Block, lists: dict) -> None:
    for deeper in [level for level in lists if level > block.level]:
        del lists[deeper]
    existing = lists.get(block.level)
    if existing is not None and existing.format().style() == _list_style(block):
        existing.add(cursor.block())
        return
    list_format = QTextListFormat()
    list_format.setStyle(_list_style(block))
    list_format.setIndent(block.level)
    lists[block.level] = cursor.createList(list_format)


def _list_style(block: Block) -> QTextListFormat.Style:
    if block.ordered:
        return QTextListFormat.Style.ListDecimal
    return [QTextListFormat.Style.ListDisc, QTextListFormat.Style.ListCircle,
            QTextListFormat.Style.ListSquare][(block.level - 1) % 3]


def _run_format(run: Run, base: QTextCharFormat) -> QTextCharFormat:
    char_format = QTextCharFormat(base)
    if run.bold:
        char_format.setFontWeight(QFont.Weight.Bold)
    if run.italic:
        char_format.setFontItalic(True)
    if run.code:
        char_format.setFontFamilies(["DejaVu Sans Mono", "monospace"])
    if run.href:
        char_format.setAnchor(True)
        char_format.setAnchorHref(run.href)
        char_format.setForeground(QColor("#1A5FB4"))
        char_format.setFontUnderline(True)
        char_format.setToolTip(run.href)
    return char_format
