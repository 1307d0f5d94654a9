"""Highlights: coded passages of an article's canonical text, and their theme links."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlite_utils import Database

from ..anchoring import Anchor, Reanchorer, anchor_range
from ..errors import NotFound
from ..models import Highlight
from .merges import LINKS_AS_SEEN, theme_and_waiting

ORPHANED = "orphaned"


@dataclass(frozen=True)
class Reanchored:
    """What re-anchoring did with one highlight: `how` it was placed ("position", "quote",
    "fuzzy"; see `core.anchoring.Placement`) or "orphaned" (it stays, at its old offsets with
    its old quote, marked orphaned)."""

    highlight_id: int
    how: str


class HighlightsMixin:
    """Highlights in the archive."""

    db: Database

    def add_highlight(self, article_id: int, start: int, end: int,
                      theme_ids: Iterable[int] = (), note: str = "") -> Highlight:
        """Code text[start:end] of an article with the given themes, in one transaction."""
        from .store import utc_now

        anchor = anchor_range(self.article_text(article_id), start, end)
        theme_ids = list(dict.fromkeys(theme_ids))
        now = utc_now()
        with self.db.atomic():
            if theme_ids:
                self.make_way_for(articles=[article_id])
            highlight_id = self.db.execute(
                'INSERT INTO highlights (guid, article_id, start, "end", exact, prefix, suffix, '
                "note, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [str(uuid.uuid4()), article_id, anchor.start, anchor.end, anchor.exact,
                 anchor.prefix, anchor.suffix, note, now, now]).lastrowid
            self._created("highlights", id=highlight_id)
            for theme_id in theme_ids:
                self._link_theme(highlight_id, theme_id)
        return self.get_highlight(highlight_id)

    def get_highlight(self, highlight_id: int) -> Highlight:
        """One highlight with its themes."""
        found = self.list_highlights(highlight_id=highlight_id)
        if not found:
            raise NotFound(f"there is no highlight {highlight_id}")
        return found[0]

    def list_highlights(self, article_id: int | None = None, theme_id: int | None = None,
                        highlight_id: int | None = None) -> list[Highlight]:
        """Highlights, optionally of one article and/or one theme, in reading order."""
        where, params = [], {}
        if article_id is not None:
            where.append("h.article_id = :article")
            params["article"] = article_id
        if theme_id is not None:
            where.append("h.id IN (SELECT highlight_id FROM highlight_themes WHERE theme_id IN "
                         f"{theme_and_waiting(':theme')})")
            params["theme"] = theme_id
        if highlight_id is not None:
            where.append("h.id = :highlight")
            params["highlight"] = highlight_id
        condition = " WHERE " + " AND ".join(where) if where else ""
        rows = list(self.db.query(
            'SELECT h.id, h.guid, h.article_id, h.start, h."end" AS "end", h.exact, h.prefix, '
            "h.suffix, h.note, h.created_at, h.updated_at, h.orphaned "
            f"FROM highlights h{condition} "
            "ORDER BY h.article_id, h.start, h.id", params))
        themes: dict[int, list[int]] = {}
        for link in self.db.query(
                f"SELECT DISTINCT highlight_id, theme_id FROM {LINKS_AS_SEEN} "
                f"WHERE highlight_id IN (SELECT h.id FROM highlights h{condition})", params):
            themes.setdefault(link["highlight_id"], []).append(link["theme_id"])
        order = self._codebook_order() if themes else {}
        return [Highlight(**{**row, "orphaned": bool(row["orphaned"])},
                          theme_ids=tuple(sorted(themes.get(row["id"], ()),
                                                 key=lambda t: order.get(t, 0))))
                for row in rows]

    def _codebook_order(self) -> dict[int, int]:
        """Each live theme's place in the codebook as displayed (depth-first)."""
        from ..codebook import depth_first
        from ..models import Theme

        themes = [Theme(id=row[0], name="", color="", description="", position=row[2],
                        parent_id=row[1]) for row in self.db.execute(
            "SELECT id, parent_id, position FROM themes WHERE deleted = 0")]
        return {theme.id: place for place, theme in enumerate(depth_first(themes))}

    def set_note(self, highlight_id: int, note: str) -> Highlight:
        """Replace a highlight's note (nothing changes if it is the same note)."""
        with self.db.atomic():
            self._watch("highlights", "id = ?", [highlight_id])
            current = self._scalar("SELECT note FROM highlights WHERE id = ?", [highlight_id])
            if current is None:
                raise NotFound(f"there is no highlight {highlight_id}")
            if current != note:
                self._touch(highlight_id, "note = ?", [note])
        return self.get_highlight(highlight_id)

    def add_highlight_theme(self, highlight_id: int, theme_id: int) -> Highlight:
        """Code an existing highlight with one more theme (no-op if it already has it)."""
        with self.db.atomic():
            self.make_way_for(highlights=[highlight_id])
            if self._scalar("SELECT 1 FROM highlights WHERE id = ?", [highlight_id]) is None:
                raise NotFound(f"there is no highlight {highlight_id}")
            self._watch("highlights", "id = ?", [highlight_id])
            if self._link_theme(highlight_id, theme_id):
                self._touch(highlight_id)
        return self.get_highlight(highlight_id)

    def remove_highlight_theme(self, highlight_id: int, theme_id: int) -> Highlight:
        """Take one theme off a highlight; the highlight itself stays."""
        with self.db.atomic():
            self.make_way_for(highlights=[highlight_id])
            self._watch("highlights", "id = ?", [highlight_id])
            self._watch("highlight_themes", "highlight_id = ? AND theme_id = ?",
                        [highlight_id, theme_id])
            removed = self.db.execute(
                "DELETE FROM highlight_themes WHERE highlight_id = ? AND theme_id = ?",
                [highlight_id, theme_id]).rowcount
            if removed:
                self._touch(highlight_id)
            elif self._scalar("SELECT 1 FROM highlights WHERE id = ?", [highlight_id]) is None:
                raise NotFound(f"there is no highlight {highlight_id}")
        return self.get_highlight(highlight_id)

    def delete_highlight(self, highlight_id: int) -> None:
        """Remove a highlight and its theme links."""
        with self.db.atomic():
            self.make_way_for(highlights=[highlight_id])
            self._watch("highlights", "id = ?", [highlight_id])
            self._watch("highlight_themes", "highlight_id = ?", [highlight_id])
            if self.db.execute("DELETE FROM highlights WHERE id = ?",
                               [highlight_id]).rowcount == 0:
                raise NotFound(f"there is no highlight {highlight_id}")

    def reanchor_highlights(self, article_id: int, new_text: str) -> list[Reanchored]:
        """Find each highlight of an article again in new_text, the article's new canonical
        text (see `core.anchoring.Reanchorer.place`), in reading order of the old offsets.

        A placed highlight takes its new range, quote and context; if its quote's text
        changed, the previous range and quote are kept in `highlight_revisions`. One that
        cannot be placed keeps its offsets and quote and is marked orphaned (an orphan that
        can be placed again is no longer orphaned). No highlight is removed. The article's
        text itself is not changed here: re-extraction replaces it in the same step.
        """
        from .store import utc_now

        now = utc_now()
        report = []
        with self.db.atomic():
            self._watch("highlights", "article_id = ?", [article_id])
            rows = list(self.db.query(
                'SELECT id, start, "end", exact, prefix, suffix, orphaned FROM highlights '
                "WHERE article_id = ? ORDER BY start, id", [article_id]))
            finder = Reanchorer(new_text)
            for row in rows:
                placement = finder.place(Anchor(row["start"], row["end"], row["exact"],
                                                row["prefix"], row["suffix"]))
                if placement is None:
                    if not row["orphaned"]:
                        self.db.execute("UPDATE highlights SET orphaned = 1, updated_at = ? "
                                        "WHERE id = ?", [now, row["id"]])
                    report.append(Reanchored(row["id"], ORPHANED))
                    continue
                self._move_highlight(row, anchor_range(new_text, placement.start,
                                                       placement.end), now)
                report.append(Reanchored(row["id"], placement.how))
        return report

    def reattach_highlight(self, highlight_id: int, start: int, end: int) -> Highlight:
        """Put a highlight (orphaned or not) on text[start:end] of its article's current
        text: it is no longer orphaned, and its previous range and quote are kept in
        `highlight_revisions` (nothing changes if it already is there)."""
        from .store import utc_now

        with self.db.atomic():
            self._watch("highlights", "id = ?", [highlight_id])
            row = next(self.db.query(
                'SELECT id, article_id, start, "end", exact, prefix, suffix, orphaned '
                "FROM highlights WHERE id = ?", [highlight_id]), None)
            if row is None:
                raise NotFound(f"there is no highlight {highlight_id}")
            anchor = anchor_range(self.article_text(row["article_id"]), start, end)
            # The reader chose this passage: where it was before is history even when the
            # words are the same (another occurrence of them).
            self._move_highlight(row, anchor, utc_now(),
                                 keep_revision=(anchor.start, anchor.end, anchor.exact)
                                 != (row["start"], row["end"], row["exact"]))
        return self.get_highlight(highlight_id)

    def _move_highlight(self, row: dict, anchor: Anchor, now: str,
                        keep_revision: bool | None = None) -> None:
        """Give a highlight a new anchor and clear its orphaned mark; keep the previous range
        and quote as a revision when asked, or by default when the quote's text changed."""
        if keep_revision is None:
            keep_revision = anchor.exact != row["exact"]
        if keep_revision:
            revision_id = self.db.execute(
                'INSERT INTO highlight_revisions (highlight_id, start, "end", exact, '
                "replaced_at) VALUES (?, ?, ?, ?, ?)",
                [row["id"], row["start"], row["end"], row["exact"], now]).lastrowid
            self._created("highlight_revisions", id=revision_id)
        new = (anchor.start, anchor.end, anchor.exact, anchor.prefix, anchor.suffix, 0)
        old = tuple(row[column] for column in ("start", "end", "exact", "prefix", "suffix",
                                               "orphaned"))
        if new != old:
            self.db.execute(
                'UPDATE highlights SET start = ?, "end" = ?, exact = ?, prefix = ?, '
                "suffix = ?, orphaned = 0, updated_at = ? WHERE id = ?",
                [*new[:5], now, row["id"]])

    def highlight_revisions(self, highlight_id: int) -> list[dict]:
        """A highlight's earlier ranges and quotes, oldest first: dicts with start, end,
        exact and replaced_at."""
        return list(self.db.query(
            'SELECT start, "end" AS "end", exact, replaced_at FROM highlight_revisions '
            "WHERE highlight_id = ? ORDER BY id", [highlight_id]))

    def _link_theme(self, highlight_id: int, theme_id: int) -> bool:
        """Link a theme to a highlight; False if it was already linked."""
        if self._scalar("SELECT 1 FROM themes WHERE id = ? AND deleted = 0",
                        [theme_id]) is None:
            raise NotFound(f"there is no theme {theme_id}")
        self._watch("highlight_themes", "highlight_id = ? AND theme_id = ?",
                    [highlight_id, theme_id])
        return self.db.execute("INSERT OR IGNORE INTO highlight_themes (highlight_id, theme_id) "
                               "VALUES (?, ?)", [highlight_id, theme_id]).rowcount > 0

    def _touch(self, highlight_id: int, assignments: str = "", params: list | None = None) -> None:
        from .store import utc_now

        sets = ", ".join(filter(None, [assignments, "updated_at = ?"]))
        cursor = self.db.execute(f"UPDATE highlights SET {sets} WHERE id = ?",
                                 [*(params or []), utc_now(), highlight_id])
        if cursor.rowcount == 0:
            raise NotFound(f"there is no highlight {highlight_id}")
