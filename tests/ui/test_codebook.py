"""The codebook as a nested tree in the real window: every action from the keyboard (or by drag
and drop), checked in the database, then undone with Ctrl+Z and redone with Ctrl+Shift+Z and
checked again."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox

from gleaner.core.capture import capture
from gleaner.ui.themes_panel import ThemeTreeModel, count_lines

from .conftest import select_with_mouse

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


# --- set-up and helpers --------------------------------------------------------------------------

@pytest.fixture
def article_id(archive, sample_article_path) -> int:
    return archive.save_article(capture(str(sample_article_path)))[0]


@pytest.fixture
def tree_ids(archive, article_id) -> dict[str, int]:
    """A three-level codebook, stored directly (no history): Security measures ▸ Surveillance
    ▸ Thermal cameras, and Security measures ▸ Policing; the other starter themes at the top."""
    ids = {theme.name: theme.id for theme in archive.list_themes()}
    # Colours left to the archive: the palette's next ones, as the user would get them.
    ids["Surveillance"] = archive.add_theme("Surveillance",
                                            parent_id=ids["Security measures"]).id
    ids["Thermal cameras"] = archive.add_theme("Thermal cameras",
                                               parent_id=ids["Surveillance"]).id
    ids["Policing"] = archive.add_theme("Policing", parent_id=ids["Security measures"]).id
    return ids


@pytest.fixture
def window(open_window, archive, tree_ids):
    """A window on the sample article over the nested codebook, with an empty history."""
    return open_window(archive)


def code(archive, article_id: int, passage: str, theme_ids) -> int:
    """A highlight stored directly (no history step), before the window opens."""
    start = archive.article_text(article_id).index(passage)
    return archive.add_highlight(article_id, start, start + len(passage), theme_ids).id


def dialog_of(qtbot, window):
    """The theme dialog the window opened, once it has the keyboard."""
    dialog = window.theme_dialog
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    return dialog


def press(qtbot, window, redo: bool = False) -> None:
    """Ctrl+Z (Ctrl+Shift+Z to redo) in the codebook's tree."""
    # A dialog just closed leaves no window active offscreen (no window manager gives the
    # keyboard back), and the window's shortcuts answer only in the active window.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    window.themes_panel.tree.setFocus()
    qtbot.keyClick(window.themes_panel.tree, Qt.Key.Key_Z, CTRL | SHIFT if redo else CTRL)


def go_to(qtbot, window, theme_id: int) -> None:
    """Put the keyboard on a theme: Ctrl+Shift+F, Down into the tree, arrows to the theme."""
    panel = window.themes_panel
    qtbot.keyClick(window, Qt.Key.Key_F, CTRL | SHIFT)
    assert panel.filter_edit.hasFocus()
    qtbot.keyClick(panel.filter_edit, Qt.Key.Key_Down)
    assert panel.tree.hasFocus()
    shown = [t.id for t in panel.themes() if panel.is_shown(t.id)]
    for _ in range(shown.index(theme_id) - shown.index(panel.tree.current_id())):
        qtbot.keyClick(panel.tree, Qt.Key.Key_Down)
    assert panel.tree.current_id() == theme_id


def select_passage(qtbot, window, passage: str) -> tuple[int, int]:
    start = window.article.text.index(passage)
    window.reader.setFocus()
    select_with_mouse(qtbot, window.reader, start, start + len(passage))
    return start, start + len(passage)


def parents(archive) -> dict[str, str | None]:
    """Each theme's parent's name, as stored."""
    themes = archive.list_themes()
    names = {theme.id: theme.name for theme in themes}
    return {theme.name: names.get(theme.parent_id) for theme in themes}


def answer_when_asked(qtbot, button_name: str, seen: list[str]) -> None:
    """Click a button of the next question box once it is shown (it runs its own loop)."""
    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, click)
            return
        seen.append(box.text())
        next(b for b in box.buttons() if b.objectName() == button_name).click()
    QTimer.singleShot(0, click)


