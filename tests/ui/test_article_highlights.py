"""“In this article”: the open article's highlights in reading order, driven like a user would."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from gleaner.core.models import Highlight, Theme
from gleaner.ui.article_highlights import (
    ORPHANED_COLOR,
    ORPHANED_MARK,
    ArticleHighlightsList,
    Chip,
    RowRole,
)

TEXT = ("Ministers said the plan would work. Aid groups warned that tighter controls would "
        "push people towards more dangerous routes. The opposition called it a gimmick.")

SECURITY = Theme(id=1, name="Security measures", color="#FFDC46", description="", position=0)
HUMANITARIAN = Theme(id=2, name="Humanitarian concerns", color="#788CBE", description="",
                     position=1)
RISK = Theme(id=3, name="Risk", color="#FF5A7D", description="", position=0, parent_id=2)
THEMES = [SECURITY, HUMANITARIAN, RISK]


def highlight(highlight_id: int, quote: str, themes: tuple[int, ...], note: str = "",
              orphaned: bool = False) -> Highlight:
    start = TEXT.index(quote)
    return Highlight(id=highlight_id, article_id=1, start=start, end=start + len(quote),
                     exact=quote, prefix="", suffix="", note=note, theme_ids=themes,
                     created_at="", updated_at="", orphaned=orphaned)


# Created in another order than they read: ids say nothing about the order in the text.
GIMMICK = highlight(1, "called it a gimmick", (1,))
PLAN = highlight(2, "the plan would work", (3, 1), note="Government's framing")
ROUTES = highlight(3, "more dangerous routes", (2,))
LOST = highlight(4, "tighter controls", (2,), orphaned=True)


@pytest.fixture
def listing(app, qtbot):
    view = ArticleHighlightsList()
    qtbot.addWidget(view)
    view.resize(360, 520)
    view.show()
    qtbot.waitExposed(view)
    view.set_highlights([GIMMICK, LOST, ROUTES, PLAN], THEMES)
    return view


def row_centre(view: ArticleHighlightsList, highlight_id: int):
    return view.visualRect(view.model_.index(view.ids().index(highlight_id))).center()


def test_rows_follow_reading_order_with_orphans_last(listing):
    assert listing.ids() == [PLAN.id, ROUTES.id, GIMMICK.id, LOST.id]
    plan = listing.model_.index(0).data(RowRole)
    # Chips in the codebook's order (a sub-theme after its parent's siblings above it), each
    # with the number key that applies it: Security 1, Humanitarian 2, its child Risk 3.
    assert plan.chips == (Chip("Security measures", "#FFDC46", 1), Chip("Risk", "#FF5A7D", 3))
    assert "Government's framing" in listing.model_.index(0).data(Qt.ItemDataRole.ToolTipRole)


def test_orphaned_highlight_is_listed_with_a_clear_mark(listing, qtbot):
    index = listing.model_.index(listing.ids().index(LOST.id))
    assert ORPHANED_MARK in index.data(Qt.ItemDataRole.ToolTipRole)
    assert ORPHANED_MARK not in listing.model_.index(0).data(Qt.ItemDataRole.ToolTipRole)
    # The mark is painted in its warning colour inside the orphan's row, and nowhere else.
    image = listing.viewport().grab().toImage()
    warning = QColor(ORPHANED_COLOR)

    def has_warning(rect) -> bool:
        return any(_close(image.pixelColor(x, y), warning, 40)
                   for x in range(rect.left(), rect.right()) for y in range(rect.top(),
                                                                          rect.bottom()))

    assert has_warning(listing.visualRect(index))
    assert not has_warning(listing.visualRect(listing.model_.index(0)))


def test_clicking_a_row_activates_its_highlight(listing, qtbot):
    with qtbot.waitSignal(listing.highlightActivated) as signal:
        qtbot.mouseClick(listing.viewport(), Qt.MouseButton.LeftButton,
                         pos=row_centre(listing, ROUTES.id))
    assert signal.args == [ROUTES.id]
    assert listing.current_id() == ROUTES.id


def test_enter_activates_and_delete_asks_to_delete(listing, qtbot):
    listing.setFocus()
    listing.select(GIMMICK.id)
    with qtbot.waitSignal(listing.highlightActivated) as activated:
        qtbot.keyClick(listing, Qt.Key.Key_Return)
    assert activated.args == [GIMMICK.id]
    qtbot.keyClick(listing, Qt.Key.Key_Up)  # arrows move without activating
    assert listing.current_id() == ROUTES.id
    with qtbot.waitSignal(listing.deleteRequested) as deleted:
        qtbot.keyClick(listing, Qt.Key.Key_Delete)
    assert deleted.args == [ROUTES.id]


def test_next_and_previous_walk_the_list_and_activate(listing, qtbot):
    activated = []
    listing.highlightActivated.connect(activated.append)
    assert listing.select_next() == PLAN.id  # nothing selected: the first
    assert listing.select_next() == ROUTES.id
    listing.setFocus()
    qtbot.keyClick(listing, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert listing.current_id() == GIMMICK.id
    assert listing.select_next() == LOST.id
    assert listing.select_next() is None  # the end: nothing more, nothing emitted
    assert listing.select_previous() == GIMMICK.id
    assert activated == [PLAN.id, ROUTES.id, GIMMICK.id, LOST.id, GIMMICK.id]
    listing.select(None)
    assert listing.select_previous() == LOST.id  # nothing selected: the last


def test_select_follows_without_emitting(listing, qtbot):
    activated = []
    listing.highlightActivated.connect(activated.append)
    listing.select(ROUTES.id)
    assert listing.current_id() == ROUTES.id
    listing.set_highlights([GIMMICK, LOST, ROUTES, PLAN], THEMES, active_id=PLAN.id)
    assert listing.current_id() == PLAN.id
    listing.select(999)
    assert listing.current_id() is None
    assert activated == []


def test_a_changed_highlight_repaints_its_row_only(listing, qtbot):
    model = listing.model_
    changed, inserted, removed, resets = [], [], [], []
    model.dataChanged.connect(lambda first, last: changed.append((first.row(), last.row())))
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    model.rowsRemoved.connect(lambda _parent, first, last: removed.append((first, last)))
    model.modelReset.connect(lambda: resets.append(True))
    noted = replace(ROUTES, note="Aid groups' fear")
    listing.set_highlights([GIMMICK, LOST, noted, PLAN], THEMES, active_id=ROUTES.id)
    assert changed == [(1, 1)] and inserted == [] and removed == []
    assert listing.current_id() == ROUTES.id

    changed.clear()
    first = highlight(5, "Ministers said", (2,))
    listing.set_highlights([GIMMICK, LOST, noted, PLAN, first], THEMES)
    assert inserted == [(0, 0)] and changed == []
    assert listing.ids()[0] == first.id

    listing.set_highlights([LOST, noted, PLAN, first], THEMES)
    assert removed == [(3, 3)]
    assert resets == []
    assert listing.ids() == [first.id, PLAN.id, ROUTES.id, LOST.id]


def test_renaming_a_theme_repaints_the_rows_that_carry_it(listing):
    changed = []
    listing.model_.dataChanged.connect(lambda first, _last: changed.append(first.row()))
    renamed = replace(RISK, name="Risk to migrants")
    listing.set_highlights([GIMMICK, LOST, ROUTES, PLAN], [SECURITY, HUMANITARIAN, renamed])
    assert changed == [0]  # only the passage coded with Risk
    assert listing.model_.index(0).data(RowRole).chips[1].name == "Risk to migrants"


def test_empty_article_says_how_to_start(app, qtbot):
    view = ArticleHighlightsList()
    qtbot.addWidget(view)
    view.resize(300, 200)
    view.show()
    qtbot.waitExposed(view)
    view.set_highlights([], THEMES)
    blank = view.viewport().grab().toImage()
    base = blank.pixelColor(blank.width() - 2, blank.height() - 2)
    written = [(x, y) for x in range(blank.width()) for y in range(0, 60)
               if not _close(blank.pixelColor(x, y), base, 120)]
    assert len(written) > 50  # the hint is written where rows would be
    assert view.select_next() is None


def _close(pixel: QColor, colour: QColor, tolerance: int) -> bool:
    return (abs(pixel.red() - colour.red()) + abs(pixel.green() - colour.green())
            + abs(pixel.blue() - colour.blue())) <= tolerance
