"""Merging a theme into another: shown at once, its links moved only when something needs them.

Merging gives each passage of the merged theme the other theme. For a theme of thousands of
passages that is thousands of links written at scattered pages: about 40 ms with the archive
in memory and 300–450 ms after a reboot, when every page is read from disk first; undoing it
takes them off again at the same cost (docs/benchmarks.md). A merge of more than
MERGE_LATER_LINKS links therefore does in its step only what the user sees: the theme is gone
(marked deleted), its sub-themes are under the other, and the other's counts and totals include
its passages. A `theme_merges` row says the merge is *waiting*: the merged theme's links count
as the other theme's wherever links are read (`LINKS_AS_SEEN`, `theme_and_waiting`, the
totals). Undoing a waiting merge, and redoing it, change a few rows.

The links are added (`carry_out_merges`) once no undo step refers to the merge any more (idle
housekeeping, `add_forgotten_merges_links`), or before a step that deletes or merges either
theme of the merge. A waiting merge stays so across closing and opening the archive. A step
that changes theme links in an article where the merged theme codes passages first moves, in
that article only, the merged theme's links to the other theme (`make_way_for`). Either
completes the merge's undo step, as if the step had done it itself: a LinksAdded record lists
the links added, the links moved away are recorded as rows, and once all are added its
`theme_merges` record says it is done.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlite_utils import Database

from .codebook import counted_once, counts_kept, recount_totals

# A merge of a theme with more links than this waits (see above). A merge of 500 links adds
# them in ~5 ms with the archive in memory and ~40 ms from disk.
MERGE_LATER_LINKS = 500

# The links as the user sees them: a live theme's, and a waiting merge's under the theme it
# went into. Select DISTINCT from it: a passage may hold both themes of a merge.
LINKS_AS_SEEN = (
    "(SELECT ht.highlight_id AS highlight_id, coalesce(m.into_id, ht.theme_id) AS theme_id "
    "FROM highlight_themes ht JOIN themes t ON t.id = ht.theme_id "
    "LEFT JOIN theme_merges m ON m.theme_id = ht.theme_id AND m.waiting "
    "WHERE t.deleted = 0 OR m.theme_id IS NOT NULL)")

# The highlights the merged theme codes that the other theme does not, by the other's index
# (its links lie together there; the table itself is ordered by highlight, and looking each
# one up there reads pages all over it).
_GAINED = ("FROM highlight_themes s WHERE s.theme_id = :source AND NOT EXISTS (SELECT 1 FROM "
           "highlight_themes t INDEXED BY highlight_themes_theme WHERE t.theme_id = :target "
           "AND t.highlight_id = s.highlight_id)")
_GAINED_ARTICLES = ("FROM theme_articles s WHERE s.theme_id = :source AND NOT EXISTS "
                    "(SELECT 1 FROM theme_articles t WHERE t.theme_id = :target "
                    "AND t.article_id = s.article_id)")


def theme_and_waiting(parameter: str) -> str:
    """A subquery: the theme given by the named `parameter` (":theme"), if live, and the
    themes whose waiting merges went into it (use with `highlight_themes.theme_id IN`)."""
    return (f"(SELECT id FROM themes WHERE id = {parameter} AND deleted = 0 UNION ALL "
            f"SELECT theme_id FROM theme_merges WHERE into_id = {parameter} AND waiting)")


class MergesMixin:
    """Moving the links of merged themes (see the module's docstring)."""

    db: Database

    def _merge_links(self, source_id: int, target_id: int) -> None:
        """Give the source theme's passages the target theme, now or (a large theme) when
        needed; inside the merge's step, after the source was marked deleted."""
        links = self._scalar("SELECT highlights FROM theme_counts WHERE theme_id = ?",
                             [source_id]) or 0
        waiting = links > MERGE_LATER_LINKS
        self.db.execute("INSERT INTO theme_merges (theme_id, into_id, waiting) "
                        "VALUES (?, ?, ?)", [source_id, target_id, int(waiting)])
        self._created("theme_merges", theme_id=source_id)
        if waiting:
            self._begin_waiting(source_id, target_id)
        else:
            self._links_added(target_id, self._add_merged_links(source_id, target_id))
            recount_totals(self.db, {source_id, target_id})

    def _begin_waiting(self, source_id: int, target_id: int) -> None:
        """Count the source's passages (and articles) the target gains into the target's
        counts, and the totals above both again (they follow waiting merges)."""
        names = {"source": source_id, "target": target_id}
        gained = self._scalar(f"SELECT count(*) {_GAINED}", names)
        gained_articles = self._scalar(f"SELECT count(*) {_GAINED_ARTICLES}", names)
        self.db.execute("UPDATE theme_counts SET highlights = highlights + ?, "
                        "articles = articles + ? WHERE theme_id = ?",
                        [gained, gained_articles, target_id])
        recount_totals(self.db, {source_id, target_id})

    def _add_merged_links(self, source_id: int, target_id: int) -> str:
        """Link the target theme to every passage of the source it lacks; returns their ids
        (a sorted JSON array). The target's own counts are made once, at the end."""
        added = self._scalar(
            "SELECT json_group_array(highlight_id) FROM (SELECT s.highlight_id "
            f"{_GAINED} ORDER BY s.highlight_id)", {"source": source_id, "target": target_id})
        with counted_once(self.db, target_id, recount=False):
            self.db.execute("INSERT INTO highlight_themes (highlight_id, theme_id) "
                            "SELECT value, ? FROM json_each(?)", [target_id, added])
        return added

    def has_waiting_merges(self) -> bool:
        """Whether some merge still waits for its links to be added."""
        return self._scalar("SELECT 1 FROM theme_merges WHERE waiting LIMIT 1") is not None

    def carry_out_merges(self, keep: Iterable[int] = ()) -> None:
        """Add the links of every waiting merge (but those of the merged themes in `keep`)
        inside the caller's transaction, and complete their undo steps."""
        for source_id, target_id in self.db.execute(
                "SELECT theme_id, into_id FROM theme_merges WHERE waiting "
                "ORDER BY theme_id").fetchall():
            if source_id in keep:
                continue
            added = self._add_merged_links(source_id, target_id)
            self.db.execute("UPDATE theme_merges SET waiting = 0 WHERE theme_id = ?",
                            [source_id])
            self._complete_merge_step(source_id, target_id, added)
            recount_totals(self.db, {target_id})

    def add_forgotten_merges_links(self) -> bool:
        """Add the links of one waiting merge that no undo step refers to any more (its step
        was forgotten, or a backup restored), in a transaction of its own: nothing can make
        it cheap to undo now. True if there was one."""
        for (source_id,) in self.db.execute(
                "SELECT theme_id FROM theme_merges WHERE waiting ORDER BY theme_id").fetchall():
            if self._merge_step_row(source_id) is None:
                with self.write_transaction():
                    self.carry_out_merges(keep=self._waiting_sources() - {source_id})
                return True
        return False

    def _waiting_sources(self) -> set[int]:
        return {row[0] for row in self.db.execute(
            "SELECT theme_id FROM theme_merges WHERE waiting")}

    def make_way_for(self, articles: Iterable[int] = (), highlights: Iterable[int] = (),
                     themes: Iterable[int] = (), keep: Iterable[int] = ()) -> None:
        """Before a change that a waiting merge (other than those of `keep`) would make
        count wrong. One that deletes or merges a theme of the merge (`themes`), whose links
        would then show under a theme that is gone: all its links are added. One to the
        theme links in `articles` (or the articles of `highlights`), where the triggers
        would count some passages twice: in those articles alone, the merged theme's links
        are moved to the other theme."""
        waiting = [(source, target) for source, target in self.db.execute(
            "SELECT theme_id, into_id FROM theme_merges WHERE waiting").fetchall()
            if source not in keep]
        if not waiting:
            return
        if set(themes) & {theme for pair in waiting for theme in pair}:
            self.carry_out_merges(keep=keep)
            return
        articles = set(articles)
        for chunk in _chunks(list(highlights)):
            articles.update(row[0] for row in self.db.execute(
                f"SELECT article_id FROM highlights WHERE id IN ({','.join('?' * len(chunk))})",
                chunk))
        for source_id, target_id in waiting:
            for chunk in _chunks(sorted(articles)):
                self._move_waiting_links(source_id, target_id, chunk)

    def _move_waiting_links(self, source_id: int, target_id: int,
                            articles: list[int]) -> None:
        """In these articles, move a waiting merge's links from the merged theme to the
        other (which gains those it lacks), recorded in the merge's step. The other theme's
        counts already include them; what is shown does not change."""
        marks = ",".join("?" * len(articles))
        moved = [row[0] for row in self.db.execute(
            "SELECT ht.highlight_id FROM highlights h JOIN highlight_themes ht "
            f"ON ht.highlight_id = h.id AND ht.theme_id = ? WHERE h.article_id IN ({marks}) "
            "ORDER BY 1", [source_id, *articles])]
        if not moved:
            return
        added = self._scalar(
            "SELECT json_group_array(value) FROM json_each(?) WHERE NOT EXISTS (SELECT 1 "
            "FROM highlight_themes WHERE highlight_id = value AND theme_id = ?)",
            [json.dumps(moved), target_id])
        with counts_kept(self.db, target_id):
            self.db.execute("INSERT INTO highlight_themes (highlight_id, theme_id) "
                            "SELECT value, ? FROM json_each(?)", [target_id, added])
        self.db.execute("DELETE FROM highlight_themes WHERE theme_id = ? AND highlight_id IN "
                        "(SELECT value FROM json_each(?))", [source_id, json.dumps(moved)])
        self._record_moved_links(source_id, target_id, added, moved)

    def _count_directly(self, theme_id: int) -> None:
        """Count a theme's own passages and articles (and its totals) from its links: after
        a waiting merge into it was undone, its counts no longer include the merged theme."""
        with counted_once(self.db, theme_id):
            pass


def _chunks(values: list[int], size: int = 10_000) -> list[list[int]]:
    return [values[start:start + size] for start in range(0, len(values), size)]


def waiting_merges_in(records) -> list[tuple[int, int]]:
    """(merged theme, target) of each merge these history records left waiting: an undo
    takes it back, a redo makes it wait again."""
    return [(record.after["theme_id"], record.after["into_id"]) for record in records
            if getattr(record, "table", None) == "theme_merges" and record.after
            and record.after.get("waiting")]
