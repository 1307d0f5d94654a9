"""Backups of the archive and putting one back.

A backup is made by SQLite (`VACUUM INTO`): one consistent snapshot even while another
process writes, a plain self-contained file in rollback-journal mode (no -wal beside it). It
is written under a temporary name in the destination folder and renamed once complete and
checked, so a backup file that exists is always whole.

Restoring never overwrites anything: the current archive is moved aside under a name with the
time, and a copy of the backup takes its place. An archive open in another process (Gleaner's
window, another command) is refused: switching it out of WAL mode, which also writes every
change still in its -wal file into it, needs it to be open nowhere else.

Three kinds of backup share a folder, told apart by their names: the dated ones `gleaner
backup` makes (the daily backup; rotation keeps a few days and weeks of them within a size
bound), `-manual-` ones the user asked for (Back Up Now: never removed by rotation) and
`-before-upgrade-` ones made before an archive's schema is upgraded (kept too).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..errors import ArchiveError
from .checks import check_integrity, check_schema, open_read_only

STAMP = "%Y%m%dT%H%M%SZ"  # UTC, sortable, and valid in file names everywhere
MARGIN = 1 << 20  # room left free on the disk beyond the copy itself
_STAMPED = re.compile(r"-(\d{8}T\d{6}Z)(?:-\d+)?\.gleaner$")
# The label in a backup's name (see stamped_name) and the kind of backup it says.
KINDS = {"": "daily", "manual-": "manual", "before-upgrade-": "before upgrade"}
MANUAL = "manual-"
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)B?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}


@dataclass(frozen=True)
class BackupFile:
    """A backup in a backups folder and the time (UTC) its name says it was made."""

    path: Path
    made: datetime


@dataclass(frozen=True)
class BackupInfo:
    """One backup as the Backups dialog lists it. `articles` and `highlights` are None, and
    `problem` says why, when the file cannot be read as an archive."""

    path: Path
    made: datetime  # UTC, from the name
    kind: str  # "daily", "manual" or "before upgrade"
    size: int  # bytes
    articles: int | None
    highlights: int | None
    problem: str = ""


@dataclass(frozen=True)
class Rotation:
    """What `rotate_backups` removed, and warnings when the size bound went further than the
    daily/weekly rule (each one line, for the CLI's stderr and the window's banner)."""

    removed: list[Path]
    warnings: list[str]


def backup_folder(archive_path: Path) -> Path:
    """The default place for backups: a `backups` folder beside the archive."""
    return Path(archive_path).expanduser().parent / "backups"


def stamped_name(archive_path: Path, label: str, when: datetime) -> str:
    """`<archive stem>-<label>YYYYmmddTHHMMSSZ.gleaner`."""
    return f"{Path(archive_path).stem}-{label}{when.astimezone(UTC).strftime(STAMP)}.gleaner"


def make_backup(archive_path: Path, destination: str | Path | None = None,
                now: datetime | None = None) -> Path:
    """Back the archive up; returns the backup's path.

    `destination`: None for the default folder (`backup_folder`), an existing folder (or a
    path ending in a separator) to put a dated backup in, or else the backup file's name. An
    existing file is never replaced. Refuses, with nothing written, when the folder cannot be
    made or written or the disk has not room for the archive's pages.
    """
    archive_path = Path(archive_path).expanduser()
    if not archive_path.is_file():
        raise ArchiveError(f"{archive_path} does not exist or is not a file")
    target = _backup_target(archive_path, destination, now or datetime.now(UTC))
    _prepare_folder(target.parent, 0)  # before the archive is opened: a refusal touches nothing
    source = open_read_only(archive_path, tidy=True)
    try:
        _prepare_folder(target.parent, _database_bytes(source))
        if target.exists():
            raise ArchiveError(f"{target} already exists; choose another name")
        temporary = target.parent / f".{target.name}.{os.getpid()}.partial"
        try:
            # VACUUM INTO writes only the new file, but query_only refuses it all the same.
            source.execute("PRAGMA query_only = OFF")
            source.execute("VACUUM INTO ?", [str(temporary)])
            _verify(temporary)
            _sync(temporary)
            _rename_new(temporary, target)
        except (OSError, sqlite3.Error) as error:
            raise ArchiveError(f"the backup could not be written to {target.parent} "
                               f"({_reason(error)})") from None
        finally:
            temporary.unlink(missing_ok=True)
    finally:
        source.close()
    return target


def restore_backup(archive_path: Path, backup_path: Path,
                   now: datetime | None = None) -> Path | None:
    """Put a copy of the backup in the archive's place; returns where the archive it
    replaced was moved (None if there was none). Refuses, changing nothing, a backup that is
    not a sound Gleaner archive and an archive that is open elsewhere."""
    archive_path = Path(archive_path).expanduser()
    backup_path = Path(backup_path).expanduser()
    _check_backup(backup_path)
    folder = archive_path.parent
    _prepare_folder(folder, backup_path.stat().st_size)
    aside = None
    if archive_path.exists():
        aside = folder / stamped_name(archive_path, "replaced-", now or datetime.now(UTC))
        if aside.exists():
            raise ArchiveError(f"{aside} already exists; try again in a second")
    temporary = folder / f".{archive_path.name}.{os.getpid()}.restoring"
    try:
        _copy_database(backup_path, temporary)
        if aside is not None:
            _close_journal(archive_path)
            _rename_new(archive_path, aside)
        try:
            _rename_new(temporary, archive_path)
        except (OSError, ArchiveError):
            if aside is not None and not archive_path.exists():
                os.rename(aside, archive_path)  # put the archive back as it was
            raise
    except (OSError, sqlite3.Error) as error:
        raise ArchiveError(f"the backup could not be restored ({_reason(error)})") from None
    finally:
        temporary.unlink(missing_ok=True)
    return aside


def backups_to_remove(backups: list[BackupFile], daily: int = 7,
                      weekly: int = 4) -> list[BackupFile]:
    """What rotation removes: all but the newest backup of each of the `daily` latest days
    that have one and of each of the `weekly` latest ISO weeks that have one."""
    newest_first = sorted(backups, key=lambda b: b.made, reverse=True)
    keep: set[Path] = set()
    for period, count in ((lambda d: d.date(), daily),
                          (lambda d: d.isocalendar()[:2], weekly)):
        seen: list = []
        for backup in newest_first:
            key = period(backup.made)
            if key not in seen and len(seen) < count:
                seen.append(key)
                keep.add(backup.path)
    return [backup for backup in newest_first if backup.path not in keep]


def list_backups(folder: Path, archive_path: Path) -> list[BackupFile]:
    """The dated backups of this archive in `folder`, as `make_backup` names them."""
    stem = Path(archive_path).stem
    found = []
    for path in Path(folder).glob(f"{glob_escape(stem)}-*.gleaner"):
        match = _STAMPED.search(path.name)
        if match and path.name[:match.start()] == stem:
            made = datetime.strptime(match.group(1), STAMP).replace(tzinfo=UTC)
            found.append(BackupFile(path, made))
    return found


def backup_is_due(folder: Path, archive_path: Path, now: datetime,
                  age: timedelta = timedelta(days=1)) -> bool:
    """Whether the newest dated backup of this archive in `folder` is `age` old or more (or
    there is none): the app makes one at start-up when it is."""
    newest = max((backup.made for backup in list_backups(folder, archive_path)), default=None)
    return newest is None or now - newest >= age


def rotate_backups(folder: Path, archive_path: Path, daily: int = 7, weekly: int = 4,
                   max_bytes: int | None = None) -> Rotation:
    """Remove the dated backups in `folder` that `backups_to_remove` names, then, while the
    dated backups left total more than `max_bytes`, the oldest of them, never the newest.
    Manual and before-upgrade backups are neither removed nor counted. Warns when the bound
    removed backups the rule keeps, or when the newest alone exceeds it."""
    backups = list_backups(folder, archive_path)
    removed = [backup.path for backup in sorted(backups_to_remove(backups, daily, weekly),
                                                 key=lambda backup: backup.made)]
    kept = sorted((backup for backup in backups if backup.path not in removed),
                  key=lambda backup: backup.made, reverse=True)
    warnings = []
    if max_bytes is not None:
        sizes = {backup.path: _size(backup.path) for backup in kept}
        over_bound = []
        while len(kept) > 1 and sum(sizes[backup.path] for backup in kept) > max_bytes:
            over_bound.append(kept.pop().path)  # the oldest
        removed += over_bound
        warnings = _bound_warnings(over_bound, sizes, kept[0] if kept else None, max_bytes)
    for path in removed:
        path.unlink(missing_ok=True)
    return Rotation(removed, warnings)


def list_all_backups(folders: list[Path], archive_path: Path) -> list[tuple[BackupFile, str]]:
    """Every backup of this archive in these folders, of any kind (see KINDS), newest first,
    each once (a folder named twice is read once)."""
    stem = Path(archive_path).stem
    found: dict[Path, tuple[BackupFile, str]] = {}
    for folder in folders:
        for path in Path(folder).expanduser().glob(f"{glob_escape(stem)}-*.gleaner"):
            match = _STAMPED.search(path.name)
            label = path.name[len(stem) + 1:match.start() + 1] if match else None
            if match and path.name.startswith(f"{stem}-") and label in KINDS:
                made = datetime.strptime(match.group(1), STAMP).replace(tzinfo=UTC)
                found.setdefault(path.resolve(), (BackupFile(path, made), KINDS[label]))
    return sorted(found.values(), key=lambda pair: pair[0].made, reverse=True)


def describe_backups(folders: list[Path], archive_path: Path) -> list[BackupInfo]:
    """`list_all_backups` with each file's size and its numbers of articles and highlights,
    read through a read-only connection (slow for many large files: not on a GUI thread)."""
    return [describe_backup(found.path, found.made, kind)
            for found, kind in list_all_backups(folders, archive_path)]


def describe_backup(path: Path, made: datetime, kind: str) -> BackupInfo:
    """One backup's size and counts; a file that cannot be read says why in `problem`."""
    size = _size(path)
    try:
        connection = open_read_only(path)
    except (ArchiveError, sqlite3.Error) as error:
        return BackupInfo(path, made, kind, size, None, None, str(error))
    try:
        # count(*) walks the smallest index of each table: no article text is read.
        articles, highlights = (connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                                for table in ("articles", "highlights"))
    except sqlite3.Error as error:
        return BackupInfo(path, made, kind, size, None, None, f"cannot be read ({error})")
    finally:
        connection.close()
    return BackupInfo(path, made, kind, size, articles, highlights)


