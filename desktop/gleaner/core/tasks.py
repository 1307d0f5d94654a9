"""Progress reporting and cancellation for long work, independent of any UI toolkit.

Core functions that take a while accept a `Progress`; the Qt front end hands one whose callback
emits a signal, the CLI one that prints or nothing at all.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Cancelled(Exception):
    """The user asked for the work to stop."""


class Progress:
    """Throttled progress reports plus a thread-safe cancel flag.

    report() calls the callback at most once per `min_interval` seconds (the last report of a
    burst may be dropped; a final report with fraction 1.0 always goes through).
    """

    def __init__(self, callback: Callable[[str, float | None], None] | None = None,
                 min_interval: float = 0.1) -> None:
        self._callback = callback
        self._min_interval = min_interval
        self._last = float("-inf")
        self._cancel = threading.Event()

    def report(self, message: str, fraction: float | None = None) -> None:
        """Tell the front end what is happening; raises Cancelled if the user asked to stop."""
        self.raise_if_cancelled()
        now = time.monotonic()
        if self._callback and (fraction == 1.0 or now - self._last >= self._min_interval):
            self._last = now
            self._callback(message, fraction)

    def cancel(self) -> None:
        """Ask the work to stop at its next check."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def raise_if_cancelled(self) -> None:
        if self._cancel.is_set():
            raise Cancelled()
