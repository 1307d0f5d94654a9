"""Library rows show the article's star, whether it is read, and its tags, painted from the
real archive through the archive process (as the window reads it)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QImage

from gleaner.core.capture import capture
from gleaner.core.service import ArchiveClient
from gleaner.ui.library_view import ArticleCardDelegate, LibraryView


@pytest.fixture
def library(app, qtbot, archive, sample_article_path, fixtures_dir):
    """A library of two: the sample article (row 0: newest) starred, tagged and unread; the
    news page (row 1) read, with no star and no tags."""
    news, _ = archive.save_article(capture(str(fixtures_dir / "news_page.html")))
    sample, _ = archive.save_article(capture(str(sample_article_path)))
    archive.tag_article(sample, ["Calais", "Border policy"])
    archive.set_article_flags(sample, starred=True)
    archive.set_article_flags(news, read=True)
    client = ArchiveClient.start(archive.path)
    view = LibraryView(client)
    qtbot.addWidget(view)
    view.reload()
    view.resize(320, 400)
    view.show()
    qtbot.waitExposed(view)
    yield view, client, sample, news
    client.close()


def row_image(view: LibraryView, row: int) -> tuple[QImage, QRect]:
    view.viewport().repaint()
    return view.viewport().grab().toImage(), view.visualRect(view.model_.index(row))


def pixels(image: QImage, rect: QRect) -> list[QColor]:
    return [image.pixelColor(x, y) for x in range(rect.left(), rect.right())
            for y in range(rect.top(), rect.bottom())]


def is_gold(c: QColor) -> bool:  # the star, #C98A00, antialiased on the pale card
    return c.red() > 170 and 100 < c.green() < 170 and c.blue() < 90


def is_blue(c: QColor) -> bool:  # the unread dot and the tags
    return c.blue() > 110 and c.blue() - c.red() > 50


def regions(view: LibraryView, rect: QRect) -> dict[str, QRect]:
    """Where a card puts its star, its unread dot and its tags line."""
    delegate: ArticleCardDelegate = view.itemDelegate()
    fonts = delegate._fonts_for(view.font())
    pad = delegate.PADDING
    title_line = fonts.title_metrics.lineSpacing()
    meta_line = fonts.meta_metrics.lineSpacing()
    tags_top = rect.top() + pad + title_line * 2 + 4 + meta_line
    return {
        "star": QRect(rect.right() - pad - 24, rect.top() + pad, 24, title_line),
        "dot": QRect(rect.left(), rect.top() + pad, pad + 1, title_line),
        "tags": QRect(rect.left() + pad, tags_top, rect.width() - 2 * pad, meta_line),
    }


def test_rows_show_star_unread_and_tags(library):
    view, _client, _sample, _news = library
    starred = view.model_.article_at(0)
    assert (starred.starred, starred.read, starred.tags) == (True, False,
                                                             ("Border policy", "Calais"))
    image, first = row_image(view, 0)
    _, second = row_image(view, 1)
    marked, plain = regions(view, first), regions(view, second)
    assert any(is_gold(c) for c in pixels(image, marked["star"]))
    assert any(is_blue(c) for c in pixels(image, marked["dot"]))
    assert sum(is_blue(c) for c in pixels(image, marked["tags"])) > 30
    # The read, unstarred, untagged article has none of them.
    assert not any(is_gold(c) for c in pixels(image, plain["star"]))
    assert not any(is_blue(c) for c in pixels(image, plain["dot"]))
    assert not any(is_blue(c) for c in pixels(image, plain["tags"]))
    # Every card has room for the tags line inside its own rectangle.
    assert marked["tags"].bottom() <= first.bottom()
    assert first.height() == second.height() == view.verticalHeader().defaultSectionSize()


def test_rows_say_star_read_state_and_tags_in_words(library):
    view, *_ = library
    model = view.model_
    first, second = model.index(0), model.index(1)
    assert model.data(first, Qt.ItemDataRole.AccessibleTextRole) == (
        "France and Belgium sign port security pact as aid groups warn of camp conditions, "
        "starred, unread, tags: Border policy, Calais")
    assert model.data(second, Qt.ItemDataRole.AccessibleTextRole).endswith(", read")
    assert model.data(first, Qt.ItemDataRole.ToolTipRole).endswith("\nTags: Border policy, Calais")
    assert "Tags" not in model.data(second, Qt.ItemDataRole.ToolTipRole)


def test_a_row_repaints_after_star_read_and_tag_operations(library):
    view, client, sample, news = library
    # As the window does after an operation: re-read just the rows it changed.
    for result in (client.ops.set_starred(news, True), client.ops.set_read(sample, True),
                   client.ops.tag_article(news, ["Shelters"]),
                   client.ops.untag_article(sample, ["Calais", "Border policy"])):
        view.model_.refresh_articles(result.changes.articles)
    first, second = view.model_.article_at(0), view.model_.article_at(1)
    assert (first.starred, first.read, first.tags) == (True, True, ())
    assert (second.starred, second.read, second.tags) == (True, True, ("Shelters",))
    image, rect = row_image(view, 0)
    _, rect2 = row_image(view, 1)
    sample_regions, news_regions = regions(view, rect), regions(view, rect2)
    assert not any(is_blue(c) for c in pixels(image, sample_regions["dot"]))  # read now
    assert not any(is_blue(c) for c in pixels(image, sample_regions["tags"]))
    assert any(is_gold(c) for c in pixels(image, news_regions["star"]))
    assert sum(is_blue(c) for c in pixels(image, news_regions["tags"])) > 10
