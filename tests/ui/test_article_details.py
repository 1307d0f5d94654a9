"""The article panel (star, read mark, tags, memo, corrected details) and the Edit details
dialog, driven as a user would. The panel is wired to the core operations the way the window
wires it: each signal runs its operation and the panel shows the stored article again."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from gleaner.core import operations
from gleaner.core.capture import capture
from gleaner.ui.article_details import (
    HINT_CHARS,
    ArticleDetailsPanel,
    EditDetailsDialog,
    correction_hint,
    split_authors,
    split_tags,
)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
EXTRACTED_TITLE = ("France and Belgium sign port security pact as aid groups warn of camp "
                   "conditions")


class Wired:
    """The panel on a real archive, with every signal recorded and run as its operation."""

    def __init__(self, panel: ArticleDetailsPanel, archive, article_id: int) -> None:
        self.panel, self.archive, self.article_id = panel, archive, article_id
        self.emitted: list[tuple] = []
        runs = {
            panel.starToggled: lambda i, v: operations.set_starred(archive, i, v),
            panel.readToggled: lambda i, v: operations.set_read(archive, i, v),
            panel.memoEdited: lambda i, v: operations.set_article_memo(archive, i, v),
            panel.tagsAdded: lambda i, v: operations.tag_article(archive, i, v),
            panel.tagRemoved: lambda i, v: operations.untag_article(archive, i, [v]),
        }
        for signal, run in runs.items():
            signal.connect(lambda i, v, s=signal, r=run: self._handle(s, r, i, v))
        panel.editRequested.connect(lambda i: self.emitted.append(("edit", i)))

    def _handle(self, signal, run, article_id, value) -> None:
        self.emitted.append((signal, article_id, value))
        run(article_id, value)
        self.refresh()

    def refresh(self) -> None:
        self.panel.show_article(self.archive.get_article(self.article_id),
                                self.archive.list_tags())

    def article(self):
        return self.archive.get_article(self.article_id)


@pytest.fixture
def wired(app, qtbot, archive, sample_article_path):
    """The panel, 260 px wide as in the side column, showing the sample article."""
    article_id, _ = archive.save_article(capture(str(sample_article_path)))
    panel = ArticleDetailsPanel()
    qtbot.addWidget(panel)
    panel.resize(260, 640)
    panel.show()
    qtbot.waitExposed(panel)
    panel.activateWindow()
    qtbot.waitUntil(panel.isActiveWindow, timeout=3000)
    harness = Wired(panel, archive, article_id)
    harness.refresh()
    return harness


def test_star_is_stored_at_once_by_mouse_and_keyboard(wired, qtbot):
    panel, star = wired.panel, wired.panel.star_button
    assert (star.text(), star.isChecked(), star.accessibleName()) == ("☆", False, "Star")
    qtbot.mouseClick(star, Qt.MouseButton.LeftButton)
    assert wired.emitted == [(panel.starToggled, wired.article_id, True)]
    assert wired.article().starred
    assert (star.text(), star.isChecked(), star.toolTip()) == ("★", True, "Unstar this article")
    star.setFocus()
    qtbot.keyClick(star, Qt.Key.Key_Space)
    assert wired.emitted[-1] == (panel.starToggled, wired.article_id, False)
    assert not wired.article().starred
    assert star.text() == "☆"


def test_read_mark_toggles(wired, qtbot):
    panel = wired.panel
    assert panel.unread_mark.isVisible()
    assert panel.read_button.text() == "Mark read"
    qtbot.mouseClick(panel.read_button, Qt.MouseButton.LeftButton)
    assert wired.emitted == [(panel.readToggled, wired.article_id, True)]
    assert wired.article().read
    assert not panel.unread_mark.isVisible()
    assert panel.read_button.text() == "Mark unread"
    qtbot.mouseClick(panel.read_button, Qt.MouseButton.LeftButton)
    assert wired.emitted[-1] == (panel.readToggled, wired.article_id, False)
    assert not wired.article().read


def test_tags_are_typed_and_added_with_enter(wired, qtbot):
    panel = wired.panel
    panel.tag_input.setFocus()
    qtbot.keyClicks(panel.tag_input, "Calais,  border   policy, calais")
    qtbot.keyClick(panel.tag_input, Qt.Key.Key_Return)
    assert wired.emitted == [(panel.tagsAdded, wired.article_id, ["Calais", "border policy"])]
    assert wired.article().tags == ("border policy", "Calais")
    assert [chip.name for chip in panel.chips] == ["border policy", "Calais"]
    assert panel.tag_input.text() == "" and panel.tag_input.hasFocus()
    # A tag the article already has is not added again (no empty undo step).
    qtbot.keyClicks(panel.tag_input, "CALAIS")
    qtbot.keyClick(panel.tag_input, Qt.Key.Key_Return)
    assert len(wired.emitted) == 1
    assert [step.label for step in wired.archive.history()][:1] == ["Tag article"]


def test_tag_box_completes_the_archives_tags(wired, qtbot, archive, fixtures_dir):
    other, _ = archive.save_article(capture(str(fixtures_dir / "news_page.html")))
    archive.tag_article(other, ["France", "Shelters"])
    archive.tag_article(wired.article_id, ["Shelters"])
    wired.refresh()
    panel = wired.panel
    # Tags the article already has are not offered.
    assert panel.completer.model().stringList() == ["France"]
    panel.tag_input.setFocus()
    qtbot.keyClicks(panel.tag_input, "Calais, fr")
    popup = panel.completer.popup()
    qtbot.waitUntil(popup.isVisible, timeout=2000)
    assert panel.completer.completionCount() == 1
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    assert panel.tag_input.text() == "Calais, France"  # the tags before the comma stay
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert wired.article().tags == ("Calais", "France", "Shelters")


def test_tags_are_removed_by_button_and_by_delete_on_a_chip(wired, qtbot, archive):
    archive.tag_article(wired.article_id, ["Calais", "France", "Policing"])
    wired.refresh()
    panel = wired.panel
    calais = panel.chips[0]
    assert calais.remove_button.accessibleName() == "Remove tag Calais"
    qtbot.mouseClick(calais.remove_button, Qt.MouseButton.LeftButton)
    assert wired.emitted == [(panel.tagRemoved, wired.article_id, "Calais")]
    assert wired.article().tags == ("France", "Policing")
    # From the keyboard: Tab reaches the chips after the buttons; Delete removes the focused
    # chip and focus moves on to the next one, then to the tag box.
    panel.edit_button.setFocus()
    qtbot.keyClick(panel.edit_button, Qt.Key.Key_Tab)
    assert panel.chips[0].hasFocus() and panel.chips[0].name == "France"
    qtbot.keyClick(panel.chips[0], Qt.Key.Key_Delete)
    assert wired.article().tags == ("Policing",)
    assert panel.chips[0].hasFocus()
    qtbot.keyClick(panel.chips[0], Qt.Key.Key_Backspace)
    assert wired.article().tags == ()
    assert panel.chips == [] and panel.tag_input.hasFocus()
    # Forgotten tags are gone from the archive too.
    assert archive.list_tags() == []


def test_memo_is_stored_after_a_pause_and_on_leaving(wired, qtbot):
    panel, memo = wired.panel, wired.panel.memo
    memo.setFocus()
    steps_before = len(wired.archive.history())
    qtbot.keyClicks(memo, "Security first")
    assert wired.article().memo == ""  # not every keystroke
    qtbot.waitUntil(lambda: wired.article().memo == "Security first", timeout=1500)
    qtbot.keyClicks(memo, "; aid late")
    # Leaving the memo (Tab) stores it at once, and never types a tab.
    qtbot.keyClick(memo, Qt.Key.Key_Tab)
    assert not memo.hasFocus()
    assert wired.article().memo == "Security first; aid late"
    # Each pause is one undo step.
    labels = [step.label for step in wired.archive.history()]
    assert labels[:len(labels) - steps_before] == ["Edit article memo"] * 2
    assert [e[0] for e in wired.emitted] == [panel.memoEdited] * 2


def test_typing_is_never_overwritten_by_a_refresh(wired, qtbot, archive, fixtures_dir):
    panel, memo = wired.panel, wired.panel.memo
    memo.setFocus()
    qtbot.keyClicks(memo, "half a thought")
    # The star is clicked before the pause is over: the panel is refreshed from the archive,
    # where the memo is still empty, but what was typed stays and is stored.
    qtbot.mouseClick(panel.star_button, Qt.MouseButton.LeftButton)
    assert memo.toPlainText() == "half a thought"
    qtbot.waitUntil(lambda: wired.article().memo == "half a thought", timeout=1500)
    # Showing another article sends the memo typed so far to the first one.
    qtbot.keyClicks(memo, ", finished")
    other, _ = archive.save_article(capture(str(fixtures_dir / "news_page.html")))
    panel.show_article(archive.get_article(other), archive.list_tags())
    assert wired.article().memo == "half a thought, finished"
    assert memo.toPlainText() == "" and archive.get_article(other).memo == ""
    # A memo changed elsewhere (Undo) is shown when no typing is pending.
    operations.undo(archive)
    wired.refresh()
    assert memo.toPlainText() == "half a thought"


def test_corrected_details_show_what_extraction_found(wired, archive):
    archive.edit_article(wired.article_id, title="Port security pact signed",
                         authors=["M. Delacroix-Hale", "J. Smith"])
    wired.refresh()
    panel = wired.panel
    assert panel.title_label.text() == "Port security pact signed"
    assert panel.hints["title"].isVisible()
    assert panel.hints["title"].text() == f"(corrected; extracted: {EXTRACTED_TITLE})"
    assert panel.values["authors"].text() == "M. Delacroix-Hale, J. Smith"
    assert panel.hints["authors"].text() == "(corrected; extracted: Margot Delacroix-Hale)"
    assert not panel.hints["site_name"].isVisible()
    assert not panel.hints["published"].isVisible()
    assert panel.values["published"].text() == "14 March 2024"


def test_edit_details_dialog_returns_only_what_changed(wired, qtbot):
    qtbot.mouseClick(wired.panel.edit_button, Qt.MouseButton.LeftButton)
    assert wired.emitted == [("edit", wired.article_id)]
    dialog = EditDetailsDialog(wired.article(), wired.panel)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    # The published date-time is shown as its date and is not "changed" by being shown.
    assert dialog.published_edit.text() == "2024-03-14"
    assert dialog.values() == {}
    assert dialog.restore_buttons == {}  # nothing corrected yet

    dialog.title_edit.selectAll()
    qtbot.keyClicks(dialog.title_edit, "Port security pact signed")
    dialog.authors_edit.setFocus()
    dialog.authors_edit.selectAll()
    qtbot.keyClicks(dialog.authors_edit, "M. Delacroix-Hale, J. Smith")
    dialog.published_edit.selectAll()
    qtbot.keyClicks(dialog.published_edit, "2024-02-30")
    assert not ok.isEnabled()
    assert "YYYY-MM-DD" in dialog.error.text()
    dialog.published_edit.selectAll()
    qtbot.keyClicks(dialog.published_edit, "2024-03-15")
    assert ok.isEnabled() and not dialog.error.isVisible()
    dialog.title_edit.clear()
    assert not ok.isEnabled() and dialog.error.text() == "An article needs a title."
    qtbot.keyClicks(dialog.title_edit, "  Port security   pact signed ")
    assert dialog.values() == {"title": "Port security pact signed",
                               "authors": ["M. Delacroix-Hale", "J. Smith"],
                               "published": "2024-03-15"}
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.result() == EditDetailsDialog.DialogCode.Accepted
    operations.edit_article(wired.archive, wired.article_id, **dialog.values())
    article = wired.article()
    assert (article.title, article.authors, article.published) == (
        "Port security pact signed", ["M. Delacroix-Hale", "J. Smith"], "2024-03-15")
    assert article.extracted["title"] == EXTRACTED_TITLE


def test_restore_extracted_clears_the_correction(wired, qtbot, archive):
    archive.edit_article(wired.article_id, title="Port security pact signed",
                         site_name="Harbour Ledger")
    dialog = EditDetailsDialog(wired.article())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert set(dialog.restore_buttons) == {"title", "site_name"}
    restore = dialog.restore_buttons["title"]
    qtbot.mouseClick(restore, Qt.MouseButton.LeftButton)
    assert dialog.title_edit.text() == EXTRACTED_TITLE
    assert not restore.isEnabled()  # the field holds the extracted value already
    assert dialog.values() == {"title": EXTRACTED_TITLE}
    operations.edit_article(archive, wired.article_id, **dialog.values())
    wired.refresh()
    assert wired.article().extracted == {"site_name": "The Harbour Ledger"}
    assert not wired.panel.hints["title"].isVisible()
    assert wired.panel.hints["site_name"].isVisible()


def test_an_empty_date_means_no_date(wired, qtbot):
    dialog = EditDetailsDialog(wired.article())
    qtbot.addWidget(dialog)
    dialog.published_edit.clear()
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    assert dialog.values() == {"published": None}


def test_no_article_shows_a_hint(wired):
    panel = wired.panel
    panel.show_article(None, [])
    assert panel.empty.isVisible()
    assert not panel.details.isVisible() and not panel.star_button.isVisible()
    panel.memo.setPlainText("typed with nothing open")
    panel.flush_memo()
    assert wired.emitted == []


def test_panel_fits_the_narrow_side_column(wired, archive, qtbot):
    archive.tag_article(wired.article_id, ["Calais", "Border policy", "France", "UK–France pact",
                                           "Policing", "Humanitarian"])
    wired.refresh()
    panel = wired.panel
    assert panel.minimumSizeHint().width() <= 260
    qtbot.waitUntil(lambda: panel.chips[-1].geometry().bottom() > 0, timeout=1000)
    # The chips wrap onto several lines inside the column, none cut off on the right.
    box = panel.chip_box
    rows = {chip.geometry().top() for chip in panel.chips}
    assert len(rows) >= 2
    assert all(chip.geometry().right() < box.width() for chip in panel.chips)
    assert box.height() >= max(chip.geometry().bottom() for chip in panel.chips)


def test_text_helpers():
    assert split_tags(" Project X ,, france, FRANCE ") == ["Project X", "france"]
    assert split_authors("Ann Lee\nBo Chen, Cy Dor;\n\n") == ["Ann Lee", "Bo Chen", "Cy Dor"]
    long_title = "word " * 40
    hint = correction_hint("title", long_title)
    assert hint.endswith("…)") and len(hint) == len("(corrected; extracted: )") + HINT_CHARS
    assert correction_hint("published", "2024-03-14T08:30:00Z") == (
        "(corrected; extracted: 14 March 2024)")
    assert correction_hint("authors", []) == "(corrected; extracted: nothing)"


def test_article_details_screenshot(wired, archive, qtbot, tmp_path):
    """docs/screenshots/article_details.png (refreshed with GLEANER_UPDATE_SCREENSHOTS=1)."""
    archive.tag_article(wired.article_id, ["Calais", "Border policy", "France", "UK–France pact"])
    archive.set_article_flags(wired.article_id, starred=True)
    archive.set_article_memo(wired.article_id, "Frames the pact as security first; aid groups "
                                               "are quoted only in the last third.")
    archive.edit_article(wired.article_id, title="Britain and France sign port security pact")
    panel = ArticleDetailsPanel()
    qtbot.addWidget(panel)
    panel.show_article(wired.article(), archive.list_tags())
    panel.resize(260, 500)
    panel.show()
    qtbot.waitExposed(panel)
    panel.setFocus()  # no focus frame on the star in the picture
    qtbot.wait(50)
    image = panel.grab().toImage()
    image.save(str(tmp_path / "article_details.png"))
    if os.environ.get("GLEANER_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        image.save(str(SCREENSHOTS / "article_details.png"))
    assert panel.star_button.text() == "★" and len(panel.chips) == 4
    assert panel.hints["title"].isVisible()
    # The star is painted gold where the button is.
    star = panel.star_button.geometry()
    gold = [image.pixelColor(x, y) for x in range(star.left(), star.right())
            for y in range(star.top(), star.bottom())]
    assert any(c.red() > 170 and 110 < c.green() < 160 and c.blue() < 60 for c in gold)
