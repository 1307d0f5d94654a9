"""Help ▸ Check Archive and the daily backup: `gleaner check` and `gleaner backup`, each run in
a process of its own.

`gleaner check` reads the archive through a read-only connection of its own, so a check of a
large archive (the integrity check reads every page: seconds on gigabytes) neither blocks the
window nor the archive process that serves it; the window only shows the outcome.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from ..core.errors import ArchiveError

CHECK_TIMEOUT = 3600.0  # seconds; an integrity check reads the whole file


def run_check(archive_path: Path) -> list[dict]:
    """Run `gleaner check --json` on the archive (on a worker thread): one dict per check,
    with "check", "ok" and "details". Raises ArchiveError with one line if it cannot run."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "gleaner", "--archive", str(archive_path), "check",
             "--json"], capture_output=True, text=True, timeout=CHECK_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ArchiveError(f"the archive could not be checked ({error})") from None
    try:
        results = json.loads(done.stdout)
    except json.JSONDecodeError:
        reason = (done.stderr.strip().splitlines() or ["no answer"])[-1]
        raise ArchiveError(f"the archive could not be checked: {reason}") from None
    return results


def run_backup_if_due(archive_path: Path) -> str | None:
    """Run `gleaner backup --if-due --rotate` (on a worker thread): the new backup's path, or
    None when the last backup is less than a day old. Raises ArchiveError with one line if
    the backup failed (no room, a folder that cannot be written)."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "gleaner", "--archive", str(archive_path), "backup",
             "--if-due", "--rotate"], capture_output=True, text=True, timeout=CHECK_TIMEOUT,
            check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ArchiveError(f"the backup could not run ({error})") from None
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no answer"])[-1]
        raise ArchiveError(reason.removeprefix("error: "))
    return done.stdout.strip() or None


def describe(results: list[dict]) -> tuple[bool, str, str]:
    """(all passed, a sentence for the user, one line per check for the details)."""
    failed = [result for result in results if not result["ok"]]
    lines = [f"{result['check']}: " + ("ok" if result["ok"] else "; ".join(result["details"]))
             for result in results]
    if not failed:
        return True, f"The archive is sound: all {len(results)} checks passed.", "\n".join(lines)
    names = ", ".join(result["check"] for result in failed)
    return False, (f"Problems found ({names}). Nothing was changed. A backup can be restored "
                   "(gleaner restore), and counts and moved quotes can be repaired after an "
                   "automatic backup (gleaner check --repair)."), "\n".join(lines)


def show_results(parent: QWidget, results: list[dict]) -> QMessageBox:
    """The outcome in a window-modal box (not blocking the caller); returned for tests."""
    sound, summary, details = describe(results)
    box = QMessageBox(QMessageBox.Icon.Information if sound else QMessageBox.Icon.Warning,
                      "Check Archive", summary, QMessageBox.StandardButton.Ok, parent)
    box.setDetailedText(details)
    box.open()
    return box
