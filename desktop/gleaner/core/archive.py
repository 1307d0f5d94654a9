"""The archive: one SQLite file holding articles, themes and highlights.

All of Gleaner's SQL lives in this module. Every public method leaves the database consistent:
writes that belong together run inside one `db.atomic()` transaction, and each user action is
committed the moment it is made, so nothing waits for a "Save".
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import zlib
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import platformdirs
from sqlite_utils import Database

from .anchoring import anchor_range
from .document import blocks_from_json, blocks_to_json
from .models import Article, ArticleSummary, CapturedArticle, Highlight, Theme
from .schema import MIGRATION_SET, migrations

ARCHIVE_ENV = "GLEANER_ARCHIVE"
ARCHIVE_FILENAME = "archive.gleaner"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
# Colours offered to new themes, after the starter codebook's own.
THEME_PALETTE = ["#FFE45C", "#FF8A8A", "#8CB8FF", "#8FE08F", "#FFB35C", "#C9A0F5", "#6FD6CF",
                 "#FF9ED2", "#D4C39A", "#B0E0A8", "#F5B7B1", "#A9CCE3"]


class ArchiveError(Exception):
    """Something the user asked of the archive that cannot be done; str() is the reason."""


class NotFound(ArchiveError):
    """No article, theme or highlight with that id or name."""


def utc_now() -> str:
    """The current time as an ISO 8601 string in UTC, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def theme_key(name: str) -> str:
    """What makes two theme names the same: case (in any script) and spacing ignored."""
    return " ".join(name.split()).casefold()


def default_archive_path() -> Path:
    """The archive used when none is named: $GLEANER_ARCHIVE, else the platform's data folder."""
    if os.environ.get(ARCHIVE_ENV):
        return Path(os.environ[ARCHIVE_ENV]).expanduser()
    return Path(platformdirs.user_data_dir("Gleaner", appauthor=False)) / ARCHIVE_FILENAME


