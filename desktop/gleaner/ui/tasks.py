"""The one background helper for long work (fetching, later importing and exporting).

Work runs on Qt's thread pool as a plain function of a `core.tasks.Progress`; its progress,
result or error comes back to the main thread through queued signals. The archive is only ever
touched on the main thread, in the finished handler.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from ..core.archive import ArchiveError
from ..core.fetch import CaptureError
from ..core.tasks import Cancelled, Progress

log = logging.getLogger(__name__)
EXPECTED_ERRORS = (CaptureError, ArchiveError, OSError, ValueError)


class Task(QObject):
    """One piece of background work; connect to its signals, call cancel() to stop it."""

    progressed = Signal(str, object)  # message, fraction in 0..1 or None
    finished = Signal(object)  # the function's result
    failed = Signal(str)  # a one-line reason
    cancelled = Signal()

    def __init__(self, label: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.label = label
        self.progress = Progress(self._report)

    def cancel(self) -> None:
        self.progress.cancel()

    def _report(self, message: str, fraction: float | None) -> None:
        self.progressed.emit(message, fraction)


class _Runnable(QRunnable):
    def __init__(self, task: Task, work: Callable[[Progress], Any]) -> None:
        super().__init__()
        self.task = task
        self.work = work

    def run(self) -> None:
        try:
            result = self.work(self.task.progress)
        except Cancelled:
            self.task.cancelled.emit()
        except EXPECTED_ERRORS as error:
            self.task.failed.emit(str(error) or type(error).__name__)
        except Exception as error:  # a bug: keep the window alive, log the traceback
            log.error("background task %r failed:\n%s", self.task.label, traceback.format_exc())
            self.task.failed.emit(f"unexpected error ({type(error).__name__}: {error})")
        else:
            self.task.finished.emit(result)


class TaskRunner(QObject):
    """Starts tasks on a thread pool and keeps count of those still running."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, max_threads: int = 4) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self.running: list[Task] = []

    def start(self, label: str, work: Callable[[Progress], Any], *,
              on_finished: Callable[[Any], None], on_failed: Callable[[str], None],
              on_progress: Callable[[str, float | None], None] | None = None,
              on_cancelled: Callable[[], None] | None = None) -> Task:
        """Run work(progress) on the pool; the callbacks run on the main thread.

        Everything is connected before the work starts, so no signal can be missed.
        """
        task = Task(label, self)
        task.finished.connect(on_finished)
        task.failed.connect(on_failed)
        if on_progress:
            task.progressed.connect(on_progress)
        if on_cancelled:
            task.cancelled.connect(on_cancelled)
        for signal in (task.finished, task.failed, task.cancelled):
            signal.connect(lambda *_, t=task: self._done(t))
        self.running.append(task)
        if len(self.running) == 1:
            self.busy_changed.emit(True)
        self.pool.start(_Runnable(task, work))
        return task

    def cancel_all(self) -> None:
        for task in list(self.running):
            task.cancel()

    def wait(self, msecs: int = 30000) -> bool:
        """Block until every task has finished (used when closing the window)."""
        return self.pool.waitForDone(msecs)

    def _done(self, task: Task) -> None:
        if task in self.running:
            self.running.remove(task)
            task.deleteLater()
            if not self.running:
                self.busy_changed.emit(False)
