"""The library: every saved article, newest first, as a list of cards."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QListView, QStyle, QStyledItemDelegate

from ..core.models import ArticleSummary
from .formatting import plural, short_date
from .list_model import RecordListModel, RecordRole


class ArticleListModel(RecordListModel):
    """The library's rows: ArticleSummary records."""

    @property
    def articles(self) -> list[ArticleSummary]:
        return self.records

    def record_data(self, article: ArticleSummary, row: int, role: int):
        if role == Qt.ItemDataRole.DisplayRole:
            return article.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{article.title}\n{article.url}"
        return None


class ArticleCardDelegate(QStyledItemDelegate):
    """Title in bold over a grey line of site, date and highlight count."""

    PADDING = 10

    def sizeHint(self, option, index) -> QSize:  # noqa: N802 (Qt's name)
        title = QFontMetrics(self._title_font(option.font))
        meta = QFontMetrics(self._meta_font(option.font))
        return QSize(200, self.PADDING * 2 + title.lineSpacing() * 2 + meta.lineSpacing() + 4)

    def paint(self, painter, option, index) -> None:
        article: ArticleSummary = index.data(RecordRole)
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette = option.palette
        if selected:
            painter.fillRect(option.rect, palette.color(QPalette.ColorRole.Highlight))
        elif option.state & QStyle.StateFlag.State_MouseOver:
            painter.fillRect(option.rect, palette.color(QPalette.ColorRole.AlternateBase))
        text_color = palette.color(QPalette.ColorRole.HighlightedText if selected
                                   else QPalette.ColorRole.Text)
        rect = option.rect.adjusted(self.PADDING + 2, self.PADDING, -self.PADDING,
                                    -self.PADDING)
        title_font = self._title_font(option.font)
        title_metrics = QFontMetrics(title_font)
        painter.setFont(title_font)
        painter.setPen(text_color)
        title_rect = QRect(rect.left(), rect.top(), rect.width(), title_metrics.lineSpacing() * 2)
        painter.drawText(title_rect, Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignTop,
                         _elide_two_lines(article.title, title_metrics, rect.width()))
        meta_font = self._meta_font(option.font)
        painter.setFont(meta_font)
        meta_color = QColor(text_color)
        meta_color.setAlpha(170)
        painter.setPen(meta_color)
        parts = [article.site_name, short_date(article.published)]
        if article.highlight_count:
            parts.append(plural(article.highlight_count, "highlight"))
        meta_rect = QRect(rect.left(), title_rect.bottom() + 4, rect.width(),
                          QFontMetrics(meta_font).lineSpacing())
        painter.drawText(meta_rect, Qt.AlignmentFlag.AlignLeft, QFontMetrics(meta_font).elidedText(
            "  ·  ".join(p for p in parts if p), Qt.TextElideMode.ElideRight, rect.width()))
        painter.setPen(palette.color(QPalette.ColorRole.Midlight))
        painter.drawLine(option.rect.bottomLeft(), option.rect.bottomRight())
        painter.restore()

    @staticmethod
    def _title_font(base: QFont) -> QFont:
        font = QFont(base)
        font.setWeight(QFont.Weight.DemiBold)
        return font

    @staticmethod
    def _meta_font(base: QFont) -> QFont:
        font = QFont(base)
        font.setPointSizeF(base.pointSizeF() * 0.88)
        return font


def _elide_two_lines(text: str, metrics: QFontMetrics, width: int) -> str:
    """Word-wrap text into at most two lines, eliding the second."""
    words, first = text.split(), ""
    while words and metrics.horizontalAdvance((first + " " + words[0]).strip()) <= width:
        first = (first + " " + words.pop(0)).strip()
    if not words:
        return first
    rest = metrics.elidedText(" ".join(words), Qt.TextElideMode.ElideRight, width)
    return f"{first}\n{rest}" if first else rest


class LibraryView(QListView):
    """The list of saved articles; emits articleSelected(id)."""

    articleSelected = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("library")
        self.model_ = ArticleListModel(self)
        self.setModel(self.model_)
        self.setItemDelegate(ArticleCardDelegate(self))
        self.setUniformItemSizes(True)
        self.setMouseTracking(True)
        self.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        self.setSelectionMode(QListView.SelectionMode.SingleSelection)
        self.selectionModel().currentRowChanged.connect(self._on_current_changed)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().paintEvent(event)
        if self.model_.rowCount() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(QColor(120, 120, 120))
            painter.drawText(self.viewport().rect().adjusted(16, 24, -16, 0),
                             Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap,
                             "No articles yet")

    def set_articles(self, articles: list[ArticleSummary], keep: int | None = None) -> None:
        """Replace the list, keeping (or moving to) the article with id `keep`."""
        blocker = self.selectionModel().blockSignals(True)
        self.model_.set_records(articles)
        row = self.model_.row_of(keep) if keep is not None else None
        if row is not None:
            self.setCurrentIndex(self.model_.index(row))
        self.selectionModel().blockSignals(blocker)

    def select_article(self, article_id: int) -> None:
        row = self.model_.row_of(article_id)
        if row is not None:
            self.setCurrentIndex(self.model_.index(row))

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.articleSelected.emit(current.data(RecordRole).id)
