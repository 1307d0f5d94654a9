"""Window responsiveness on a large archive: how long each action takes to show, and how long
it blocks the event loop, on a 100,000-article archive against a 100-article one.

Run: uv run python tests/benchmarks/bench_stall.py --articles 100000 [--archive PATH]
     (--archive reuses the archive at PATH, or builds it there if it does not exist; without it
     a temporary one is built and deleted. --repeats N, default 5. --no-cold skips the cold
     page cache runs, which need root to drop the caches.)

The real window is driven offscreen, as a user would: a click on a library row, a selection
made with the mouse and coded with key 1, a tick in the highlight panel, keys typed into the
note, OK in the theme dialog, Yes in the delete question, Ctrl+Z, Ctrl+Shift+Z. Each action is
started from the event loop and timed until the window has *painted* the change (the paint
that shows it has finished), and a 5 ms timer in the window's thread records how late it
fires: its lateness is the longest time the event loop was blocked. Every change an action
makes is undone again in the same run (a run stopped half way undoes its remaining steps as it
closes the window), so an archive passed with --archive stays reusable; one undone step is left
in its history. Settings (last article read, window geometry) go to a temporary folder.

"Window usable after start" runs in a fresh process each time: from ArchiveClient.spawn
(as `gleaner.ui.app.run_app` does: spawn, QApplication, wait for the archive, build the window,
show it) until the library has painted its first rows and the reader the opened article; also
from the process launch (interpreter and imports included). Cold: `sync` and
`echo 3 > /proc/sys/vm/drop_caches` before each launch (as root), so Python, Qt and the archive
are all read from disk again.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QEventLoop, QObject, QPoint, QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox  # noqa: E402

from gleaner.core.service import ArchiveClient  # noqa: E402
from gleaner.ui.app import create_application  # noqa: E402
from gleaner.ui.highlight_panel import HighlightPanel  # noqa: E402
from gleaner.ui.main_window import MainWindow  # noqa: E402

TICK_MS = 5  # the stall meter's timer
UPDATE_TARGET_MS = 50
BLOCK_TARGET_MS = 100
USABLE_TARGET_MS = 1000
BASELINE_ARTICLES = 100
NOTE_TEXT = "deterrence, not aid."  # 20 characters, typed key by key
TIMEOUT_S = float(os.environ.get("BENCH_TIMEOUT", "60"))
VERBOSE = bool(os.environ.get("BENCH_VERBOSE"))
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
LEFT = Qt.MouseButton.LeftButton


def now() -> float:
    """CLOCK_MONOTONIC on Linux: comparable between the benchmark and its child processes."""
    return time.perf_counter()


# --- measuring -------------------------------------------------------------------------------

class Probe(QObject):
    """A 5 ms timer whose lateness is the longest event-loop block, and a watch on paints.

    A watched widget counts as updated by the first paint that starts when its condition is
    already true; the update is over when that paint has returned to the event loop.
    """

    def __init__(self) -> None:
        super().__init__()
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.last_tick = now()
        self.worst_gap = 0.0
        self.watches: list[list] = []  # [widget, condition, painted_at or None, pending]
        self.timer.start()

    def _tick(self) -> None:
        tick = now()
        self.worst_gap = max(self.worst_gap, tick - self.last_tick)
        self.last_tick = tick

    def reset_blocks(self) -> None:
        self.last_tick = now()
        self.worst_gap = 0.0

    def longest_block_ms(self, until: float) -> float:
        """The timer's worst lateness since reset (the open gap up to `until` included)."""
        gap = max(self.worst_gap, until - self.last_tick)
        return max(0.0, gap * 1000 - TICK_MS)

    def watch(self, pairs) -> None:
        """pairs: (widget, condition); each widget's next paint under its condition counts."""
        for entry in self.watches:
            entry[0].removeEventFilter(self)
        self.watches = []
        for widget, condition in pairs:
            widget.installEventFilter(self)
            self.watches.append([widget, condition, None, False])

    def painted(self, need_all: bool = False) -> float | None:
        """When the watched widgets (any, or all) finished painting the change."""
        times = [w[2] for w in self.watches]
        if need_all:
            return None if None in times else max(times)
        done = [t for t in times if t is not None]
        return min(done) if done else None

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Paint:
            for entry in self.watches:
                if entry[0] == watched and not entry[3] and entry[1]():
                    entry[3] = True
                    QTimer.singleShot(0, lambda e=entry: e.__setitem__(2, now()))
        return False


