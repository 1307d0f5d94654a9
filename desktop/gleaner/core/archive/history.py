"""The undo history: every step's changed rows, before and after, kept in the archive.

A step records, for each row it touched, the row as it was and as it became (None where the
row did not exist). Undo writes the "before" rows back, redo the "after" rows, each in one
transaction, after checking that nothing changed those rows since (another window or the
command line may share the archive). Restored rows keep their ids, GUIDs and times.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from dataclasses import dataclass

from sqlite_utils import Database

from ..errors import ArchiveError
from ..models import Changes, HistoryStep
from .codebook import counted_once, recount_totals

HISTORY_LIMIT = 500  # steps kept; older ones are forgotten

THEME_LINKS = "theme_links"  # the table name under which ThemeLinks records are kept
THEME_LINKS_ADDED = "theme_links_added"  # and LinksAdded records
# Rows with bytes, which JSON cannot hold as they are.
BLOB_TABLES = {"article_contents", "article_assets"}
# The primary key of each table a step may change.
KEYS = {
    "articles": ("id",),
    "article_contents": ("article_id",),
    "themes": ("id",),
    "theme_merges": ("theme_id",),
    "highlights": ("id",),
    "highlight_themes": ("highlight_id", "theme_id"),
    "highlight_revisions": ("id",),
    "tags": ("id",),
    "article_tags": ("article_id", "tag_id"),
    "article_keys": ("article_id", "kind", "key"),
    "article_assets": ("article_id", "name"),
}


@dataclass(frozen=True)
class RowChange:
    """One row of a step: its table, key and its state before and after (None: absent)."""

    table: str
    key: dict
    before: dict | None
    after: dict | None


@dataclass(frozen=True)
class ThemeLinks:
    """All of one theme's links as a single record: the ids of the highlights it codes,
    before and after, as sorted JSON arrays built by SQLite. A step that changes thousands
    of links of one theme (deleting it) records and replays them in a few statements."""

    theme_id: int
    before: str
    after: str
    table = THEME_LINKS

    def highlight_ids(self) -> set[int]:
        """The highlights whose link to the theme came or went."""
        return set(json.loads(self.before)) ^ set(json.loads(self.after))


@dataclass(frozen=True)
class LinksAdded:
    """Links a step added to one theme, as a sorted JSON array of highlight ids: undo removes
    exactly these and redo adds them again. Merging a theme into one that codes 50,000
    passages records the few thousand it gains, not the 50,000 twice (as ThemeLinks would)."""

    theme_id: int
    added: str
    table = THEME_LINKS_ADDED

    def highlight_ids(self) -> set[int]:
        """The highlights that gained the theme."""
        return set(json.loads(self.added))


def theme_links(db: Database, theme_id: int) -> str:
    """The ids of the highlights coded with a theme, as a sorted JSON array."""
    return db.execute(
        "SELECT json_group_array(highlight_id) FROM (SELECT highlight_id FROM "
        "highlight_themes WHERE theme_id = ? ORDER BY highlight_id)", [theme_id]).fetchone()[0]


class Recorder:
    """Collects the rows a step touches. Call `watch` before changing rows, with a condition
    on columns the step does not change (ids, article or theme of a link): the same
    condition, asked again at the end, finds those rows as they became (or gone). Call
    `created` after inserting a row that no watch covers."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._before: dict[tuple[str, tuple], dict | None] = {}
        self._watches: list[tuple[str, str, tuple]] = []
        self._created: list[tuple[str, tuple]] = []
        self._theme_links: dict[int, str] = {}
        self._links_added: list[LinksAdded] = []
        self.records: list[RowChange | ThemeLinks | LinksAdded] = []

    def watch(self, table: str, where: str, params=()) -> None:
        for row in _select(self.db, table, where, params):
            self._before.setdefault((table, _key_of(table, row)), row)
        self._watches.append((table, where, tuple(params)))

    def watch_theme_links(self, theme_id: int) -> None:
        """Record all of a theme's links as one ThemeLinks record (no row watch of this
        step may cover the same links)."""
        self._theme_links.setdefault(theme_id, theme_links(self.db, theme_id))

    def links_added(self, theme_id: int, added: str) -> None:
        """Note links just added to a theme (a JSON array of highlight ids) as one LinksAdded
        record; no other watch of this step may cover them."""
        if json.loads(added):
            self._links_added.append(LinksAdded(theme_id, added))

    def created(self, table: str, key: dict) -> None:
        key_tuple = tuple(key[column] for column in KEYS[table])
        self._before.setdefault((table, key_tuple), None)
        self._created.append((table, key_tuple))

    def finish(self) -> None:
        """Compare each watched row with its state now; keep those that changed."""
        now: dict[tuple[str, tuple], dict] = {}
        seen: set[tuple[str, tuple]] = set()
        for table, where, params in self._watches:
            for row in _select(self.db, table, where, params):
                key = (table, _key_of(table, row))
                now[key] = row
                self._before.setdefault(key, None)
        for table, key_tuple in self._created:
            if (table, key_tuple) not in now:
                key = dict(zip(KEYS[table], key_tuple, strict=True))
                row = read_row(self.db, table, key)
                if row is not None:
                    now[(table, key_tuple)] = row
        self.records = []
        for (table, key_tuple), before in self._before.items():
            if (table, key_tuple) in seen:
                continue
            seen.add((table, key_tuple))
            after = now.get((table, key_tuple))
            if after != before:
                key = dict(zip(KEYS[table], key_tuple, strict=True))
                self.records.append(RowChange(table, key, before, after))
        for theme_id, before in self._theme_links.items():
            after = theme_links(self.db, theme_id)
            if after != before:
                self.records.append(ThemeLinks(theme_id, before, after))
        self.records.extend(self._links_added)

    def changes(self) -> Changes:
        return changes_of(self.db, self.records)