def drag_onto(qtbot, window, theme_id: int, target_id: int, where: str = "on") -> None:
    """Drop one theme on another ("on": as its last sub-theme; "above": just before it) by
    sending the view the drag events a real drag sends; the view's own drop code runs."""
    panel = window.themes_panel
    tree, viewport = panel.tree, panel.tree.viewport()
    data = panel.model_.mimeData([panel.index_of(theme_id)])
    tree.scrollTo(panel.index_of(target_id))  # as a user's drag scrolls the tree to it
    rect = panel.theme_rect(target_id)
    assert viewport.rect().contains(rect.center())
    point = rect.center() if where == "on" else QPoint(rect.center().x(), rect.top() + 1)
    move = Qt.DropAction.MoveAction
    for event in (QDragEnterEvent(point, move, data, Qt.MouseButton.LeftButton,
                                  Qt.KeyboardModifier.NoModifier),
                  QDragMoveEvent(point, move, data, Qt.MouseButton.LeftButton,
                                 Qt.KeyboardModifier.NoModifier)):
        QApplication.sendEvent(viewport, event)
        assert event.isAccepted()
    drop = QDropEvent(point.toPointF(), move, data, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewport, drop)
    assert drop.isAccepted()
    assert tree.state() == tree.State.NoState


# --- the acceptance steps ------------------------------------------------------------------------

def test_create_a_nested_theme_with_the_keyboard(window, archive, tree_ids, qtbot):
    panel = window.themes_panel
    go_to(qtbot, window, tree_ids["Surveillance"])
    qtbot.keyClick(panel.tree, Qt.Key.Key_Insert)  # a sub-theme of the current theme
    dialog = dialog_of(qtbot, window)
    assert dialog.name_edit.hasFocus()
    assert dialog.isVisible() and dialog.parent_id() == tree_ids["Surveillance"]
    qtbot.keyClicks(dialog.name_edit, "Drones")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Tab)  # Tab goes on to the colour
    assert dialog.color_button.hasFocus()
    qtbot.keyClick(dialog.color_button, Qt.Key.Key_Tab)
    assert dialog.description_edit.hasFocus()
    qtbot.keyClicks(dialog.description_edit, "Unmanned aircraft.")
    qtbot.keyClick(dialog.description_edit, Qt.Key.Key_Return)  # a new line, not OK
    qtbot.keyClicks(dialog.description_edit, 'E.g. "drones will watch the beaches".')
    qtbot.keyClick(dialog.description_edit, Qt.Key.Key_Tab)  # not a tab character
    assert dialog.parent_combo.hasFocus() and dialog.isVisible()
    qtbot.keyClick(dialog.description_edit, Qt.Key.Key_Return, CTRL)  # Ctrl+Enter saves
    drones = archive.theme_by_name("Drones")
    assert (drones.parent_id, drones.description) == (
        tree_ids["Surveillance"], "Unmanned aircraft.\nE.g. \"drones will watch the beaches\".")
    assert parents(archive)["Surveillance"] == "Security measures"  # three levels deep
    assert panel.current_theme().id == drones.id and panel.is_shown(drones.id)

    # A fourth level, from the new theme, with Enter in the name.
    qtbot.keyClick(panel.tree, Qt.Key.Key_Insert)
    qtbot.keyClicks(window.theme_dialog.name_edit, "Night-vision drones")
    qtbot.keyClick(window.theme_dialog.name_edit, Qt.Key.Key_Return)
    assert parents(archive)["Night-vision drones"] == "Drones"

    press(qtbot, window)
    assert "Night-vision drones" not in parents(archive)
    press(qtbot, window)
    assert "Drones" not in parents(archive)
    assert not any(t.name == "Drones" for t in panel.themes())
    press(qtbot, window, redo=True)
    press(qtbot, window, redo=True)
    assert archive.theme_by_name("Drones") == drones  # the same id and place
    assert parents(archive)["Night-vision drones"] == "Drones"
    assert panel.is_shown(archive.theme_by_name("Night-vision drones").id)


