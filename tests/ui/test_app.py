"""`gleaner` with no command: the real start-up path, in a fresh interpreter (running and
quitting the event loop would leave this test process's QApplication unusable)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from gleaner.core.archive import Archive

DRIVER = textwrap.dedent("""
    import json, sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from gleaner.__main__ import main
    from gleaner.ui.app import create_application
    from gleaner.ui.main_window import MainWindow

    create_application()  # run_app reuses it; the timer below needs it to exist

    seen = {"messages": [], "buttons": []}

    def answer_problem():  # the problem dialog, if one is shown: note it and give up
        from gleaner.ui.archive_problem import GIVE_UP, ArchiveProblemDialog
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, ArchiveProblemDialog):
            seen["messages"].append(dialog.text() + " " + dialog.informativeText())
            seen["buttons"] = [button.text() for button in dialog.buttons()]
            dialog.button_for(GIVE_UP).click()
        else:
            QTimer.singleShot(50, answer_problem)

    QTimer.singleShot(50, answer_problem)

    def inspect_and_quit():
        windows = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, MainWindow) and w.isVisible()]
        seen["titles"] = [w.windowTitle() for w in windows]
        seen["welcome"] = [w.centre.currentWidget() is w.welcome for w in windows]
        for window in windows:
            window.close()
        QApplication.quit()

    QTimer.singleShot(300, inspect_and_quit)
    seen["status"] = main(sys.argv[1:])
    print(json.dumps(seen))
""")


def run_gleaner(*args: str, tmp_path) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path),
           "XDG_DATA_HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", DRIVER, *args], capture_output=True,
                          text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_gleaner_without_a_command_opens_the_window(tmp_path):
    path = tmp_path / "new.gleaner"
    seen = run_gleaner("--archive", str(path), tmp_path=tmp_path)
    assert seen["status"] == 0
    assert seen["titles"] == ["new.gleaner — Gleaner"]
    assert seen["welcome"] == [True]
    with Archive.open(path) as archive:  # the archive was created, with its codebook
        assert archive.list_themes()[0].name == "Security measures"


def test_an_archive_that_cannot_be_opened_is_a_message(tmp_path):
    path = tmp_path / "notes.gleaner"
    path.write_bytes(b"these are not the droids " * 100)
    seen = run_gleaner("--archive", str(path), tmp_path=tmp_path)
    assert seen["status"] == 1
    assert len(seen["messages"]) == 1 and "not a Gleaner archive" in seen["messages"][0]
    assert sorted(seen["buttons"]) == ["Choose Another Archive…", "Quit"]  # no backup to offer
    assert path.read_bytes() == b"these are not the droids " * 100
