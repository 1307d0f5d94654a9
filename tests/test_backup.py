"""`gleaner backup` and `gleaner restore`: consistent copies made while another process
writes, a restore that keeps the replaced archive aside, refusals that change nothing, and
rotation of dated backups."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections import namedtuple
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gleaner.__main__ import main
from gleaner.core import operations as ops
from gleaner.core.archive import Archive, backup
from test_archive import make_article

# A second process coding passages in a loop, printing how many it has committed.
WRITER = """
import sys
from gleaner.core import operations as ops
from gleaner.core.archive import Archive

with Archive.open(sys.argv[1]) as archive:
    done = 0
    while True:
        ops.code_passage(archive, 1, 0, 5, [1 + done % 3])
        done += 1
        print(done, flush=True)
"""


@pytest.fixture
def coded(archive_path: Path) -> Path:
    """A closed archive with one article and two coded highlights."""
    with Archive.open(archive_path) as archive:
        article_id = ops.save_article(archive, make_article()).value[0]
        ops.code_passage(archive, article_id, 0, 5, [1])
        ops.code_passage(archive, article_id, 10, 15, [2])
    return archive_path


@pytest.fixture
def gleaner(capsys, archive_path: Path):
    """gleaner(*args) -> (exit status, stdout, stderr) against the test archive."""

    def invoke(*args: str) -> tuple[int, str, str]:
        status = main(["--archive", str(archive_path), *args])
        out, err = capsys.readouterr()
        return status, out, err

    return invoke


def highlight_ids(path: Path) -> list[int]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [row[0] for row in connection.execute("SELECT id FROM highlights ORDER BY id")]
    finally:
        connection.close()


def folder_state(folder: Path) -> dict[str, bytes]:
    """Every file under the folder with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_backup_made_while_another_process_writes_is_sound_and_complete(coded, gleaner,
                                                                         tmp_path):
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(coded)],
                              stdout=subprocess.PIPE, text=True)
    try:
        for _ in range(3):  # it is writing
            assert writer.stdout.readline().strip()
        committed = highlight_ids(coded)
        status, out, err = gleaner("backup", str(tmp_path / "copies") + os.sep)
        assert writer.poll() is None  # still writing after the backup was made
    finally:
        writer.kill()
        writer.wait()
    made = Path(out.strip())
    assert (status, err) == (0, "") and made.parent == tmp_path / "copies"
    assert set(committed) <= set(highlight_ids(made)) and len(committed) >= 5
    # A plain file: rollback-journal mode in its header, nothing beside it.
    assert made.read_bytes()[18:20] == b"\x01\x01"
    assert sorted(p.name for p in made.parent.iterdir()) == [made.name]
    assert main(["--archive", str(made), "check"]) == 0


def test_the_default_backup_goes_to_a_dated_file_in_backups_beside_the_archive(coded, gleaner):
    status, out, _ = gleaner("backup")
    made = Path(out.strip())
    assert status == 0 and made.parent == coded.parent / "backups"
    assert backup.list_backups(made.parent, coded)[0].path == made
    assert abs(backup.list_backups(made.parent, coded)[0].made
               - datetime.now(UTC)) < timedelta(minutes=1)


def test_restore_brings_the_backup_back_and_keeps_the_replaced_archive_aside(coded, gleaner,
                                                                            tmp_path):
    copy = tmp_path / "copy.gleaner"
    assert gleaner("backup", str(copy))[0] == 0
    saved = highlight_ids(coded)
    with Archive.open(coded) as archive:  # work done after the backup
        ops.delete_highlight(archive, saved[0])
        later = ops.code_passage(archive, 1, 20, 25, [3]).value.id
    status, out, err = gleaner("restore", str(copy))
    assert (status, err) == (0, "")
    aside = Path(out.strip().split(" is kept as ")[1])
    assert highlight_ids(coded) == saved
    assert highlight_ids(aside) == [saved[1], later]  # intact, with the later work
    assert aside.parent == coded.parent and "-replaced-" in aside.name
    assert not Path(str(aside) + "-wal").exists() and copy.exists()
    assert main(["--archive", str(aside), "check"]) == 0
    assert main(["--archive", str(coded), "check"]) == 0


def test_restore_refuses_while_the_archive_is_open(coded, gleaner, tmp_path):
    copy = tmp_path / "copy.gleaner"
    assert gleaner("backup", str(copy))[0] == 0
    with Archive.open(coded) as archive:
        ops.code_passage(archive, 1, 20, 25, [3])
        before = folder_state(coded.parent)
        status, out, err = gleaner("restore", str(copy))
        assert (status, out) == (1, "") and "is open in another program" in err
        assert err.count("\n") == 1 and folder_state(coded.parent) == before