def _select(db: Database, table: str, where: str, params) -> list[dict]:
    """Rows as the history stores them (bytes encoded only where a table has any)."""
    rows = db.query(f"SELECT * FROM {table} WHERE {where}", list(params))
    return [_encode(row) for row in rows] if table in BLOB_TABLES else list(rows)


def _key_of(table: str, row: dict) -> tuple:
    return tuple(row[column] for column in KEYS[table])


class HistoryMixin:
    """Undo and redo over the steps recorded by `ArchiveStore.step`."""

    db: Database

    def _push_history(self, label: str, records: list[RowChange]) -> None:
        from .store import utc_now

        # A new step ends the redo branch. Its rows (a deleted theme's may be tens of
        # thousands) are removed later by `tidy_history`, not inside the user's action.
        self.db.execute("UPDATE history_steps SET undone = 2 WHERE undone = 1")
        step_id = self.db.execute(
            "INSERT INTO history_steps (label, made_at) VALUES (?, ?)",
            [label, utc_now()]).lastrowid
        self.db.conn.executemany(
            "INSERT INTO history_rows (step_id, seq, table_name, row_key, before, after) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [_history_row(step_id, seq, record) for seq, record in enumerate(records)])

    # A waiting merge's links are added after its step (archive/merges.py): the step is
    # completed with what was done, as if it had done it itself, so that its undo takes it
    # back. A step forgotten since (or cleared by a restore) is left alone.

    def _complete_merge_step(self, source_id: int, target_id: int, added: str) -> None:
        """Record in a merge's step that its waiting links were added: its `theme_merges`
        record as the row now is (no longer waiting) and the links (LinksAdded)."""
        found = self._merge_step_row(source_id)
        if found is None:
            return
        key = {"theme_id": source_id}
        self.db.execute("UPDATE history_rows SET after = ? WHERE step_id = ? AND seq = ?",
                        [_dump_state(read_row(self.db, "theme_merges", key), key), *found])
        self._add_to_step(found[0], [LinksAdded(target_id, added)])

    def _record_moved_links(self, source_id: int, target_id: int, added: str,
                            moved: list[int]) -> None:
        """Record in a merge's step the links moved from the merged theme to the other in
        some articles while it waits: the ones the other gained (LinksAdded) and the merged
        theme's links removed (as rows, which undo puts back)."""
        found = self._merge_step_row(source_id)
        if found is None:
            return
        self._add_to_step(found[0], [LinksAdded(target_id, added), *(
            RowChange("highlight_themes", {"highlight_id": highlight_id,
                                           "theme_id": source_id},
                      {"highlight_id": highlight_id, "theme_id": source_id}, None)
            for highlight_id in moved)])

    def _merge_step_row(self, source_id: int) -> tuple[int, int] | None:
        """(step, seq) of a merge's record of its `theme_merges` row in its step."""
        return self.db.execute(
            "SELECT r.step_id, r.seq FROM history_rows r JOIN history_steps s "
            "ON s.id = r.step_id WHERE r.table_name = 'theme_merges' AND r.row_key = ? "
            "AND s.undone = 0 ORDER BY r.step_id DESC LIMIT 1",
            [_dump_key({"theme_id": source_id})]).fetchone()

    def _add_to_step(self, step_id: int, records: list) -> None:
        """Append records to a step; links added to a theme join the step's LinksAdded
        record of that theme, if it has one (undo takes them off in one statement)."""
        rows = []
        for record in records:
            if isinstance(record, LinksAdded):
                if not json.loads(record.added):
                    continue
                earlier = self.db.execute(
                    "SELECT seq, after FROM history_rows WHERE step_id = ? AND table_name = ? "
                    "AND row_key = ?", [step_id, THEME_LINKS_ADDED, str(record.theme_id)]
                ).fetchone()
                if earlier is not None:
                    joined = _dump(sorted(json.loads(earlier[1]) + json.loads(record.added)))
                    self.db.execute("UPDATE history_rows SET after = ? WHERE step_id = ? "
                                    "AND seq = ?", [joined, step_id, earlier[0]])
                    continue
            rows.append(record)
        last = self.db.execute("SELECT max(seq) FROM history_rows WHERE step_id = ?",
                               [step_id]).fetchone()[0]
        self.db.conn.executemany(
            "INSERT INTO history_rows (step_id, seq, table_name, row_key, before, after) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [_history_row(step_id, last + 1 + n, record) for n, record in enumerate(rows)])

    def tidy_history(self) -> int:
        """Remove abandoned redo branches and steps beyond the last HISTORY_LIMIT; returns
        how many steps went. Run when nothing else is waiting (idle, closing)."""
        with self.write_transaction():
            newest = self._scalar("SELECT max(id) FROM history_steps WHERE undone < 2") or 0
            return self.db.execute(
                "DELETE FROM history_steps WHERE undone = 2 OR id <= ?",
                [newest - HISTORY_LIMIT]).rowcount

    def history(self, limit: int = HISTORY_LIMIT) -> list[HistoryStep]:
        """The most recent steps, newest first (undone ones are the redo branch)."""
        return [HistoryStep(row["id"], row["label"], row["made_at"], bool(row["undone"]))
                for row in self.db.query(
                    "SELECT id, label, made_at, undone FROM history_steps WHERE undone < 2 "
                    "ORDER BY id DESC LIMIT ?", [min(limit, HISTORY_LIMIT)])]

    def undo_label(self) -> str | None:
        """The name of the step Undo would take back, if any."""
        return self._step_label("undone = 0 ORDER BY id DESC")

    def redo_label(self) -> str | None:
        """The name of the step Redo would do again, if any."""
        return self._step_label("undone = 1 ORDER BY id ASC")

    def step_size(self, undo: bool = True) -> int:
        """How many rows the step Undo (or Redo) would take back touches (0 if none)."""
        condition = "undone = 0 ORDER BY id DESC" if undo else "undone = 1 ORDER BY id ASC"
        return self._scalar(
            "SELECT sum(CASE table_name WHEN ? THEN json_array_length(before) "
            "+ json_array_length(after) WHEN ? THEN json_array_length(after) ELSE 1 END) "
            "FROM history_rows WHERE step_id = "
            f"(SELECT id FROM history_steps WHERE {condition} LIMIT 1)",
            [THEME_LINKS, THEME_LINKS_ADDED]) or 0

    def clear_history(self) -> None:
        """Forget every step (after restoring a backup, say)."""
        self.db.execute("DELETE FROM history_steps")

    def undo_step(self) -> tuple[str, list[RowChange]]:
        """Take back the latest step; returns its label and rows. Raises ArchiveError when
        there is nothing to undo or its rows were changed since."""
        return self._replay("undone = 0 ORDER BY id DESC", undo=True)

    def redo_step(self) -> tuple[str, list[RowChange]]:
        """Do again the step most recently undone."""
        return self._replay("undone = 1 ORDER BY id ASC", undo=False)

    def _step_label(self, condition: str) -> str | None:
        row = self.db.execute(
            f"SELECT label FROM history_steps WHERE {condition} LIMIT 1").fetchone()
        return row[0] if row else None

    def _replay(self, condition: str, *, undo: bool) -> tuple[str, list[RowChange]]:
        step = None
        try:
            with self.write_transaction():
                step = self.db.execute(
                    f"SELECT id, label FROM history_steps WHERE {condition} LIMIT 1").fetchone()
                if step is None:
                    raise ArchiveError(f"there is nothing to {'undo' if undo else 'redo'}")
                records = [_load_record(*row) for row in self.db.conn.execute(
                    "SELECT table_name, row_key, before, after FROM history_rows "
                    "WHERE step_id = ? ORDER BY seq", [step[0]])]
                rows = [r for r in records if isinstance(r, RowChange)]
                # A merge still waiting that this step would disturb is carried out first.
                self.make_way_for(**_what_a_replay_touches(self.db, records),
                                  keep={r.key["theme_id"] for r in rows
                                        if r.table == "theme_merges"})
                current = _current_rows(self.db, rows)
                if any(current.get((r.table, _key_of(r.table, r.key)))
                       != (r.after if undo else r.before) for r in rows):
                    raise _Conflict()
                if any(theme_links(self.db, r.theme_id) != (r.after if undo else r.before)
                       for r in records if isinstance(r, ThemeLinks)):
                    raise _Conflict()
                # LinksAdded records are checked as they are replayed (see _write_states): a
                # separate count first cost as much again on a large merge.
                self._write_states(records, undo=undo)
                # Counts of themes that waiting merges go (or went) into (archive/merges.py).
                begins, recount = _merge_counts_to_make(records, undo)
                for theme_id in recount:
                    if self.db.execute("SELECT 1 FROM themes WHERE id = ?",
                                       [theme_id]).fetchone():
                        self._count_effectively(theme_id)
                recount_totals(self.db, _reshaped_themes(records))
                for source_id, target_id in begins:  # as the merge itself counted them
                    if len(self._waiting_into(target_id)) > 1:
                        # Its LinksAdded (put back above) were counted as the target's own
                        # links alone: count the target from all that wait into it.
                        self._count_effectively(target_id)
                        recount_totals(self.db, {source_id})
                    else:
                        self._begin_waiting(source_id, target_id)
                self.db.execute("UPDATE history_steps SET undone = ? WHERE id = ?",
                                [1 if undo else 0, step[0]])
        except (_Conflict, sqlite3.IntegrityError):
            # Someone changed these rows since (another window, the command line): replaying
            # would overwrite their work, or cannot be done (a name taken since, a theme
            # deleted since: checked at commit). The step is dropped so older ones stay
            # reachable.
            with self.write_transaction():
                self.db.execute("DELETE FROM history_steps WHERE id = ?", [step[0]])
            action = "undone" if undo else "redone"
            raise ArchiveError(f"“{step[1]}” can no longer be {action}: it was changed since "
                               "(perhaps in another window or on the command line)") from None
        return step[1], records

    def _write_states(self, records: list[RowChange], *, undo: bool) -> None:
        """Put each row in its state before (undo) or after (redo) the step.

        Rows that come back are inserted parents first (the order they were recorded in),
        rows that go are deleted children first; the keys are checked at commit in any case.
        Rows are written in batches of one table at a time.
        """
        self.db.execute("PRAGMA defer_foreign_keys = ON")
        inserts, updates, deletes = [], [], []
        must_remove: dict[int, int] = {}  # id() of a links delete: how many links it must find
        for record in records:
            if isinstance(record, LinksAdded):
                if undo:
                    delete = ThemeLinks(record.theme_id, record.added, "")
                    must_remove[id(delete)] = len(record.highlight_ids())
                    deletes.append(delete)
                else:
                    inserts.append((THEME_LINKS, (record.theme_id, json.loads(record.added))))
                continue
            was, becomes = (record.after, record.before) if undo else (record.before,
                                                                       record.after)
            if isinstance(record, ThemeLinks):
                was, becomes = set(json.loads(was)), set(json.loads(becomes))
                inserts.append((THEME_LINKS, (record.theme_id, sorted(becomes - was))))
                deletes.append(ThemeLinks(record.theme_id, _dump(sorted(was - becomes)), ""))
            elif becomes is None:
                deletes.append(record)
            elif was is None:
                inserts.append((record.table, _decode(becomes)))
            else:
                updates.append((record.table, record.key, _decode(becomes)))
        for table, rows in _runs(inserts):
            if table == THEME_LINKS:
                for theme_id, highlight_ids in rows:
                    with counted_once(self.db, theme_id):
                        self.db.execute(
                            "INSERT INTO highlight_themes (highlight_id, theme_id) "
                            "SELECT value, ? FROM json_each(?)",
                            [theme_id, _dump(highlight_ids)])
                continue
            columns = list(rows[0])
            names = ", ".join(f'"{c}"' for c in columns)
            self.db.conn.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})",
                [[row[c] for c in columns] for row in rows])
        # Undo changes rows back in the reverse of the order the step changed them, so that
        # no moment has two rows holding the same unique value (a number key passed on).
        for table, key, row in reversed(updates) if undo else updates:
            update_row(self.db, table, key, row)
        for table, gone in _runs([(r.table, r) for r in reversed(deletes)]):
            for record in gone:
                if table == THEME_LINKS:
                    with counted_once(self.db, record.theme_id):
                        removed = self.db.execute(
                            "DELETE FROM highlight_themes WHERE theme_id = ? AND highlight_id "
                            "IN (SELECT value FROM json_each(?))",
                            [record.theme_id, record.before]).rowcount
                    if removed != must_remove.get(id(record), removed):
                        raise _Conflict()  # some of the links it added were removed since
                    continue
                if _has_children(self.db, table, record.key):
                    # Removing it would take rows the step never recorded with it.
                    raise _Conflict()
                delete_row(self.db, table, record.key)


