"""`gleaner check`: SQLite's own checks and Gleaner's invariants, read without changing a byte.

Each check is a function of a plain `sqlite3.Connection`, so the same checks run on an open
`Archive` (`ChecksMixin.check`) and on a file opened read-only (`check_file`), which is what
the command line does: opening it as an `Archive` could migrate it or tidy it on close.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from ..errors import ArchiveError, ArchiveReadOnly
from .codebook import STALE  # a total being counted again: not an error

MAX_DETAILS = 50  # a badly damaged archive could name thousands of rows: show the first ones


@dataclass(frozen=True)
class CheckResult:
    """One check: its name, whether it passed, and what is wrong (one line per problem)."""

    name: str
    ok: bool
    details: list[str] = field(default_factory=list)

    def line(self) -> str:
        """The check as one line of `gleaner check` output."""
        if self.ok:
            return f"{self.name}: ok"
        shown = "; ".join(self.details[:MAX_DETAILS])
        more = len(self.details) - MAX_DETAILS
        return f"{self.name}: {shown}" + (f"; and {more} more" if more > 0 else "")


class ChecksMixin:
    """Checking an open archive."""

    db: Database

    def check(self) -> list[CheckResult]:
        """Run every check on this archive, in one read transaction."""
        return run_checks(self.db.conn)

    def repair(self) -> list[str]:
        """Fix, in one transaction, what can be fixed without losing anything: the stored
        counts are counted again from the links, and highlights whose quote no longer
        matches their article's text are marked orphaned (kept, with their quote and note,
        as re-extraction keeps the ones it cannot place). Nothing is deleted. Returns one
        line per kind of fix made; make a backup first (`gleaner check --repair` does)."""
        fixes = []
        with self.write_transaction():
            self.carry_out_merges()  # the counts below are counted from the links
            orphans = [(highlight_id,) for highlight_id, _start, _end
                       in mismatched_quotes(self.db.conn)]
            if orphans:
                self.db.conn.executemany("UPDATE highlights SET orphaned = 1 WHERE id = ?",
                                         orphans)
                fixes.append("marked orphaned: highlight "
                             + ", ".join(str(row[0]) for row in orphans))
            if not check_counts(self.db.conn).ok:
                recount_everything(self.db)
                fixes.append("counted again: the codebook's and the library's counts")
        return fixes


def recount_everything(db: Database) -> None:
    """Set every count the triggers keep to a count made from scratch (inside a transaction).

    A count row of a theme that is gone is derived data, not the user's: it is dropped.
    """
    from .codebook import recount_totals

    db.execute("DELETE FROM theme_counts WHERE theme_id NOT IN (SELECT id FROM themes)")
    db.execute("INSERT OR IGNORE INTO theme_counts (theme_id) SELECT id FROM themes")
    # The triggers on theme_articles adjust counts below; they are all set afterwards.
    db.execute("DELETE FROM theme_articles")
    db.execute("INSERT INTO theme_articles (theme_id, article_id, passages) "
               "SELECT ht.theme_id, h.article_id, count(*) FROM highlight_themes ht "
               "JOIN highlights h ON h.id = ht.highlight_id GROUP BY 1, 2")
    db.execute("UPDATE theme_counts SET "
               "highlights = (SELECT count(*) FROM highlight_themes ht "
               "WHERE ht.theme_id = theme_counts.theme_id), "
               "articles = (SELECT count(*) FROM theme_articles ta "
               "WHERE ta.theme_id = theme_counts.theme_id)")
    db.execute("INSERT OR REPLACE INTO library_count (id, articles) "
               "SELECT 1, count(*) FROM articles")
    live = [row[0] for row in db.execute("SELECT id FROM themes WHERE deleted = 0")]
    recount_totals(db, live, defer=False)


def check_file(path: str | Path) -> list[CheckResult]:
    """Run every check on the archive file at `path`, opened read-only.

    The file's bytes are never changed (a read-only connection cannot checkpoint); a file that
    is missing or not a Gleaner archive is an ArchiveError.
    """
    connection = open_read_only(path)
    try:
        return run_checks(connection)
    finally:
        connection.close()


def open_read_only(path: str | Path, tidy: bool = False) -> sqlite3.Connection:
    """A connection that only reads an existing Gleaner archive (never creates the file).

    SQLite's read-only mode guarantees the file's bytes stay as they are, but leaves the
    -wal and -shm files it needed beside it. With `tidy`, the connection is a read-write one
    held to reads (`query_only`): the last connection to close removes those files, and
    writes into the file any changes a crashed process left in its -wal.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise ArchiveError(f"{path} does not exist or is not a file")
    from .store import open_immutable, refusal

    mode = "rw" if tidy else "ro"
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True)
    try:
        connection.execute("PRAGMA busy_timeout = 10000")
        connection.execute("PRAGMA query_only = ON")
        tables = _table_names(connection)
    except sqlite3.OperationalError as error:
        connection.close()
        refusal = refusal(path, error)
        if tidy and isinstance(refusal, ArchiveReadOnly):
            return open_read_only(path)  # nothing to tidy on a disk that cannot be written
        if tidy or "unable to open" not in str(error):
            raise refusal from None
        # A read-only disk or folder: SQLite cannot make the -shm file a reader needs.
        connection = open_immutable(path, error)
        tables = _table_names(connection)
    except sqlite3.DatabaseError as error:
        connection.close()
        raise ArchiveError(f"{path} is not a Gleaner archive ({error})") from None
    if not {"articles", "_sqlite_migrations"} <= tables:
        connection.close()
        raise ArchiveError(f"{path} is not a Gleaner archive")
    return connection


