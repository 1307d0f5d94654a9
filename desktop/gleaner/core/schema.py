"""The archive's schema, one numbered migration at a time (sqlite-utils `Migrations`).

Never edit a migration that has shipped: add the next number. Each runs in its own transaction
together with the record that it ran.
"""

from __future__ import annotations

import json

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from .resources import resource_path

MIGRATION_SET = "gleaner"
migrations = Migrations(MIGRATION_SET)


@migrations(name="0001_articles_themes_highlights")
def _initial_schema(db: Database) -> None:
    db.executescript("""
        CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            url_requested TEXT NOT NULL,
            url TEXT NOT NULL,
            title TEXT NOT NULL,
            byline TEXT NOT NULL DEFAULT '',
            authors TEXT NOT NULL DEFAULT '[]',          -- JSON list of names
            site_name TEXT NOT NULL DEFAULT '',
            published TEXT,                              -- ISO 8601 date or date-time
            saved_at TEXT NOT NULL,                      -- ISO 8601, UTC
            language TEXT NOT NULL DEFAULT '',
            excerpt TEXT NOT NULL DEFAULT '',
            word_count INTEGER NOT NULL DEFAULT 0,
            html TEXT NOT NULL,                          -- sanitized article HTML
            structure TEXT NOT NULL,                     -- JSON reading blocks, see core.document
            text TEXT NOT NULL,                          -- canonical text: highlight coordinates
            original_html BLOB NOT NULL,                 -- zlib-compressed bytes as received
            original_charset TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX articles_url ON articles(url);
        CREATE INDEX articles_saved_at ON articles(saved_at);

        CREATE TABLE themes (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL CHECK (length(trim(name)) > 0),
            name_key TEXT NOT NULL UNIQUE,               -- casefolded name: "É" = "é"
            color TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            position INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        );

        CREATE TABLE highlights (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            start INTEGER NOT NULL CHECK (start >= 0),
            "end" INTEGER NOT NULL CHECK ("end" > start),
            exact TEXT NOT NULL,
            prefix TEXT NOT NULL DEFAULT '',
            suffix TEXT NOT NULL DEFAULT '',
            note TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX highlights_article ON highlights(article_id, start);

        CREATE TABLE highlight_themes (
            highlight_id INTEGER NOT NULL REFERENCES highlights(id) ON DELETE CASCADE,
            theme_id INTEGER NOT NULL REFERENCES themes(id) ON DELETE CASCADE,
            PRIMARY KEY (highlight_id, theme_id)
        );
        CREATE INDEX highlight_themes_theme ON highlight_themes(theme_id);
    """)


@migrations(name="0002_starter_codebook")
def _starter_codebook(db: Database) -> None:
    """Every new archive starts with the starter codebook; from then on it is the user's."""
    from .archive import theme_key, utc_now  # local import: archive imports this module

    themes = json.loads(resource_path("codebook.json").read_text("utf-8"))["themes"]
    now = utc_now()
    for position, theme in enumerate(themes):
        db.execute(
            "INSERT INTO themes (name, name_key, color, description, position, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [theme["name"], theme_key(theme["name"]), theme["color"].upper(),
             theme.get("description", ""), position, now])
