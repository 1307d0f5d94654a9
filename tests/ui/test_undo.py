"""Edit ▸ Undo and Redo through the real window: every action is one step of the history kept
in the archive, Ctrl+Z / Ctrl+Shift+Z take it back and do it again, and the database (read
through the test's own connection) follows each step."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from gleaner.core.capture import capture

from .conftest import point_of, select_with_mouse

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
PASSAGE = "thermal cameras"


# --- helpers ---------------------------------------------------------------------------------

def undo_key(qtbot, widget, redo: bool = False) -> None:
    """Ctrl+Z (Ctrl+Shift+Z to redo) pressed on widget."""
    qtbot.keyClick(widget, Qt.Key.Key_Z, CTRL | SHIFT if redo else CTRL)


def press(qtbot, window, redo: bool = False) -> None:
    """Ctrl+Z (or Ctrl+Shift+Z) with the keyboard in the reader, as after a click on it."""
    window.reader.setFocus()
    undo_key(qtbot, window.reader, redo)


def labels(window) -> tuple[str, bool, str, bool]:
    return (window.undo_action.text(), window.undo_action.isEnabled(),
            window.redo_action.text(), window.redo_action.isEnabled())


def code_with_key(qtbot, window, passage: str = PASSAGE, key=Qt.Key.Key_1) -> None:
    start = window.article.text.index(passage)
    window.reader.setFocus()
    select_with_mouse(qtbot, window.reader, start, start + len(passage))
    qtbot.keyClick(window.reader, key)


def click_highlight(qtbot, window, highlight) -> None:
    qtbot.mouseClick(window.reader.viewport(), Qt.MouseButton.LeftButton,
                     pos=point_of(window.reader, (highlight.start + highlight.end) // 2))


def accept_theme_dialog(qtbot, window, name: str | None = None, color: str | None = None):
    dialog = window.theme_dialog
    if name is not None:
        dialog.name_edit.clear()
        qtbot.keyClicks(dialog.name_edit, name)
    if color is not None:
        dialog.set_color(color)
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)


def theme_names(window) -> list[str]:
    return [theme.name for theme in window.themes_panel.themes()]


@pytest.fixture
def article_id(archive, sample_article_path) -> int:
    return archive.save_article(capture(str(sample_article_path)))[0]


@pytest.fixture
def window(open_window, archive, article_id):
    """A window on the sample article, with an empty history."""
    return open_window(archive)


@pytest.fixture
def coded(window, archive, qtbot):
    """The window after coding PASSAGE with key 1 (one step: "Code passage")."""
    code_with_key(qtbot, window)
    return window, archive.list_highlights()[0]


def add_highlight(archive, article_id: int, passage: str, theme_ids, note: str = ""):
    """A highlight stored directly (no history step), before the window opens."""
    start = archive.article_text(article_id).index(passage)
    return archive.add_highlight(article_id, start, start + len(passage), theme_ids, note)


# --- the Edit menu and coding ------------------------------------------------------------------

def test_edit_menu_names_the_step_and_is_disabled_with_nothing_to_do(window, archive, qtbot):
    assert labels(window) == ("&Undo", False, "&Redo", False)
    edit_menu = window.menuBar().actions()[1].menu()
    assert [a.text() for a in edit_menu.actions()][:2] == ["&Undo", "&Redo"]
    press(qtbot, window)  # nothing to undo: nothing happens, no error
    assert window.banner.text() == "" and archive.history() == []
    code_with_key(qtbot, window)
    assert labels(window) == ("&Undo Code passage", True, "&Redo", False)
    assert edit_menu.actions()[0].text() == "&Undo Code passage"
    press(qtbot, window)
    assert labels(window) == ("&Undo", False, "&Redo Code passage", True)
    press(qtbot, window, redo=True)
    assert labels(window) == ("&Undo Code passage", True, "&Redo", False)


def test_code_passage_undo_and_redo(coded, archive, qtbot):
    window, highlight = coded
    assert highlight.exact == PASSAGE
    assert window.themes_panel.themes()[0].highlight_count == 1
    assert window.library.model_.article_at(0).highlight_count == 1

    press(qtbot, window)
    assert archive.list_highlights() == []
    assert window.reader.painted_ranges() == []
    assert window.highlight_panel.highlight is None
    assert window.themes_panel.themes()[0].highlight_count == 0
    assert window.library.model_.article_at(0).highlight_count == 0

    press(qtbot, window, redo=True)
    assert archive.list_highlights() == [highlight]  # the same id, offsets and times
    assert [(s, e) for s, e, _ in window.reader.painted_ranges()] == [
        (highlight.start, highlight.end)]
    assert window.themes_panel.themes()[0].highlight_count == 1
    assert window.library.model_.article_at(0).highlight_count == 1


def test_new_action_after_undo_clears_redo(coded, archive, qtbot):
    window, _ = coded
    press(qtbot, window)
    assert window.redo_action.isEnabled()
    code_with_key(qtbot, window, "one water point", Qt.Key.Key_2)
    assert labels(window) == ("&Undo Code passage", True, "&Redo", False)
    assert archive.redo_label() is None
    press(qtbot, window, redo=True)  # nothing to redo: the first passage stays undone
    [left] = archive.list_highlights()
    assert left.exact == "one water point"


# --- a highlight's themes, note and deletion ----------------------------------------------------

def test_adding_and_removing_a_theme_undo_and_redo(coded, archive, qtbot):
    window, highlight = coded
    security, humanitarian = archive.list_themes()[:2]
    panel = window.highlight_panel
    panel.theme_item(humanitarian.name).setCheckState(Qt.CheckState.Checked)
    assert archive.get_highlight(highlight.id).theme_ids == (security.id, humanitarian.id)
    assert window.undo_action.text() == "&Undo Add theme to highlight"

    press(qtbot, window)
    assert archive.get_highlight(highlight.id).theme_ids == (security.id,)
    assert panel.theme_item(humanitarian.name).checkState() == Qt.CheckState.Unchecked
    assert window.themes_panel.themes()[1].highlight_count == 0
    press(qtbot, window, redo=True)
    assert archive.get_highlight(highlight.id).theme_ids == (security.id, humanitarian.id)
    assert panel.theme_item(humanitarian.name).checkState() == Qt.CheckState.Checked

    panel.theme_item(security.name).setCheckState(Qt.CheckState.Unchecked)
    assert archive.get_highlight(highlight.id).theme_ids == (humanitarian.id,)
    assert window.undo_action.text() == "&Undo Remove theme from highlight"
    assert window.reader.painted_ranges()[0][2] == humanitarian.color
    press(qtbot, window)
    assert archive.get_highlight(highlight.id).theme_ids == (security.id, humanitarian.id)
    assert window.reader.painted_ranges()[0][2] == security.color
    assert window.themes_panel.themes()[0].highlight_count == 1
    press(qtbot, window, redo=True)
    assert archive.get_highlight(highlight.id).theme_ids == (humanitarian.id,)


def type_note(qtbot, window, archive, highlight_id: int, text: str, stored: str) -> None:
    """Type into the note, then wait for the pause that stores it."""
    window.highlight_panel.note.setFocus()
    qtbot.keyClicks(window.highlight_panel.note, text)
    qtbot.waitUntil(lambda: archive.get_highlight(highlight_id).note == stored, timeout=2000)


def test_note_edit_undo_restores_the_previous_note(coded, archive, qtbot):
    window, highlight = coded
    note = window.highlight_panel.note
    type_note(qtbot, window, archive, highlight.id, "first", "first")
    type_note(qtbot, window, archive, highlight.id, " thought", "first thought")
    assert window.undo_action.text() == "&Undo Edit note"

    press(qtbot, window)
    assert archive.get_highlight(highlight.id).note == "first"
    assert note.toPlainText() == "first"
    press(qtbot, window)
    assert archive.get_highlight(highlight.id).note == ""
    assert window.undo_action.text() == "&Undo Code passage"
    window.reader.setFocus()
    qtbot.keyClick(window.reader, Qt.Key.Key_Y, CTRL)  # Ctrl+Y redoes too
    assert archive.get_highlight(highlight.id).note == "first"
    press(qtbot, window, redo=True)
    assert archive.get_highlight(highlight.id).note == "first thought"
    assert note.toPlainText() == "first thought"


def test_ctrl_z_in_the_note_undoes_its_typing_not_an_archive_step(coded, archive, qtbot):
    window, highlight = coded
    note = window.highlight_panel.note
    note.setFocus()
    qtbot.keyClicks(note, "oops")
    undo_key(qtbot, note)
    assert note.toPlainText() == ""
    assert archive.get_highlight(highlight.id) == highlight  # "Code passage" not undone
    undo_key(qtbot, note, redo=True)
    assert note.toPlainText() == "oops"
    qtbot.waitUntil(lambda: archive.get_highlight(highlight.id).note == "oops", timeout=2000)
    assert [step.label for step in archive.history()] == ["Edit note", "Code passage"]


def test_ctrl_z_in_the_address_bar_undoes_its_typing_not_an_archive_step(coded, archive,
                                                                        qtbot):
    window, highlight = coded
    window.address.setFocus()
    qtbot.keyClicks(window.address, "https://example.org/a")
    undo_key(qtbot, window.address)
    assert window.address.text() == ""
    assert archive.list_highlights() == [highlight]
    assert archive.undo_label() == "Code passage" and archive.redo_label() is None
    assert window.reader.painted_ranges() != []


def test_ctrl_z_after_delete_highlight_restores_it_whole(open_window, archive, article_id,
                                                        qtbot):
    security, humanitarian = archive.list_themes()[:2]
    highlight = add_highlight(archive, article_id, PASSAGE, [security.id, humanitarian.id])
    window = open_window(archive)
    click_highlight(qtbot, window, highlight)
    type_note(qtbot, window, archive, highlight.id, "keep me", "keep me")
    before = archive.get_highlight(highlight.id)
    assert before.theme_ids == (security.id, humanitarian.id)

    qtbot.mouseClick(window.highlight_panel.delete_button, Qt.MouseButton.LeftButton)
    assert archive.list_highlights() == []
    assert window.reader.painted_ranges() == []
    assert window.undo_action.text() == "&Undo Delete highlight"
    undo_key(qtbot, QApplication.focusWidget())  # wherever the window put the focus
    assert archive.list_highlights() == [before]  # same id, themes, note and times
    assert len(window.reader.painted_ranges()) == 1
    assert [t.highlight_count for t in window.themes_panel.themes()[:2]] == [1, 1]
    undo_key(qtbot, QApplication.focusWidget(), redo=True)
    assert archive.list_highlights() == []
    assert window.reader.painted_ranges() == []


def test_menu_undo_while_the_note_has_focus_shows_the_restored_note(coded, archive, qtbot):
    window, highlight = coded
    note = window.highlight_panel.note
    type_note(qtbot, window, archive, highlight.id, "first", "first")
    window.undo_action.trigger()  # Edit > Undo clicked: the caret stays in the note
    assert note.hasFocus()
    assert archive.get_highlight(highlight.id).note == ""
    assert note.toPlainText() == ""
    window.redo_action.trigger()
    assert note.toPlainText() == "first"
    window.undo_action.trigger()
    # Typing on does not bring the undone text back.
    type_note(qtbot, window, archive, highlight.id, "X", "X")
    assert note.toPlainText() == "X"


# --- the codebook -------------------------------------------------------------------------------

def test_new_theme_undo_and_redo(window, archive, qtbot):
    count = len(archive.list_themes())
    window.ask_new_theme()
    accept_theme_dialog(qtbot, window, name="Media framing", color="#336699")
    created = archive.list_themes()[-1]
    assert (created.name, created.color, len(archive.list_themes())) == (
        "Media framing", "#336699", count + 1)
    assert window.undo_action.text() == "&Undo New theme"

    press(qtbot, window)
    assert len(archive.list_themes()) == count
    assert "Media framing" not in theme_names(window)
    press(qtbot, window, redo=True)
    assert archive.list_themes()[-1] == created  # the same id and place
    assert theme_names(window)[-1] == "Media framing"
    assert window.themes_panel.theme_for_key(count + 1).id == created.id


def test_rename_and_recolour_undo_and_redo(coded, archive, qtbot):
    window, _ = coded
    security = archive.list_themes()[0]
    window.ask_edit_theme(security.id)
    accept_theme_dialog(qtbot, window, name="Border security")
    assert archive.get_theme(security.id).name == "Border security"
    assert window.undo_action.text() == "&Undo Rename theme"
    window.ask_edit_theme(security.id)
    accept_theme_dialog(qtbot, window, color="#44AA88")
    assert archive.get_theme(security.id).color == "#44AA88"
    assert window.undo_action.text() == "&Undo Recolour theme"
    assert window.reader.painted_ranges()[0][2] == "#44AA88"

    press(qtbot, window)
    assert archive.get_theme(security.id).color == security.color
    assert window.reader.painted_ranges()[0][2] == security.color
    press(qtbot, window)
    assert archive.get_theme(security.id) == security
    assert theme_names(window)[0] == security.name
    assert window.highlight_panel.theme_item(security.name) is not None
    press(qtbot, window, redo=True)
    press(qtbot, window, redo=True)
    assert (archive.get_theme(security.id).name, archive.get_theme(security.id).color) == (
        "Border security", "#44AA88")
    assert theme_names(window)[0] == "Border security"
    assert window.reader.painted_ranges()[0][2] == "#44AA88"


def test_move_theme_undo_and_redo(window, archive, qtbot):
    order = [theme.id for theme in archive.list_themes()]
    legal = archive.theme_by_name("Legal framework")
    window.move_theme(legal.id, 0)
    moved = [legal.id] + [i for i in order if i != legal.id]
    assert [theme.id for theme in archive.list_themes()] == moved
    assert window.undo_action.text() == "&Undo Move theme"

    press(qtbot, window)
    assert [theme.id for theme in archive.list_themes()] == order
    assert [theme.id for theme in window.themes_panel.themes()] == order
    assert window.themes_panel.theme_for_key(1).id == order[0]
    press(qtbot, window, redo=True)
    assert [theme.id for theme in archive.list_themes()] == moved
    assert window.themes_panel.theme_for_key(1).id == legal.id


def test_delete_theme_undo_brings_back_its_highlight_links(coded, archive, qtbot, monkeypatch):
    window, highlight = coded
    security = archive.list_themes()[0]
    monkeypatch.setattr("gleaner.ui.main_window.confirm", lambda *args: True)
    window.ask_delete_theme(security.id)
    assert security.name not in [theme.name for theme in archive.list_themes()]
    assert archive.get_highlight(highlight.id).theme_ids == ()
    assert security.name not in theme_names(window)
    assert window.undo_action.text() == "&Undo Delete theme"

    press(qtbot, window)
    assert archive.get_theme(security.id) == security  # same id, place and count
    assert archive.get_highlight(highlight.id) == highlight
    assert theme_names(window)[0] == security.name
    assert window.themes_panel.themes()[0].highlight_count == 1
    assert window.reader.painted_ranges()[0][2] == security.color
    press(qtbot, window, redo=True)
    assert archive.get_highlight(highlight.id).theme_ids == ()
    assert security.name not in theme_names(window)


# --- articles and the history on disk ---------------------------------------------------------

def test_delete_article_undo_brings_it_back_with_its_highlights(open_window, archive,
                                                                article_id, qtbot,
                                                                monkeypatch):
    themes = archive.list_themes()
    add_highlight(archive, article_id, PASSAGE, [themes[0].id], note="a note")
    add_highlight(archive, article_id, "one water point", [themes[1].id, themes[2].id])
    articles, highlights = archive.list_articles(), archive.list_highlights()
    window = open_window(archive)
    monkeypatch.setattr("gleaner.ui.main_window.confirm", lambda *args: True)
    window.ask_delete_article(article_id)
    assert archive.list_articles() == [] and archive.list_highlights() == []
    assert window.library.model_.rowCount() == 0
    assert window.centre.currentWidget() is window.welcome
    assert window.undo_action.text() == "&Undo Delete article"

    window.library.setFocus()
    undo_key(qtbot, window.library)
    assert archive.list_articles() == articles
    assert archive.list_highlights() == highlights  # same ids, themes and notes
    assert archive.get_article(article_id).text == window.article.text
    assert window.library.model_.rowCount() == 1
    assert window.library.model_.article_at(0).highlight_count == 2
    assert window.centre.currentWidget() is window.reader
    assert len(window.reader.painted_ranges()) == 2
    undo_key(qtbot, window.library, redo=True)
    assert archive.list_articles() == []
    assert window.library.model_.rowCount() == 0


def test_the_history_survives_closing_and_reopening(open_window, archive, article_id, qtbot):
    first = open_window(archive)
    code_with_key(qtbot, first)
    [highlight] = archive.list_highlights()
    humanitarian = archive.list_themes()[1]
    first.highlight_panel.theme_item(humanitarian.name).setCheckState(Qt.CheckState.Checked)
    first.close()

    second = open_window(archive.path)
    assert labels(second) == ("&Undo Add theme to highlight", True, "&Redo", False)
    press(qtbot, second)
    assert archive.get_highlight(highlight.id) == highlight
    press(qtbot, second)
    assert archive.list_highlights() == []
    assert second.reader.painted_ranges() == []
    second.close()

    third = open_window(archive.path)
    assert labels(third) == ("&Undo", False, "&Redo Code passage", True)
    press(qtbot, third, redo=True)
    assert archive.list_highlights() == [highlight]  # the same id as before
    assert len(third.reader.painted_ranges()) == 1
    assert third.redo_action.text() == "&Redo Add theme to highlight"


def test_a_large_step_runs_in_the_background_and_undoes_there_too(open_window, archive, qtbot,
                                                                  monkeypatch,
                                                                  sample_article_path):
    """Merging a theme that codes thousands of passages into another (and undoing it) runs
    on the background helper: the window keeps answering, then refreshes what changed."""
    from gleaner.core.capture import capture
    from gleaner.ui.main_window import MainWindow

    article_id, _ = archive.save_article(capture(str(sample_article_path)))
    count = MainWindow.BACKGROUND_ROWS + 100
    with archive.db.atomic():  # a bulk load, as an import would make
        first = archive.add_highlight(article_id, 0, 3).id
        archive.db.conn.executemany(
            'INSERT INTO highlights (id, guid, article_id, start, "end", exact, created_at, '
            "updated_at) VALUES (?, ?, ?, 0, 3, ?, 't', 't')",
            [(first + n, f"guid-{n}", article_id, archive.article_text(article_id)[:3])
             for n in range(1, count)])
        archive.db.execute("INSERT INTO highlight_themes SELECT id, 1 FROM highlights")
    window = open_window(archive)
    assert window.themes_panel.themes()[0].highlight_count == count
    window.merge_theme(1, 3)
    assert window.running_op  # handed to the background helper, not done on this thread
    window.reader.select_range(0, 10)
    window.code_selection(2)  # other changes wait, with a message instead of a freeze
    assert "Please wait" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: window.running_op is None, timeout=10000)
    assert [t.id for t in archive.list_themes()].count(1) == 0
    assert 1 not in [t.id for t in window.themes_panel.themes()]
    assert archive.get_theme(3).highlight_count == count
    # Its links wait to be added (archive/merges.py): undoing it now changes a few rows.
    assert archive.step_size(undo=True) < MainWindow.BACKGROUND_ROWS
    with archive.write_transaction():  # added, as closing the archive does: a large undo
        archive.carry_out_merges()
    assert archive.step_size(undo=True) > MainWindow.BACKGROUND_ROWS
    window.reader.setFocus()
    qtbot.keyClick(window.reader, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.running_op and window.running_op.startswith("Undoing")
    qtbot.waitUntil(lambda: window.running_op is None, timeout=10000)
    assert archive.get_theme(1).highlight_count == count
    assert archive.get_theme(3).highlight_count == 0
    assert window.themes_panel.themes()[0].highlight_count == count