def _table_names(connection: sqlite3.Connection) -> set[str]:
    return {row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}


def run_checks(connection: sqlite3.Connection) -> list[CheckResult]:
    """Every check, all reading one snapshot (another process may be writing meanwhile)."""
    started = not connection.in_transaction
    if started:
        connection.execute("BEGIN")
    try:
        results = [check_integrity(connection), check_foreign_keys(connection),
                   check_schema(connection)]
        if results[-1].ok:  # Gleaner's invariants need today's tables
            results += [check_links(connection), check_quotes(connection),
                        check_counts(connection)]
        return results
    finally:
        if started:
            connection.execute("ROLLBACK")


def check_integrity(connection: sqlite3.Connection) -> CheckResult:
    """SQLite's `PRAGMA integrity_check`: pages, indexes and constraints."""
    try:
        lines = [row[0] for row in connection.execute(
            f"PRAGMA integrity_check({MAX_DETAILS})")]
    except sqlite3.DatabaseError as error:
        return CheckResult("integrity", False, [str(error)])
    return CheckResult("integrity", lines == ["ok"], [] if lines == ["ok"] else lines)


def check_foreign_keys(connection: sqlite3.Connection) -> CheckResult:
    """SQLite's `PRAGMA foreign_key_check`: rows pointing at rows that are not there."""
    problems = [f"a row of {table} (rowid {rowid}) points to a missing row of {parent}"
                if rowid is not None else f"a row of {table} points to a missing row of {parent}"
                for table, rowid, parent, _key in connection.execute(
                    "PRAGMA foreign_key_check")]
    return CheckResult("foreign keys", not problems, problems)


def check_schema(connection: sqlite3.Connection) -> CheckResult:
    """Every migration this Gleaner knows has been applied, and none it does not know."""
    from ..schema import MIGRATION_SET, migrations

    applied = {row[0] for row in connection.execute(
        "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", [MIGRATION_SET])}
    known = {migration.name for migration in migrations._migrations}
    problems = []
    if applied - known:
        problems.append("written by a newer version of Gleaner (unknown migrations: "
                        f"{', '.join(sorted(applied - known))})")
    if known - applied:
        problems.append("made by an older Gleaner; open it once to bring it up to date "
                        f"(pending: {', '.join(sorted(known - applied))})")
    return CheckResult("schema", not problems, problems)


