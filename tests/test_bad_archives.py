"""Opening a bad archive: refused with a clear line, the file's bytes unchanged, and no
-wal, -shm or journal file left beside it."""

from __future__ import annotations

import os
import random
import sqlite3
from pathlib import Path

import pytest

from gleaner.core.archive import Archive, ArchiveError


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
