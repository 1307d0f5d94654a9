"""What other programs and the system do to an archive, for the reliability tests: another
program holding it locked, and whether this machine can mount a disk privately (a full or a
read-only one)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

# Holds the archive the way a database browser can: an exclusive lock that lets nobody read
# until stdin closes. Prints "holding" once it has the lock.
_HOLD = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("PRAGMA locking_mode = EXCLUSIVE")
connection.execute("BEGIN EXCLUSIVE")
connection.execute("SELECT count(*) FROM articles").fetchone()
print("holding", flush=True)
sys.stdin.read()
"""


def hold_locked(path: Path) -> subprocess.Popen:
    """Another program holding the archive at path locked, once this returns; it lets go when
    its stdin closes (`holder.communicate("")`)."""
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "holding"
    return holder


def can_mount_privately() -> bool:
    """Whether this user may make a private mount namespace (root on Linux)."""
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "--mount", "true"], capture_output=True,
                          check=False).returncode == 0
