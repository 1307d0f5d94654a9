"""The library: every saved article, newest first, as a column of cards."""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QAbstractListModel, QModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QHeaderView, QStyle, QStyledItemDelegate, QTableView

from ..core.models import ArticleSummary
from .formatting import plural, short_date
from .list_model import RecordRole


class ArticleListModel(QAbstractListModel):
    """The library's rows, read lazily: sized by a count, filled a page at a time.

    Only the pages the view asks for (the rows in sight) are read; a 100,000-article library
    costs one count and a page of 100 rows at start, and jumping to its end one more page.
    `refresh_articles` re-reads just the rows an operation changed; `reload` re-counts when
    articles were added or removed.
    """

    PAGE_SIZE = 100
    MAX_PAGES = 50  # pages kept in memory; the least recently used go first

    def __init__(self, archive, parent=None) -> None:
        super().__init__(parent)
        self.archive = archive
        self._count = 0
        self._pages: OrderedDict[int, list[ArticleSummary]] = OrderedDict()

    def set_archive(self, archive) -> None:
        self.archive = archive
        self.reload()

    def reload(self) -> None:
        """Count the rows again and forget every page read (articles added or removed)."""
        self.beginResetModel()
        self._pages.clear()
        self._count = self.archive.read("article_count") if self.archive else 0
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008, N802 (Qt's signature)
        return 0 if parent.isValid() else self._count

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        article = self.article_at(index.row())
        if article is None:
            return None
        if role == RecordRole:
            return article
        if role == Qt.ItemDataRole.DisplayRole:
            return article.title
        if role == Qt.ItemDataRole.ToolTipRole:
            tags = f"\nTags: {', '.join(article.tags)}" if article.tags else ""
            return f"{article.title}\n{article.url}{tags}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return row_description(article)
        return None

    def article_at(self, row: int) -> ArticleSummary | None:
        """The row's article, reading its page if it is not in memory."""
        if not 0 <= row < self._count:
            return None
        number, offset = divmod(row, self.PAGE_SIZE)
        page = self._pages.get(number)
        if page is None:
            page = self.archive.read("article_page", number * self.PAGE_SIZE, self.PAGE_SIZE)
            self._pages[number] = page
            while len(self._pages) > self.MAX_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        return page[offset] if offset < len(page) else None

    def row_of(self, article_id: int) -> int | None:
        """The article's row: from the pages in memory, else asked of the archive."""
        for number, page in self._pages.items():
            for offset, article in enumerate(page):
                if article.id == article_id:
                    return number * self.PAGE_SIZE + offset
        return self.archive.read("article_row", article_id) if self.archive else None

    def refresh_articles(self, article_ids) -> None:
        """Re-read the rows of these articles that are in memory (their counts changed)."""
        wanted = set(article_ids)
        places = [(number, offset) for number, page in self._pages.items()
                  for offset, article in enumerate(page) if article.id in wanted]
        if not places:
            return
        # Only rows in memory need re-reading (a deleted theme may touch 40,000 articles).
        shown = sorted({self._pages[number][offset].id for number, offset in places})
        fresh = {a.id: a for a in self.archive.read("article_summaries", shown)}
        for number, offset in places:
            page = self._pages[number]
            if page[offset].id in fresh:
                page[offset] = fresh[page[offset].id]
                index = self.index(number * self.PAGE_SIZE + offset)
                self.dataChanged.emit(index, index)

    def pages_in_memory(self) -> int:
        return len(self._pages)


class ArticleCardDelegate(QStyledItemDelegate):
    """Title over a grey line of site, date and highlight count, and a line of tags in blue.

    Unread articles have a semi-bold title and a dot in the margin, read ones a regular
    title; starred ones a gold star at the title's right.
    """

    PADDING = 10
    STAR = "★"
    STAR_COLOR = QColor("#C98A00")
    NEW_COLOR = QColor("#2E7D32")
    UNREAD_COLOR = QColor("#1A5FB4")
    TAG_COLOR = QColor("#2C5282")
    META_SEPARATOR = "  ·  "

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._fonts: dict[str, _CardFonts] = {}  # by the view's font: built once, not per row
        self.marked: set[int] = set()  # articles saved in the background, shown as "New"

    def sizeHint(self, option, index) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(200, self.card_height(option.font))

    def card_height(self, font: QFont) -> int:
        """Every card's height: two title lines, the meta line and the tags line (kept for
        every card: rows of one height are placed by arithmetic)."""
        fonts = self._fonts_for(font)
        return self.PADDING * 2 + fonts.title_metrics.lineSpacing() * 2 \
            + fonts.meta_metrics.lineSpacing() * 2 + 4

    def paint(self, painter, option, index) -> None:
        article: ArticleSummary | None = index.data(RecordRole)
        if article is None:
            return
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette = option.palette
        if selected:
            painter.fillRect(option.rect, palette.color(QPalette.ColorRole.Highlight))
        elif option.state & QStyle.StateFlag.State_MouseOver:
            painter.fillRect(option.rect, palette.color(QPalette.ColorRole.AlternateBase))
        if article.id in self.marked:
            # A bar down the card's left edge, in the "New" colour.
            painter.fillRect(QRect(option.rect.left(), option.rect.top(), 4,
                                   option.rect.height()), self.NEW_COLOR)
        text_color = palette.color(QPalette.ColorRole.HighlightedText if selected
                                   else QPalette.ColorRole.Text)
        fonts = self._fonts_for(option.font)
        rect = option.rect.adjusted(self.PADDING + 2, self.PADDING, -self.PADDING,
                                    -self.PADDING)
        title_rect = self._paint_title(painter, article, fonts, rect, text_color)
        meta_rect = QRect(rect.left(), title_rect.bottom() + 4, rect.width(),
                          fonts.meta_metrics.lineSpacing())
        self._paint_meta(painter, article, fonts, meta_rect, text_color)
        painter.setPen(palette.color(QPalette.ColorRole.Midlight))
        painter.drawLine(option.rect.bottomLeft(), option.rect.bottomRight())
        painter.restore()

    def _paint_title(self, painter, article: ArticleSummary, fonts: _CardFonts, rect: QRect,
                     color: QColor) -> QRect:
        """The title (bold while unread), the unread dot and the star; returns its rect."""
        metrics = fonts.title_metrics if not article.read else fonts.read_metrics
        line = metrics.lineSpacing()
        width = rect.width()
        if article.starred:
            star_width = fonts.star_metrics.horizontalAdvance(self.STAR)
            width -= star_width + 6
            painter.setFont(fonts.star)
            painter.setPen(self.STAR_COLOR)
            painter.drawText(QRect(rect.right() - star_width, rect.top(), star_width, line),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             self.STAR)
        if not article.read:
            # In the left padding, level with the first title line.
            size = 6
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(self.UNREAD_COLOR)
            painter.drawEllipse(rect.left() - size - 3, rect.top() + (line - size) // 2,
                                size, size)
        if article.id in self.marked:
            label = "New"
            label_width = fonts.meta_metrics.horizontalAdvance(label) + 10
            width -= label_width + 6
            painter.setFont(fonts.meta)
            painter.setPen(self.NEW_COLOR)
            painter.drawText(QRect(rect.left() + width + 6, rect.top(), label_width, line),
                             Qt.AlignmentFlag.AlignCenter, label)
        title_rect = QRect(rect.left(), rect.top(), width, line * 2)
        painter.setFont(fonts.title if not article.read else fonts.read)
        painter.setPen(color)
        painter.drawText(title_rect, Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignTop,
                         _elide_two_lines(article.title, metrics, width))
        return title_rect

    def _paint_meta(self, painter, article: ArticleSummary, fonts: _CardFonts, rect: QRect,
                    color: QColor) -> None:
        """Site, date and highlight count in grey; under them the tags, in blue."""
        meta_color = QColor(color)
        meta_color.setAlpha(170)
        parts = [article.site_name, short_date(article.published)]
        if article.highlight_count:
            parts.append(plural(article.highlight_count, "highlight"))
        metrics = fonts.meta_metrics
        painter.setFont(fonts.meta)
        painter.setPen(meta_color)
        painter.drawText(rect, Qt.AlignmentFlag.AlignLeft, metrics.elidedText(
            self.META_SEPARATOR.join(p for p in parts if p), Qt.TextElideMode.ElideRight,
            rect.width()))
        if article.tags:
            # Blue on a light card; on a dark palette the text's own colour stays readable.
            painter.setPen(self.TAG_COLOR if color.lightness() < 128 else color)
            painter.drawText(rect.translated(0, metrics.lineSpacing()), Qt.AlignmentFlag.AlignLeft,
                             metrics.elidedText(", ".join(article.tags),
                                                Qt.TextElideMode.ElideRight, rect.width()))

    def _fonts_for(self, base: QFont) -> _CardFonts:
        key = base.key()
        fonts = self._fonts.get(key)
        if fonts is None:
            fonts = self._fonts[key] = _CardFonts(base)
        return fonts


class _CardFonts:
    """The fonts and metrics a card paints with, derived from the view's font."""

    def __init__(self, base: QFont) -> None:
        self.title = QFont(base)
        self.title.setWeight(QFont.Weight.DemiBold)
        self.read = QFont(base)  # a read article's title is regular weight
        self.meta = QFont(base)
        self.meta.setPointSizeF(base.pointSizeF() * 0.88)
        self.star = QFont(base)
        self.star.setPointSizeF(base.pointSizeF() * 1.15)
        self.title_metrics = QFontMetrics(self.title)
        self.read_metrics = QFontMetrics(self.read)
        self.meta_metrics = QFontMetrics(self.meta)
        self.star_metrics = QFontMetrics(self.star)


def row_description(article: ArticleSummary) -> str:
    """A library row in words (what a screen reader says): title, star, read state, tags."""
    parts = [article.title, "starred" if article.starred else "",
             "read" if article.read else "unread"]
    if article.tags:
        parts.append(f"tags: {', '.join(article.tags)}")
    return ", ".join(p for p in parts if p)


def _elide_two_lines(text: str, metrics: QFontMetrics, width: int) -> str:
    """Word-wrap text into at most two lines, eliding the second."""
    words, first = text.split(), ""
    while words and metrics.horizontalAdvance((first + " " + words[0]).strip()) <= width:
        first = (first + " " + words.pop(0)).strip()
    if not words:
        return first
    rest = metrics.elidedText(" ".join(words), Qt.TextElideMode.ElideRight, width)
    return f"{first}\n{rest}" if first else rest


class LibraryView(QTableView):
    """The list of saved articles; emits articleSelected(id).

    A one-column table rather than a QListView: every card has the same height, and a table
    places rows by arithmetic, while QListView lays out every row (two Python calls each)
    after any reset or changed row — 150–230 ms on a 100,000-article library.
    """

    articleSelected = Signal(int)

    def __init__(self, archive=None, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("library")
        self.model_ = ArticleListModel(archive, self)
        self.setModel(self.model_)
        delegate = ArticleCardDelegate(self)
        self.delegate = delegate
        self.setItemDelegate(delegate)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.horizontalHeader().hide()
        self.horizontalHeader().setStretchLastSection(True)
        rows = self.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(delegate.card_height(self.font()))
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMouseTracking(True)
        self.setVerticalScrollMode(QTableView.ScrollMode.ScrollPerPixel)
        self.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.setTabKeyNavigation(False)
        self.selectionModel().currentRowChanged.connect(self._on_current_changed)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().paintEvent(event)
        if self.model_.rowCount() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(QColor(120, 120, 120))
            painter.drawText(self.viewport().rect().adjusted(16, 24, -16, 0),
                             Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap,
                             "No articles yet")

    def reload(self, keep: int | None = None) -> None:
        """Re-count the library (articles added or removed), keeping `keep` selected."""
        # Another process may commit once a second: the list must not jump under the user.
        scrolled = self.verticalScrollBar().value()
        blocker = self.selectionModel().blockSignals(True)
        self.model_.reload()
        self._select_quietly(keep, scroll=False)
        self.selectionModel().blockSignals(blocker)
        self.verticalScrollBar().setValue(scrolled)

    def select_article(self, article_id: int) -> None:
        """Make the article current (scrolling to it) without emitting articleSelected."""
        blocker = self.selectionModel().blockSignals(True)
        self._select_quietly(article_id)
        self.selectionModel().blockSignals(blocker)

    def mark_new(self, article_id: int) -> None:
        """Show an article saved in the background as "New" and scroll to it, leaving the
        current article as it is (the user opened another one meanwhile)."""
        self.delegate.marked.add(article_id)
        row = self.model_.row_of(article_id)
        if row is not None:
            self.scrollTo(self.model_.index(row))
        self.viewport().update()

    def marked_articles(self) -> set[int]:
        """The articles shown as "New"."""
        return set(self.delegate.marked)

    def current_article_id(self) -> int | None:
        index = self.currentIndex()
        article = index.data(RecordRole) if index.isValid() else None
        return article.id if article else None

    def _select_quietly(self, article_id: int | None, scroll: bool = True) -> None:
        row = self.model_.row_of(article_id) if article_id is not None else None
        if row is not None:
            index = self.model_.index(row)
            self.setCurrentIndex(index)
            if scroll:
                self.scrollTo(index)
        # A blocked selection model does not repaint the old current row by itself.
        self.viewport().update()

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            article = current.data(RecordRole)
            if article is not None:
                self.delegate.marked.discard(article.id)  # seen: no longer new
                self.articleSelected.emit(article.id)