def check_links(connection: sqlite3.Connection) -> CheckResult:
    """Every theme link points to an existing highlight and theme, every highlight to an
    existing article with its text (checked here too: foreign keys may have been off)."""
    problems = [f"link of highlight {h} to theme {t}: highlight {h} does not exist"
                for h, t in connection.execute(
                    "SELECT ht.highlight_id, ht.theme_id FROM highlight_themes ht "
                    "WHERE NOT EXISTS (SELECT 1 FROM highlights h WHERE h.id = ht.highlight_id) "
                    "ORDER BY 1, 2")]
    problems += [f"link of highlight {h} to theme {t}: theme {t} does not exist"
                 for h, t in connection.execute(
                     "SELECT ht.highlight_id, ht.theme_id FROM highlight_themes ht "
                     "WHERE NOT EXISTS (SELECT 1 FROM themes t WHERE t.id = ht.theme_id) "
                     "ORDER BY 1, 2")]
    problems += [f"highlight {h}: article {a} does not exist" for h, a in connection.execute(
        "SELECT h.id, h.article_id FROM highlights h "
        "WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = h.article_id) ORDER BY 1")]
    problems += [f"article {a} has no text" for (a,) in connection.execute(
        "SELECT a.id FROM articles a WHERE NOT EXISTS "
        "(SELECT 1 FROM article_contents c WHERE c.article_id = a.id) ORDER BY 1")]
    return CheckResult("links", not problems, problems)


def check_quotes(connection: sqlite3.Connection) -> CheckResult:
    """Every highlight that is not orphaned quotes its article's text at [start, end)
    (offsets count code points, as Python's str indexing does)."""
    return CheckResult("quotes", not (ids := mismatched_quotes(connection)),
                       [f"highlight {h} no longer matches its article's text "
                        f"at {start}-{end}" for h, start, end in ids])


def mismatched_quotes(connection: sqlite3.Connection) -> list[tuple[int, int, int]]:
    """(id, start, end) of each highlight, not orphaned, whose quote differs from its range."""
    by_article: dict[int, list[tuple[int, int, int, str]]] = defaultdict(list)
    for row in connection.execute(
            'SELECT article_id, id, start, "end", exact FROM highlights WHERE orphaned = 0 '
            "ORDER BY article_id, id"):
        by_article[row[0]].append(row[1:])
    wrong = []
    # One article's text at a time: an archive's texts together may not fit in memory.
    for article_id, highlights in by_article.items():
        row = connection.execute("SELECT text FROM article_contents WHERE article_id = ?",
                                 [article_id]).fetchone()
        text = row[0] if row else None
        wrong += [(h, start, end) for h, start, end, exact in highlights
                  if text is None or text[start:end] != exact]
    return wrong


def check_counts(connection: sqlite3.Connection) -> CheckResult:
    """The counts kept by triggers agree with the rows they count."""
    problems = (_theme_count_problems(connection) + _theme_article_problems(connection)
                + _total_problems(connection) + _library_problems(connection))
    return CheckResult("counts", not problems, problems)


def _theme_count_problems(connection: sqlite3.Connection) -> list[str]:
    stored = {row[0]: row[1:] for row in connection.execute(
        "SELECT theme_id, highlights, articles FROM theme_counts")}
    # A theme that a merge waiting for its links went into counts the merged theme's
    # passages too (archive/merges.py).
    own_and_waiting = ("(SELECT t.id UNION ALL SELECT theme_id FROM theme_merges "
                       "WHERE into_id = t.id AND waiting)")
    actual = {row[0]: row[1:] for row in connection.execute(
        "SELECT t.id, (SELECT count(DISTINCT highlight_id) FROM highlight_themes "
        f"WHERE theme_id IN {own_and_waiting}), "
        "(SELECT count(DISTINCT h.article_id) FROM highlight_themes ht JOIN highlights h "
        f"ON h.id = ht.highlight_id WHERE ht.theme_id IN {own_and_waiting}) FROM themes t")}
    problems = [f"theme {t} has no count row" for t in sorted(actual.keys() - stored.keys())]
    problems += [f"count row of missing theme {t}" for t in sorted(stored.keys() - actual.keys())]
    for theme_id in sorted(stored.keys() & actual.keys()):
        (highlights, articles), (real_highlights, real_articles) = (stored[theme_id],
                                                                    actual[theme_id])
        if highlights != real_highlights:
            problems.append(f"theme {theme_id}: stored {highlights} highlights, "
                            f"{real_highlights} linked")
        if articles != real_articles:
            problems.append(f"theme {theme_id}: stored {articles} articles, "
                            f"{real_articles} with links")
    return problems


