"""Opening and closing an archive, and the step: one transaction that records its own undo."""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

from ..errors import (
    ArchiveDamaged,
    ArchiveError,
    ArchiveLocked,
    ArchiveReadOnly,
    ArchiveTooNew,
    NotAnArchive,
    StorageError,
    sqlite_code,
    storage_error,
)
from ..paths import default_archive_path
from ..schema import MIGRATION_SET, migrations
from .history import Recorder


def utc_now() -> str:
    """The current time as an ISO 8601 string in UTC, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class ArchiveStore:
    """The connection and the step machinery that the subject mixins build on."""

    def __init__(self, db: Database, path: Path) -> None:
        self.db = db
        self.path = path
        self._recorder: Recorder | None = None
        self.read_only = False  # see `open`

    @classmethod
    def open(cls, path: str | Path | None = None, read_only: bool = False):
        """Open (creating if needed) the archive at path, bringing its schema up to date.

        A file that is not a Gleaner archive is refused untouched, with the ArchiveError
        subclass for the case (`ArchiveLocked`, `ArchiveReadOnly`, `ArchiveDamaged`,
        `NotAnArchive`, `ArchiveTooNew`). `read_only` opens an existing archive without ever
        writing to it (every change is refused), also from a read-only disk. The file is only
        ever read through SQLite: opening and closing it any other way in this process would
        release SQLite's POSIX locks on it (see docs/architecture.md).
        """
        path = Path(path).expanduser() if path else default_archive_path()
        if path.is_dir():
            raise ArchiveError(f"{path} is a folder, not an archive file")
        if read_only:
            return cls._open_read_only(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = Database(path)
        except (OSError, sqlite3.Error) as error:
            raise refusal(path, error) from None
        try:
            # A program holding the file gets a few seconds to let go: the window waits for
            # this answer before it can show anything.
            db.execute(f"PRAGMA busy_timeout = {OPEN_WAIT_MS}")
            _check_schema_is_ours(db, path)
            db.enable_wal()
            db.execute("PRAGMA busy_timeout = 10000")
            # Losing a highlight on power failure is worse than a slower commit.
            db.execute("PRAGMA synchronous = FULL")
            _tune_for_large_steps(db)
            if migrations.pending(db):
                if _migrations_applied(db):
                    _back_up_before_upgrading(path)
                # Migrations rebuild tables, which needs the keys off; they are checked after
                # (only then: on a large archive the check reads every page, seconds when cold).
                db.execute("PRAGMA foreign_keys = OFF")
                migrations.apply(db)
                if db.execute("PRAGMA foreign_key_check").fetchone() is not None:
                    raise ArchiveDamaged(f"{path} has links to missing rows; it may be damaged")
            db.execute("PRAGMA foreign_keys = ON")
        except ArchiveError:
            db.close()
            raise
        except sqlite3.Error as error:
            db.close()
            raise refusal(path, error) from None
        return cls(db, path)

    @classmethod
    def _open_read_only(cls, path: Path):
        """The archive opened so that nothing in this process can write to it."""
        if not path.is_file():
            raise ArchiveError(f"{path} does not exist")
        connection = None
        try:
            try:
                connection = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True,
                                             isolation_level=None, check_same_thread=False)
                connection.execute("SELECT count(*) FROM sqlite_schema").fetchone()
            except sqlite3.OperationalError as error:
                if connection is not None:
                    connection.close()
                connection = open_immutable(path, error)
            db = Database(connection)
            db.execute(f"PRAGMA busy_timeout = {OPEN_WAIT_MS}")
            _check_schema_is_ours(db, path)
            if migrations.pending(db):
                raise ArchiveReadOnly(f"{path} was made by an older Gleaner and needs "
                                      "upgrading, which cannot be done read-only")
            db.execute("PRAGMA query_only = ON")
        except ArchiveError:
            if connection is not None:
                connection.close()
            raise
        except sqlite3.Error as error:
            if connection is not None:
                connection.close()
            raise refusal(path, error) from None
        archive = cls(db, path)
        archive.read_only = True
        return archive

    def close(self) -> None:
        """Tidy up (see `tidy`) and close the database connection."""
        with contextlib.suppress(sqlite3.Error, ArchiveError):
            while not self.read_only and self.tidy():
                pass
        self.db.close()

    def tidy(self) -> bool:
        """Housekeeping for idle moments, in short transactions: count the totals a step
        left waiting, forget old and abandoned undo steps, add the links of a waiting merge
        that no step can undo any more, then remove for good a slice of the deleted themes
        no step can bring back. True if there is more to do."""
        if self.recount_stale_totals(limit=1):
            return True
        self.tidy_history()
        if self.add_forgotten_merges_links():
            return True
        return self.purge_deleted_themes()

    def checkpoint(self) -> None:
        """Copy what the write-ahead log holds into the archive file, without waiting for
        readers: the archive process does it at idle moments (see WAL_PAGES)."""
        self.db.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def data_version(self) -> int:
        """A number that changes whenever another connection commits to the archive."""
        return self._scalar("PRAGMA data_version")

    @contextmanager
    def step(self, label: str) -> Iterator[Recorder]:
        """One user action: a transaction that also records how to undo it.

        Inside, the mutating methods note the rows they touch; at the end the changed rows go
        into the history as one step named `label` (nothing is recorded if nothing changed).
        """
        if self._recorder is not None:
            raise RuntimeError("archive steps do not nest")
        recorder = Recorder(self.db)
        self._recorder = recorder
        try:
            with self.write_transaction():
                yield recorder
                recorder.finish()
                if recorder.records:
                    self._push_history(label, recorder.records)
        finally:
            self._recorder = None

    @contextmanager
    def write_transaction(self) -> Iterator[None]:
        """A transaction that takes the write lock at its start (BEGIN IMMEDIATE).

        With another process writing, a transaction that began as a reader could not become
        a writer once the other committed (SQLite answers "database is locked" at once rather
        than waiting); taking the lock first makes it wait its turn (busy_timeout) instead.
        If COMMIT fails (a deferred key check, a full disk) everything is rolled back: a
        connection left inside a failed transaction would acknowledge later steps that are
        never stored.
        """
        if self.read_only:
            raise ArchiveReadOnly("the archive is open read-only; nothing can be changed")
        if self.db.conn.in_transaction:
            # Never join a transaction we did not open: its fate is not ours to report.
            raise ArchiveError("the archive is in the middle of another change; try again")
        try:
            self.db.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise _as_storage_error(error) from error
        try:
            yield
            self.db.conn.execute("COMMIT")
        except sqlite3.Error as error:
            self.rollback_if_open()
            raise _as_storage_error(error) from error
        except BaseException:
            self.rollback_if_open()
            raise

    def rollback_if_open(self) -> None:
        """Roll back a transaction left open by an error, so later changes stand alone."""
        if self.db.conn.in_transaction:
            # A failed disk can refuse even this; SQLite then rolls back when the connection
            # is next used or closed, and the journal keeps the file whole.
            with contextlib.suppress(sqlite3.Error):
                self.db.conn.execute("ROLLBACK")

    # Hooks for the mutating methods; outside a step (bulk loads, tests) they record nothing.

    def _watch(self, table: str, where: str, params: list | tuple = ()) -> None:
        if self._recorder is not None:
            self._recorder.watch(table, where, params)

    def _watch_theme_links(self, theme_id: int) -> None:
        if self._recorder is not None:
            self._recorder.watch_theme_links(theme_id)

    def _links_added(self, theme_id: int, added: str) -> None:
        if self._recorder is not None:
            self._recorder.links_added(theme_id, added)

    def _created(self, table: str, **key) -> None:
        if self._recorder is not None:
            self._recorder.created(table, key)

    def _scalar(self, sql: str, params: list | tuple | None = None):
        row = self.db.execute(sql, params or []).fetchone()
        return row[0] if row else None

    def _push_history(self, label, records) -> None:  # provided by HistoryMixin
        raise NotImplementedError


# SQLite copies the write-ahead log into the file when a commit leaves it over 1,000 pages, in
# that commit: merging a much-used theme (~1,200 pages) paid ~24 ms for it on the 100,000
# article archive. The archive process copies it at idle moments instead (core.service);
# closing copies it too; this bound only
# stops a log that no idle moment ever comes for from growing without end (40 MB).
WAL_PAGES = 10_000
CACHE_KIB = 65_536  # the default 2 MB spilled half of such a step to the log mid-way


def _tune_for_large_steps(db: Database) -> None:
    db.execute(f"PRAGMA wal_autocheckpoint = {WAL_PAGES}")
    db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    db.execute("PRAGMA temp_store = MEMORY")


OPEN_WAIT_MS = 3000  # how long opening waits for another program to release the archive


def open_immutable(path: Path, error: sqlite3.Error) -> sqlite3.Connection:
    """A connection that reads the file as it is, without SQLite's locks or its -shm file:
    the only way to read a WAL archive on a read-only disk or in a read-only folder. Refused
    if a -wal file holds changes not yet in the file (they would be missing)."""
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise ArchiveReadOnly(f"{path} cannot be read here: its latest changes are still in "
                              f"{wal.name}, which only a writable folder can take in "
                              f"({error})")
    connection = sqlite3.connect(f"{path.absolute().as_uri()}?immutable=1", uri=True,
                                 isolation_level=None, check_same_thread=False)
    connection.execute("SELECT count(*) FROM sqlite_schema").fetchone()
    return connection


def refusal(path: Path, error: BaseException) -> ArchiveError:
    """Why the archive at path cannot be opened, as the ArchiveError for the case."""
    code = sqlite_code(error)
    if code in (5, 6):
        return ArchiveLocked(f"{path} is in use by another program, which did not let go of "
                             f"it within {OPEN_WAIT_MS / 1000:g} s; close that program and try "
                             "again")
    if code == 8 or (code == 14 and path.exists() and not _writable(path)) or (
            isinstance(error, OSError) and error.errno in (errno.EROFS, errno.EACCES)):
        return ArchiveReadOnly(f"{path} cannot be written (a read-only file, folder or disk); "
                               "it can be opened read-only")
    if code in (11, 26):
        return ArchiveDamaged(f"{path} is not a Gleaner archive (not an SQLite database, or "
                              "badly damaged)")
    if isinstance(error, OSError):
        return ArchiveError(f"{path} could not be opened ({error.strerror or error})")
    return ArchiveError(f"{path} could not be opened as an archive ({error})")


def _writable(path: Path) -> bool:
    """Whether SQLite can write the file and make its -wal and -shm files beside it."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _as_storage_error(error: sqlite3.Error) -> Exception:
    """A failure of the disk or file as a StorageError; other SQLite errors (a constraint the
    caller may handle, a bug) unchanged."""
    converted = storage_error(error)
    return converted if isinstance(converted, StorageError) else error