def _merge_counts_to_make(records, undo: bool) -> tuple[list[tuple[int, int]], set[int]]:
    """After a replay: the merges it made wait again, counted as the merge counted them
    [(merged theme, target)] (a redo of one plain merge), and the themes whose counts are
    to be made again from their links and the merges waiting into them (any other replay
    touching merges, or the links of a theme)."""
    merges = [record for record in records if getattr(record, "table", None) == "theme_merges"]
    if (not undo and len(merges) == 1 and merges[0].before is None
            and merges[0].after.get("waiting")):
        return [(merges[0].after["theme_id"], merges[0].after["into_id"])], set()
    recount = {state["into_id"] for record in merges for state in (record.before, record.after)
               if state}
    recount.update(record.theme_id for record in records
                   if isinstance(record, ThemeLinks | LinksAdded))
    return [], recount


def _what_a_replay_touches(db: Database, records) -> dict[str, set[int]]:
    """What replaying these records changes that a waiting merge may count on
    (`make_way_for`): the highlights and articles whose passages gain or lose theme links."""
    articles, highlights = set(), set()
    for record in records:
        if isinstance(record, ThemeLinks | LinksAdded):
            highlights.update(record.highlight_ids())
        elif record.table == "highlights" and (record.before is None or record.after is None):
            articles.add((record.after or record.before)["article_id"])
        elif record.table == "highlight_themes":
            highlights.add(record.key["highlight_id"])
    return {"articles": articles, "highlights": highlights}


