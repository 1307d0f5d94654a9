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

# A merge of a theme with more links than this waits (see above). Adding 5,600 links took
# ~22 ms with the archive in memory and ~300 ms from disk (each reads its pages): a tenth of
# that is well inside a step.
MERGE_LATER_LINKS = 500

# The links as the user sees them: a live theme's, and a waiting merge's under the live theme
# it went into. Select DISTINCT from it: a passage may hold both themes of a merge.
LINKS_AS_SEEN = (
    "(SELECT ht.highlight_id AS highlight_id, coalesce(m.into_id, ht.theme_id) AS theme_id "
    "FROM highlight_themes ht JOIN themes t ON t.id = ht.theme_id "
    "LEFT JOIN theme_merges m ON m.theme_id = ht.theme_id AND m.waiting "
    "LEFT JOIN themes mt ON mt.id = m.into_id "
    "WHERE CASE WHEN m.theme_id IS NULL THEN t.deleted = 0 ELSE mt.deleted = 0 END)")


def theme_and_waiting(parameter: str) -> str:
    """A subquery: the theme given by the named `parameter` (":theme"), if live, and the
    themes whose waiting merges went into it (use with `highlight_themes.theme_id IN`)."""
    return (f"(SELECT id FROM themes WHERE id = {parameter} AND deleted = 0 UNION ALL "
            f"SELECT m.theme_id FROM theme_merges m JOIN themes t ON t.id = m.into_id "
            f"WHERE m.into_id = {parameter} AND m.waiting AND t.deleted = 0)")


def _marks(values) -> str:
    return ",".join("?" * len(values))