class TimerWatch(QObject):
    """When a QTimer last fired: its timer event, seen before its timeout() handlers run."""

    def __init__(self, timer: QTimer) -> None:
        super().__init__()
        self.timer = timer
        self.at = float("nan")
        timer.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Timer:
            self.at = now()
        return False

    def remove(self) -> None:
        self.timer.removeEventFilter(self)


class Stopwatch:
    """Runs actions from the event loop and times them until the window shows their effect."""

    def __init__(self, app: QApplication) -> None:
        self.app = app
        self.probe = Probe()
        self.t0: float | None = None
        self.errors: list[str] = []
        sys.excepthook = self._excepthook

    def _excepthook(self, kind, value, tb) -> None:
        import traceback

        text = "".join(traceback.format_exception(kind, value, tb))
        self.errors.append(text)
        print(text, file=sys.stderr)

    def mark_start(self) -> None:
        """The action starts now (called by an action whose start is inside a dialog)."""
        self.t0 = now()
        self.probe.reset_blocks()

    def measure(self, start, done, paint=(), timeout: float = TIMEOUT_S) -> tuple[float, float]:
        """Run start() from the event loop; wait until done() holds and, if widgets are given,
        one of them has painted with done() true. Returns (update ms, longest block ms)."""
        self.t0 = None
        finished: list[float] = []

        def go() -> None:
            self.probe.watch([(widget, done) for widget in paint])
            self.mark_start()
            start()

        loop = QEventLoop()
        poll = QTimer()
        poll.setTimerType(Qt.TimerType.PreciseTimer)
        poll.setInterval(1)

        def check() -> None:
            if self.t0 is None:
                return
            at = self.probe.painted() if paint else (now() if done() else None)
            if at is None and now() - self.t0 > timeout:
                at = float("nan")
            if at is not None and not finished:
                finished.append(at)
                loop.quit()

        poll.timeout.connect(check)
        poll.start()
        QTimer.singleShot(0, go)
        loop.exec()
        poll.stop()
        self.probe.watch([])
        end = finished[0]
        if end != end:  # nan: timed out
            self.errors.append(f"timed out after {timeout:.0f} s")
            result = float("nan"), float("nan")
        else:
            result = (end - self.t0) * 1000, self.probe.longest_block_ms(end)
        if VERBOSE:
            caller = sys._getframe(1)
            print(f"  {caller.f_code.co_name}:{caller.f_lineno} update {result[0]:.1f} ms, "
                  f"block {result[1]:.1f} ms", file=sys.stderr, flush=True)
        return result

    def settle(self, ms: int = 40) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()


def wait_until_usable(stopwatch: Stopwatch, window: MainWindow) -> float:
    """Spin the event loop until the library has painted rows and the reader its article;
    returns the time (perf_counter) that happened."""
    library, reader = window.library, window.reader
    stopwatch.probe.watch([
        (library.viewport(), lambda: library.model_.rowCount() > 0),
        (reader.viewport(), lambda: reader.article is not None
         and window.centre.currentWidget() is reader),
    ])
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(1)
    started = now()
    poll.timeout.connect(lambda: (stopwatch.probe.painted(need_all=True) is not None
                                  or now() - started > TIMEOUT_S) and loop.quit())
    poll.start()
    loop.exec()
    poll.stop()
    usable = stopwatch.probe.painted(need_all=True)
    stopwatch.probe.watch([])
    return usable if usable is not None else float("nan")


# --- the actions -----------------------------------------------------------------------------