def test_two_themes_on_one_passage_with_number_keys(window, archive, tree_ids, qtbot):
    panel = window.themes_panel
    # Keys follow the codebook as shown, depth-first: key 2 is the first sub-theme.
    assert [panel.theme_for_key(n).name for n in (1, 2, 3, 4, 5)] == [
        "Security measures", "Surveillance", "Thermal cameras", "Policing",
        "Humanitarian concerns"]
    select_passage(qtbot, window, "thermal cameras")
    qtbot.keyClick(window.reader, Qt.Key.Key_3)
    # No selection now: the open highlight gets the theme, from the codebook's keys too.
    go_to(qtbot, window, tree_ids["Policing"])
    qtbot.keyClick(panel.tree, Qt.Key.Key_5)
    [highlight] = archive.list_highlights()
    both = (tree_ids["Thermal cameras"], tree_ids["Humanitarian concerns"])
    assert highlight.exact == "thermal cameras" and highlight.theme_ids == both
    surveillance = next(t for t in panel.themes() if t.id == tree_ids["Surveillance"])
    assert (surveillance.highlight_count, surveillance.total_highlights) == (0, 1)

    press(qtbot, window)
    assert archive.get_highlight(highlight.id).theme_ids == both[:1]
    press(qtbot, window)
    assert archive.list_highlights() == []
    assert next(t for t in panel.themes() if t.id == tree_ids["Security measures"]
                ).total_highlights == 0
    press(qtbot, window, redo=True)
    press(qtbot, window, redo=True)
    assert archive.list_highlights() == [highlight]


def test_merge_a_theme_into_another(open_window, archive, article_id, tree_ids, qtbot):
    policing = code(archive, article_id, "120 additional officers", [tree_ids["Policing"]])
    both = code(archive, article_id, "thermal cameras",
                [tree_ids["Policing"], tree_ids["Surveillance"]])
    window = open_window(archive)
    panel = window.themes_panel
    # The chooser offers every other theme but Policing's own (none) and itself.
    panel.menu_for(tree_ids["Security measures"])  # a parent's menu builds too
    merge = next(a for a in panel.menu_for(tree_ids["Policing"]).actions()
                 if a.text() == "Merge into…")
    merge.trigger()
    dialog = window.merge_dialog
    offered = [dialog.choices.item(r).text().strip() for r in range(dialog.choices.count())]
    assert "Policing" not in offered and "Surveillance" in offered
    assert "Its 2 passages are then coded with that theme" in dialog.intro.text()
    dialog.choose(tree_ids["Surveillance"])
    qtbot.keyClick(dialog.choices, Qt.Key.Key_Return)
    assert "Policing" not in parents(archive)
    assert archive.get_highlight(policing).theme_ids == (tree_ids["Surveillance"],)
    assert archive.get_highlight(both).theme_ids == (tree_ids["Surveillance"],)
    assert archive.get_theme(tree_ids["Surveillance"]).highlight_count == 2
    assert panel.current_theme().id == tree_ids["Surveillance"]

    press(qtbot, window)
    assert parents(archive)["Policing"] == "Security measures"
    assert archive.get_highlight(policing).theme_ids == (tree_ids["Policing"],)
    assert archive.get_theme(tree_ids["Surveillance"]).highlight_count == 1
    press(qtbot, window, redo=True)
    assert "Policing" not in parents(archive)
    assert not any(t.id == tree_ids["Policing"] for t in panel.themes())


def test_a_theme_cannot_be_merged_into_its_own_sub_theme(window, archive, tree_ids, qtbot):
    window.merge_theme(tree_ids["Security measures"], tree_ids["Thermal cameras"])
    assert "own sub-theme" in window.banner.text()
    assert parents(archive)["Thermal cameras"] == "Surveillance"
    window.ask_merge_theme(tree_ids["Security measures"])
    offered = [window.merge_dialog.choices.item(r).text().strip()
               for r in range(window.merge_dialog.choices.count())]
    assert not {"Security measures", "Surveillance", "Thermal cameras", "Policing"} & set(
        offered)


@pytest.mark.parametrize(("button", "children"), [("moveUp", "move-up"),
                                                  ("deleteWithIt", "delete")])
def test_delete_a_parent_theme(open_window, archive, article_id, tree_ids, qtbot, button,
                               children):
    coded = code(archive, article_id, "thermal cameras",
                 [tree_ids["Thermal cameras"], tree_ids["Humanitarian concerns"]])
    window = open_window(archive)
    before = parents(archive)
    go_to(qtbot, window, tree_ids["Surveillance"])
    asked: list[str] = []
    answer_when_asked(qtbot, button, asked)
    qtbot.keyClick(window.themes_panel.tree, Qt.Key.Key_Delete)
    assert "It codes no highlight; with its 1 sub-theme, 1 highlight." in asked[0]
    after = parents(archive)
    assert "Surveillance" not in after
    # The keyboard stays in the codebook, on the theme now in its place.
    names = {t.id: t.name for t in archive.list_themes()}
    assert names[window.themes_panel.tree.current_id()] == (
        "Thermal cameras" if children == "move-up" else "Policing")
    if children == "move-up":
        assert after["Thermal cameras"] == "Security measures"
        assert archive.get_highlight(coded).theme_ids == (tree_ids["Thermal cameras"],
                                                          tree_ids["Humanitarian concerns"])
    else:
        assert "Thermal cameras" not in after
        # The highlight stays, with its other theme.
        assert archive.get_highlight(coded).theme_ids == (tree_ids["Humanitarian concerns"],)

    press(qtbot, window)
    assert parents(archive) == before
    assert archive.get_highlight(coded).theme_ids == (tree_ids["Thermal cameras"],
                                                      tree_ids["Humanitarian concerns"])
    assert window.themes_panel.is_shown(tree_ids["Thermal cameras"])
    press(qtbot, window, redo=True)
    assert parents(archive) == after


