"""The codebook: themes, their order (number keys follow it) and their counts."""

from __future__ import annotations

import re
import sqlite3
import uuid

from sqlite_utils import Database

from ..errors import ArchiveError, NotFound
from ..models import Theme

_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
# Colours offered to new themes, after the starter codebook's own.
THEME_PALETTE = ["#FFE45C", "#FF8A8A", "#8CB8FF", "#8FE08F", "#FFB35C", "#C9A0F5", "#6FD6CF",
                 "#FF9ED2", "#D4C39A", "#B0E0A8", "#F5B7B1", "#A9CCE3"]
_THEME_COLUMNS = ("t.id, t.guid, t.name, t.color, t.description, t.position, "
                  "coalesce((SELECT c.highlights FROM theme_counts c WHERE c.theme_id = t.id), "
                  "0) AS highlight_count")


def theme_key(name: str) -> str:
    """What makes two theme names the same: case (in any script) and spacing ignored."""
    return " ".join(name.split()).casefold()


class CodebookMixin:
    """Themes in the archive."""

    db: Database

    def list_themes(self) -> list[Theme]:
        """The codebook in the user's order, each theme with its number of highlights."""
        rows = self.db.query(
            f"SELECT {_THEME_COLUMNS} FROM themes t ORDER BY t.position, t.id")
        return [Theme(**row) for row in rows]

    def get_theme(self, theme_id: int) -> Theme:
        """One theme with its count."""
        rows = list(self.db.query(f"SELECT {_THEME_COLUMNS} FROM themes t WHERE t.id = ?",
                                  [theme_id]))
        if not rows:
            raise NotFound(f"there is no theme {theme_id}")
        return Theme(**rows[0])

    def themes_by_id(self, theme_ids) -> list[Theme]:
        """These themes (those that exist), in the codebook's order."""
        ids = list(theme_ids)
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        return [Theme(**row) for row in self.db.query(
            f"SELECT {_THEME_COLUMNS} FROM themes t WHERE t.id IN ({marks}) "
            "ORDER BY t.position, t.id", ids)]

    def theme_by_name(self, name: str) -> Theme:
        """The theme with this name, ignoring case."""
        theme_id = self._scalar("SELECT id FROM themes WHERE name_key = ?", [theme_key(name)])
        if theme_id is None:
            raise NotFound(f"there is no theme called {name.strip()!r}")
        return self.get_theme(theme_id)

    def add_theme(self, name: str, color: str | None = None, description: str = "") -> Theme:
        """Add a theme at the end of the codebook; a colour is chosen if none is given."""
        from .store import utc_now

        name = _clean_name(name)
        color = _clean_color(color) if color else self.suggest_color()
        position = (self._scalar("SELECT max(position) FROM themes") or 0) + 1
        try:
            with self.db.atomic():
                theme_id = self.db.execute(
                    "INSERT INTO themes (guid, name, name_key, color, description, position, "
                    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [str(uuid.uuid4()), name, theme_key(name), color, description.strip(),
                     position, utc_now()]).lastrowid
                self._created("themes", id=theme_id)
        except sqlite3.IntegrityError:
            raise ArchiveError(f"a theme called {name!r} already exists") from None
        return self.get_theme(theme_id)

    def update_theme(self, theme_id: int, *, name: str | None = None, color: str | None = None,
                     description: str | None = None) -> Theme:
        """Rename, recolour or redescribe a theme."""
        theme = self.get_theme(theme_id)
        new_name = _clean_name(name) if name is not None else theme.name
        values = [
            new_name,
            theme_key(new_name),
            _clean_color(color) if color is not None else theme.color,
            description.strip() if description is not None else theme.description,
            theme_id,
        ]
        try:
            with self.db.atomic():
                self._watch("themes", "id = ?", [theme_id])
                self.db.execute("UPDATE themes SET name = ?, name_key = ?, color = ?, "
                                "description = ? WHERE id = ?", values)
        except sqlite3.IntegrityError:
            raise ArchiveError(f"a theme called {values[0]!r} already exists") from None
        return self.get_theme(theme_id)

    def move_theme(self, theme_id: int, new_index: int) -> list[Theme]:
        """Move a theme to another place in the codebook (0 = first); number keys follow."""
        order = [row[0] for row in self.db.execute(
            "SELECT id FROM themes ORDER BY position, id").fetchall()]
        if theme_id not in order:
            raise NotFound(f"there is no theme {theme_id}")
        order.remove(theme_id)
        order.insert(max(0, min(new_index, len(order))), theme_id)
        with self.db.atomic():
            self._watch("themes", "1 = 1")
            self.db.conn.executemany("UPDATE themes SET position = ? WHERE id = ?",
                                     [(position, moved) for position, moved in enumerate(order)])
        return self.list_themes()

    def delete_theme(self, theme_id: int) -> None:
        """Remove a theme from the codebook and from every highlight (the highlights stay)."""
        with self.db.atomic():
            self._watch("themes", "id = ?", [theme_id])
            self._watch_theme_links(theme_id)
            # The count goes first, then the links in one statement: cheaper than letting
            # the theme's deletion cascade to thousands of links, each updating its count.
            self.db.execute("DELETE FROM theme_counts WHERE theme_id = ?", [theme_id])
            self.db.execute("DELETE FROM highlight_themes WHERE theme_id = ?", [theme_id])
            if self.db.execute("DELETE FROM themes WHERE id = ?", [theme_id]).rowcount == 0:
                raise NotFound(f"there is no theme {theme_id}")

    def suggest_color(self) -> str:
        """A colour for a new theme: the first of the palette no theme uses yet."""
        used = {row[0].upper() for row in self.db.execute("SELECT color FROM themes")}
        for color in THEME_PALETTE:
            if color not in used:
                return color
        return THEME_PALETTE[len(used) % len(THEME_PALETTE)]


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