class MergesMixin:
    """Moving the links of merged themes (see the module's docstring)."""

    db: Database

    def _merge_links(self, source_id: int, target_id: int) -> None:
        """Give the source theme's passages the target theme, now or (a large theme, or one
        that other waiting merges went into) when needed; inside the merge's step, after the
        source was marked deleted."""
        links = self._scalar("SELECT highlights FROM theme_counts WHERE theme_id = ?",
                             [source_id]) or 0
        waiting = links > MERGE_LATER_LINKS or bool(self._waiting_into(source_id))
        self.db.execute("INSERT INTO theme_merges (theme_id, into_id, waiting) "
                        "VALUES (?, ?, ?)", [source_id, target_id, int(waiting)])
        self._created("theme_merges", theme_id=source_id)
        if waiting:
            self._begin_waiting(source_id, target_id)
        else:
            # Passages a merge waiting into the target covers are its to link (it is older).
            self._links_added(target_id, self._add_merged_links(
                source_id, target_id, covered=self._waiting_into(target_id)))
            self._count_effectively(target_id)
            recount_totals(self.db, {source_id, target_id})

    def _begin_waiting(self, source_id: int, target_id: int) -> None:
        """Count the passages (and articles) the target gains from the source, and from the
        merges waiting into the source, into the target's counts; those merges now go into
        the target. Then count the totals above both again (they follow waiting merges)."""
        sources = [source_id, *self._waiting_into(source_id)]
        targets = [target_id, *(set(self._waiting_into(target_id)) - set(sources))]
        # What the source side has and the target side lacks. Both sides' sizes are their
        # stored counts (which include the merges waiting into them), so only the smaller
        # side is looked up in the other's index: merging a theme of 58,000 passages into
        # one of 7,000 looks up 7,000, not 58,000.
        sizes = {theme_id: self.db.execute(
            "SELECT highlights, articles FROM theme_counts WHERE theme_id = ?",
            [theme_id]).fetchone() or (0, 0) for theme_id in (source_id, target_id)}
        gained, gained_articles = (
            _lacking(self.db, table, column, sources, targets, sizes[source_id][n],
                     sizes[target_id][n])
            for n, (table, column) in enumerate((("highlight_themes", "highlight_id"),
                                                 ("theme_articles", "article_id"))))
        self.db.execute("UPDATE theme_counts SET highlights = highlights + ?, "
                        "articles = articles + ? WHERE theme_id = ?",
                        [gained, gained_articles, target_id])
        if redirected := sources[1:]:
            self._watch("theme_merges", f"theme_id IN ({_marks(redirected)})", redirected)
            self.db.execute(f"UPDATE theme_merges SET into_id = ? WHERE theme_id IN "
                            f"({_marks(redirected)})", [target_id, *redirected])
            self._count_effectively(source_id)  # its own links alone, now
        recount_totals(self.db, {source_id, target_id})

    def _waiting_in_step_order(self) -> list[tuple[int, int]]:
        """(merged theme, target) of each waiting merge, oldest first by the step that last
        changed its row (a merge's, or a later merge's that redirected it). A passage two
        waiting merges give the same theme gets its link from the older, as when merges
        linked at once, so undoing the newer one leaves it."""
        waiting = self.db.execute("SELECT theme_id, into_id FROM theme_merges "
                                  "WHERE waiting").fetchall()
        return sorted(waiting, key=lambda pair: ((self._merge_step_row(pair[0]) or (0,))[0],
                                                 pair[0]))

    def _waiting_into(self, theme_id: int) -> list[int]:
        """The themes whose merges wait to go into this one."""
        return [row[0] for row in self.db.execute(
            "SELECT theme_id FROM theme_merges WHERE into_id = ? AND waiting", [theme_id])]

    def _count_effectively(self, theme_id: int) -> None:
        """Count a theme's own passages and articles from its links and those of the
        merges waiting into it (and its totals)."""
        waiting = self._waiting_into(theme_id)
        if not waiting:
            with counted_once(self.db, theme_id):
                pass
            return
        ids = [theme_id, *waiting]
        counts = []
        for table, column in (("highlight_themes", "highlight_id"),
                              ("theme_articles", "article_id")):
            if len(waiting) == 1:  # the usual case: the union from two sizes and the overlap
                own, theirs = (self._scalar(f"SELECT count(*) FROM {table} WHERE theme_id = ?",
                                            [theme]) for theme in ids)
                counts.append(own + _lacking(self.db, table, column, waiting, [theme_id],
                                             theirs, own))
            else:
                counts.append(self._scalar(f"SELECT count(DISTINCT {column}) FROM {table} "
                                           f"WHERE theme_id IN ({_marks(ids)})", ids))
        self.db.execute("UPDATE theme_counts SET highlights = ?, articles = ? "
                        "WHERE theme_id = ?", [*counts, theme_id])
        recount_totals(self.db, {theme_id})

    def _add_merged_links(self, source_id: int, target_id: int, covered=()) -> str:
        """Link the target theme to every passage of the source it lacks (and the themes
        in `covered` do not code); returns their ids (a sorted JSON array). The target's
        counts are for the caller to make."""
        others = [target_id, *covered]
        added = self._scalar(
            "SELECT json_group_array(highlight_id) FROM (SELECT s.highlight_id FROM "
            "highlight_themes s WHERE s.theme_id = ? AND NOT EXISTS (SELECT 1 FROM "
            "highlight_themes t INDEXED BY highlight_themes_theme WHERE t.theme_id IN "
            f"({_marks(others)}) AND t.highlight_id = s.highlight_id) ORDER BY s.highlight_id)",
            [source_id, *others])
        with counts_kept(self.db, target_id):
            self.db.execute("INSERT INTO highlight_themes (highlight_id, theme_id) "
                            "SELECT value, ? FROM json_each(?)", [target_id, added])
        return added

    def has_waiting_merges(self) -> bool:
        """Whether some merge still waits for its links to be added."""
        return self._scalar("SELECT 1 FROM theme_merges WHERE waiting LIMIT 1") is not None

    def carry_out_merges(self, keep: Iterable[int] = ()) -> None:
        """Add the links of every waiting merge (but those of the merged themes in `keep`)
        inside the caller's transaction, and complete their undo steps. A merge into a theme
        removed for good since is just marked done: its links were hidden with that theme."""
        for source_id, target_id in self._waiting_in_step_order():
            if source_id in keep:
                continue
            exists = self._scalar("SELECT 1 FROM themes WHERE id = ?", [target_id])
            added = self._add_merged_links(source_id, target_id) if exists else "[]"
            self.db.execute("UPDATE theme_merges SET waiting = 0 WHERE theme_id = ?",
                            [source_id])
            self._complete_merge_step(source_id, target_id, added)
            if exists:
                self._count_effectively(target_id)

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
                     keep: Iterable[int] = ()) -> None:
        """Before a change to the theme links in `articles` (or in the articles of
        `highlights`): where a waiting merge's theme (other than those of `keep`) codes
        passages there, the triggers would count some of them twice, so in those articles
        alone its links are first moved to the theme it went into."""
        waiting = [(source, target) for source, target in self._waiting_in_step_order()
                   if source not in keep]
        if not waiting:
            return
        articles = set(articles)
        for chunk in _chunks(list(highlights)):
            articles.update(row[0] for row in self.db.execute(
                f"SELECT article_id FROM highlights WHERE id IN ({_marks(chunk)})", chunk))
        for source_id, target_id in waiting:
            for chunk in _chunks(sorted(articles)):
                self._move_waiting_links(source_id, target_id, chunk)

    def _move_waiting_links(self, source_id: int, target_id: int,
                            articles: list[int]) -> None:
        """In these articles, move a waiting merge's links from the merged theme to the
        other (which gains those it lacks), recorded in the merge's step. The other theme's
        counts already include them; what is shown does not change."""
        if not self._scalar("SELECT 1 FROM themes WHERE id = ?", [target_id]):
            return  # removed for good: its links, and the merged theme's, are hidden
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


def _lacking(db: Database, table: str, column: str, sources: list[int], targets: list[int],
             source_size: int, target_size: int) -> int:
    """How many distinct `column` values (passages or articles) the themes `sources` have in
    `table` that the themes `targets` lack, given how many each side has: the smaller side
    is looked up in the other's index (its entries for one theme lie together)."""
    index = " INDEXED BY highlight_themes_theme" if table == "highlight_themes" else ""
    if source_size <= target_size:
        return db.execute(
            f"SELECT count(DISTINCT s.{column}) FROM {table} s WHERE s.theme_id IN "
            f"({_marks(sources)}) AND NOT EXISTS (SELECT 1 FROM {table} t{index} WHERE "
            f"t.theme_id IN ({_marks(targets)}) AND t.{column} = s.{column})",
            [*sources, *targets]).fetchone()[0]
    shared = db.execute(
        f"SELECT count(DISTINCT t.{column}) FROM {table} t WHERE t.theme_id IN "
        f"({_marks(targets)}) AND EXISTS (SELECT 1 FROM {table} s{index} WHERE "
        f"s.theme_id IN ({_marks(sources)}) AND s.{column} = t.{column})",
        [*targets, *sources]).fetchone()[0]
    return source_size - shared


def _chunks(values: list[int], size: int = 10_000) -> list[list[int]]:
    return [values[start:start + size] for start in range(0, len(values), size)]
