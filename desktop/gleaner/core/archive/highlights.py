"""Highlights: coded passages of an article's canonical text, and their theme links."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlite_utils import Database

from ..anchoring import anchor_range
from ..errors import NotFound
from ..models import Highlight


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
        where, params = [], []
        if article_id is not None:
            where.append("h.article_id = ?")
            params.append(article_id)
        if theme_id is not None:
            where.append("h.id IN (SELECT highlight_id FROM highlight_themes ht JOIN themes t "
                         "ON t.id = ht.theme_id WHERE ht.theme_id = ? AND t.deleted = 0)")
            params.append(theme_id)
        if highlight_id is not None:
            where.append("h.id = ?")
            params.append(highlight_id)
        condition = " WHERE " + " AND ".join(where) if where else ""
        rows = list(self.db.query(
            'SELECT h.id, h.guid, h.article_id, h.start, h."end" AS "end", h.exact, h.prefix, '
            "h.suffix, h.note, h.created_at, h.updated_at, h.orphaned "
            f"FROM highlights h{condition} "
            "ORDER BY h.article_id, h.start, h.id", params))
        themes: dict[int, list[int]] = {}
        for link in self.db.query(
                "SELECT ht.highlight_id, ht.theme_id FROM highlight_themes ht "
                "JOIN themes t ON t.id = ht.theme_id "
                f"WHERE ht.highlight_id IN (SELECT h.id FROM highlights h{condition}) "
                "AND t.deleted = 0", params):
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
            if self._scalar("SELECT 1 FROM highlights WHERE id = ?", [highlight_id]) is None:
                raise NotFound(f"there is no highlight {highlight_id}")
            self._watch("highlights", "id = ?", [highlight_id])
            if self._link_theme(highlight_id, theme_id):
                self._touch(highlight_id)
        return self.get_highlight(highlight_id)

    def remove_highlight_theme(self, highlight_id: int, theme_id: int) -> Highlight:
        """Take one theme off a highlight; the highlight itself stays."""
        with self.db.atomic():
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
            self._watch("highlights", "id = ?", [highlight_id])
            self._watch("highlight_themes", "highlight_id = ?", [highlight_id])
            if self.db.execute("DELETE FROM highlights WHERE id = ?",
                               [highlight_id]).rowcount == 0:
                raise NotFound(f"there is no highlight {highlight_id}")

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
