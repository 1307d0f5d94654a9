"""Coding an article from the keyboard, the "In this article" list and the article's own data,
through the real window: each step is checked in the database (read through the test's own
connection), and undone with Ctrl+Z."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from gleaner.core.capture import capture

from .conftest import select_with_mouse

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def article_id(archive, sample_article_path) -> int:
    return archive.save_article(capture(str(sample_article_path)))[0]


@pytest.fixture
def window(open_window, archive, article_id):
    window = open_window(archive)
    window.show_article(article_id)
    return window


def add(archive, article_id: int, passage: str, theme_ids, note: str = "") -> int:
    start = archive.article_text(article_id).index(passage)
    return archive.add_highlight(article_id, start, start + len(passage), theme_ids, note).id


def themes_of(archive, highlight_id: int) -> tuple[int, ...]:
    return archive.get_highlight(highlight_id).theme_ids


def test_keyboard_only_coding(window, archive, article_id, qtbot):
    """Select with Shift+arrows, code with a number key, move between highlights with
    Ctrl+Up/Down, toggle themes with number keys, Enter to write a note, Escape to leave."""
    reader = window.reader
    first = add(archive, article_id, "tighter controls", [3])
    window._reload_highlights()
    text = window.article.text
    start = text.index("thermal cameras")
    window.reader.select_range(start, start)
    reader.setFocus()
    for _ in range(len("thermal cameras")):
        qtbot.keyClick(reader, Qt.Key.Key_Right, SHIFT)
    assert reader.selection_range() == (start, start + len("thermal cameras"))
    qtbot.keyClick(reader, Qt.Key.Key_1)
    [coded] = [h for h in archive.list_highlights(article_id=article_id) if h.id != first]
    assert coded.exact == "thermal cameras" and coded.theme_ids == (1,)
    assert window.active_highlight == coded.id
    # Ctrl+Down goes to the next highlight in reading order ("tighter controls" comes later).
    qtbot.keyClick(reader, Qt.Key.Key_Down, CTRL)
    assert window.active_highlight == first
    assert window.highlight_panel.current_id() == first
    # A number key adds its theme to the open highlight, and the same key takes it off.
    qtbot.keyClick(reader, Qt.Key.Key_2)
    assert themes_of(archive, first) == (2, 3)
    qtbot.keyClick(reader, Qt.Key.Key_3)
    assert themes_of(archive, first) == (2,)
    qtbot.keyClick(reader, Qt.Key.Key_Up, CTRL)
    assert window.active_highlight == coded.id
    # Enter writes a note; Escape leaves it (stored at once), focus back in the reader.
    qtbot.keyClick(reader, Qt.Key.Key_Return)
    note = window.highlight_panel.note
    assert note.hasFocus()
    qtbot.keyClicks(note, "Night-vision detail")
    qtbot.keyClick(note, Qt.Key.Key_Escape)
    assert reader.hasFocus()
    assert archive.get_highlight(coded.id).note == "Night-vision detail"
    # Tab never types a tab character into the note.
    qtbot.keyClick(reader, Qt.Key.Key_Return)
    qtbot.keyClick(note, Qt.Key.Key_Tab)
    assert not note.hasFocus() and "\t" not in note.toPlainText()
    # Each was one step: undo the note, the two theme changes and the coding.
    window.reader.setFocus()
    for _ in range(4):
        qtbot.keyClick(reader, Qt.Key.Key_Z, CTRL)
    assert archive.get_highlight(first).theme_ids == (3,)
    assert [h.id for h in archive.list_highlights(article_id=article_id)] == [first]


def test_the_in_this_article_list(window, archive, article_id, qtbot):
    ids = [add(archive, article_id, passage, [n + 1], note=f"note {n}")
           for n, passage in enumerate(["review the programme", "thermal cameras"])]
    window._reload_highlights()
    listing = window.article_highlights
    assert listing.ids() == sorted(ids, key=lambda i: archive.get_highlight(i).start)
    assert window.side_tabs.tabText(window.side_tabs.indexOf(listing)) == "In article (2)"
    window.side_tabs.setCurrentWidget(listing)
    # Clicking a row opens that highlight and scrolls the reader to it.
    last = listing.ids()[-1]
    window.reader.verticalScrollBar().setValue(0)
    rect = listing.visualRect(listing.model_.index(1))
    qtbot.mouseClick(listing.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.active_highlight == last
    assert window.reader.verticalScrollBar().value() > 0
    # Enter on a row edits its note; Delete removes the selected highlight; Ctrl+Z restores.
    listing.setFocus()
    qtbot.keyClick(listing, Qt.Key.Key_Return)
    assert window.highlight_panel.note.hasFocus()
    window.side_tabs.setCurrentWidget(listing)
    listing.setFocus()
    qtbot.keyClick(listing, Qt.Key.Key_Delete)
    assert last not in [h.id for h in archive.list_highlights(article_id=article_id)]
    assert len(listing.ids()) == 1
    window.reader.setFocus()
    qtbot.keyClick(window.reader, Qt.Key.Key_Z, CTRL)
    assert archive.get_highlight(last).note == "note 0"  # "review the programme": read last
    assert len(listing.ids()) == 2


def test_orphaned_highlight_is_listed_and_reattached(window, archive, article_id, qtbot):
    highlight = add(archive, article_id, "thermal cameras", [1])
    archive.db.execute("UPDATE highlights SET orphaned = 1 WHERE id = ?", [highlight])
    archive.db.conn.commit()
    window._reload_highlights()
    assert window.reader.painted_ranges() == []  # its text is gone: not painted
    window.go_to_highlight(highlight)
    panel = window.highlight_panel
    assert panel.reattach_button.isVisible() and panel.orphaned.isVisible()
    text = window.article.text
    start = text.index("joint police patrols")
    select_with_mouse(qtbot, window.reader, start, start + len("joint police patrols"))
    qtbot.mouseClick(panel.reattach_button, Qt.MouseButton.LeftButton)
    stored = archive.get_highlight(highlight)
    assert (stored.exact, stored.orphaned) == ("joint police patrols", False)
    assert len(window.reader.painted_ranges()) == 1
    window.reader.setFocus()
    qtbot.keyClick(window.reader, Qt.Key.Key_Z, CTRL)
    assert archive.get_highlight(highlight).orphaned


def test_star_tags_memo_and_corrected_title_in_the_window(window, archive, article_id,
                                                          qtbot):
    details = window.details
    window.side_tabs.setCurrentWidget(details)
    window.reader.setFocus()
    qtbot.keyClick(window.reader, Qt.Key.Key_D, CTRL)  # Article ▸ Star
    assert archive.get_article(article_id).starred
    assert window.library.model_.article_at(0).starred
    details.tag_input.setFocus()
    qtbot.keyClicks(details.tag_input, "France, ports")
    qtbot.keyClick(details.tag_input, Qt.Key.Key_Return)
    assert archive.get_article(article_id).tags == ("France", "ports")
    qtbot.keyClicks(details.memo, "Compare with the 2016 follow-up.")
    qtbot.waitUntil(lambda: archive.get_article(article_id).memo
                    == "Compare with the 2016 follow-up.", timeout=3000)
    # Edit details: the corrected title shows in the reader's header at once.
    qtbot.mouseClick(details.edit_button, Qt.MouseButton.LeftButton)
    dialog = window.details_dialog
    qtbot.waitUntil(lambda: dialog.isVisible(), timeout=3000)
    dialog.title_edit.clear()
    qtbot.keyClicks(dialog.title_edit, "Port pact signed")
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)
    article = archive.get_article(article_id)
    assert article.title == "Port pact signed" and "title" in article.extracted
    assert window.reader.toPlainText().startswith("Port pact signed")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    window.reader.setFocus()
    for _ in range(4):  # title, memo, tags, star
        qtbot.keyClick(window.reader, Qt.Key.Key_Z, CTRL)
    article = archive.get_article(article_id)
    assert (article.starred, article.tags, article.memo) == (False, (), "")
    assert article.extracted == {} and not window.reader.toPlainText().startswith("Port")


def test_overlapping_passages_coded_in_the_window_show_both_themes(window, archive,
                                                                   article_id, qtbot):
    """Two overlapping passages coded with number keys through the window: both themes are
    drawn where they overlap (pixels of the grabbed reader), and a click there lets the
    user open the other one."""
    from PySide6.QtGui import QColor

    from .conftest import point_of
    from .test_reader_overlaps import colours_under, shows

    text = window.article.text
    outer = text.index("tighter controls would push people")
    inner = text.index("push people towards more dangerous routes")
    for start, end, key in ((outer, outer + len("tighter controls would push people"),
                             Qt.Key.Key_1),
                            (inner, inner + len("push people towards more dangerous routes"),
                             Qt.Key.Key_2)):
        window.reader.setFocus()
        select_with_mouse(qtbot, window.reader, start, end)
        qtbot.keyClick(window.reader, key)
    first, second = archive.list_highlights(article_id=article_id)
    assert (first.theme_ids, second.theme_ids) == ((1,), (2,))
    themes = {t.id: t for t in archive.list_themes()}
    window.select_highlight(None)
    image = window.reader.viewport().grab().toImage()
    both = text.index("push people") + 3

    def colour(theme_id: int):
        theme = themes[theme_id]
        return type("Colour", (), {"color": QColor(theme.color).name().upper()})()

    under = colours_under(image, window.reader, both)
    assert shows(under, colour(1)) and shows(under, colour(2))
    alone = colours_under(image, window.reader, outer + 3)
    assert shows(alone, colour(1)) and not shows(alone, colour(2))
    # A click on the overlap opens one and offers both; choosing the other opens it.
    qtbot.mouseClick(window.reader.viewport(), Qt.MouseButton.LeftButton,
                     pos=point_of(window.reader, both))
    menu = window.reader.overlap_menu
    qtbot.waitUntil(menu.isVisible)
    choices = [action for action in menu.actions() if action.data() is not None]
    assert sorted(action.data() for action in choices) == sorted([first.id, second.id])
    other = next(a for a in choices if a.data() != window.active_highlight)
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton,
                     pos=menu.actionGeometry(other).center())
    assert window.active_highlight == other.data()
    assert window.highlight_panel.current_id() == other.data()


def test_totals_still_being_counted_show_so_and_follow(window, archive, article_id, qtbot):
    """A parent's total that the archive is still counting shows as "counting…" and is read
    again until the number is there."""
    from gleaner.ui.themes_panel import count_lines

    child = archive.add_theme("Fences", parent_id=1).id
    add(archive, article_id, "thermal cameras", [child])
    window.refresh_themes()

    def shown_total() -> str:
        parent = next(t for t in window.themes_panel.themes() if t.id == 1)
        return count_lines(parent, True)[0]

    assert shown_total() == "In all: 1 passage · 1 article"
    archive.db.execute("UPDATE theme_counts SET total_highlights = -1, total_articles = -1 "
                       "WHERE theme_id = 1")
    archive.db.conn.commit()
    window.refresh_themes()
    assert shown_total() == "In all: counting…"
    archive.recount_stale_totals()  # as the archive does when idle
    qtbot.waitUntil(lambda: shown_total() == "In all: 1 passage · 1 article", timeout=3000)