def parse_size(text: str) -> int:
    """Bytes from `500M`, `2G`, `1.5GB`, `700k` or a plain number (decimal units, as disks
    are sold and file managers count); ValueError for anything else."""
    match = _SIZE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a size (examples: 500M, 2G)")
    return int(float(match.group(1)) * _UNITS[match.group(2).upper()])


def format_size(size: int) -> str:
    """`812 KB`, `3.4 MB`, `1.2 GB`: decimal units, as parse_size reads them."""
    for unit, factor in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if size >= factor:
            value = size / factor
            return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"
    return f"{size} bytes"


def glob_escape(text: str) -> str:
    """`text` with glob's special characters taken literally."""
    return re.sub(r"([*?\[])", r"[\1]", text)


# --- helpers --------------------------------------------------------------------------------

def _backup_target(archive_path: Path, destination: str | Path | None,
                   now: datetime) -> Path:
    name = stamped_name(archive_path, "", now)
    if destination is None:
        return backup_folder(archive_path) / name
    # Path() drops a final separator, which says "a folder" even when it does not exist yet.
    names_folder = os.fspath(destination).endswith(("/", os.sep))
    destination = Path(destination).expanduser()
    if destination.is_dir() or names_folder:
        return destination / name
    return destination


def _database_bytes(connection: sqlite3.Connection) -> int:
    pages = connection.execute("PRAGMA page_count").fetchone()[0]
    return pages * connection.execute("PRAGMA page_size").fetchone()[0]


