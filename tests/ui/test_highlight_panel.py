"""Clicking a highlight opens it in the side panel, where every edit is stored at once."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from gleaner.core.capture import capture

from .conftest import point_of, select_with_mouse


@pytest.fixture
def coded_window(open_window, archive, sample_article_path, qtbot):
    """A window on the sample article with one passage coded 'Security measures'."""
    article_id, _ = archive.save_article(capture(str(sample_article_path)))
    window = open_window(archive)
    text = window.article.text
    start = text.index("thermal cameras")
    window.reader.setFocus()
    select_with_mouse(qtbot, window.reader, start, start + len("thermal cameras"))
    qtbot.keyClick(window.reader, Qt.Key.Key_1)
    return window


def click_highlight(qtbot, window, highlight) -> None:
    middle = (highlight.start + highlight.end) // 2
    qtbot.mouseClick(window.reader.viewport(), Qt.MouseButton.LeftButton,
                     pos=point_of(window.reader, middle))


def test_clicking_a_highlight_shows_it(coded_window, archive, qtbot):
    window = coded_window
    highlight = archive.list_highlights()[0]
    # A passage just coded opens in the panel, ready for a note.
    assert window.highlight_panel.highlight.id == highlight.id
    plain = window.article.text.index("Channel")
    qtbot.mouseClick(window.reader.viewport(), Qt.MouseButton.LeftButton,
                     pos=point_of(window.reader, plain + 2))
    assert window.highlight_panel.highlight is None  # clicking plain text closes it
    click_highlight(qtbot, window, highlight)
    panel = window.highlight_panel
    assert panel.highlight.id == highlight.id
    assert "thermal cameras" in panel.quote.text()
    security = panel.theme_item("Security measures")
    assert security.checkState() == Qt.CheckState.Checked
    assert panel.theme_item("Humanitarian concerns").checkState() == Qt.CheckState.Unchecked


def test_note_is_stored_while_typing(coded_window, archive, qtbot):
    window = coded_window
    highlight = archive.list_highlights()[0]
    click_highlight(qtbot, window, highlight)
    note = window.highlight_panel.note
    note.setFocus()
    steps_before = len(archive.history())
    qtbot.keyClicks(note, "Cameras as deterrence")
    # No save step: the note is stored after a pause in typing, well within a second.
    qtbot.waitUntil(lambda: archive.get_highlight(highlight.id).note == "Cameras as deterrence",
                    timeout=1000)
    qtbot.keyClick(note, Qt.Key.Key_Backspace)
    qtbot.waitUntil(lambda: archive.get_highlight(highlight.id).note == "Cameras as deterrenc",
                    timeout=1000)
    # Digits typed in the note are text, not theme shortcuts.
    qtbot.keyClicks(note, "e 2")
    # Leaving the note stores it at once.
    window.reader.setFocus()
    assert archive.get_highlight(highlight.id).note == "Cameras as deterrence 2"
    assert archive.get_highlight(highlight.id).theme_ids == (archive.list_themes()[0].id,)
    # Each pause is one step of the undo history, not each keystroke.
    steps = archive.history()[:len(archive.history()) - steps_before]
    assert [step.label for step in steps] == ["Edit note"] * 3


def test_tab_leaves_the_note_without_typing_a_tab(coded_window, archive, qtbot):
    window = coded_window
    highlight = archive.list_highlights()[0]
    click_highlight(qtbot, window, highlight)
    note = window.highlight_panel.note
    note.setFocus()
    qtbot.keyClicks(note, "first")
    qtbot.keyClick(note, Qt.Key.Key_Tab)
    assert not note.hasFocus()
    assert archive.get_highlight(highlight.id).note == "first"


def test_themes_are_added_and_removed_by_ticking(coded_window, archive, qtbot):
    window = coded_window
    security, humanitarian = archive.list_themes()[:2]
    highlight = archive.list_highlights()[0]
    click_highlight(qtbot, window, highlight)
    panel = window.highlight_panel

    item = panel.theme_item("Humanitarian concerns")
    rect = panel.theme_list.visualItemRect(item)
    checkbox = rect.topLeft() + (rect.bottomLeft() - rect.topLeft()) / 2
    checkbox.setX(rect.left() + 8)
    qtbot.mouseClick(panel.theme_list.viewport(), Qt.MouseButton.LeftButton, pos=checkbox)
    assert archive.get_highlight(highlight.id).theme_ids == (security.id, humanitarian.id)

    # With no text selected, clicking a theme in the codebook adds it to the open highlight.
    third = archive.list_themes()[2]
    rect = window.themes_panel.theme_rect(third.id)
    qtbot.mouseClick(window.themes_panel.tree.viewport(), Qt.MouseButton.LeftButton,
                     pos=rect.center())
    assert third.id in archive.get_highlight(highlight.id).theme_ids

    panel.theme_item("Security measures").setCheckState(Qt.CheckState.Unchecked)
    assert security.id not in archive.get_highlight(highlight.id).theme_ids
    # The paint follows the first remaining theme's colour.
    colour = window.reader.painted_ranges()[0][2]
    assert colour == humanitarian.color


def test_delete_and_undo(coded_window, archive, qtbot):
    window = coded_window
    highlight = archive.list_highlights()[0]
    click_highlight(qtbot, window, highlight)
    window.highlight_panel.note.setPlainText("keep me")
    qtbot.mouseClick(window.highlight_panel.delete_button, Qt.MouseButton.LeftButton)
    assert archive.list_highlights() == []
    assert window.reader.painted_ranges() == []
    assert window.highlight_panel.highlight is None

    window.reader.setFocus()
    qtbot.keyClick(window.reader, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    restored = archive.list_highlights()
    assert len(restored) == 1
    assert (restored[0].start, restored[0].end, restored[0].note) == (
        highlight.start, highlight.end, "keep me")
    assert restored[0].theme_ids == highlight.theme_ids
    assert len(window.reader.painted_ranges()) == 1


def test_overlapping_highlights_pick_the_innermost(coded_window, archive, qtbot):
    window = coded_window
    text = window.article.text
    outer_start = text.index("promising new fencing")
    outer_end = text.index("joint police patrols") + len("joint police patrols")
    window.reader.setFocus()
    select_with_mouse(qtbot, window.reader, outer_start, outer_end)
    qtbot.keyClick(window.reader, Qt.Key.Key_2)
    outer, inner = sorted(archive.list_highlights(), key=lambda h: h.start - h.end)
    assert (outer.start, outer.end) == (outer_start, outer_end)
    click_highlight(qtbot, window, inner)
    assert window.highlight_panel.highlight.id == inner.id


def test_undoing_a_theme_deletion_then_a_highlight_deletion_restores_both(
        coded_window, archive, qtbot, monkeypatch):
    window = coded_window
    security, humanitarian = archive.list_themes()[:2]
    highlight = archive.list_highlights()[0]
    window.toggle_theme(highlight.id, humanitarian.id, True)
    window.set_note(highlight.id, "important")
    before = archive.get_highlight(highlight.id)
    window.select_highlight(highlight.id)
    qtbot.mouseClick(window.highlight_panel.delete_button, Qt.MouseButton.LeftButton)
    monkeypatch.setattr("gleaner.ui.main_window.confirm", lambda *args: True)
    window.ask_delete_theme(humanitarian.id)
    assert [t.name for t in archive.list_themes()].count(humanitarian.name) == 0
    window.reader.setFocus()
    qtbot.keyClick(window.reader, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert archive.get_theme(humanitarian.id).name == humanitarian.name  # same id
    assert archive.list_highlights() == []
    qtbot.keyClick(window.reader, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    [restored] = archive.list_highlights()
    assert restored == before  # same id, themes, note and times
    assert window.themes_panel.themes()[1].highlight_count == 1


def test_a_save_finishing_while_a_note_is_written_does_not_switch_article(
        coded_window, archive, qtbot, fixtures_dir):
    window = coded_window
    highlight = archive.list_highlights()[0]
    click_highlight(qtbot, window, highlight)
    note = window.highlight_panel.note
    note.setFocus()
    qtbot.keyClicks(note, "half a thought")
    current = window.article.id
    window.save_sources([str(fixtures_dir / "news_page.html")])
    qtbot.waitUntil(lambda: window.library.model_.rowCount() == 2, timeout=15000)
    assert window.article.id == current
    assert window.highlight_panel.highlight.id == highlight.id
    assert "It is in the library" in window.banner.text()
    qtbot.keyClicks(note, " continued")
    qtbot.waitUntil(
        lambda: archive.get_highlight(highlight.id).note == "half a thought continued",
        timeout=1000)


def test_undo_for_another_article_updates_the_theme_counts(coded_window, archive, qtbot,
                                                           fixtures_dir):
    window = coded_window
    highlight = archive.list_highlights()[0]
    window.select_highlight(highlight.id)
    qtbot.mouseClick(window.highlight_panel.delete_button, Qt.MouseButton.LeftButton)
    assert window.themes_panel.themes()[0].highlight_count == 0
    # Another process (here the test's own connection) saves an article; the window sees it.
    other, _ = archive.save_article(capture(str(fixtures_dir / "news_page.html")))
    qtbot.waitUntil(lambda: window.library.model_.rowCount() == 2, timeout=2500)
    window.show_article(other)
    window.undo()
    assert window.themes_panel.themes()[0].highlight_count == 1
    assert window.article.id == other


def test_editing_a_theme_recolours_its_highlights(coded_window, archive, qtbot):
    from PySide6.QtWidgets import QDialogButtonBox

    window = coded_window
    security = archive.list_themes()[0]
    window.ask_edit_theme(security.id)
    dialog = window.theme_dialog
    assert dialog.name() == "Security measures"
    dialog.name_edit.clear()
    qtbot.keyClicks(dialog.name_edit, "Border security")
    dialog.set_color("#44AA88")
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)
    edited = archive.get_theme(security.id)
    assert (edited.name, edited.color) == ("Border security", "#44AA88")
    assert window.themes_panel.themes()[0].name == "Border security"
    assert window.reader.painted_ranges()[0][2] == "#44AA88"
