"""Opening a bad archive: refused with a clear line, the file's bytes unchanged, and no
-wal, -shm or journal file left beside it."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gleaner.core import operations
from gleaner.core.archive import Archive, ArchiveError
from gleaner.core.errors import ArchiveLocked, ArchiveReadOnly
from other_programs import can_mount_privately, hold_locked


def _good(folder: Path) -> bytes:
    path = folder / "source.gleaner"
    Archive.open(path).close()
    data = path.read_bytes()
    for leftover in folder.glob("source.gleaner*"):
        leftover.unlink()
    return data


def _not_sqlite(folder: Path) -> bytes:
    return b"Notes from the field, not a database.\n" * 40


def _truncated(folder: Path) -> bytes:
    return _good(folder)[:3000]


def _corrupted_pages(folder: Path) -> bytes:
    data = bytearray(_good(folder))
    noise = random.Random(7)
    for offset in range(4096, min(len(data), 4096 * 6), 4096):
        data[offset:offset + 600] = bytes(noise.randrange(256) for _ in range(600))
    return bytes(data)


def _newer_gleaner(folder: Path) -> bytes:
    path = folder / "newer.tmp"
    Archive.open(path).close()
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA journal_mode = DELETE")
    raw.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                "VALUES ('gleaner', '0099_from_the_future', 't')")
    raw.commit()
    raw.close()
    data = path.read_bytes()
    for leftover in folder.glob("newer.tmp*"):
        leftover.unlink()
    return data


def _other_sqlite(folder: Path) -> bytes:
    path = folder / "other.tmp"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE expenses (amount REAL)")
    raw.commit()
    raw.close()
    data = path.read_bytes()
    path.unlink()
    return data


@pytest.mark.parametrize("make, message", [
    (_not_sqlite, "not a Gleaner archive"),
    (_truncated, "could not be opened|not a Gleaner archive|malformed"),
    (_corrupted_pages, "could not be opened|not a Gleaner archive|malformed"),
    (_newer_gleaner, "newer version of Gleaner"),
    (_other_sqlite, "not a Gleaner archive"),
], ids=["not-sqlite", "truncated", "corrupted-pages", "newer-gleaner", "other-sqlite"])
def test_a_bad_archive_is_refused_untouched(tmp_path: Path, make, message) -> None:
    content = make(tmp_path)
    path = tmp_path / "study.gleaner"
    path.write_bytes(content)
    before = sorted(os.listdir(tmp_path))
    for _ in range(2):  # refused every time, the same way
        with pytest.raises(ArchiveError, match=message) as refused:
            Archive.open(path)
        assert "\n" not in str(refused.value) and "Traceback" not in str(refused.value)
    assert path.read_bytes() == content
    assert sorted(os.listdir(tmp_path)) == before  # no -wal, -shm or -journal beside it


def test_an_archive_locked_by_another_program_is_refused_untouched(tmp_path: Path,
                                                                  monkeypatch) -> None:
    monkeypatch.setattr("gleaner.core.archive.store.OPEN_WAIT_MS", 500)  # 3 s in the app
    path = tmp_path / "study.gleaner"
    Archive.open(path).close()
    holder = hold_locked(path)
    try:
        content, before = path.read_bytes(), sorted(os.listdir(tmp_path))
        started = time.monotonic()
        with pytest.raises(ArchiveLocked, match="in use by another program") as refused:
            Archive.open(path)
        assert 0.5 <= time.monotonic() - started < 2  # the open wait, not the 10 s write wait
        assert "\n" not in str(refused.value)
        assert path.read_bytes() == content and sorted(os.listdir(tmp_path)) == before
    finally:
        holder.communicate("")
    Archive.open(path).close()  # once the other program lets go, it opens as before


def _in_read_only_folder(folder: Path, code: str) -> dict:
    """Run code with `folder` mounted read-only over itself (a private mount namespace: root
    ignores file permissions, not a read-only mount); returns what it printed as JSON."""
    script = (f"import subprocess, sys\n"
              f"subprocess.run(['mount', '--make-rprivate', '/'], check=True)\n"
              f"subprocess.run(['mount', '--bind', '-o', 'ro', {str(folder)!r}, "
              f"{str(folder)!r}], check=True)\n"
              f"subprocess.run(['mount', '-o', 'remount,bind,ro', {str(folder)!r}], "
              f"check=True)\n{code}")
    done = subprocess.run(["unshare", "--mount", sys.executable, "-c", script],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


READ_ONLY_ATTEMPT = """
import json
from gleaner.core import operations
from gleaner.core.archive import Archive
from gleaner.core.errors import ArchiveError
seen = {}
try:
    Archive.open(PATH)