def _reshaped_themes(records) -> set[int]:
    """Themes whose place in the tree, or whose existence, a step changed, with their
    parents before and after: the totals with sub-themes to count again."""
    found = set()
    for record in records:
        if isinstance(record, RowChange) and record.table == "themes":
            states = [state for state in (record.before, record.after) if state]
            if len(states) == 2 and all(states[0].get(c) == states[1].get(c)
                                        for c in ("parent_id", "deleted")):
                continue
            found.add(record.key["id"])
            found.update(state.get("parent_id") for state in states)
    found.discard(None)
    return found


class _Conflict(Exception):
    """A step's rows no longer are as it left them."""


# Rows that a deletion would take with it (ON DELETE CASCADE).
CHILDREN = {
    "articles": [("article_contents", "article_id"), ("highlights", "article_id"),
                 ("article_tags", "article_id"), ("article_keys", "article_id"),
                 ("article_assets", "article_id")],
    "highlights": [("highlight_themes", "highlight_id"),
                   ("highlight_revisions", "highlight_id")],
    "themes": [("highlight_themes", "theme_id"), ("themes", "parent_id"),
               ("theme_merges", "theme_id")],
    "tags": [("article_tags", "tag_id")],
}


def _has_children(db: Database, table: str, key: dict) -> bool:
    """Whether rows of other tables still point at this one (parents have a one-column key)."""
    return any(db.execute(f"SELECT 1 FROM {child} WHERE {column} = ? LIMIT 1",
                          [key["id"]]).fetchone()
               for child, column in CHILDREN.get(table, ()))


