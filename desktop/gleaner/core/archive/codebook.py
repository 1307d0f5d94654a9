"""The codebook: themes in a tree, their order (number keys follow it) and their counts.

A deleted theme is only marked (`deleted = 1`): its links stay, hidden from every query, so
deleting a much-used theme and undoing that change one row each. `purge_deleted_themes`
removes such a theme for good once no undo step can bring it back.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlite_utils import Database

from ..codebook import depth_first, descendants
from ..errors import ArchiveError, NotFound
from ..models import Theme

_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
# Colours offered to new themes: the starter codebook's eight (resources/codebook.json, in its
# order), then four more. They stay apart for colour-blind readers too: with protanopia,
# deuteranopia and tritanopia simulated (Machado et al. 2009 at full severity, as colorspacious
# does it), every pair differs by at least 10 CAM02-UCS units as full colours (bars, stripes,
# chips, the open highlight) and 6 as highlight fills (blended on white at the reader's
# HIGHLIGHT_ALPHA), the eight starters by 12 and 7. The closest pairs measure 10.4 and 6.4
# (starters 12.3 and 7.4), where the previous teal and pink came within 1.4 and 0.9 under
# deuteranopia. Each starter keeps its family's hue (yellow, red, blue, green, orange, purple,
# teal, pink) within 10 degrees; lightness and chroma were spread by a search, because the
# published colour-blind-safe sets fall short here (Tol's light set comes within 6 under
# tritanopia; Okabe-Ito's blue and vermillion are too dark for dark text). Text in #202124 has a
# contrast of at least 8.2 on every fill and 4.6 on every full colour. tests/test_palette.py
# measures all of this. Colour is never the only cue: chips carry the theme's key and name.
THEME_PALETTE = ["#FFDC46", "#FF5A7D", "#788CBE", "#73E69B", "#FF9114", "#C89BFA", "#41B4AA",
                 "#FAA0D2", "#B4D2FF", "#7D9146", "#C3B464", "#AA6EF0"]
_THEME_COLUMNS = (
    "t.id, t.guid, t.name, t.color, t.description, t.position, t.parent_id, t.shortcut, "
    "coalesce(c.highlights, 0) AS highlight_count, coalesce(c.articles, 0) AS article_count, "
    "nullif(coalesce(c.total_highlights, 0), -1) AS total_highlights, "
    "nullif(coalesce(c.total_articles, 0), -1) AS total_articles")
_THEMES_FROM = "themes t LEFT JOIN theme_counts c ON c.theme_id = t.id"
CHILDREN_MOVE_UP = "move-up"
CHILDREN_DELETE = "delete"
KEEP = "keep"  # move_theme/update_theme: leave this as it is


def theme_key(name: str) -> str:
    """What makes two theme names the same: case (in any script) and spacing ignored."""
    return " ".join(name.split()).casefold()


class CodebookMixin:
    """Themes in the archive."""

    db: Database

    # --- reading ---------------------------------------------------------------------------

    def list_themes(self) -> list[Theme]:
        """The codebook as shown: depth-first, siblings in the user's order, each theme with
        its counts (and, for a parent, the totals with its sub-themes)."""
        rows = self.db.query(f"SELECT {_THEME_COLUMNS} FROM {_THEMES_FROM} "
                             "WHERE t.deleted = 0")
        return depth_first(Theme(**row) for row in rows)

    def get_theme(self, theme_id: int) -> Theme:
        """One theme with its counts."""
        rows = list(self.db.query(f"SELECT {_THEME_COLUMNS} FROM {_THEMES_FROM} "
                                  "WHERE t.id = ? AND t.deleted = 0", [theme_id]))
        if not rows:
            raise NotFound(f"there is no theme {theme_id}")
        return Theme(**rows[0])

    def themes_by_id(self, theme_ids) -> list[Theme]:
        """These themes (those that exist) and their parents up to the top, whose totals
        include them, in the codebook's order."""
        wanted = set(theme_ids)
        if not wanted:
            return []
        themes = self.list_themes()
        by_id = {theme.id: theme for theme in themes}
        for theme_id in list(wanted):
            parent = by_id[theme_id].parent_id if theme_id in by_id else None
            while parent in by_id and parent not in wanted:
                wanted.add(parent)
                parent = by_id[parent].parent_id
        return [theme for theme in themes if theme.id in wanted]

    def theme_by_name(self, name: str) -> Theme:
        """The theme with this name, ignoring case."""
        theme_id = self._scalar("SELECT id FROM themes WHERE name_key = ? AND deleted = 0",
                                [theme_key(name)])
        if theme_id is None:
            raise NotFound(f"there is no theme called {name.strip()!r}")
        return self.get_theme(theme_id)

    def _live_theme(self, theme_id: int) -> dict:
        rows = list(self.db.query("SELECT id, name, parent_id, position FROM themes "
                                  "WHERE id = ? AND deleted = 0", [theme_id]))
        if not rows:
            raise NotFound(f"there is no theme {theme_id}")
        return rows[0]

    # --- changing ----------------------------------------------------------------------------

    def add_theme(self, name: str, color: str | None = None, description: str = "",
                  parent_id: int | None = None) -> Theme:
        """Add a theme at the end of the codebook (or of its parent's sub-themes); a colour
        is chosen if none is given."""
        from .store import utc_now

        name = _clean_name(name)
        color = _clean_color(color) if color else self.suggest_color()
        if parent_id is not None:
            self._live_theme(parent_id)
        with self.db.atomic():
            self._check_name_free(name)
            theme_id = self.db.execute(
                "INSERT INTO themes (guid, name, name_key, color, description, parent_id, "
                "position, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [str(uuid.uuid4()), name, theme_key(name), color, description.strip(),
                 parent_id, self._next_position(parent_id), utc_now()]).lastrowid
            self._created("themes", id=theme_id)
        return self.get_theme(theme_id)

    def update_theme(self, theme_id: int, *, name: str | None = None, color: str | None = None,
                     description: str | None = None, shortcut=KEEP) -> Theme:
        """Rename, recolour or redescribe a theme, or pin it to a number key (1–9; None
        unpins it). A key pinned to another theme moves to this one."""
        theme = self.get_theme(theme_id)
        new_name = _clean_name(name) if name is not None else theme.name
        if shortcut != KEEP and shortcut is not None and shortcut not in range(1, 10):
            raise ArchiveError(f"a theme can be pinned to the keys 1 to 9, not {shortcut!r}")
        with self.db.atomic():
            if theme_key(new_name) != theme_key(theme.name):
                self._check_name_free(new_name)
            holder = self._scalar("SELECT id FROM themes WHERE shortcut = ? AND deleted = 0 "
                                  "AND id != ?", [shortcut, theme_id]) if (
                shortcut != KEEP and shortcut is not None) else None
            if holder is not None:  # the key passes to this theme
                self._watch("themes", "id = ?", [holder])
                self.db.execute("UPDATE themes SET shortcut = NULL WHERE id = ?", [holder])
            self._watch("themes", "id = ?", [theme_id])
            self.db.execute(
                "UPDATE themes SET name = ?, name_key = ?, color = ?, description = ?, "
                "shortcut = ? WHERE id = ?",
                [new_name, theme_key(new_name),
                 _clean_color(color) if color is not None else theme.color,
                 description.strip() if description is not None else theme.description,
                 theme.shortcut if shortcut == KEEP else shortcut, theme_id])
        return self.get_theme(theme_id)

    def move_theme(self, theme_id: int, new_index: int, parent_id=KEEP) -> list[Theme]:
        """Move a theme (with its sub-themes) to place `new_index` among the sub-themes of
        `parent_id` (None: the top level; left out: its current parent)."""
        row = self._live_theme(theme_id)
        parent_id = row["parent_id"] if parent_id == KEEP else parent_id
        if parent_id is not None:
            self._live_theme(parent_id)
            if parent_id == theme_id or parent_id in descendants(self.list_themes(), theme_id):
                raise ArchiveError(f"“{row['name']}” cannot go under one of its own "
                                   "sub-themes")
        with self.db.atomic():
            old_siblings = self._sibling_ids(row["parent_id"])
            old_siblings.remove(theme_id)
            siblings = (old_siblings if parent_id == row["parent_id"]
                        else self._sibling_ids(parent_id))
            siblings.insert(max(0, min(new_index, len(siblings))), theme_id)
            self._place(parent_id, siblings)
            if parent_id != row["parent_id"]:
                self._place(row["parent_id"], old_siblings)
                recount_totals(self.db, {row["parent_id"], parent_id} - {None})
        return self.list_themes()

    def merge_theme(self, source_id: int, target_id: int) -> Theme:
        """Merge a theme into another: its highlights get the other theme (none twice), its
        sub-themes move under the other, and it is deleted."""
        source, target = self._live_theme(source_id), self._live_theme(target_id)
        if source_id == target_id:
            raise ArchiveError("a theme cannot be merged into itself")
        if target_id in descendants(self.list_themes(), source_id):
            raise ArchiveError(f"“{source['name']}” cannot be merged into its own sub-theme "
                               f"“{target['name']}”")
        with self.db.atomic():
            children = self._sibling_ids(source_id)
            self._place(target_id, self._sibling_ids(target_id) + children)
            self._mark_deleted([source_id])
            self._merge_links(source_id, target_id)  # now, or for a large theme later
        return self.get_theme(target_id)

    def delete_theme(self, theme_id: int, children: str = CHILDREN_MOVE_UP) -> None:
        """Delete a theme; highlights keep their other themes (one left with none stays, as
        an uncoded highlight). Its sub-themes move up to its place, or (`children="delete"`)
        are deleted with it."""
        row = self._live_theme(theme_id)
        if children not in (CHILDREN_MOVE_UP, CHILDREN_DELETE):
            raise ArchiveError(f"sub-themes can move up or be deleted, not {children!r}")
        below = descendants(self.list_themes(), theme_id)
        with self.db.atomic():
            if children == CHILDREN_DELETE:
                self._mark_deleted([theme_id, *below])
                recount_totals(self.db, {row["parent_id"]})
                return
            children_ids = self._sibling_ids(theme_id)
            if children_ids:  # they take its place among its siblings
                siblings = self._sibling_ids(row["parent_id"])
                at = siblings.index(theme_id)
                siblings[at:at + 1] = children_ids
                self._place(row["parent_id"], siblings)
            self._mark_deleted([theme_id])
            recount_totals(self.db, {row["parent_id"]})

    def purge_deleted_themes(self, max_links: int = 5000) -> bool:
        """Remove for good deleted themes that no undo step refers to, with their links, at
        most about `max_links` links per call; True if more is left to remove."""
        with self.write_transaction():
            for (theme_id,) in self.db.execute(
                    "SELECT id FROM themes t WHERE deleted = 1 AND NOT EXISTS (SELECT 1 FROM "
                    "themes c WHERE c.parent_id = t.id) AND NOT EXISTS (SELECT 1 FROM "
                    "theme_merges m WHERE m.theme_id = t.id AND m.waiting) "
                    "ORDER BY id").fetchall():
                if self._in_history(theme_id):
                    continue
                if self._delete_links(theme_id, max_links) >= max_links:
                    return True
                self.db.execute("DELETE FROM theme_counts WHERE theme_id = ?", [theme_id])
                self.db.execute("DELETE FROM themes WHERE id = ?", [theme_id])
        return False

    def has_stale_totals(self) -> bool:
        """Whether some totals with sub-themes wait to be counted again."""
        return self._scalar("SELECT 1 FROM theme_counts WHERE total_highlights < 0 "
                            "OR total_articles < 0 LIMIT 1") is not None

    def recount_stale_totals(self, limit: int | None = None) -> bool:
        """Count the totals left STALE by a step (one transaction per theme, at most
        `limit` themes); True if some are left."""
        stale = [row[0] for row in self.db.execute(
            "SELECT theme_id FROM theme_counts WHERE total_highlights < 0 "
            "OR total_articles < 0 ORDER BY theme_id").fetchall()]
        for theme_id in stale[:limit]:
            with self.write_transaction():
                recount_totals(self.db, {theme_id}, defer=False)
        return limit is not None and len(stale) > limit

    def suggest_color(self) -> str:
        """A colour for a new theme: the first of the palette no theme uses yet."""
        used = {row[0].upper() for row in self.db.execute(
            "SELECT color FROM themes WHERE deleted = 0")}
        for color in THEME_PALETTE:
            if color not in used:
                return color
        return THEME_PALETTE[len(used) % len(THEME_PALETTE)]

    # --- helpers ---------------------------------------------------------------------------

    def _check_name_free(self, name: str) -> None:
        if self._scalar("SELECT 1 FROM themes WHERE name_key = ? AND deleted = 0",
                        [theme_key(name)]):
            raise ArchiveError(f"a theme called {name!r} already exists")

    def _sibling_ids(self, parent_id: int | None) -> list[int]:
        return [row[0] for row in self.db.execute(
            "SELECT id FROM themes WHERE parent_id IS ? AND deleted = 0 ORDER BY position, id",
            [parent_id]).fetchall()]

    def _next_position(self, parent_id: int | None) -> int:
        last = self._scalar("SELECT max(position) FROM themes WHERE parent_id IS ? "
                            "AND deleted = 0", [parent_id])
        return 0 if last is None else last + 1

    def _place(self, parent_id: int | None, ordered_ids: list[int]) -> None:
        """Make these themes the children of `parent_id`, in this order."""
        if not ordered_ids:
            return
        marks = ",".join("?" * len(ordered_ids))
        self._watch("themes", f"id IN ({marks})", ordered_ids)
        self.db.conn.executemany(
            "UPDATE themes SET parent_id = ?, position = ? WHERE id = ? "
            "AND (parent_id IS NOT ? OR position != ?)",
            [(parent_id, position, theme_id, parent_id, position)
             for position, theme_id in enumerate(ordered_ids)])

    def _mark_deleted(self, theme_ids: list[int]) -> None:
        marks = ",".join("?" * len(theme_ids))
        self._watch("themes", f"id IN ({marks})", theme_ids)
        self.db.execute(f"UPDATE themes SET deleted = 1, shortcut = NULL WHERE id IN ({marks})",
                        theme_ids)

    def _delete_links(self, theme_id: int, limit: int) -> int:
        ids = [row[0] for row in self.db.execute(
            "SELECT highlight_id FROM highlight_themes WHERE theme_id = ? LIMIT ?",
            [theme_id, limit]).fetchall()]
        self.db.conn.executemany(
            "DELETE FROM highlight_themes WHERE highlight_id = ? AND theme_id = ?",
            [(highlight_id, theme_id) for highlight_id in ids])
        return len(ids)

    def _in_history(self, theme_id: int) -> bool:
        return self._scalar(
            "SELECT 1 FROM history_rows WHERE (table_name IN ('themes', 'theme_merges') "
            "AND row_key = ?) OR (table_name IN ('theme_links', 'theme_links_added') "
            "AND row_key = ?) LIMIT 1", [f"[{theme_id}]", str(theme_id)]) is not None