class Session:
    """One window on one archive, and the actions measured on it."""

    def __init__(self, stopwatch: Stopwatch, path: Path) -> None:
        self.sw = stopwatch
        self.path = path
        self.client = ArchiveClient.start(path)
        steps = self.client.read("history", 1)
        self.last_step_before = steps[0].id if steps else 0
        self.window = MainWindow(self.client)
        self.window.resize(1360, 860)
        self.window.show()
        self.window.activateWindow()
        wait_until_usable(stopwatch, self.window)
        self.sw.settle(100)
        themes = self.window.themes_panel.themes()
        by_use = sorted(themes, key=lambda t: (t.highlight_count, t.id))
        self.median_theme = by_use[len(by_use) // 2]
        self.most_used_theme = by_use[-1]

    def close(self) -> None:
        """Undo every step this session made that is not undone yet (if a round stopped half
        way, say), then close the window and its archive."""
        archive = self.window.archive
        while True:
            done = [step for step in archive.read("history", 50) if not step.undone]
            if not done or done[0].id <= self.last_step_before:
                break
            archive.ops.undo()
        self.window.close()
        self.window.archive.close()
        self.window.deleteLater()
        self.sw.settle(50)

    # helpers

    def theme(self, theme_id: int):
        return next((t for t in self.window.themes_panel.themes() if t.id == theme_id), None)

    def show_theme(self, theme_id: int) -> None:
        """Scroll the codebook to a theme's row."""
        panel = self.window.themes_panel
        panel.tree.scrollTo(panel.index_of(theme_id))
        self.sw.settle()

    def active(self):
        w = self.window
        return next((h for h in w.highlights if h.id == w.active_highlight), None)

    def select_with_mouse(self, start: int, end: int) -> None:
        reader = self.window.reader
        reader.setFocus()
        reader.select_range(start, start)
        reader.ensureCursorVisible()
        viewport = reader.viewport()
        QTest.mouseClick(viewport, LEFT, Qt.KeyboardModifier.NoModifier,
                         self._point(start))
        QTest.mouseClick(viewport, LEFT, SHIFT, self._point(end))

    def passage(self, near: int) -> tuple[int, int]:
        """About 45 characters on word boundaries from near `near`, neither end on a link (a
        click there would open it)."""
        text, reader = self.window.article.text, self.window.reader
        while True:
            start = text.find(" ", near) + 1
            end = text.find(" ", start + 45)
            reader.select_range(start, start)
            if not reader.anchorAt(self._point(start)) and not reader.anchorAt(self._point(end)):
                return start, end
            near = end

    def _point(self, offset: int) -> QPoint:
        reader = self.window.reader
        return reader.cursorRect(reader._cursor_for(offset, offset)).center()

    def key(self, key, modifiers=Qt.KeyboardModifier.NoModifier):
        return lambda: QTest.keyClick(self.window.reader, key, modifiers)

    def undo(self, done, paint) -> tuple[float, float]:
        self.window.reader.setFocus()
        return self.sw.measure(self.key(Qt.Key.Key_Z, CTRL), done, paint)

    def redo(self, done, paint) -> tuple[float, float]:
        self.window.reader.setFocus()
        return self.sw.measure(self.key(Qt.Key.Key_Z, CTRL | SHIFT), done, paint)

    def new_theme(self, name: str) -> tuple[float, float]:
        """Themes ▸ New Theme…, a name, OK; timed from the click on OK."""
        w = self.window
        w.ask_new_theme()
        self.sw.settle()
        w.theme_dialog.name_edit.setText(name)
        ok = w.theme_dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        result = self.sw.measure(
            lambda: QTest.mouseClick(ok, LEFT),
            lambda: any(t.name == name for t in w.themes_panel.themes()),
            [w.themes_panel.tree.viewport()])
        self.activate()
        return result

    def delete_theme(self, theme_id: int) -> tuple[float, float]:
        """Theme ▸ Delete theme… and Yes (for a parent theme: its sub-themes move up);
        timed from that click."""
        w, sw = self.window, self.sw

        def click_yes() -> None:
            box = QApplication.activeModalWidget()
            if not isinstance(box, QMessageBox):
                QTimer.singleShot(5, click_yes)
                return
            sw.mark_start()
            yes = box.button(QMessageBox.StandardButton.Yes) or next(
                b for b in box.buttons() if b.objectName() == "moveUp")
            yes.click()

        def start() -> None:
            QTimer.singleShot(0, click_yes)
            w.ask_delete_theme(theme_id)

        result = sw.measure(start, lambda: self.theme(theme_id) is None,
                            [w.themes_panel.tree.viewport()])
        self.activate()
        return result

    def coding_actions(self, out, number: int) -> None:
        """Move a theme under another with Ctrl+Right in the codebook, merge a theme into
        another, star the article (Ctrl+D) and tag it (Enter in the tag box); each is undone
        with Ctrl+Z right after (timed too)."""
        w, sw = self.window, self.sw
        panel, themes_view = w.themes_panel, w.themes_panel.tree.viewport()
        undo = out["undo (the other steps)"]

        # Ctrl+Right: the median theme goes under the theme shown above it.
        moved = self.median_theme
        self.show_theme(moved.id)
        panel.tree.setCurrentIndex(panel.index_of(moved.id))
        panel.tree.setFocus()
        sw.settle()
        out["move a theme under another (Ctrl+Right)"].append(sw.measure(
            lambda: QTest.keyClick(panel.tree, Qt.Key.Key_Right, CTRL),
            lambda: self.theme(moved.id).parent_id != moved.parent_id, [themes_view]))
        sw.settle()
        undo.append(self.undo(lambda: self.theme(moved.id).parent_id == moved.parent_id,
                              [themes_view]))
        sw.settle()

        # Merge the median theme into the most used one (Merge into… in its menu). It shows
        # at once; its links wait to be added (archive/merges.py). Undone at once, redone,
        # then undone again 3 s later.
        source, target = self.median_theme, self.most_used_theme
        merged = (lambda: self.theme(source.id) is None and w.running_op is None,
                  [themes_view])
        unmerged = (lambda: self.theme(source.id) is not None and w.running_op is None,
                    [themes_view])
        out["merge the median theme into the most used"].append(sw.measure(
            lambda: w.merge_theme(source.id, target.id), *merged))
        sw.settle()
        out["undo (merge)"].append(self.undo(*unmerged))
        sw.settle()
        out["redo (merge)"].append(self.redo(*merged))
        sw.settle(3000)
        out["undo (merge, 3 s later)"].append(self.undo(*unmerged))
        sw.settle()

        # A step that moves some of a waiting merge's links first: one that changes the
        # coding of an article the merged theme codes. Open one, merge, code a selection
        # there (key 1) at once; both undone after. (The article is looked up in a separate
        # read-only connection: one index page, where reading the theme's highlights would
        # bring the pages the step reads into the page cache.)
        back_to = w.article.id
        w.open_article(self.article_coded_with(source.id))
        sw.settle(200)
        out["merge the median theme into the most used"].append(sw.measure(
            lambda: w.merge_theme(source.id, target.id), *merged))
        sw.settle()
        start, end = self.passage(120)
        self.select_with_mouse(start, end)
        sw.settle()
        painted = len(w.reader.painted_ranges())
        out["code a passage where the merged theme codes (moves its links there first)"
            ].append(sw.measure(self.key(Qt.Key.Key_1),
                                lambda: len(w.reader.painted_ranges()) == painted + 1
                                and self.active() is not None, [w.reader.viewport()]))
        sw.settle()
        undo.append(self.undo(lambda: len(w.reader.painted_ranges()) == painted,
                              [w.reader.viewport()]))
        sw.settle()
        out["undo (merge, after that coding)"].append(self.undo(*unmerged))
        sw.settle()
        w.open_article(back_to)
        sw.settle(200)

        # Star the open article, then tag it.
        starred = w.article.starred
        out["star the article (Ctrl+D)"].append(sw.measure(
            self.key(Qt.Key.Key_D, CTRL), lambda: w.article.starred != starred,
            [w.library.viewport()]))
        sw.settle()
        undo.append(self.undo(lambda: w.article.starred == starred, [w.library.viewport()]))
        sw.settle()
        details = w.details
        w.side_tabs.setCurrentWidget(details)
        details.tag_input.setFocus()
        tag = f"bench-tag-{number}"
        details.tag_input.setText(tag)
        sw.settle()
        out["tag the article (Enter in the tag box)"].append(sw.measure(
            lambda: QTest.keyClick(details.tag_input, Qt.Key.Key_Return),
            lambda: tag in w.article.tags, [w.library.viewport()]))
        sw.settle()
        undo.append(self.undo(lambda: tag not in w.article.tags, [w.library.viewport()]))
        w.side_tabs.setCurrentWidget(w.highlight_panel)
        sw.settle()

    def article_coded_with(self, theme_id: int) -> int:
        """An article the theme codes passages in."""
        raw = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return raw.execute("SELECT article_id FROM theme_articles WHERE theme_id = ? "
                               "LIMIT 1", [theme_id]).fetchone()[0]
        finally:
            raw.close()

    def activate(self) -> None:
        """Give the window back the focus after a dialog (offscreen, no window manager does).
        """
        self.window.activateWindow()
        for _ in range(100):
            if self.window.isActiveWindow():
                break
            self.sw.settle(10)
        self.window.reader.setFocus()
        self.sw.settle(10)

    # one round of every action; returns {action: (update ms, block ms)} (lists for some)

    def round(self, number: int) -> dict[str, list[tuple[float, float]]]:
        w, sw = self.window, self.sw
        library, reader, panel = w.library, w.reader, w.highlight_panel
        themes_view = w.themes_panel.tree.viewport()
        out: dict[str, list[tuple[float, float]]] = defaultdict(list)

        # Select an article: click a library row in view (a different one each round).
        library.reload(keep=w.article.id if w.article else None)
        library.scrollToTop()
        sw.settle()
        row = 2 + number % 6
        index = library.model_.index(row)
        target = library.model_.article_at(row).id
        center = library.visualRect(index).center()
        out["select an article"].append(sw.measure(
            lambda: QTest.mouseClick(library.viewport(), LEFT, Qt.KeyboardModifier.NoModifier,
                                     center),
            lambda: w.article.id == target and reader.article.id == target,
            [reader.viewport()]))
        sw.settle()

        # Code a selection: select a passage with the mouse, press 1.
        start, end = self.passage(80 + 97 * number)
        self.select_with_mouse(start, end)
        sw.settle()
        painted_before = len(reader.painted_ranges())
        out["code a selection (key 1)"].append(sw.measure(
            self.key(Qt.Key.Key_1),
            lambda: len(reader.painted_ranges()) == painted_before + 1
            and self.active() is not None,
            [reader.viewport()]))
        sw.settle()

        # Add a theme to the highlight (tick it in the highlight panel), then remove it.
        second = w.themes_panel.themes()[1]
        for label, applied in (("add a theme to the highlight (tick)", True),
                               ("remove it again (untick)", False)):
            item = panel.theme_item(second.name)
            rect = panel.theme_list.visualItemRect(item)
            box = QPoint(rect.left() + 8, rect.center().y())
            count = self.theme(second.id).highlight_count
            expected = count + 1 if applied else count - 1
            out[label].append(sw.measure(
                lambda b=box: QTest.mouseClick(panel.theme_list.viewport(), LEFT,
                                               Qt.KeyboardModifier.NoModifier, b),
                lambda e=expected, a=applied: self.theme(second.id).highlight_count == e
                and (second.id in self.active().theme_ids) == a,
                [reader.viewport(), themes_view]))
            sw.settle()

        # Type a note, key by key; it is stored after a pause in typing.
        note = panel.note
        note.setFocus()
        sw.settle()
        for typed in range(1, len(NOTE_TEXT) + 1):
            out["type a note (per key)"].append(sw.measure(
                lambda c=NOTE_TEXT[typed - 1]: QTest.keyClicks(note, c),
                lambda n=typed: note.toPlainText() == NOTE_TEXT[:n],
                [note.viewport()]))
        fired = TimerWatch(panel._note_timer)
        stored, block = sw.measure(lambda: None,
                                   lambda: self.active() is not None
                                   and self.active().note == NOTE_TEXT)
        # From the end of the pause (the debounce timer firing) to the note stored.
        out[f"note stored (after the {HighlightPanel.NOTE_PAUSE_MS} ms pause)"].append(
            ((sw.t0 - fired.at) * 1000 + stored, block))
        fired.remove()
        reader.setFocus()
        sw.settle()

        out["new theme (OK in the dialog)"].append(self.new_theme(f"Bench theme {number}"))

        # Rename a theme: Edit theme…, type a name, OK (the theme in view, as when the user
        # opened its context menu: a row out of view is never repainted).
        renamed = self.median_theme
        new_name = f"{renamed.name} (renamed {number})"
        self.show_theme(renamed.id)
        w.ask_edit_theme(renamed.id)
        sw.settle()
        w.theme_dialog.name_edit.setText(new_name)
        ok = w.theme_dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        out["rename a theme (OK in the dialog)"].append(sw.measure(
            lambda: QTest.mouseClick(ok, LEFT),
            lambda: self.theme(renamed.id).name == new_name,
            [themes_view]))
        self.activate()

        # Delete a theme (used on the median number of highlights), undo, redo, undo.
        doomed = self.median_theme.id
        out["delete a theme (median use)"].append(self.delete_theme(doomed))
        sw.settle()
        back = (lambda: self.theme(doomed) is not None, [themes_view])
        gone = (lambda: self.theme(doomed) is None, [themes_view])
        out["undo (delete theme)"].append(self.undo(*back))
        sw.settle()
        out["redo (delete theme)"].append(self.redo(*gone))
        sw.settle()
        out["undo (delete theme)"].append(self.undo(*back))
        sw.settle()

        # Undo the other steps of this round, newest first.
        light = out["undo (the other steps)"]
        self.show_theme(renamed.id)
        light.append(self.undo(lambda: self.theme(renamed.id).name == renamed.name,
                               [themes_view]))
        sw.settle()
        light.append(self.undo(
            lambda: not any(t.name.startswith("Bench theme") for t in w.themes_panel.themes()),
            [themes_view]))
        sw.settle()
        light.append(self.undo(lambda: note.toPlainText() == "", [note.viewport()]))
        sw.settle()
        light.append(self.undo(lambda: second.id in self.active().theme_ids,
                               [reader.viewport()]))
        sw.settle()
        light.append(self.undo(lambda: second.id not in self.active().theme_ids,
                               [reader.viewport()]))
        sw.settle()
        light.append(self.undo(lambda: len(reader.painted_ranges()) == painted_before,
                               [reader.viewport()]))
        sw.settle()

        # The most used theme: delete it and undo. The undone step stays in the history (for
        # Redo) until the next new step, which drops it: timed with a new theme, undone after.
        heavy = self.most_used_theme.id
        out["delete the most used theme"].append(self.delete_theme(heavy))
        sw.settle()
        out["undo (delete the most used theme)"].append(
            self.undo(lambda: self.theme(heavy) is not None, [themes_view]))
        sw.settle()
        out["next new step (drops that undone step)"].append(
            self.new_theme(f"Bench theme {number}b"))
        light.append(self.undo(
            lambda: not any(t.name.startswith("Bench theme") for t in w.themes_panel.themes()),
            [themes_view]))
        sw.settle()

        # Codebook and article actions of the coding work, each undone right after.
        self.coding_actions(out, number)

        # Re-count the library, as after saving or deleting an article (rows laid out again).
        model = library.model_
        out["re-count the library (after a save)"].append(sw.measure(
            lambda: library.reload(keep=w.article.id),
            lambda: model.rowCount() > 0 and model.pages_in_memory() == 0,
            [library.viewport()]))
        library.scrollToTop()
        sw.settle()

        # Scroll the library to the end (its pages forgotten first, as after any save).

        def last_row_in_view() -> bool:
            viewport = library.viewport()
            return library.indexAt(QPoint(10, viewport.height() - 3)).row() == \
                model.rowCount() - 1

        out["scroll the library to the end"].append(sw.measure(
            library.scrollToBottom, last_row_in_view, [library.viewport()]))
        library.scrollToTop()
        sw.settle()
        return out


# --- window usable after start (in a fresh process) --------------------------------------------

def startup_child(path: Path, settings: Path) -> int:
    """The child process: start as run_app does and report when the window is usable."""
    imported = now()
    spawned = now()
    client = ArchiveClient.spawn(path)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(settings))
    app = create_application([sys.argv[0]])
    client.wait_ready()
    ready = now()
    window = MainWindow(client)
    window.resize(1360, 860)
    built = now()
    window.show()
    shown = now()
    stopwatch = Stopwatch(app)
    usable = wait_until_usable(stopwatch, window)
    print(json.dumps({"imported": imported, "spawn": spawned, "ready": ready, "built": built,
                      "shown": shown, "usable": usable}))
    window.close()
    client.close()
    return 0