except ArchiveError as error:
    seen["refused"] = [type(error).__name__, str(error)]
with Archive.open(PATH, read_only=True) as archive:
    seen["titles"] = [a.title for a in archive.list_articles()]
    try:
        operations.set_starred(archive, archive.list_articles()[0].id, True)
    except ArchiveError as error:
        seen["change"] = [type(error).__name__, str(error)]
from gleaner.core.archive.backup import make_backup
from gleaner.core.archive.checks import check_file
seen["checked"] = [check.ok for check in check_file(PATH)]
seen["backup"] = str(make_backup(PATH, ELSEWHERE))
print(json.dumps(seen))
"""


def test_an_archive_on_a_read_only_disk_is_refused_then_opens_read_only(tmp_path: Path):
    from gleaner.core import operations
    from gleaner.core.capture import capture

    folder = tmp_path / "usb-stick"
    folder.mkdir()
    path = folder / "study.gleaner"
    page = tmp_path / "report.html"
    page.write_text("<html><head><title>Report 0</title></head><body><article><h1>Report 0"
                    "</h1>" + "<p>The ferry port was closed for the night again.</p>" * 20
                    + "</article></body></html>", "utf-8")

    with Archive.open(path) as archive:
        operations.save_article(archive, capture(str(page)))
    content, before = path.read_bytes(), sorted(os.listdir(folder))
    elsewhere = tmp_path / "other-disk"
    elsewhere.mkdir()
    code = READ_ONLY_ATTEMPT.replace("PATH", repr(str(path))).replace(
        "ELSEWHERE", repr(str(elsewhere) + os.sep))
    if can_mount_privately():
        seen = _in_read_only_folder(folder, code)
    else:  # not root: a folder without write permission does the same for a normal user
        folder.chmod(0o555)
        try:
            done = subprocess.run([sys.executable, "-c", code], capture_output=True,
                                  text=True, timeout=60)
        finally:
            folder.chmod(0o755)
        seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["refused"][0] == "ArchiveReadOnly" and "opened read-only" in seen["refused"][1]
    assert seen["titles"] == ["Report 0"]
    assert seen["change"] == ["ArchiveReadOnly",
                              "the archive is open read-only; nothing can be changed"]
    assert seen["checked"] == [True] * 6  # gleaner check reads it where it lies
    with Archive.open(seen["backup"]) as backup:  # and it can be backed up to another disk
        assert [a.title for a in backup.list_articles()] == ["Report 0"]
    assert path.read_bytes() == content and sorted(os.listdir(folder)) == before


def test_read_only_opening_writes_nothing_even_where_it_could(tmp_path: Path) -> None:
    path = tmp_path / "study.gleaner"
    Archive.open(path).close()
    content, before = path.read_bytes(), sorted(os.listdir(tmp_path))
    with Archive.open(path, read_only=True) as archive:
        assert archive.read_only and archive.list_themes()
        with pytest.raises(ArchiveReadOnly):
            operations.create_theme(archive, "Border policing")
    assert path.read_bytes() == content
    # Where it can, SQLite shares its read index (-shm) with other readers, as any reader of
    # a WAL database does; the -wal beside it stays empty.
    assert set(os.listdir(tmp_path)) - set(before) <= {"study.gleaner-wal", "study.gleaner-shm"}
    assert (tmp_path / "study.gleaner-wal").stat().st_size == 0
    with pytest.raises(ArchiveError, match="does not exist"):
        Archive.open(tmp_path / "missing.gleaner", read_only=True)
    assert not (tmp_path / "missing.gleaner").exists()
