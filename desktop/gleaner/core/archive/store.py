"""Opening and closing an archive, and the step: one transaction that records its own undo."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

from ..errors import ArchiveError
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

    @classmethod
    def open(cls, path: str | Path | None = None):
        """Open (creating if needed) the archive at path, bringing its schema up to date.

        A file that is not a Gleaner archive is refused untouched. The file is only ever read
        through SQLite: opening and closing it any other way in this process would release
        SQLite's POSIX locks on it (see docs/architecture.md).
        """
        path = Path(path).expanduser() if path else default_archive_path()
        if path.is_dir():
            raise ArchiveError(f"{path} is a folder, not an archive file")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = Database(path)
        except (OSError, sqlite3.Error) as error:
            raise ArchiveError(f"{path} could not be opened ({error})") from None
        try:
            db.execute("PRAGMA busy_timeout = 10000")
            _check_schema_is_ours(db, path)
            db.enable_wal()
            # Losing a highlight on power failure is worse than a slower commit.
            db.execute("PRAGMA synchronous = FULL")
            if migrations.pending(db):
                if _migrations_applied(db):
                    _back_up_before_upgrading(path)
                # Migrations rebuild tables, which needs the keys off; they are checked after
                # (only then: on a large archive the check reads every page, seconds when cold).
                db.execute("PRAGMA foreign_keys = OFF")
                migrations.apply(db)
                if db.execute("PRAGMA foreign_key_check").fetchone() is not None:
                    raise ArchiveError(f"{path} has links to missing rows; it may be damaged")
            db.execute("PRAGMA foreign_keys = ON")
        except ArchiveError:
            db.close()
            raise
        except sqlite3.DatabaseError as error:
            db.close()
            if "not a database" in str(error):
                raise ArchiveError(f"{path} is not a Gleaner archive (not an SQLite database, "
                                   "or badly damaged)") from None
            raise ArchiveError(f"{path} could not be opened as an archive ({error})") from None
        return cls(db, path)

    def close(self) -> None:
        """Tidy up (see `tidy`) and close the database connection."""
        with contextlib.suppress(sqlite3.Error, ArchiveError):
            while self.tidy():
                pass
        self.db.close()

    def tidy(self) -> bool:
        """Housekeeping for idle moments, in short transactions: count the totals a step
        left waiting, forget old and abandoned undo steps, then remove for good a slice of
        the deleted themes no step can bring back. True if there is more to do."""
        if self.recount_stale_totals(limit=1):
            return True
        self.tidy_history()
        return self.purge_deleted_themes()

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
        if self.db.conn.in_transaction:
            # Never join a transaction we did not open: its fate is not ours to report.
            raise ArchiveError("the archive is in the middle of another change; try again")
        self.db.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            self.db.conn.execute("COMMIT")
        except BaseException:
            self.rollback_if_open()
            raise

    def rollback_if_open(self) -> None:
        """Roll back a transaction left open by an error, so later changes stand alone."""
        if self.db.conn.in_transaction:
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
        raise ArchiveError(f"{path} is an SQLite database but not a Gleaner archive")
    applied = {row["name"] for row in db.query(
        "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", [MIGRATION_SET])}
    known = {m.name for m in migrations._migrations}
    if applied - known:
        raise ArchiveError(f"{path} was written by a newer version of Gleaner; "
                           "update Gleaner to open it")