class Archive:
    """An open archive. Use `Archive.open(path)`; close it (or use `with`) when done."""

    def __init__(self, db: Database, path: Path) -> None:
        self.db = db
        self.path = path

    # --- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path | None = None) -> Archive:
        """Open (creating if needed) the archive at path, bringing its schema up to date.

        A file that is not a Gleaner archive is refused untouched.
        """
        path = Path(path).expanduser() if path else default_archive_path()
        _check_is_archive_file(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = Database(path)
        except (OSError, sqlite3.Error) as error:
            raise ArchiveError(f"{path} could not be opened ({error})") from None
        try:
            db.execute("PRAGMA busy_timeout = 5000")
            _check_schema_is_ours(db, path)
            db.execute("PRAGMA foreign_keys = ON")
            db.enable_wal()
            # Losing a highlight on power failure is worse than a slower commit.
            db.execute("PRAGMA synchronous = FULL")
            migrations.apply(db)
        except ArchiveError:
            db.close()
            raise
        except sqlite3.DatabaseError as error:
            db.close()
            raise ArchiveError(f"{path} could not be opened as an archive ({error})") from None
        return cls(db, path)

    def close(self) -> None:
        """Close the database connection."""
        self.db.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- articles ------------------------------------------------------------------------

    def is_empty(self) -> bool:
        """True when no article has been saved yet."""
        return self._scalar("SELECT count(*) FROM articles") == 0

    def find_article_by_url(self, *urls: str) -> int | None:
        """The id of an article already saved from any of these URLs, if there is one."""
        urls = tuple(u for u in urls if u)
        if not urls:
            return None
        marks = ",".join("?" * len(urls))
        return self._scalar(
            f"SELECT id FROM articles WHERE url IN ({marks}) OR url_requested IN ({marks}) "
            "ORDER BY id LIMIT 1", [*urls, *urls])

    def find_duplicate(self, article: CapturedArticle) -> int | None:
        """An article already saved from the same web address (or the same local file)."""
        if article.url_requested.startswith("file:"):
            # A saved file's canonical URL is only a hint; the file itself identifies it.
            return self._scalar("SELECT id FROM articles WHERE url_requested = ? "
                                "ORDER BY id LIMIT 1", [article.url_requested])
        return self.find_article_by_url(article.url, article.url_requested)

    def save_article(self, article: CapturedArticle) -> tuple[int, bool]:
        """Store a captured article; returns (id, True), or (existing id, False) if the same
        page is already in the archive."""
        with self.db.atomic():
            existing = self.find_duplicate(article)
            if existing is not None:
                return existing, False
            cursor = self.db.execute(
                "INSERT INTO articles (url_requested, url, title, byline, authors, site_name, "
                "published, saved_at, language, excerpt, word_count, html, structure, text, "
                "original_html, original_charset) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [article.url_requested, article.url, article.title, article.byline,
                 json.dumps(article.authors), article.site_name, article.published, utc_now(),
                 article.language, article.excerpt, article.word_count, article.html,
                 json.dumps(blocks_to_json(article.blocks), ensure_ascii=False), article.text,
                 zlib.compress(article.original_html, 9), article.original_charset])
        return cursor.lastrowid, True

    def list_articles(self) -> list[ArticleSummary]:
        """Every article, newest saved first, with its highlight count."""
        rows = self.db.query(
            "SELECT a.id, a.url, a.title, a.byline, a.site_name, a.published, a.saved_at, "
            "a.word_count, (SELECT count(*) FROM highlights h WHERE h.article_id = a.id) "
            "AS highlight_count FROM articles a ORDER BY a.saved_at DESC, a.id DESC")
        return [ArticleSummary(**row) for row in rows]

    def get_article(self, article_id: int) -> Article:
        """One article with its text and reading structure."""
        rows = list(self.db.query(
            "SELECT id, url_requested, url, title, byline, authors, site_name, published, "
            "saved_at, language, excerpt, word_count, html, text, structure "
            "FROM articles WHERE id = ?", [article_id]))
        if not rows:
            raise NotFound(f"there is no article {article_id}")
        row = rows[0]
        row["authors"] = json.loads(row["authors"])
        row["blocks"] = blocks_from_json(json.loads(row.pop("structure")))
        return Article(**row)

    def original_html(self, article_id: int) -> bytes:
        """The page's bytes exactly as they were received."""
        blob = self._scalar("SELECT original_html FROM articles WHERE id = ?", [article_id])
        if blob is None:
            raise NotFound(f"there is no article {article_id}")
        return zlib.decompress(blob)

    def delete_article(self, article_id: int) -> None:
        """Remove an article and, with it, its highlights."""
        with self.db.atomic():
            if self.db.execute("DELETE FROM articles WHERE id = ?", [article_id]).rowcount == 0:
                raise NotFound(f"there is no article {article_id}")

    # --- themes --------------------------------------------------------------------------

    def list_themes(self) -> list[Theme]:
        """The codebook in the user's order, each theme with its number of highlights."""
        rows = self.db.query(
            "SELECT t.id, t.name, t.color, t.description, t.position, "
            "(SELECT count(*) FROM highlight_themes ht WHERE ht.theme_id = t.id) "
            "AS highlight_count FROM themes t ORDER BY t.position, t.id")
        return [Theme(**row) for row in rows]

    def get_theme(self, theme_id: int) -> Theme:
        for theme in self.list_themes():
            if theme.id == theme_id:
                return theme
        raise NotFound(f"there is no theme {theme_id}")

    def theme_by_name(self, name: str) -> Theme:
        """The theme with this name, ignoring case."""
        theme_id = self._scalar("SELECT id FROM themes WHERE name_key = ?", [theme_key(name)])
        if theme_id is None:
            raise NotFound(f"there is no theme called {name.strip()!r}")
        return self.get_theme(theme_id)

    def add_theme(self, name: str, color: str | None = None, description: str = "") -> Theme:
        """Add a theme at the end of the codebook; a colour is chosen if none is given."""
        name = _clean_name(name)
        color = _clean_color(color) if color else self.suggest_color()
        position = (self._scalar("SELECT max(position) FROM themes") or 0) + 1
        try:
            with self.db.atomic():
                cursor = self.db.execute(
                    "INSERT INTO themes (name, name_key, color, description, position, "
                    "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    [name, theme_key(name), color, description.strip(), position, utc_now()])
        except sqlite3.IntegrityError:
            raise ArchiveError(f"a theme called {name!r} already exists") from None
        return self.get_theme(cursor.lastrowid)

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
                self.db.execute("UPDATE themes SET name = ?, name_key = ?, color = ?, "
                                "description = ? WHERE id = ?", values)
        except sqlite3.IntegrityError:
            raise ArchiveError(f"a theme called {values[0]!r} already exists") from None
        return self.get_theme(theme_id)

    def move_theme(self, theme_id: int, new_index: int) -> list[Theme]:
        """Move a theme to another place in the codebook (0 = first); number keys follow."""
        order = [theme.id for theme in self.list_themes()]
        if theme_id not in order:
            raise NotFound(f"there is no theme {theme_id}")
        order.remove(theme_id)
        order.insert(max(0, min(new_index, len(order))), theme_id)
        with self.db.atomic():
            for position, moved_id in enumerate(order):
                self.db.execute("UPDATE themes SET position = ? WHERE id = ?",
                                [position, moved_id])
        return self.list_themes()

    def delete_theme(self, theme_id: int) -> None:
        """Remove a theme from the codebook and from every highlight (the highlights stay)."""
        with self.db.atomic():
            if self.db.execute("DELETE FROM themes WHERE id = ?", [theme_id]).rowcount == 0:
                raise NotFound(f"there is no theme {theme_id}")

    def suggest_color(self) -> str:
        """A colour for a new theme: the first of the palette no theme uses yet."""
        used = {t.color.upper() for t in self.list_themes()}
        for color in THEME_PALETTE:
            if color not in used:
                return color
        return THEME_PALETTE[len(used) % len(THEME_PALETTE)]

    # --- highlights ----------------------------------------------------------------------

    def add_highlight(self, article_id: int, start: int, end: int,
                      theme_ids: Iterable[int] = (), note: str = "") -> Highlight:
        """Code text[start:end] of an article with the given themes, in one transaction."""
        text = self._scalar("SELECT text FROM articles WHERE id = ?", [article_id])
        if text is None:
            raise NotFound(f"there is no article {article_id}")
        anchor = anchor_range(text, start, end)
        theme_ids = list(dict.fromkeys(theme_ids))
        now = utc_now()
        with self.db.atomic():
            cursor = self.db.execute(
                'INSERT INTO highlights (article_id, start, "end", exact, prefix, suffix, note, '
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [article_id, anchor.start, anchor.end, anchor.exact, anchor.prefix,
                 anchor.suffix, note, now, now])
            highlight_id = cursor.lastrowid
            for theme_id in theme_ids:
                self._link_theme(highlight_id, theme_id)
        return self.get_highlight(highlight_id)

    def get_highlight(self, highlight_id: int) -> Highlight:
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
            where.append("h.id IN (SELECT highlight_id FROM highlight_themes WHERE theme_id = ?)")
            params.append(theme_id)
        if highlight_id is not None:
            where.append("h.id = ?")
            params.append(highlight_id)
        condition = " WHERE " + " AND ".join(where) if where else ""
        rows = list(self.db.query(
            'SELECT h.id, h.article_id, h.start, h."end" AS "end", h.exact, h.prefix, h.suffix, '
            f"h.note, h.created_at, h.updated_at FROM highlights h{condition} "
            "ORDER BY h.article_id, h.start, h.id", params))
        themes: dict[int, list[int]] = {}
        for link in self.db.query(
                "SELECT ht.highlight_id, ht.theme_id FROM highlight_themes ht "
                "JOIN themes t ON t.id = ht.theme_id "
                f"WHERE ht.highlight_id IN (SELECT h.id FROM highlights h{condition}) "
                "ORDER BY t.position, t.id", params):
            themes.setdefault(link["highlight_id"], []).append(link["theme_id"])
        return [Highlight(**row, theme_ids=tuple(themes.get(row["id"], ()))) for row in rows]

    def set_note(self, highlight_id: int, note: str) -> Highlight:
        """Replace a highlight's note."""
        with self.db.atomic():
            self._touch(highlight_id, "note = ?", [note])
        return self.get_highlight(highlight_id)

    def add_highlight_theme(self, highlight_id: int, theme_id: int) -> Highlight:
        """Code an existing highlight with one more theme (no-op if it already has it)."""
        with self.db.atomic():
            self._touch(highlight_id)
            self._link_theme(highlight_id, theme_id)
        return self.get_highlight(highlight_id)

    def remove_highlight_theme(self, highlight_id: int, theme_id: int) -> Highlight:
        """Take one theme off a highlight; the highlight itself stays."""
        with self.db.atomic():
            self._touch(highlight_id)
            self.db.execute("DELETE FROM highlight_themes WHERE highlight_id = ? AND theme_id = ?",
                            [highlight_id, theme_id])
        return self.get_highlight(highlight_id)

    def delete_highlight(self, highlight_id: int) -> None:
        """Remove a highlight and its theme links."""
        with self.db.atomic():
            if self.db.execute("DELETE FROM highlights WHERE id = ?",
                               [highlight_id]).rowcount == 0:
                raise NotFound(f"there is no highlight {highlight_id}")

    def _link_theme(self, highlight_id: int, theme_id: int) -> None:
        if self._scalar("SELECT 1 FROM themes WHERE id = ?", [theme_id]) is None:
            raise NotFound(f"there is no theme {theme_id}")
        self.db.execute("INSERT OR IGNORE INTO highlight_themes (highlight_id, theme_id) "
                        "VALUES (?, ?)", [highlight_id, theme_id])

    def _touch(self, highlight_id: int, assignments: str = "", params: list | None = None) -> None:
        sets = ", ".join(filter(None, [assignments, "updated_at = ?"]))
        cursor = self.db.execute(f"UPDATE highlights SET {sets} WHERE id = ?",
                                 [*(params or []), utc_now(), highlight_id])
        if cursor.rowcount == 0:
            raise NotFound(f"there is no highlight {highlight_id}")

    # --- helpers -------------------------------------------------------------------------

    def _scalar(self, sql: str, params: list | None = None):
        row = self.db.execute(sql, params or []).fetchone()
        return row[0] if row else None


def _check_is_archive_file(path: Path) -> None:
    if path.is_dir():
        raise ArchiveError(f"{path} is a folder, not an archive file")
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as handle:
        if handle.read(len(_SQLITE_MAGIC)) != _SQLITE_MAGIC:
            raise ArchiveError(f"{path} is not a Gleaner archive (not an SQLite database)")


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


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ArchiveError("a theme needs a name")
    if len(name) > 80:
        raise ArchiveError("a theme name can be at most 80 characters")
    return name


def _clean_color(color: str) -> str:
    color = color.strip()
    if not _COLOR.match(color):
        raise ArchiveError(f"{color!r} is not a colour of the form #RRGGBB")
    return color.upper()