def drop_caches() -> bool:
    """Empty the page cache (root only); False if that is not allowed here."""
    os.sync()
    try:
        with open("/proc/sys/vm/drop_caches", "w") as control:
            control.write("3\n")
    except OSError:
        return False
    return True


def startup(path: Path, settings: Path, cold: bool) -> dict[str, float]:
    if cold and not drop_caches():
        raise SystemExit("dropping the page cache needs root (or run with --no-cold)")
    launched = now()
    result = subprocess.run(
        [sys.executable, __file__, "--startup-child", str(path), "--settings", str(settings)],
        capture_output=True, text=True, check=True, env=dict(os.environ))
    times = json.loads(result.stdout.strip().splitlines()[-1])
    return {"from launch": (times["usable"] - launched) * 1000,
            "from spawn": (times["usable"] - times["spawn"]) * 1000,
            "interpreter and imports": (times["imported"] - launched) * 1000,
            "archive open (spawn to ready)": (times["ready"] - times["spawn"]) * 1000,
            "window built": (times["built"] - times["ready"]) * 1000,
            "shown to painted": (times["usable"] - times["shown"]) * 1000}


# --- the run ------------------------------------------------------------------------------------

def run_rounds(stopwatch: Stopwatch, path: Path, rounds: int, warmup: int, first: int = 0):
    session = Session(stopwatch, path)
    samples: dict[str, list[tuple[float, float]]] = defaultdict(list)
    try:
        for number in range(first, first + warmup + rounds):
            result = session.round(number)
            if number >= first + warmup:
                for action, values in result.items():
                    samples[action].extend(values)
        info = {"median theme": (session.median_theme.name,
                                 session.median_theme.highlight_count),
                "most used theme": (session.most_used_theme.name,
                                    session.most_used_theme.highlight_count),
                "articles": session.window.library.model_.rowCount()}
    finally:
        session.close()
    return samples, info


