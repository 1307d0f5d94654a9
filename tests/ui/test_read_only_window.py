"""A window on an archive opened read-only offers no change it would refuse: the controls that
save, code or edit are off, the number keys code nothing, and the message stays."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from gleaner.core import operations
from gleaner.core.archive import Archive
from gleaner.core.capture import capture
from gleaner.core.service import ArchiveClient
from gleaner.ui.main_window import MainWindow
from gleaner.ui.widgets import MessageBanner


def test_a_read_only_window_turns_off_every_change(app, qtbot, tmp_path, sample_article_path,
                                                   monkeypatch):
    monkeypatch.setattr(MessageBanner, "NOTICE_MS", 100)  # a notice would fade by the end
    path = tmp_path / "study.gleaner"
    with Archive.open(path) as archive:
        article_id = operations.save_article(archive, capture(str(sample_article_path))).value[0]
        operations.set_starred(archive, article_id)  # something Undo could take back
    client = ArchiveClient.start(path, read_only=True)
    window = MainWindow(client)
    qtbot.addWidget(window)
    try:
        window.resize(1200, 800)
        window.show()
        qtbot.waitExposed(window)
        assert window.windowTitle() == "study.gleaner (read-only) — Gleaner"
        for action in (window.save_url_action, window.open_file_action, window.import_action,
                       window.new_theme_action, window.star_action, window.edit_details_action,
                       window.delete_article_action, window.undo_action, window.redo_action):
            assert not action.isEnabled(), action.text()
        details, panel = window.details, window.highlight_panel
        for widget in (window.address, window.save_button, window.open_button,
                       window.themes_panel.new_button, details.star_button,
                       details.tag_input, details.edit_button, panel.theme_list,
                       panel.delete_button):
            assert not widget.isEnabled()
        assert details.memo.isReadOnly() and panel.note.isReadOnly()
        assert window.backups_action.isEnabled() and window.check_action.isEnabled()
        # A selection and key 1 code nothing (and ask the archive for nothing).
        window.reader.select_range(0, 20)
        window.reader.setFocus()
        QTest.keyClick(window.reader, Qt.Key.Key_1)
        qtbot.wait(50)
        assert window.highlights == []
        # The message stays, as long as the archive is shown.
        qtbot.wait(400)
        assert "open read-only" in window.banner.text() and window.banner.isVisible()
    finally:
        window.close()
        client.close()
    with Archive.open(path) as archive:
        assert archive.list_highlights() == []
        assert archive.undo_label() == "Star article"