@contextmanager
def counted_once(db: Database, theme_id: int) -> Iterator[None]:
    """Around thousands of link changes of one theme: count its links once at the end
    rather than let the triggers update its counts and totals for every link (they skip a
    theme whose count row is away)."""
    had_count = db.execute("DELETE FROM theme_counts WHERE theme_id = ?",
                           [theme_id]).rowcount
    yield
    if had_count and db.execute("SELECT 1 FROM themes WHERE id = ?", [theme_id]).fetchone():
        db.execute("INSERT INTO theme_counts (theme_id, highlights, articles) VALUES "
                   "(?, (SELECT count(*) FROM highlight_themes WHERE theme_id = ?), "
                   "(SELECT count(*) FROM theme_articles WHERE theme_id = ?))",
                   [theme_id, theme_id, theme_id])
        recount_totals(db, {theme_id})


@contextmanager
def counts_kept(db: Database, theme_id: int) -> Iterator[None]:
    """Around link changes the theme's counts already include (a waiting merge's links,
    moved later): the triggers skip the theme (its count row is away) and its counts stay
    as they were."""
    columns = "theme_id, highlights, articles, total_highlights, total_articles"
    kept = db.execute(f"SELECT {columns} FROM theme_counts WHERE theme_id = ?",
                      [theme_id]).fetchone()
    db.execute("DELETE FROM theme_counts WHERE theme_id = ?", [theme_id])
    yield
    if kept is not None:
        db.execute(f"INSERT INTO theme_counts ({columns}) VALUES (?, ?, ?, ?, ?)", kept)


