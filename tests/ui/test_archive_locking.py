"""Locking that no code in the window's process can break.

SQLite's locks are POSIX advisory locks: any close() of the archive file in a process drops all
of that process's locks on it, and another process then believes it is alone, checkpoints and
deletes the write-ahead log under the live connection. The window therefore keeps its
connection in an archive process that runs nothing else (`core.service`). These tests do in the
window's process what foreign code does (Python open(), Qt's file dialog reading the folder),
let another process write, and check that nothing is lost and the log is never deleted.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QFileSystemModel

from gleaner.core import operations
from gleaner.core.archive import Archive
from gleaner.core.capture import capture
from gleaner.core.service import ArchiveClient


def open_files(pid: int, archive: Path) -> list[str]:
    """The archive's files (database, -wal, -shm) that process `pid` holds open."""
    found = []
    folder = Path(f"/proc/{pid}/fd")
    for fd in os.listdir(folder):
        try:
            target = os.readlink(folder / fd)
        except OSError:  # closed while listing
            continue
        if target.startswith(str(archive)):
            found.append(target)
    return found


def run_cli(archive: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gleaner", "--archive", str(archive), *args],
                          capture_output=True, text=True, timeout=60, check=True)


def touch_like_foreign_code(qtbot, archive: Path) -> None:
    """What other code in a window's process does to files: Python opens and closes them,
    and Qt's own file dialog (default icon provider) reads the folder."""
    for suffix in ("", "-wal", "-shm"):
        with open(f"{archive}{suffix}", "rb") as handle:
            handle.read(100)
    dialog = QFileDialog(None, "Foreign dialog", str(archive.parent))
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    model = dialog.findChild(QFileSystemModel)
    with qtbot.waitSignal(model.directoryLoaded, timeout=5000):
        dialog.show()
    qtbot.wait(200)  # let the icon and type gatherer visit every file
    dialog.close()
    dialog.deleteLater()


def integrity(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        connection.close()


def test_the_hazard_is_real_for_a_connection_in_the_windows_own_process(tmp_path, qapp, qtbot):
    """Control: the same steps against a connection held in this process do delete the live
    write-ahead log — which is what the archive process exists to prevent."""
    path = tmp_path / "direct.gleaner"
    archive = Archive.open(path)
    try:
        operations.create_theme(archive, "Written before")
        touch_like_foreign_code(qtbot, path)
        run_cli(path, "theme", "add", "Written by another process")
        assert f"{path}-wal (deleted)" in open_files(os.getpid(), path)
    finally:
        archive.close()


def test_foreign_file_access_in_the_window_process_loses_nothing(tmp_path, qapp, qtbot,
                                                                 sample_article_path):
    path = tmp_path / "study.gleaner"
    client = ArchiveClient.start(path)
    try:
        article_id = client.ops.save_article(capture(str(sample_article_path))).value[0]
        first = client.ops.code_passage(article_id, 10, 30, [1], note="before").value
        touch_like_foreign_code(qtbot, path)
        run_cli(path, "theme", "add", "Written by another process")
        run_cli(path, "highlight", str(article_id), "--quote", "thermal cameras",
                "--theme", "Written by another process")
        # The archive process still has the one live log, not a deleted one.
        held = open_files(client.pid, path)
        assert f"{path}-wal" in held and not any("(deleted)" in f for f in held)
        # Keep writing in the first process after the other has come and gone.
        second = client.ops.code_passage(article_id, 40, 60, [2], note="after").value
        touch_like_foreign_code(qtbot, path)
        client.ops.set_note(first.id, "edited after")
        assert not any("(deleted)" in f for f in open_files(client.pid, path))
    finally:
        client.close()
    with Archive.open(path) as check:
        notes = {h.id: h.note for h in check.list_highlights()}
        assert notes[first.id] == "edited after" and notes[second.id] == "after"
        assert len(notes) == 3
        assert check.theme_by_name("Written by another process")
    assert integrity(path) == "ok"


WRITER = textwrap.dedent("""
    import json, sys, time
    from gleaner.core import operations
    from gleaner.core.archive import Archive
    path = sys.argv[1]
    article_id, seconds, theme = int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
    written = []
    with Archive.open(path) as archive:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            start = (len(written) * 7) % 3000
            result = operations.code_passage(archive, article_id, start, start + 5, [theme],
                                             note=f"other {len(written)}")
            written.append(result.value.id)
    print(json.dumps(written))
""")


def test_two_processes_writing_for_ten_seconds_lose_nothing(tmp_path, sample_article_path):
    import json

    path = tmp_path / "busy.gleaner"
    client = ArchiveClient.start(path)
    try:
        article_id = client.ops.save_article(capture(str(sample_article_path))).value[0]
        other = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(article_id), "10", "2"],
            stdout=subprocess.PIPE, text=True)
        mine = []
        end = time.monotonic() + 10
        while time.monotonic() < end:
            start = (len(mine) * 11) % 3000
            mine.append(client.ops.code_passage(article_id, start, start + 4, [1],
                                                note=f"mine {len(mine)}").value.id)
        out, _ = other.communicate(timeout=60)
        assert other.returncode == 0
        theirs = json.loads(out)
    finally:
        client.close()
    print(f"two writers for 10 s: {len(mine)} + {len(theirs)} steps")
    assert len(mine) > 100 and len(theirs) > 100  # both really wrote, side by side
    with Archive.open(path) as check:
        stored = {h.id: h for h in check.list_highlights()}
        assert set(stored) == set(mine) | set(theirs)
        assert all(stored[i].note == f"mine {n}" for n, i in enumerate(mine))
        assert all(stored[i].note == f"other {n}" for n, i in enumerate(theirs))
    assert integrity(path) == "ok"


def test_a_refused_file_gets_no_side_files(tmp_path):
    path = tmp_path / "notes.gleaner"
    path.write_bytes(b"these are not the droids" * 100)
    with pytest.raises(Exception, match="not a Gleaner archive"):
        ArchiveClient.start(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.gleaner"]


def test_the_window_shows_another_process_changes_within_two_seconds(
        open_window, archive, qtbot, sample_article_path):
    article_id, _ = archive.save_article(capture(str(sample_article_path)))
    window = open_window(archive)
    assert window.reader.painted_ranges() == []
    run_cli(archive.path, "highlight", str(article_id), "--quote", "thermal cameras",
            "--theme", "Humanitarian concerns")
    written = time.monotonic()
    qtbot.waitUntil(lambda: len(window.reader.painted_ranges()) == 1, timeout=2000)
    assert time.monotonic() - written < 2.0
    assert window.themes_panel.themes()[1].highlight_count == 1
    assert window.library.model_.article_at(0).highlight_count == 1
    assert window.undo_action.text() == "&Undo Code passage"  # one history, shared