def _migrations_applied(db: Database) -> int:
    """How many migrations this archive has had (0 for a file just created)."""
    if not db["_sqlite_migrations"].exists():
        return 0
    return db.execute("SELECT count(*) FROM _sqlite_migrations WHERE migration_set = ?",
                      [MIGRATION_SET]).fetchone()[0]


def _back_up_before_upgrading(path: Path) -> None:
    """A backup of the archive as it is, before a newer Gleaner changes its schema (into the
    `backups` folder beside it); the upgrade does not start without one."""
    from .backup import backup_folder, make_backup, stamped_name

    now = datetime.now(UTC)
    target = backup_folder(path) / stamped_name(path, "before-upgrade-", now)
    attempt = 1
    while target.exists():  # an upgrade tried twice within a second
        attempt += 1
        target = target.with_name(f"{stamped_name(path, 'before-upgrade-', now)[:-8]}"
                                  f"-{attempt}.gleaner")
    try:
        make_backup(path, target, now)
    except ArchiveError as error:
        raise ArchiveError(f"{path} needs upgrading for this version of Gleaner, and it is "
                           f"backed up first, but the backup failed: {error}") from None


def _check_schema_is_ours(db: Database, path: Path) -> None:
    """Refuse someone else's database, or an archive written by a newer Gleaner."""
    # A first open that stopped part-way leaves only the (empty) migrations table: still new.
    tables = set(db.table_names()) - {"_sqlite_migrations"}
    if not tables:
        return
    if "articles" not in tables or not db["_sqlite_migrations"].exists():
        raise NotAnArchive(f"{path} is an SQLite database but not a Gleaner archive")
    applied = {row["name"] for row in db.query(
        "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", [MIGRATION_SET])}
    known = {m.name for m in migrations._migrations}
    if applied - known:
        raise ArchiveTooNew(f"{path} was written by a newer version of Gleaner; "
                           "update Gleaner to open it")