def test_deleting_a_parent_can_be_cancelled(window, archive, tree_ids, qtbot):
    before = parents(archive)
    go_to(qtbot, window, tree_ids["Security measures"])
    asked: list[str] = []
    answer_when_asked(qtbot, "", asked)  # Cancel has no name of ours
    qtbot.keyClick(window.themes_panel.tree, Qt.Key.Key_Delete)
    assert "2 sub-themes" in asked[0]
    assert parents(archive) == before and archive.history() == []


def test_reparent_by_drag_and_drop(window, archive, tree_ids, qtbot):
    panel = window.themes_panel
    before = parents(archive)
    drag_onto(qtbot, window, tree_ids["Legal framework"], tree_ids["Policing"])
    qtbot.waitUntil(lambda: parents(archive)["Legal framework"] == "Policing", timeout=3000)
    assert panel.is_shown(tree_ids["Legal framework"])
    assert panel.theme_for_key(5).id == tree_ids["Legal framework"]  # keys follow
    # Dropped just above a top-level theme: back to the top level, before it.
    drag_onto(qtbot, window, tree_ids["Thermal cameras"], tree_ids["Economic impact"],
              "above")
    qtbot.waitUntil(lambda: parents(archive)["Thermal cameras"] is None, timeout=3000)
    top = [t.name for t in archive.list_themes() if t.parent_id is None]
    assert top.index("Thermal cameras") == top.index("Economic impact") - 1
    moved = parents(archive)

    press(qtbot, window)
    assert parents(archive)["Thermal cameras"] == "Surveillance"
    press(qtbot, window)
    assert parents(archive) == before
    assert [t.name for t in archive.list_themes()] == [t.name for t in panel.themes()]
    press(qtbot, window, redo=True)
    press(qtbot, window, redo=True)
    assert parents(archive) == moved