def test_restoring_a_file_that_is_not_sqlite_changes_nothing(coded, gleaner, tmp_path):
    bogus = tmp_path / "notes.gleaner"
    bogus.write_bytes(b"these are my notes, not a database" * 100)
    before = folder_state(tmp_path)
    status, out, err = gleaner("restore", str(bogus))
    assert (status, out) == (1, "") and err.startswith("error: ") and err.count("\n") == 1
    assert "not a Gleaner archive" in err and folder_state(tmp_path) == before


def test_a_backup_into_a_folder_that_cannot_be_made_changes_nothing(coded, gleaner, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    before = folder_state(tmp_path)
    status, out, err = gleaner("backup", str(blocker / "backups") + os.sep)
    assert (status, out) == (1, "") and err.startswith("error: cannot write in ")
    assert err.count("\n") == 1 and folder_state(tmp_path) == before


def test_a_backup_without_room_on_the_disk_is_refused(coded, gleaner, tmp_path, monkeypatch):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(backup.shutil, "disk_usage", lambda _path: usage(10**9, 10**9, 4096))
    (tmp_path / "copies").mkdir()
    before = folder_state(tmp_path)
    status, out, err = gleaner("backup", str(tmp_path / "copies"))
    assert (status, out) == (1, "") and err.count("\n") == 1
    assert "not enough free space" in err and "MB needed" in err
    assert folder_state(tmp_path) == before


def test_a_backup_never_replaces_an_existing_file(coded, gleaner, tmp_path):
    taken = tmp_path / "taken.gleaner"
    taken.write_bytes(b"mine")
    status, _, err = gleaner("backup", str(taken))
    assert status == 1 and "already exists" in err and taken.read_bytes() == b"mine"


def test_rotation_keeps_the_newest_of_the_last_days_and_weeks(tmp_path):
    start = datetime(2026, 1, 1, 9, tzinfo=UTC)  # a Thursday
    made = [start + timedelta(days=day, hours=hour) for day in range(60) for hour in (0, 5)]
    files = [backup.BackupFile(tmp_path / f"b{i}", when) for i, when in enumerate(made)]
    removed = backup.backups_to_remove(files, daily=7, weekly=4)
    kept = sorted(set(made) - {b.made for b in removed})
    last = made[-1]
    # The newest of each of the last 7 days...
    daily = [last - timedelta(days=n) for n in range(7)]
    assert set(daily) <= set(kept)
    # ...and of each of the 4 latest weeks: the Sundays before (the newest week's is a day).
    weekly = {b for b in kept if b not in daily}
    assert len(weekly) == 3 and all(b.isoweekday() == 7 and b.hour == 14 for b in weekly)
    assert len(removed) == len(made) - 10


def test_rotate_removes_only_dated_backups_of_this_archive(coded, tmp_path):
    folder = tmp_path / "copies"
    folder.mkdir()
    for day in range(10):
        when = datetime(2026, 3, 1, tzinfo=UTC) + timedelta(days=day)
        (folder / backup.stamped_name(coded, "", when)).write_bytes(b"x")
    (folder / "other-20260301T000000Z.gleaner").write_bytes(b"x")
    (folder / "test-notes.gleaner").write_bytes(b"x")
    removed = backup.rotate_backups(folder, coded, daily=3, weekly=2).removed
    names = sorted(p.name for p in folder.iterdir())
    assert [p.name for p in removed] and not any(p.exists() for p in removed)
    assert "other-20260301T000000Z.gleaner" in names and "test-notes.gleaner" in names
    # 1 March 2026 is a Sunday: the last 3 days (8-10) include the newest of both weeks.
    assert sorted(b.made.day for b in backup.list_backups(folder, coded)) == [8, 9, 10]
    removed = backup.rotate_backups(folder, coded, daily=2, weekly=3).removed
    assert sorted(b.made.day for b in backup.list_backups(folder, coded)) == [8, 9, 10]
    assert not removed


def dated_files(folder: Path, archive: Path, sizes: list[int]) -> list[Path]:
    """Dated backups of `archive` in `folder`, one a day from 1 March 2026, of these sizes."""
    folder.mkdir(exist_ok=True)
    made = []
    for day, size in enumerate(sizes):
        when = datetime(2026, 3, 1, 12, tzinfo=UTC) + timedelta(days=day)
        path = folder / backup.stamped_name(archive, "", when)
        path.write_bytes(b"x" * size)
        made.append(path)
    return made


def test_rotation_by_size_removes_the_oldest_and_warns(tmp_path):
    archive = tmp_path / "notes.gleaner"
    files = dated_files(tmp_path / "b", archive, [400, 300, 200, 100])
    manual = tmp_path / "b" / backup.stamped_name(archive, "manual-", datetime(2026, 2, 1))
    manual.write_bytes(b"m" * 5000)  # the user's own: neither counted nor removed
    rotation = backup.rotate_backups(tmp_path / "b", archive, daily=7, weekly=4, max_bytes=350)
    assert rotation.removed == [files[0], files[1]]  # oldest first, until 300 <= 350
    assert [p.exists() for p in files] == [False, False, True, True] and manual.exists()
    [warning] = rotation.warnings
    assert warning.startswith("2 backups the daily/weekly rule keeps were removed")
    assert "350 bytes" in warning


def test_a_newest_backup_larger_than_the_bound_is_kept_with_a_warning(tmp_path):
    archive = tmp_path / "notes.gleaner"
    files = dated_files(tmp_path / "b", archive, [10, 10, 2000])
    rotation = backup.rotate_backups(tmp_path / "b", archive, max_bytes=1000)
    assert rotation.removed == [files[0], files[1]] and files[2].exists()
    assert len(rotation.warnings) == 2
    assert "the newest backup alone (2.0 KB) is larger than the size bound" in \
        rotation.warnings[1]


def test_rotation_within_the_bound_says_nothing(tmp_path):
    archive = tmp_path / "notes.gleaner"
    files = dated_files(tmp_path / "b", archive, [100] * 9)
    rotation = backup.rotate_backups(tmp_path / "b", archive, daily=7, weekly=1,
                                     max_bytes=10**6)
    assert rotation.removed == files[:2] and rotation.warnings == []


def test_backup_max_size_on_the_command_line(coded, gleaner):
    folder = coded.parent / "backups"
    old = dated_files(folder, coded, [10**6, 10])  # with the new one: over 0.5M
    status, out, err = gleaner("backup", "--rotate", "--max-size", "0.5M")
    made = Path(out.strip())
    assert status == 0 and made.exists() and made.stat().st_size < 4 * 10**5
    assert not old[0].exists() and old[1].exists()
    assert "warning: 1 backup the daily/weekly rule keeps was removed" in err
    assert err.count("\n") == 2  # the removal and the warning
    with pytest.raises(SystemExit) as refused:
        gleaner("backup", "--rotate", "--max-size", "lots")
    assert refused.value.code == 2


@pytest.mark.parametrize(("text", "size"), [("500M", 500 * 10**6), ("2G", 2 * 10**9),
                                            ("1.5gb", 1_500_000_000), ("700k", 700_000),
                                            ("123", 123)])
def test_sizes_are_read_in_decimal_units(text, size):
    assert backup.parse_size(text) == size


def test_backups_of_every_kind_are_described_with_their_counts(coded, tmp_path):
    folder = tmp_path / "copies"
    daily = backup.make_backup(coded, folder / backup.stamped_name(
        coded, "", datetime(2026, 3, 1, tzinfo=UTC)))
    with Archive.open(coded) as archive:
        ops.code_passage(archive, 1, 20, 25, [3])
        ops.save_article(archive, make_article(url="https://example.org/second"))
    manual = backup.make_backup(coded, folder / backup.stamped_name(
        coded, "manual-", datetime(2026, 3, 2, tzinfo=UTC)))
    upgrade = coded.parent / "backups" / backup.stamped_name(
        coded, "before-upgrade-", datetime(2026, 2, 1, tzinfo=UTC))
    upgrade.parent.mkdir()
    upgrade.write_bytes(b"not a database" * 10)
    (folder / backup.stamped_name(coded, "replaced-", datetime(2026, 3, 3))).write_bytes(b"")
    infos = backup.describe_backups([folder, coded.parent / "backups", folder], coded)
    assert [(i.path, i.kind, i.articles, i.highlights) for i in infos] == [
        (manual, "manual", 2, 3), (daily, "daily", 1, 2), (upgrade, "before upgrade", None, None)]
    assert infos[0].size == manual.stat().st_size and infos[2].problem
    assert "not a Gleaner archive" in infos[2].problem


def test_a_damaged_archive_is_replaced_and_kept_aside_as_it_was(coded, gleaner, tmp_path):
    copy = tmp_path / "copy.gleaner"
    assert gleaner("backup", str(copy))[0] == 0
    coded.write_bytes(b"garbage where the archive was")
    status, out, err = gleaner("restore", str(copy))
    assert (status, err) == (0, "")
    aside = Path(out.strip().split(" is kept as ")[1])
    assert aside.read_bytes() == b"garbage where the archive was"
    assert highlight_ids(coded) == highlight_ids(copy)


def test_an_archive_cut_short_is_replaced_and_kept_aside_as_it_was(coded, gleaner, tmp_path):
    copy = tmp_path / "copy.gleaner"
    assert gleaner("backup", str(copy))[0] == 0
    cut = coded.read_bytes()[:5000]  # its header still says WAL, as a failing disk leaves it
    assert cut[18:20] == b"\x02\x02"
    coded.write_bytes(cut)
    status, out, err = gleaner("restore", str(copy))
    assert (status, err) == (0, "")
    aside = Path(out.strip().split(" is kept as ")[1])
    assert aside.read_bytes() == cut and highlight_ids(coded) == highlight_ids(copy)
    assert sorted(p.name for p in coded.parent.iterdir() if p.name.startswith(coded.name)) \
        == [coded.name]  # no -wal or -shm left from looking at the damaged file


def test_a_backup_of_a_missing_archive_creates_nothing(gleaner, archive_path):
    status, _, err = gleaner("backup")
    assert status == 1 and "does not exist" in err
    assert list(archive_path.parent.iterdir()) == []


def test_backup_rotate_keeps_as_many_days_as_asked(coded, gleaner):
    folder = coded.parent / "backups"
    folder.mkdir()
    for day in (1, 2, 3):  # older backups, one a day (Thursday 1 January 2026 on)
        when = datetime(2026, 1, day, 12, tzinfo=UTC)
        (folder / backup.stamped_name(coded, "", when)).write_bytes(b"x")
    status, out, err = gleaner("backup", "--rotate", "--keep-daily", "2", "--keep-weekly", "1")
    made = Path(out.strip())
    assert status == 0 and made.exists()
    kept = sorted(b.made.day for b in backup.list_backups(folder, coded) if b.path != made)
    assert kept == [3]  # today's new backup and the newest older day
    assert err.count("removed old backup") == 2


def test_an_archive_is_backed_up_before_its_schema_is_upgraded(tmp_path) -> None:
    import sqlite3 as raw_sqlite

    from sqlite_utils import Database

    from gleaner.core.schema import migrations

    path = tmp_path / "old.gleaner"
    db = Database(path)
    migrations.apply(db, stop_before="0005_article_assets_and_keys")
    db.execute("INSERT INTO articles (guid, url_requested, url, title, saved_at) VALUES "
               "('g', 'https://a.example/x', 'https://a.example/x', 'Kept', 't')")
    db.conn.commit()
    db.close()
    with Archive.open(path) as archive:
        assert "0005_article_assets_and_keys" in {
            row[0] for row in archive.db.execute("SELECT name FROM _sqlite_migrations")}
    [backup] = (tmp_path / "backups").glob("old-before-upgrade-*.gleaner")
    copy = raw_sqlite.connect(backup)
    try:
        applied = {row[0] for row in copy.execute("SELECT name FROM _sqlite_migrations")}
        assert "0005_article_assets_and_keys" not in applied  # the archive as it was
        assert copy.execute("SELECT title FROM articles").fetchall() == [("Kept",)]
    finally:
        copy.close()
    # Opening it again (nothing to upgrade), or making a new archive, backs nothing up.
    Archive.open(path).close()
    Archive.open(tmp_path / "new.gleaner").close()
    assert len(list((tmp_path / "backups").iterdir())) == 1


def test_backup_if_due_makes_one_a_day(tmp_path, capsys) -> None:
    from gleaner.core.archive.backup import backup_is_due, list_backups

    path = tmp_path / "daily.gleaner"
    Archive.open(path).close()
    assert main(["--archive", str(path), "backup", "--if-due"]) == 0
    made = capsys.readouterr().out.strip()
    assert made and Path(made).is_file()
    assert main(["--archive", str(path), "backup", "--if-due"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "no backup needed" in err
    [only] = list_backups(tmp_path / "backups", path)
    assert not backup_is_due(tmp_path / "backups", path, only.made + timedelta(hours=23))
    assert backup_is_due(tmp_path / "backups", path, only.made + timedelta(days=1))