def _theme_article_problems(connection: sqlite3.Connection) -> list[str]:
    """`theme_articles` holds, for each theme and article, how many of its passages it codes."""
    rows = connection.execute(
        "WITH real AS (SELECT ht.theme_id AS theme_id, h.article_id AS article_id, "
        "count(*) AS n FROM highlight_themes ht JOIN highlights h ON h.id = ht.highlight_id "
        "GROUP BY 1, 2) "
        "SELECT r.theme_id, r.article_id, ta.passages, r.n FROM real r LEFT JOIN "
        "theme_articles ta ON ta.theme_id = r.theme_id AND ta.article_id = r.article_id "
        "WHERE ta.passages IS NOT r.n "
        "UNION ALL SELECT ta.theme_id, ta.article_id, ta.passages, 0 FROM theme_articles ta "
        "WHERE NOT EXISTS (SELECT 1 FROM real r WHERE r.theme_id = ta.theme_id "
        "AND r.article_id = ta.article_id) ORDER BY 1, 2")
    return [f"theme {t} in article {a}: stored {stored or 0} passages, {real} linked"
            for t, a, stored, real in rows]


def _total_problems(connection: sqlite3.Connection) -> list[str]:
    """Each live theme's totals with sub-themes (each passage and article counted once)."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for theme_id, parent_id in connection.execute(
            "SELECT id, parent_id FROM themes WHERE deleted = 0"):
        children[parent_id].append(theme_id)
    merged_into: dict[int, list[int]] = defaultdict(list)  # waiting merges count as theirs
    for source_id, target_id in connection.execute(
            "SELECT theme_id, into_id FROM theme_merges WHERE waiting"):
        merged_into[target_id].append(source_id)
    problems = []
    for theme_id, total_highlights, total_articles in connection.execute(
            "SELECT c.theme_id, c.total_highlights, c.total_articles FROM theme_counts c "
            "JOIN themes t ON t.id = c.theme_id WHERE t.deleted = 0 ORDER BY 1").fetchall():
        if STALE in (total_highlights, total_articles):
            continue  # waiting for `recount_stale_totals`, which the next open runs
        ids = _subtree(children, theme_id)
        ids += [source for target in list(ids) for source in merged_into.get(target, ())]
        marks = ",".join("?" * len(ids))
        real = connection.execute(
            "SELECT count(DISTINCT ht.highlight_id), count(DISTINCT h.article_id) "
            "FROM highlight_themes ht JOIN highlights h ON h.id = ht.highlight_id "
            f"WHERE ht.theme_id IN ({marks})", ids).fetchone()
        if (total_highlights, total_articles) != real:
            problems.append(f"theme {theme_id}: stored totals with sub-themes "
                            f"{total_highlights} highlights in {total_articles} articles, "
                            f"links say {real[0]} in {real[1]}")
    return problems


def _subtree(children: dict[int | None, list[int]], theme_id: int) -> list[int]:
    ids, waiting = [], [theme_id]
    while waiting:
        current = waiting.pop()
        if current in ids:
            continue  # a damaged tree could loop
        ids.append(current)
        waiting += children.get(current, [])
    return ids


def _library_problems(connection: sqlite3.Connection) -> list[str]:
    stored = connection.execute("SELECT articles FROM library_count").fetchone()
    real = connection.execute("SELECT count(*) FROM articles").fetchone()[0]
    if stored is None:
        return ["the library's article count is missing"]
    if stored[0] != real:
        return [f"library: stored {stored[0]} articles, {real} saved"]
    return []