def test_a_theme_cannot_be_dropped_into_its_own_branch(window, archive, tree_ids, qtbot):
    panel = window.themes_panel
    model: ThemeTreeModel = panel.model_
    data = model.mimeData([panel.index_of(tree_ids["Security measures"])])
    assert not model.canDropMimeData(data, Qt.DropAction.MoveAction, -1, 0,
                                     panel.index_of(tree_ids["Thermal cameras"]))
    assert model.canDropMimeData(data, Qt.DropAction.MoveAction, -1, 0,
                                 panel.index_of(tree_ids["Legal framework"]))
    before = parents(archive)
    point = panel.theme_rect(tree_ids["Thermal cameras"]).center()
    drop = QDropEvent(point.toPointF(), Qt.DropAction.MoveAction, data,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(panel.tree.viewport(), drop)
    qtbot.wait(20)
    assert not drop.isAccepted()
    assert parents(archive) == before and archive.history() == []


def test_reorder_and_reparent_with_ctrl_arrows(window, archive, tree_ids, qtbot):
    panel = window.themes_panel
    go_to(qtbot, window, tree_ids["Policing"])
    qtbot.keyClick(panel.tree, Qt.Key.Key_Up, CTRL)  # before Surveillance
    assert [t.name for t in archive.list_themes()][:3] == [
        "Security measures", "Policing", "Surveillance"]
    qtbot.keyClick(panel.tree, Qt.Key.Key_Left, CTRL)  # out of Security measures
    assert parents(archive)["Policing"] is None
    qtbot.keyClick(panel.tree, Qt.Key.Key_Right, CTRL)  # back under the theme above it
    assert parents(archive)["Policing"] == "Security measures"
    assert panel.tree.current_id() == tree_ids["Policing"]  # the keyboard stays with it
    press(qtbot, window)
    press(qtbot, window)
    assert parents(archive)["Policing"] == "Security measures"
    assert [t.name for t in archive.list_themes()][:4] == [
        "Security measures", "Policing", "Surveillance", "Thermal cameras"]
    press(qtbot, window)
    assert [t.name for t in archive.list_themes()][:4] == [
        "Security measures", "Surveillance", "Thermal cameras", "Policing"]
    press(qtbot, window, redo=True)
    assert [t.name for t in archive.list_themes()][1] == "Policing"


def test_rename_with_f2(window, archive, tree_ids, qtbot):
    panel = window.themes_panel
    go_to(qtbot, window, tree_ids["Thermal cameras"])
    qtbot.keyClick(panel.tree, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit) and editor.text() == "Thermal cameras"
    assert panel.tree.viewport().isAncestorOf(editor)  # edited in place
    editor.selectAll()
    qtbot.keyClicks(editor, "Heat cameras")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # Qt commits the edit on its next turn
    qtbot.waitUntil(lambda: archive.get_theme(tree_ids["Thermal cameras"]).name
                    == "Heat cameras", timeout=3000)
    assert window.undo_action.text() == "&Undo Rename theme"
    assert panel.tree.hasFocus() and panel.tree.current_id() == tree_ids["Thermal cameras"]

    # A name another theme has, in any case, is refused with the archive's reason.
    qtbot.keyClick(panel.tree, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    editor.selectAll()
    qtbot.keyClicks(editor, "POLICING")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "already exists" in window.banner.text(), timeout=3000)
    assert archive.get_theme(tree_ids["Thermal cameras"]).name == "Heat cameras"
    assert next(t for t in panel.themes() if t.id == tree_ids["Thermal cameras"]
                ).name == "Heat cameras"

    press(qtbot, window)
    assert archive.get_theme(tree_ids["Thermal cameras"]).name == "Thermal cameras"
    assert panel.model_.data(panel.index_of(tree_ids["Thermal cameras"])) == "Thermal cameras"
    press(qtbot, window, redo=True)
    assert archive.get_theme(tree_ids["Thermal cameras"]).name == "Heat cameras"


def test_filter_by_typing(window, archive, tree_ids, qtbot):
    panel = window.themes_panel
    start, end = select_passage(qtbot, window, "thermal cameras")
    qtbot.keyClick(window, Qt.Key.Key_F, CTRL | SHIFT)
    qtbot.keyClicks(panel.filter_edit, "CAMER")
    shown = {t.name for t in panel.themes() if panel.is_shown(t.id)}
    assert shown == {"Security measures", "Surveillance", "Thermal cameras"}
    assert panel.tree.current_id() == tree_ids["Thermal cameras"]
    qtbot.keyClick(panel.filter_edit, Qt.Key.Key_Return)  # codes with the match
    [highlight] = archive.list_highlights()
    assert ((highlight.start, highlight.end), highlight.theme_ids) == (
        (start, end), (tree_ids["Thermal cameras"],))

    qtbot.keyClicks(panel.filter_edit, "xyz")
    assert not any(panel.is_shown(t.id) for t in panel.themes())
    assert panel.no_match.isVisible()
    qtbot.keyClick(panel.filter_edit, Qt.Key.Key_Escape)
    assert all(panel.is_shown(t.id) for t in panel.themes())
    assert not panel.no_match.isVisible()

    press(qtbot, window)
    assert archive.list_highlights() == []
    press(qtbot, window, redo=True)
    assert archive.list_highlights() == [highlight]


def test_pin_a_theme_to_a_key(window, archive, tree_ids, qtbot):
    panel = window.themes_panel
    menu = panel.menu_for(tree_ids["Legal framework"])
    pin = next(a.menu() for a in menu.actions() if a.text() == "Pin to key")
    next(a for a in pin.actions() if a.text().startswith("&2")).trigger()
    assert archive.get_theme(tree_ids["Legal framework"]).shortcut == 2
    assert panel.theme_for_key(2).id == tree_ids["Legal framework"]
    assert panel.key_of(tree_ids["Surveillance"]) == 3  # the others close up around it
    assert "key pinned" in count_lines(archive.get_theme(tree_ids["Legal framework"]), False)[0]
    select_passage(qtbot, window, "thermal cameras")
    qtbot.keyClick(window.reader, Qt.Key.Key_2)
    assert archive.list_highlights()[0].theme_ids == (tree_ids["Legal framework"],)

    press(qtbot, window)  # the coding
    press(qtbot, window)  # the pin
    assert archive.get_theme(tree_ids["Legal framework"]).shortcut is None
    assert panel.theme_for_key(2).id == tree_ids["Surveillance"]
    press(qtbot, window, redo=True)
    assert archive.get_theme(tree_ids["Legal framework"]).shortcut == 2
    assert panel.theme_for_key(2).id == tree_ids["Legal framework"]
    unpin = next(a for a in panel.menu_for(tree_ids["Legal framework"]).actions()
                 if a.text() == "Pin to key").menu().actions()[-1]
    assert unpin.text() == "Unpin" and unpin.isEnabled()
    unpin.trigger()
    assert archive.get_theme(tree_ids["Legal framework"]).shortcut is None


def test_ctrl_t_makes_a_theme_from_the_selection(window, archive, tree_ids, qtbot):
    panel = window.themes_panel
    panel.select_theme(tree_ids["Surveillance"])  # the current theme becomes the parent
    start, end = select_passage(qtbot, window, "Drones fitted with night-vision equipment")
    qtbot.keyClick(window.reader, Qt.Key.Key_T, CTRL)
    dialog = window.theme_dialog
    assert dialog.windowTitle() == "New theme from selection"
    assert dialog.parent_id() == tree_ids["Surveillance"]
    assert not dialog.description_edit.isVisibleTo(dialog)
    qtbot.keyClicks(dialog.name_edit, "Drones")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    drones = archive.theme_by_name("Drones")
    [highlight] = archive.list_highlights()
    assert drones.parent_id == tree_ids["Surveillance"]
    assert ((highlight.start, highlight.end), highlight.theme_ids) == ((start, end),
                                                                      (drones.id,))
    assert window.undo_action.text() == "&Undo New theme from selection"
    assert panel.current_theme().id == drones.id
    assert window.active_highlight == highlight.id

    press(qtbot, window)  # one step takes back both
    assert archive.list_highlights() == [] and "Drones" not in parents(archive)
    press(qtbot, window, redo=True)
    assert archive.theme_by_name("Drones") == drones
    assert archive.list_highlights() == [highlight]


def test_ctrl_t_without_a_selection_opens_the_new_theme_dialog(window, archive, qtbot):
    window.reader.setFocus()
    qtbot.keyClick(window.reader, Qt.Key.Key_T, CTRL)
    dialog = window.theme_dialog
    assert dialog.windowTitle() == "New theme" and dialog.parent_id() is None
    assert dialog.description_edit.isVisibleTo(dialog)


# --- counts, and refreshing only what changed ----------------------------------------------------

def test_counts_with_sub_themes(open_window, archive, article_id, tree_ids, qtbot):
    code(archive, article_id, "thermal cameras", [tree_ids["Thermal cameras"]])
    code(archive, article_id, "120 additional officers",
         [tree_ids["Policing"], tree_ids["Security measures"]])
    window = open_window(archive)
    model = window.themes_panel.model_
    security = model.by_id[tree_ids["Security measures"]]
    assert count_lines(security, True) == [
        "In all: 2 passages · 1 article", "Own: 1 passage · 1 article"]
    assert count_lines(model.by_id[tree_ids["Surveillance"]], True) == [
        "In all: 1 passage · 1 article", "Own: none"]
    assert count_lines(model.by_id[tree_ids["Economic impact"]], False) == ["No passages yet"]
    tip = model.data(window.themes_panel.index_of(security.id), Qt.ItemDataRole.ToolTipRole)
    assert "Key 1" in tip and "2 passages in 1 article with its sub-themes" in tip


def test_coding_updates_rows_in_place_and_keeps_the_tree(window, archive, tree_ids, qtbot):
    """A change that leaves the codebook's shape alone repaints the changed themes and their
    parents; one that changes it rebuilds the tree with what was collapsed and current."""
    panel = window.themes_panel
    resets = []
    panel.model_.modelReset.connect(lambda: resets.append(1))
    panel.tree.collapse(panel.index_of(tree_ids["Surveillance"]))  # as a user would
    panel.select_theme(tree_ids["Policing"])
    reads = []
    real_read = window.archive.read
    window.archive.read = lambda name, *a, **k: reads.append(name) or real_read(name, *a, **k)
    select_passage(qtbot, window, "thermal cameras")
    qtbot.keyClick(window.reader, Qt.Key.Key_4)  # Policing
    assert resets == [] and "list_themes" not in reads
    security = next(t for t in panel.themes() if t.id == tree_ids["Security measures"])
    assert security.total_highlights == 1  # its parent's total, updated in place

    window.run_op("create_theme", "Media framing")  # a new row: the shape changes
    assert resets == [1]
    assert not panel.tree.isExpanded(panel.index_of(tree_ids["Surveillance"]))
    assert panel.tree.isExpanded(panel.index_of(tree_ids["Security measures"]))
    assert panel.current_theme().id == tree_ids["Policing"]


# --- the theme dialog ----------------------------------------------------------------------------

def test_theme_dialog_keys(window, archive, tree_ids, qtbot):
    window.ask_new_theme(tree_ids["Policing"])
    dialog = window.theme_dialog
    assert dialog.parent_combo.currentText().strip() == "Policing"
    assert [dialog.parent_combo.itemText(i) for i in range(4)] == [
        "(top level)", "Security measures", "    Surveillance", "        Thermal cameras"]
    qtbot.keyClicks(dialog.name_edit, "Stop and search")
    dialog.parent_combo.setFocus()
    qtbot.keyClick(dialog.parent_combo, Qt.Key.Key_Home)  # back to the top level
    assert dialog.parent_id() is None
    qtbot.keyClick(dialog.description_edit, Qt.Key.Key_Return, CTRL)
    assert parents(archive)["Stop and search"] is None
    window.ask_edit_theme(tree_ids["Policing"])
    assert not window.theme_dialog.parent_combo.isVisibleTo(window.theme_dialog)


# --- the screenshot ------------------------------------------------------------------------------

def test_codebook_screenshot(open_window, archive, article_id, tree_ids, qtbot, tmp_path):
    """docs/screenshots/codebook.png: the window with a three-level codebook and its counts
    (refreshed when GLEANER_UPDATE_SCREENSHOTS=1)."""
    code(archive, article_id, "thermal cameras", [tree_ids["Thermal cameras"]])
    code(archive, article_id, "120 additional officers", [tree_ids["Policing"]])
    code(archive, article_id, "Drones fitted with night-vision equipment",
         [tree_ids["Surveillance"]])
    code(archive, article_id, "tighter controls would push people towards more dangerous "
         "routes", [tree_ids["Humanitarian concerns"]])
    archive.update_theme(tree_ids["Legal framework"], shortcut=9)
    window = open_window(archive)
    window.themes_panel.select_theme(tree_ids["Surveillance"])
    window.themes_panel.tree.setFocus()
    qtbot.wait(50)
    image = window.grab().toImage()
    image.save(str(tmp_path / "codebook.png"))
    if os.environ.get("GLEANER_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        image.save(str(SCREENSHOTS / "codebook.png"))
    # The three levels are shown, indented one step each.
    levels = [tree_ids[n] for n in ("Security measures", "Surveillance", "Thermal cameras")]
    x = [window.themes_panel.theme_rect(theme_id).left() for theme_id in levels]
    assert x[0] < x[1] < x[2]
    assert all(window.themes_panel.is_shown(theme_id) for theme_id in levels)


def test_deleting_a_theme_names_its_highlights(open_window, archive, article_id, tree_ids,
                                               qtbot, monkeypatch):
    coded = code(archive, article_id, "thermal cameras",
                 [tree_ids["Policing"], tree_ids["Humanitarian concerns"]])
    window = open_window(archive)
    asked = []
    monkeypatch.setattr("gleaner.ui.main_window.confirm",
                        lambda parent, title, text: asked.append(text) or True)
    go_to(qtbot, window, tree_ids["Policing"])
    qtbot.keyClick(window.themes_panel.tree, Qt.Key.Key_Delete)
    assert asked == ["Delete the theme “Policing”? 1 highlight uses it; it stays, with any "
                     "other themes."]
    assert "Policing" not in parents(archive)
    assert archive.get_highlight(coded).theme_ids == (tree_ids["Humanitarian concerns"],)
    press(qtbot, window)
    assert archive.get_highlight(coded).theme_ids == (tree_ids["Policing"],
                                                      tree_ids["Humanitarian concerns"])
    press(qtbot, window, redo=True)
    assert "Policing" not in parents(archive)
