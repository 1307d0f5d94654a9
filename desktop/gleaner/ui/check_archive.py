"""Help ▸ Check Archive, the daily backup and Back Up Now: `gleaner check` and `gleaner backup`,
each run in a process of its own.

`gleaner check` reads the archive through a read-only connection of its own, so a check of a
large archive (the integrity check reads every page: seconds on gigabytes) neither blocks the
window nor the archive process that serves it; the window only shows the outcome.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
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


@dataclass(frozen=True)
class BackupRun:
    """What `gleaner backup` did: the new backup's path ("" when none was due) and the
    warnings rotation printed (the size bound removed more than the rule, or cannot be met)."""

    made: str
    warnings: list[str]


def run_backup_if_due(archive_path: Path, folder: Path | None = None, keep_daily: int = 7,
                      keep_weekly: int = 4, max_bytes: int | None = None) -> BackupRun:
    """Run `gleaner backup --if-due --rotate` (on a worker thread) into `folder` (None: the
    `backups` folder beside the archive), keeping that many days and weeks of backups within
    `max_bytes`. Raises ArchiveError with one line if the backup failed (no room, a folder
    that cannot be written)."""
    options = [os.path.join(folder, "")] if folder is not None else []  # "/": a folder
    options += ["--if-due", "--rotate", "--keep-daily", str(keep_daily),
                "--keep-weekly", str(keep_weekly)]
    if max_bytes is not None:
        options += ["--max-size", str(max_bytes)]
    return run_backup(archive_path, options)


def run_backup(archive_path: Path, options: list[str]) -> BackupRun:
    """Run `gleaner backup OPTIONS` on the archive in a process of its own (on a worker
    thread); raises ArchiveError with the command's one-line reason if it failed."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "gleaner", "--archive", str(archive_path), "backup",
             *options], capture_output=True, text=True, timeout=CHECK_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ArchiveError(f"the backup could not run ({error})") from None
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no answer"])[-1]
        raise ArchiveError(reason.removeprefix("error: "))
    warnings = [line.removeprefix("warning: ") for line in done.stderr.splitlines()
                if line.startswith("warning: ")]
    return BackupRun(done.stdout.strip(), warnings)


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