def summary(values: list[float]) -> tuple[float, float]:
    return statistics.median(values), max(values)


def fmt(values: list[float]) -> str:
    med, top = summary(values)
    return f"{med:.1f} ({top:.0f})"


def report(base, big, cold_big, starts, info, articles: int) -> str:
    lines = [
        f"| action | {BASELINE_ARTICLES} articles (ms) | {articles:,} (ms) | ratio | "
        f"longest block {articles:,} (ms) | target met |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for kind in ("warm", "cold"):
        small, large = starts[(BASELINE_ARTICLES, kind)], starts[(articles, kind)]
        if not large:
            continue
        for label in ("from spawn", "from launch"):
            s = [r[label] for r in small]
            b = [r[label] for r in large]
            ok = max(b) < USABLE_TARGET_MS
            lines.append(f"| window usable after start, {kind} cache ({label}) | {fmt(s)} | "
                         f"{fmt(b)} | {summary(b)[0] / summary(s)[0]:.2f}× | — | "
                         f"{'yes' if ok else 'NO'} (< {USABLE_TARGET_MS} ms) |")
    for action, values in big.items():
        b_update = [v[0] for v in values]
        b_block = [v[1] for v in values]
        s_update = [v[0] for v in base.get(action, [])] or [float("nan")]
        update_ok = max(b_update) < UPDATE_TARGET_MS
        block_ok = max(b_block) < BLOCK_TARGET_MS
        verdict = ("yes" if update_ok and block_ok else
                   "NO (" + ", ".join(p for p, bad in (("update", not update_ok),
                                                       ("block", not block_ok)) if bad) + ")")
        lines.append(f"| {action} | {fmt(s_update)} | {fmt(b_update)} | "
                     f"{summary(b_update)[0] / summary(s_update)[0]:.2f}× | {fmt(b_block)} | "
                     f"{verdict} |")
    text = "\n".join(lines)
    if cold_big:
        cold_lines = ["", f"First round after dropping the page cache ({articles:,} articles; "
                      "update ms / longest block ms, max over the samples of the round):", "",
                      "| action | update (ms) | longest block (ms) |", "| --- | ---: | ---: |"]
        for action, values in cold_big.items():
            cold_lines.append(f"| {action} | {max(v[0] for v in values):.0f} | "
                              f"{max(v[1] for v in values):.0f} |")
        text += "\n".join(["", *cold_lines])
    details = ["", "Themes renamed and deleted: "
               + "; ".join(f"{n:,} articles: median use “{i['median theme'][0]}” "
                           f"({i['median theme'][1]:,} highlights), most used "
                           f"“{i['most used theme'][0]}” ({i['most used theme'][1]:,})"
                           for n, i in info.items())]
    for kind in ("warm", "cold"):
        for n in (BASELINE_ARTICLES, articles):
            rows = starts[(n, kind)]
            if rows:
                parts = ", ".join(f"{k} {statistics.median(r[k] for r in rows):.0f}"
                                  for k in rows[0])
                details.append(f"Start, {kind}, {n:,} articles (median ms): {parts}")
    return text + "\n" + "\n".join(details)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--archive", type=Path,
                        help="reuse this archive (built here first if it does not exist)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-cold", action="store_true", help="skip the cold page cache runs")
    parser.add_argument("--startup-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--settings", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.startup_child:
        return startup_child(args.startup_child, args.settings)

    work = Path(tempfile.mkdtemp(prefix="bench-stall-"))
    try:
        settings = work / "settings"
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(settings))
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from make_archive import make_archive  # not imported by the startup child

        base_path = work / "baseline.gleaner"
        make_archive(base_path, BASELINE_ARTICLES)
        big_path = args.archive or work / "large.gleaner"
        if not big_path.exists():
            print(f"building {big_path} ({args.articles:,} articles, about a minute per "
                  "100,000)…", file=sys.stderr, flush=True)
            make_archive(big_path, args.articles,
                         progress=lambda line: print(line, file=sys.stderr, flush=True))

        app = create_application([sys.argv[0]])
        QSettings().setValue("backups/daily", False)  # a 2 GB backup would skew the timings
        stopwatch = Stopwatch(app)
        info, results = {}, {}
        for name, path in ((BASELINE_ARTICLES, base_path), (args.articles, big_path)):
            print(f"actions on {path}…", file=sys.stderr, flush=True)
            results[name], found = run_rounds(stopwatch, path, args.repeats, warmup=1)
            info[name] = found
            if found["articles"] != name:
                print(f"note: {path} holds {found['articles']:,} articles", file=sys.stderr)
        cold_big = None
        if not args.no_cold:
            print("first round after dropping the page cache…", file=sys.stderr, flush=True)
            if not drop_caches():
                raise SystemExit("dropping the page cache needs root (or run with --no-cold)")
            cold_big, _ = run_rounds(stopwatch, big_path, 1, warmup=0,
                                     first=args.repeats + 1)

        starts = defaultdict(list)
        for kind in ("warm",) if args.no_cold else ("warm", "cold"):
            for name, path in ((BASELINE_ARTICLES, base_path), (args.articles, big_path)):
                print(f"window start, {kind}, {path}…", file=sys.stderr, flush=True)
                if kind == "warm":
                    startup(path, settings, cold=False)  # warm the caches
                for _ in range(args.repeats):
                    starts[(name, kind)].append(startup(path, settings, cold=kind == "cold"))

        print(report(results[BASELINE_ARTICLES], results[args.articles], cold_big, starts,
                     info, args.articles))
        if stopwatch.errors:
            print(f"\n{len(stopwatch.errors)} error(s) in the window; see above.")
            return 1
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