# --- rows ------------------------------------------------------------------------------------

def read_row(db: Database, table: str, key: dict) -> dict | None:
    """A row as the history stores it (bytes encoded), or None if it does not exist."""
    return read_rows(db, table, [key]).get(_key_of(table, key))


def read_rows(db: Database, table: str, keys: list[dict]) -> dict[tuple, dict]:
    """The rows with these keys that exist, by key (a tuple), as the history stores them."""
    first, *rest = KEYS[table]
    # Keys sharing their other columns (a theme's links) are read with one IN list on the
    # first column: primary-key lookups, far quicker than a list of row values.
    groups: dict[tuple, list] = {}
    for key in keys:
        groups.setdefault(tuple(key[column] for column in rest), []).append(key[first])
    found = {}
    for fixed, values in groups.items():
        condition = "".join(f' AND "{column}" = ?' for column in rest)
        for start in range(0, len(values), _BATCH):
            chunk = values[start:start + _BATCH]
            where = f'"{first}" IN ({",".join("?" * len(chunk))}){condition}'
            for row in _select(db, table, where, [*chunk, *fixed]):
                found[_key_of(table, row)] = row
    return found


def _current_rows(db: Database, records: list[RowChange]) -> dict[tuple[str, tuple], dict]:
    current = {}
    for table in {r.table for r in records}:
        rows = read_rows(db, table, [r.key for r in records if r.table == table])
        current.update({(table, key): row for key, row in rows.items()})
    return current