def _prepare_folder(folder: Path, needed: int) -> None:
    """Make the folder if needed and check it has room for `needed` bytes."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(folder).free
    except OSError as error:
        raise ArchiveError(f"cannot write in {folder} ({_reason(error)})") from None
    if not os.access(folder, os.W_OK):
        raise ArchiveError(f"cannot write in {folder} (permission denied)")
    if free < needed + MARGIN:
        raise ArchiveError(f"not enough free space in {folder}: {_megabytes(needed)} needed, "
                           f"{_megabytes(free)} free")


def _check_backup(path: Path) -> None:
    """Refuse a file that is not a whole, sound Gleaner archive this Gleaner can open."""
    if path.with_name(path.name + "-wal").exists():
        raise ArchiveError(f"{path} has a -wal file beside it: it is in use or was not "
                           "closed; open it with Gleaner once, or use another backup")
    try:
        connection = open_read_only(path, tidy=True)
    except sqlite3.DatabaseError as error:
        raise ArchiveError(f"{path} is not a Gleaner archive ({error})") from None
    try:
        integrity, schema = check_integrity(connection), check_schema(connection)
    except sqlite3.DatabaseError as error:
        raise ArchiveError(f"{path} is damaged ({error})") from None
    finally:
        connection.close()
    if not integrity.ok:
        raise ArchiveError(f"{path} cannot be restored: {integrity.line()}")
    # A backup from an older Gleaner is fine: opening it brings it up to date.
    newer = [detail for detail in schema.details if "newer" in detail]
    if newer:
        raise ArchiveError(f"{path} cannot be restored: it was {newer[0]}")


def _copy_database(source: Path, target: Path) -> None:
    """A page-for-page copy of an SQLite file made through SQLite, synced to disk."""
    reading = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    writing = sqlite3.connect(target)
    try:
        reading.backup(writing)
    finally:
        writing.close()
        reading.close()
    _verify(target)
    _sync(target)


def _close_journal(archive_path: Path) -> None:
    """Write the archive's -wal into it and leave it a single file, or refuse if another
    connection has it open (SQLite answers "locked" at once: no waiting)."""
    side_files = [archive_path.with_name(archive_path.name + end) for end in ("-wal", "-shm")]
    had_side_files = any(path.exists() for path in side_files)
    connection = sqlite3.connect(archive_path, timeout=0)
    damaged = False
    try:
        mode = connection.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
    except sqlite3.OperationalError as error:
        if "locked" not in str(error) and "busy" not in str(error):
            raise
        mode = "wal"
    except sqlite3.DatabaseError:
        if had_side_files:
            raise  # its -wal may hold the changes that would make it whole: leave it be
        damaged = True
    finally:
        connection.close()
    if damaged:
        # A damaged file, alone: it is moved aside just as it is. A header saying WAL made
        # this connection create empty -wal and -shm files; they were not there before.
        for path in side_files:
            path.unlink(missing_ok=True)
        return
    if mode != "delete" or any(path.exists() for path in side_files):
        raise ArchiveError(f"{archive_path} is open in another program (a Gleaner window or "
                           "command?); close it, then restore")


def _verify(path: Path) -> None:
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        result = check_integrity(connection)
    finally:
        connection.close()
    if not result.ok:
        raise sqlite3.DatabaseError(f"the copy failed its integrity check: {result.line()}")


def _sync(path: Path) -> None:
    """Make the file's bytes durable before it is renamed into place."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _rename_new(source: Path, target: Path) -> None:
    """Rename, never replacing an existing file, and make the rename durable."""
    try:
        os.link(source, target)  # fails if target exists, unlike rename
        source.unlink()
    except FileExistsError:
        raise ArchiveError(f"{target} already exists; nothing was replaced") from None
    except OSError:
        # A file system without hard links: check, then rename.
        if target.exists():
            raise ArchiveError(f"{target} already exists; nothing was replaced") from None
        os.rename(source, target)
    with contextlib.suppress(OSError):  # not every platform can sync a folder
        folder = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def _bound_warnings(over_bound: list[Path], sizes: dict[Path, int], newest: BackupFile | None,
                    max_bytes: int) -> list[str]:
    bound = format_size(max_bytes)
    warnings = []
    if over_bound:
        count = len(over_bound)
        warnings.append(f"{count} backup{'s' if count > 1 else ''} the daily/weekly rule keeps "
                        f"{'were' if count > 1 else 'was'} removed to stay within the size "
                        f"bound ({bound}); raise the bound to keep them")
    if newest is not None and sizes[newest.path] > max_bytes:
        warnings.append(f"the newest backup alone ({format_size(sizes[newest.path])}) is "
                        f"larger than the size bound ({bound}); it is kept, older ones are not")
    return warnings


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _reason(error: BaseException) -> str:
    return getattr(error, "strerror", None) or str(error)


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"
