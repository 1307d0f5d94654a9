"""The one background helper for long work (fetching; later importing and exporting).

Work runs on a worker thread as a plain function of a `core.tasks.Progress`; its progress,
result or error comes back to the main thread through queued signals. The archive is only ever
touched on the main thread, in the finished handler.

Workers are daemon threads: a download stuck on a silent server must not keep the program
alive after its window closes. Cancelling is immediate for the user: the task reports
`cancelled` at once and whatever its thread produces later is dropped. A task's Qt objects have
no parent and are never deleted by Qt: Python frees them once the worker has reported and the
runner has let go, so no thread can emit on an object being destroyed.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from ..core.errors import ArchiveError, CaptureError
from ..core.tasks import Cancelled, Progress

log = logging.getLogger(__name__)
EXPECTED_ERRORS = (CaptureError, ArchiveError, OSError, ValueError)


class Task(QObject):
    """One piece of background work; its signals are delivered on the main thread."""

    progressed = Signal(str, object)  # message, fraction in 0..1 or None
    finished = Signal(object)  # the function's result
    failed = Signal(str)  # a one-line reason
    cancelled = Signal()

    def __init__(self, label: str, cancellable: bool = True) -> None:
        super().__init__()
        self.label = label
        self.cancellable = cancellable  # a change being written to the archive is not
        self.progress = Progress(self._report)
        self.ended = False  # only read and written on the main thread

    def cancel(self) -> None:
        """Stop the work; the user sees it stopped now, the thread stops at its next check."""
        self.progress.cancel()
        self._end(self.cancelled)

    def _report(self, message: str, fraction: float | None) -> None:
        self.progressed.emit(message, fraction)

    def _end(self, signal, *args) -> None:
        if not self.ended:
            self.ended = True
            signal.emit(*args)


class _Relay(QObject):
    """Carries a worker thread's outcome to the main thread (queued: created there)."""

    done = Signal(object, object)  # outcome kind, value


class TaskRunner(QObject):
    """Starts tasks on worker threads and keeps count of those still running."""

    busy_changed = Signal(bool)
    MAX_PARALLEL = 4  # downloads at once; more wait their turn

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.running: list[Task] = []  # what the user sees as running
        self._in_flight: dict[Task, _Relay] = {}  # kept alive until their worker reports
        self._slots = threading.BoundedSemaphore(self.MAX_PARALLEL)

    def start(self, label: str, work: Callable[[Progress], Any], *,
              on_finished: Callable[[Any], None], on_failed: Callable[[str], None],
              on_progress: Callable[[str, float | None], None] | None = None,
              on_cancelled: Callable[[], None] | None = None,
              cancellable: bool = True) -> Task:
        """Run work(progress) on a worker thread; the callbacks run on the main thread.

        Everything is connected before the thread starts, so no signal can be missed.
        """
        task = Task(label, cancellable)
        task.finished.connect(on_finished)
        task.failed.connect(on_failed)
        if on_progress:
            task.progressed.connect(lambda m, f, t=task: None if t.ended else on_progress(m, f))
        if on_cancelled:
            task.cancelled.connect(on_cancelled)
        for signal in (task.finished, task.failed, task.cancelled):
            signal.connect(lambda *_, t=task: self._done(t))
        relay = _Relay()  # created here, so its signal is delivered on this (the main) thread
        relay.done.connect(lambda kind, value, t=task: self._deliver(t, kind, value))
        self._in_flight[task] = relay
        self.running.append(task)
        if len(self.running) == 1:
            self.busy_changed.emit(True)
        threading.Thread(target=_run, args=(task, relay, work, self._slots),
                         name=f"gleaner: {label}", daemon=True).start()
        return task

    def cancel_all(self) -> None:
        for task in list(self.running):
            if task.cancellable:
                task.cancel()

    def _deliver(self, task: Task, kind: str, value) -> None:
        self._in_flight.pop(task, None)  # the worker is done with both objects
        if kind == "cancelled":
            task._end(task.cancelled)
        else:
            task._end(task.finished if kind == "finished" else task.failed, value)

    def _done(self, task: Task) -> None:
        if task in self.running:
            self.running.remove(task)
            if not self.running:
                self.busy_changed.emit(False)


def _run(task: Task, relay: _Relay, work: Callable[[Progress], Any],
         slots: threading.BoundedSemaphore) -> None:
    try:
        with slots:
            task.progress.raise_if_cancelled()
            result = work(task.progress)
    except Cancelled:
        outcome = ("cancelled", None)
    except EXPECTED_ERRORS as error:
        outcome = ("failed", str(error) or type(error).__name__)
    except Exception as error:  # a bug: keep the window alive, log the traceback
        log.error("background task %r failed:\n%s", task.label, traceback.format_exc())
        outcome = ("failed", f"unexpected error ({type(error).__name__}: {error})")
    else:
        outcome = ("finished", result)
    if task.progress.cancelled:
        outcome = ("cancelled", None)
    # At shutdown Qt itself may be gone; nobody is waiting for the outcome then.
    with contextlib.suppress(RuntimeError):
        relay.done.emit(*outcome)