# A branch coding more passages than this is counted after the step, when the archive is
# idle, not inside it: counting a branch of 60,000 links once takes ~30 ms.
RECOUNT_LATER_LINKS = 20_000
STALE = -1  # a total waiting to be counted again


def _themes_above(db: Database, theme_ids) -> list[int]:
    """These themes and every theme above them."""
    ids = [theme_id for theme_id in set(theme_ids) if theme_id is not None]
    if not ids:
        return []
    return [row[0] for row in db.execute(
        f"WITH RECURSIVE up(id) AS (SELECT id FROM themes WHERE id IN ({','.join('?' * len(ids))}) "
        "UNION SELECT t.parent_id FROM themes t JOIN up ON t.id = up.id "
        "WHERE t.parent_id IS NOT NULL) SELECT id FROM up", ids)]


def recount_totals(db: Database, theme_ids, *, defer: bool = True) -> None:
    """Count again the totals with sub-themes of these themes and every theme above them
    (after the tree changed shape: a theme moved, merged, deleted or brought back).

    Each passage and article is counted once however many themes of the subtree code it;
    a theme without sub-themes just takes its own counts. A large branch is marked STALE
    instead (unless `defer` is False), for `recount_stale_totals` to count when idle.
    """
    above = _themes_above(db, theme_ids)
    # The theme and its live sub-themes, and the themes whose waiting merges went into
    # one of them (archive/merges.py): their links count as the other's.
    below = ("WITH RECURSIVE live(id) AS (SELECT ? UNION ALL SELECT t.id FROM themes t "
             "JOIN live ON t.parent_id = live.id WHERE t.deleted = 0), "
             "down(id) AS (SELECT id FROM live UNION ALL SELECT m.theme_id FROM theme_merges m "
             "JOIN live ON m.into_id = live.id WHERE m.waiting) ")
    for theme_id in above:
        has_children = db.execute("SELECT 1 FROM themes WHERE parent_id = ? AND deleted = 0 "
                                  "LIMIT 1", [theme_id]).fetchone()
        if not has_children:
            db.execute("UPDATE theme_counts SET total_highlights = highlights, "
                       "total_articles = articles WHERE theme_id = ?", [theme_id])
            continue
        if defer and (db.execute(
                f"{below}SELECT sum(c.highlights) FROM theme_counts c WHERE c.theme_id IN "
                "(SELECT id FROM down)", [theme_id]).fetchone()[0] or 0) > RECOUNT_LATER_LINKS:
            db.execute("UPDATE theme_counts SET total_highlights = ?, total_articles = ? "
                       "WHERE theme_id = ?", [STALE, STALE, theme_id])
            continue
        db.execute(
            "UPDATE theme_counts SET "
            f"total_highlights = ({below}SELECT count(DISTINCT highlight_id) FROM "
            "highlight_themes WHERE theme_id IN (SELECT id FROM down)), "
            f"total_articles = ({below}SELECT count(DISTINCT article_id) FROM "
            "theme_articles WHERE theme_id IN (SELECT id FROM down)) WHERE theme_id = ?",
            [theme_id, theme_id, theme_id])


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ArchiveError("a theme needs a name")
    if len(name) > 80:
        raise ArchiveError(f"a theme name can be at most 80 characters ({len(name)} given)")
    return name


def _clean_color(color: str) -> str:
    color = color.strip()
    if not _COLOR.match(color):
        raise ArchiveError(f"{color!r} is not a colour of the form #RRGGBB")
    return color.upper()