def _runs(items: list[tuple[str, object]]) -> list[tuple[str, list]]:
    """Consecutive items of the same table, grouped: [(table, [item, …]), …]."""
    runs: list[tuple[str, list]] = []
    for table, item in items:
        if runs and runs[-1][0] == table:
            runs[-1][1].append(item)
        else:
            runs.append((table, [item]))
    return runs


def update_row(db: Database, table: str, key: dict, row: dict) -> None:
    """Set the columns of an existing row (UPDATE, never REPLACE: replacing a parent row
    would cascade to its children)."""
    where = " AND ".join(f'"{column}" = ?' for column in key)
    columns = [c for c in row if c not in key]
    if columns:
        sets = ", ".join(f'"{c}" = ?' for c in columns)
        db.execute(f"UPDATE {table} SET {sets} WHERE {where}",
                   [row[c] for c in columns] + list(key.values()))


def delete_row(db: Database, table: str, key: dict) -> None:
    where = " AND ".join(f'"{column}" = ?' for column in key)
    db.execute(f"DELETE FROM {table} WHERE {where}", list(key.values()))


def changes_of(db: Database, records: list[RowChange]) -> Changes:
    """What a front end must refresh after these rows changed (in either direction)."""
    articles, highlights, themes, details = set(), set(), set(), set()
    library = codebook = False
    for record in records:
        if isinstance(record, ThemeLinks | LinksAdded):
            themes.add(record.theme_id)
            highlights.update(record.highlight_ids())
            continue
        either = record.after or record.before
        added_or_removed = record.before is None or record.after is None
        if record.table == "articles":
            articles.add(record.key["id"])
            details.add(record.key["id"])
            library = library or added_or_removed
        elif record.table in ("article_contents", "article_assets"):
            articles.add(record.key["article_id"])  # its text or images: the reader shows them
            details.add(record.key["article_id"])
        elif record.table == "article_keys":
            articles.add(record.key["article_id"])
        elif record.table == "highlights":
            highlights.add(record.key["id"])
            articles.add(either["article_id"])
        elif record.table == "highlight_themes":
            # A link changes its highlight and its theme's count, not the article's row:
            # front ends repaint an open article whose highlights are among `highlights`.
            highlights.add(record.key["highlight_id"])
            themes.add(record.key["theme_id"])
        elif record.table == "themes":
            themes.add(record.key["id"])
            codebook = codebook or added_or_removed or any(
                record.before.get(column) != record.after.get(column)
                for column in ("position", "parent_id", "deleted", "shortcut"))
        elif record.table == "theme_merges":
            # The merged theme's passages now show (or no longer show) the other theme.
            themes.update((either["theme_id"], either["into_id"]))
        elif record.table in ("tags", "article_tags"):
            if "article_id" in record.key:
                articles.add(record.key["article_id"])
                details.add(record.key["article_id"])
        elif record.table == "highlight_revisions":
            highlights.add(either["highlight_id"])
    return Changes(frozenset(articles), frozenset(highlights), frozenset(themes), library,
                   codebook, frozenset(details))


