"""Overlapping highlights in the reader: every theme stays visible, a click on an overlap lets
the user choose, drags snap to whole words, and the header says why it cannot be coded."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QHelpEvent, QImage, QPainter
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QToolTip, QVBoxLayout, QWidget

from gleaner.core.models import Article, Highlight, Theme
from gleaner.ui.article_highlights import ArticleHighlightsList
from gleaner.ui.highlight_marks import clusters, segments, snap_to_words, stack_rows
from gleaner.ui.reader import (
    HEADER_CLIPPED,
    HEADER_ONLY,
    HIGHLIGHT_ALPHA,
    ReaderView,
)

from .conftest import DOCS, point_of
from .test_reader import make_article

HTML = """
<h2>A tighter border</h2>
<p>Alpha beta gamma delta epsilon zeta eta theta.</p>
<p>The ministers agreed on a plan, but aid groups warned that tighter controls would push
people towards more dangerous routes across the Channel.</p>
"""

RED = Theme(id=1, name="Security measures", color="#FF5A7D", description="", position=0)
BLUE = Theme(id=2, name="Humanitarian concerns", color="#788CBE", description="", position=1)
YELLOW = Theme(id=3, name="Political responsibility", color="#FFDC46", description="",
               position=2)
GREEN = Theme(id=4, name="Living conditions", color="#73E69B", description="", position=3)


def coded(article, highlight_id: int, quote: str, themes: tuple[int, ...], note: str = "",
          orphaned: bool = False) -> Highlight:
    start = article.text.index(quote)
    return Highlight(id=highlight_id, article_id=1, start=start, end=start + len(quote),
                     exact=quote, prefix="", suffix="", note=note, theme_ids=themes,
                     created_at="", updated_at="", orphaned=orphaned)


@pytest.fixture
def reader(app, qtbot):
    view = ReaderView()
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)
    return view


@pytest.fixture
def overlap(reader):
    """“Alpha beta gamma” (red) and “gamma delta epsilon” (blue) share “gamma”."""
    article = make_article(HTML)
    first = coded(article, 11, "Alpha beta gamma", (RED.id,))
    second = coded(article, 12, "gamma delta epsilon", (BLUE.id,), note="Who pays")
    reader.show_article(article, [first, second], [RED, BLUE])
    return reader, article, first, second


def close(pixel: QColor, colour: QColor, tolerance: int = 3) -> bool:
    return max(abs(pixel.red() - colour.red()), abs(pixel.green() - colour.green()),
               abs(pixel.blue() - colour.blue())) <= tolerance


def colours_under(image: QImage, reader: ReaderView, offset: int) -> list[QColor]:
    """The pixels in the strip under the line, a few pixels into character `offset`."""
    caret = reader.cursorRect(reader._cursor_for(offset, offset))
    x = caret.center().x() + 3
    return [image.pixelColor(x, y) for y in range(caret.bottom() - 2, caret.bottom() + 14)]


def shows(pixels: list[QColor], theme: Theme) -> bool:
    return any(close(p, QColor(theme.color)) for p in pixels)


def drag(qtbot, reader: ReaderView, start: QPoint, end: QPoint,
         modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """Press, move in steps with the button held, release: a real drag selection."""
    viewport = reader.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 6):
        qtbot.mouseMove(viewport, start + (end - start) * (step / 5))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, modifier, pos=end)


# --- drawing ----------------------------------------------------------------------------


def test_an_overlap_shows_both_themes_and_each_alone_elsewhere(overlap):
    reader, article, first, second = overlap
    image = reader.viewport().grab().toImage()
    gamma = article.text.index("gamma")
    at_overlap = colours_under(image, reader, gamma + 2)
    assert shows(at_overlap, RED) and shows(at_overlap, BLUE)
    only_first = colours_under(image, reader, article.text.index("beta") + 1)
    assert shows(only_first, RED) and not shows(only_first, BLUE)
    only_second = colours_under(image, reader, article.text.index("epsilon") + 2)
    assert shows(only_second, BLUE) and not shows(only_second, RED)
    # The left margin carries a stripe per theme on that line too.
    line = reader.cursorRect(reader._cursor_for(gamma, gamma))
    margin = [image.pixelColor(x, line.center().y()) for x in range(line.left())]
    assert shows(margin, RED) and shows(margin, BLUE)
    # A passage covered once keeps its theme's fill (the window's screenshot test relies on it).
    fill = QColor(RED.color)
    blend = QColor(*(round(c * HIGHLIGHT_ALPHA / 255 + 255 * (255 - HIGHLIGHT_ALPHA) / 255)
                     for c in (fill.red(), fill.green(), fill.blue())))
    beta = reader.cursorRect(reader._cursor_for(gamma - 3, gamma - 3)).center()
    assert close(image.pixelColor(beta.x() - 1, beta.y() - 4), blend, 6)


def test_every_theme_of_a_highlight_gets_its_own_bar(reader):
    article = make_article(HTML)
    both = coded(article, 5, "tighter controls", (RED.id, YELLOW.id))
    reader.show_article(article, [both], [RED, BLUE, YELLOW])
    image = reader.viewport().grab().toImage()
    under = colours_under(image, reader, both.start + 3)
    assert shows(under, RED) and shows(under, YELLOW) and not shows(under, BLUE)
    assert reader.painted_ranges() == [(both.start, both.end, RED.color)]
    assert sorted(reader.painted_bars()) == sorted([
        (5, RED.color, False), (5, YELLOW.color, False), (5, RED.color, True),
        (5, YELLOW.color, True)])


def test_overlapping_highlights_are_each_listed_once(overlap):
    reader, _article, first, second = overlap
    assert reader.painted_ranges() == [(first.start, first.end, RED.color),
                                       (second.start, second.end, BLUE.color)]


def test_orphaned_highlights_are_not_painted(reader):
    article = make_article(HTML)
    lost = coded(article, 3, "dangerous routes", (RED.id,), orphaned=True)
    reader.show_article(article, [lost], [RED])
    assert reader.painted_ranges() == []
    image = reader.viewport().grab().toImage()
    assert not shows(colours_under(image, reader, lost.start + 2), RED)


def test_bars_follow_the_text_when_the_window_narrows(overlap, qtbot):
    reader, article, _first, second = overlap
    reader.resize(420, 600)
    qtbot.waitUntil(lambda: reader.viewport().width() < 430)
    image = reader.viewport().grab().toImage()
    assert shows(colours_under(image, reader, article.text.index("epsilon") + 2), BLUE)


# --- choosing between overlapping highlights --------------------------------------------


def test_clicking_an_overlap_offers_both_and_the_choice_is_opened(overlap, qtbot):
    reader, article, first, second = overlap
    opened = []
    reader.highlightClicked.connect(opened.append)
    qtbot.mouseClick(reader.viewport(), Qt.MouseButton.LeftButton,
                     pos=point_of(reader, article.text.index("gamma") + 2))
    menu = reader.overlap_menu
    qtbot.waitUntil(menu.isVisible)
    choices = [action for action in menu.actions() if action.data() is not None]
    assert [action.data() for action in choices] == [first.id, second.id]
    assert "Security measures" in choices[0].text() and "Alpha beta" in choices[0].text()
    assert "Humanitarian concerns" in choices[1].text()
    # The innermost opens at once (so a click always shows something); the menu can switch.
    assert opened == [first.id] and choices[0].isChecked()
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton,
                     pos=menu.actionGeometry(choices[1]).center())
    assert opened == [first.id, second.id]
    assert not menu.isVisible()


def test_clicking_where_one_highlight_lies_opens_it_without_a_menu(overlap, qtbot):
    reader, article, _first, second = overlap
    with qtbot.waitSignal(reader.highlightClicked) as signal:
        qtbot.mouseClick(reader.viewport(), Qt.MouseButton.LeftButton,
                         pos=point_of(reader, article.text.index("epsilon") + 2))
    assert signal.args == [second.id]
    assert reader.overlap_menu is None


def test_clicking_a_margin_stripe_opens_its_highlight(overlap, qtbot):
    reader, article, first, _second = overlap
    stripe = next(m for m in reader._mark_list()
                  if m.kind == "stripe" and m.highlight_id == first.id)
    spot = stripe.rect.center().toPoint() - QPoint(0, reader.verticalScrollBar().value())
    with qtbot.waitSignal(reader.highlightClicked) as signal:
        qtbot.mouseClick(reader.viewport(), Qt.MouseButton.LeftButton, pos=spot)
    assert signal.args == [first.id]


def test_the_tooltip_names_each_highlights_themes_and_note(overlap, qtbot):
    reader, article, _first, _second = overlap
    spot = point_of(reader, article.text.index("gamma") + 2)
    event = QHelpEvent(QHelpEvent.Type.ToolTip, spot, reader.viewport().mapToGlobal(spot))
    QApplication.sendEvent(reader.viewport(), event)
    qtbot.waitUntil(QToolTip.isVisible)
    text = QToolTip.text()
    assert "1 Security measures" in text and "2 Humanitarian concerns" in text
    assert "Who pays" in text
    QToolTip.hideText()


# --- selecting ----------------------------------------------------------------------------


def test_a_drag_ending_mid_word_takes_the_whole_word(reader, qtbot):
    article = make_article(HTML)
    reader.show_article(article, [], [RED])
    the = article.text.index("The ministers")
    drag(qtbot, reader, point_of(reader, the), point_of(reader, the + len("The minist")))
    assert reader.selection_range() == (the, the + len("The ministers"))
    # Starting inside a word takes the word's start as well.
    agreed = article.text.index("agreed")
    drag(qtbot, reader, point_of(reader, agreed + 3), point_of(reader, agreed + 13))
    assert reader.selection_range() == (agreed, agreed + len("agreed on a plan"))


def test_alt_keeps_the_exact_characters(reader, qtbot):
    article = make_article(HTML)
    reader.show_article(article, [], [RED])
    the = article.text.index("The ministers")
    drag(qtbot, reader, point_of(reader, the), point_of(reader, the + len("The minist")),
         Qt.KeyboardModifier.AltModifier)
    assert reader.selection_range() == (the, the + len("The minist"))


def test_a_backwards_drag_snaps_too(reader, qtbot):
    article = make_article(HTML)
    reader.show_article(article, [], [RED])
    plan = article.text.index("plan")
    drag(qtbot, reader, point_of(reader, plan + 2), point_of(reader, plan - 4))  # "o|n a pl"
    assert reader.selection_range() == (plan - len("on a "), plan + len("plan"))
    assert reader.textCursor().position() < reader.textCursor().anchor()  # still backwards


def test_keyboard_selection_can_be_coded(reader, qtbot):
    article = make_article(HTML)
    reader.show_article(article, [], [RED, BLUE])
    aid = article.text.index("aid groups")
    reader.setFocus()
    reader.scroll_to(aid)
    for _ in range(len("aid groups")):
        qtbot.keyClick(reader, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert reader.selection_range() == (aid, aid + len("aid groups"))
    menu = reader.build_context_menu(point_of(reader, aid))
    code_menu = next(a.menu() for a in menu.actions() if a.menu() is not None)
    with qtbot.waitSignal(reader.codeRequested) as signal:
        next(a for a in code_menu.actions() if a.data() == BLUE.id).trigger()
    assert signal.args == [BLUE.id]
    menu.deleteLater()


def header_point(reader: ReaderView, position: int) -> QPoint:
    cursor = reader.textCursor()
    cursor.setPosition(position)
    return reader.cursorRect(cursor).center()


def test_a_selection_reaching_into_the_title_is_cut_at_the_body(reader, qtbot):
    article = make_article(HTML)
    reader.show_article(article, [], [RED])
    with qtbot.waitSignal(reader.selectionNotice) as notice:
        drag(qtbot, reader, header_point(reader, 3), point_of(reader, len("A tight")))
    assert notice.args == [HEADER_CLIPPED]
    assert reader.selection_range() == (0, len("A tighter"))
    assert reader.textCursor().selectionStart() == reader.body_start
    assert reader.selection_problem() is None


def test_a_selection_inside_the_title_says_it_cannot_be_coded(reader, qtbot):
    article = make_article(HTML)
    reader.show_article(article, [], [RED])
    with qtbot.waitSignal(reader.selectionNotice) as notice:
        drag(qtbot, reader, header_point(reader, 1), header_point(reader, 12))
    assert notice.args == [HEADER_ONLY]
    assert reader.textCursor().hasSelection()
    assert reader.selection_range() is None
    assert reader.selection_problem() == HEADER_ONLY


# --- the codebook in the context menu ---------------------------------------------------


def test_code_selection_menu_follows_the_codebook_order_and_keys(reader, qtbot):
    parent = Theme(id=1, name="Security", color="#FF5A7D", description="", position=0)
    child = Theme(id=2, name="Fences & walls", color="#788CBE", description="", position=0,
                  parent_id=1)
    pinned = Theme(id=3, name="Politics", color="#FFDC46", description="", position=1,
                   shortcut=1)
    article = make_article(HTML)
    reader.show_article(article, [], [pinned, child, parent])
    reader.select_range(0, 5)
    menu = reader.build_context_menu(point_of(reader, 2))
    code_menu = next(a.menu() for a in menu.actions() if a.menu() is not None)
    assert menu.actions()[0].menu() is code_menu  # it leads the menu
    labels = [action.text() for action in code_menu.actions()]
    # Depth-first (a parent, then its child indented), pinned key 1 kept, the others after.
    assert [label.split()[0] for label in labels] == ["&2", "&3", "&1"]
    assert labels[0].endswith("Security") and labels[1].endswith("Fences && walls")
    assert labels[1].index("Fences") > labels[0].index("Security")  # indented
    code_menu.popup(QPoint(0, 0))
    with qtbot.waitSignal(reader.codeRequested) as signal:
        qtbot.keyClick(code_menu, Qt.Key.Key_3)  # the number key picks the theme
    assert signal.args == [child.id]
    menu.deleteLater()


# --- the pure helpers -------------------------------------------------------------------


@pytest.mark.parametrize(("start", "end", "expected"), [
    (0, 6, (0, 9)),  # "minist" -> "ministers"
    (2, 9, (0, 9)),  # starting mid-word too
    (0, 9, (0, 9)),  # whole words stay
    (9, 17, (10, 16)),  # spaces at either end are left out
    (18, 22, (17, 27)),  # an apostrophe inside a word: "minister’s"
    (9, 10, (9, 10)),  # only a space: unchanged
])
def test_snap_to_words(start, end, expected):
    assert snap_to_words("ministers agreed minister’s plan", start, end) == expected


def test_stacked_rows_never_collide():
    # outer 0..100 (two themes), inner 10..20, another 15..40, one after all 100..120.
    rows = stack_rows([(1, 0, 100, 2), (2, 10, 20, 1), (3, 15, 40, 1), (4, 100, 120, 1)])
    assert rows == {1: 0, 2: 2, 3: 3, 4: 0}
    assert clusters([(1, 0, 100), (2, 10, 20), (4, 100, 120)]) == [[1, 2], [4]]
    assert segments([(1, 0, 10), (2, 5, 15)]) == [(0, 5, (1,)), (5, 10, (1, 2)),
                                                 (10, 15, (2,))]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(1, 25), st.sampled_from([1, 1, 2, 3])),
                max_size=40))
def test_stacked_rows_are_the_lowest_free(shapes):
    """Each span takes the lowest rows that no earlier-placed overlapping span holds."""
    spans = [(n, start, start + length, height)
             for n, (start, length, height) in enumerate(shapes)]
    rows = stack_rows(spans)
    placed = []
    for ident, start, end, height in sorted(spans, key=lambda s: (s[1], s[1] - s[2], s[0])):
        taken = {r for s, e, first, h in placed if s < end and start < e
                 for r in range(first, first + h)}
        lowest = next(row for row in range(len(spans) * 3 + 1)
                      if not taken & set(range(row, row + height)))
        assert rows[ident] == lowest
        placed.append((start, end, lowest, height))


def test_thousands_of_highlights_on_one_passage_stack_quickly():
    import time

    began = time.perf_counter()
    rows = stack_rows([(n, 0, 3, 1 + n % 2) for n in range(3000)])
    assert time.perf_counter() - began < 0.5  # was 4 s: each span looked at every open one
    assert len(set(rows.values())) == 3000


# --- the screenshot -----------------------------------------------------------------------


def test_overlaps_screenshot(app, qtbot, tmp_path, sample_article_path):
    """docs/screenshots/overlaps.png: the sample article with nested and overlapping
    highlights, next to “In this article”. GLEANER_UPDATE_SCREENSHOTS=1 refreshes it."""
    from gleaner.core.capture import capture

    captured = capture(str(sample_article_path))
    article = Article(id=1, url_requested=captured.url, url=captured.url, title=captured.title,
                      byline=captured.byline, authors=captured.authors,
                      site_name=captured.site_name, published=captured.published,
                      saved_at="2025-03-14T09:30:00", language=captured.language,
                      excerpt=captured.excerpt, word_count=captured.word_count,
                      html=captured.html, text=captured.text, blocks=captured.blocks)
    text = article.text
    outer_start = text.index("Aid organisations")
    outer_end = text.index("more dangerous routes") + len("more dangerous routes")
    outer = coded(article, 1, text[outer_start:outer_end], (BLUE.id,),
                  note="Aid groups: controls move the danger, not remove it.")
    inner = coded(article, 2, "tighter controls", (RED.id, YELLOW.id))
    crossing = coded(article, 3, "more dangerous routes while doing nothing to improve "
                     "conditions in the informal camps", (GREEN.id,))
    highlights = [outer, inner, crossing]
    themes = [RED, BLUE, YELLOW, GREEN]

    window = QWidget()
    qtbot.addWidget(window)
    window.setStyleSheet("QWidget#side { background: #F8F9FA; }")
    reader = ReaderView()
    side = QWidget()
    side.setObjectName("side")
    listing = ArticleHighlightsList()
    column = QVBoxLayout(side)
    column.addWidget(QLabel("<b>In this article</b>"))
    column.addWidget(listing)
    row = QHBoxLayout(window)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(reader, 3)
    row.addWidget(side, 1)
    window.resize(1160, 520)
    window.show()
    qtbot.waitExposed(window)
    reader.show_article(article, highlights, themes)
    listing.set_highlights(highlights, themes, active_id=inner.id)
    reader.set_highlights(highlights, themes, inner.id)
    reader.verticalScrollBar().setValue(reader.cursorRect(reader._cursor_for(
        outer.start, outer.start)).top() - 170)
    qtbot.wait(50)

    # The tooltip over the nested passage names every theme there; it is a window of its
    # own, so it is painted onto the grab where it appeared.
    spot = point_of(reader, inner.start + 4)
    below = reader.viewport().mapToGlobal(spot + QPoint(90, 60))  # clear of the bars shown
    QApplication.sendEvent(reader.viewport(), QHelpEvent(QHelpEvent.Type.ToolTip, spot, below))
    qtbot.waitUntil(QToolTip.isVisible)
    tip = next(w for w in QApplication.topLevelWidgets()
               if w.inherits("QTipLabel") and w.isVisible())
    image = window.grab().toImage()
    painter = QPainter(image)
    painter.drawPixmap(tip.pos() - window.mapToGlobal(QPoint(0, 0)), tip.grab())
    painter.end()
    QToolTip.hideText()
    image.save(str(tmp_path / "overlaps.png"))
    if os.environ.get("GLEANER_UPDATE_SCREENSHOTS") == "1":
        (DOCS / "screenshots").mkdir(parents=True, exist_ok=True)
        image.save(str(Path(DOCS / "screenshots" / "overlaps.png")))
    shot = reader.viewport().grab().toImage()
    under = colours_under(shot, reader, inner.start + 3)
    assert shows(under, BLUE) and shows(under, RED) and shows(under, YELLOW)
    assert not shows(under, GREEN)
    assert listing.ids() == [outer.id, inner.id, crossing.id]


def test_a_passage_from_a_heading_into_a_paragraph_is_marked_on_both(reader, qtbot):
    article = make_article(HTML)
    reader.show_article(article, [], [RED])
    border = article.text.index("border")
    beta = article.text.index("beta")
    drag(qtbot, reader, point_of(reader, border + 2), point_of(reader, beta + 2))
    assert reader.selection_range() == (border, beta + len("beta"))  # snapped at both ends
    passage = coded(article, 9, article.text[border:beta + len("beta")], (RED.id,))
    reader.clear_selection()
    reader.set_highlights([passage], [RED])
    image = reader.viewport().grab().toImage()
    assert shows(colours_under(image, reader, border + 2), RED)  # under the heading
    assert shows(colours_under(image, reader, article.text.index("Alpha") + 2), RED)
    assert [kind for _, _, kind in reader.painted_bars()].count(False) == 2  # two lines