def _encode(row: dict) -> dict:
    return {k: {"$bytes": base64.b64encode(v).decode()} if isinstance(v, bytes) else v
            for k, v in row.items()}


def _decode(row: dict) -> dict:
    return {k: base64.b64decode(v["$bytes"]) if isinstance(v, dict) else v
            for k, v in row.items()}


_BATCH = 10_000  # parameters per query (SQLite allows 32,766)
_dump = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode
_SAME_AS_KEY = "="  # a row made of its key alone (a theme link) is stored as this


def _dump_key(key: dict) -> str:
    """A key as a JSON array of its values, in KEYS order (ids: written directly)."""
    values = list(key.values())
    if all(type(value) is int for value in values):
        return "[" + ",".join(map(str, values)) + "]"
    return _dump(values)


def _history_row(step_id: int, seq: int, record) -> tuple:
    if isinstance(record, LinksAdded):
        return (step_id, seq, THEME_LINKS_ADDED, str(record.theme_id), None, record.added)
    if isinstance(record, ThemeLinks):
        return (step_id, seq, THEME_LINKS, str(record.theme_id), record.before, record.after)
    return (step_id, seq, record.table, _dump_key(record.key),
            _dump_state(record.before, record.key), _dump_state(record.after, record.key))


def _load_record(table: str, key_text: str, before: str | None,
                 after: str | None) -> RowChange | ThemeLinks | LinksAdded:
    if table == THEME_LINKS_ADDED:
        return LinksAdded(int(key_text), after)
    if table == THEME_LINKS:
        return ThemeLinks(int(key_text), before, after)
    key = dict(zip(KEYS[table], json.loads(key_text), strict=True))
    return RowChange(table, key, _load_state(before, key), _load_state(after, key))


def _dump_state(row: dict | None, key: dict) -> str | None:
    if row is None:
        return None
    return _SAME_AS_KEY if row == key else _dump(row)


def _load_state(text: str | None, key: dict) -> dict | None:
    if text is None:
        return None
    return dict(key) if text == _SAME_AS_KEY else json.loads(text)
