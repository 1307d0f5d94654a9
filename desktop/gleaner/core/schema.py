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


@migrations(name="0003_stable_ids_content_apart_history")
def _stable_ids_content_apart_history(db: Database) -> None:
    """Ids are never reused (AUTOINCREMENT), so an undone deletion comes back with its id;
    every article, theme and highlight gets a GUID for exports; the large per-article columns
    move to `article_contents` so listing and counting read only small rows; the undo history
    lives in the archive.

    Runs with foreign keys off (SQLite cannot alter a key in place: tables are rebuilt and
    renamed); `Archive.open` checks the keys afterwards.
    """
    import uuid

    db.executescript("""
        CREATE TABLE articles_new (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            guid TEXT NOT NULL UNIQUE,
            url_requested TEXT NOT NULL,
            url TEXT NOT NULL,
            title TEXT NOT NULL,
            byline TEXT NOT NULL DEFAULT '',
            authors TEXT NOT NULL DEFAULT '[]',
            site_name TEXT NOT NULL DEFAULT '',
            published TEXT,
            saved_at TEXT NOT NULL,
            language TEXT NOT NULL DEFAULT '',
            excerpt TEXT NOT NULL DEFAULT '',
            word_count INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE article_contents (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            html TEXT NOT NULL,
            structure TEXT NOT NULL,
            text TEXT NOT NULL,
            original_html BLOB NOT NULL,
            original_charset TEXT NOT NULL DEFAULT ''
        );
        INSERT INTO articles_new (id, guid, url_requested, url, title, byline, authors,
            site_name, published, saved_at, language, excerpt, word_count)
            SELECT id, 'pending-' || id,
               url_requested, url, title, byline, authors, site_name, published,
                saved_at, language, excerpt, word_count FROM articles;
        INSERT INTO article_contents (article_id, html, structure, text, original_html,
            original_charset)
            SELECT id, html, structure, text, original_html, original_charset FROM articles;
        DROP TABLE articles;
        ALTER TABLE articles_new RENAME TO articles;
        CREATE INDEX articles_url ON articles(url);
        CREATE INDEX articles_url_requested ON articles(url_requested);
        CREATE INDEX articles_saved_at ON articles(saved_at, id);

        CREATE TABLE themes_new (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            guid TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL CHECK (length(trim(name)) > 0),
            name_key TEXT NOT NULL UNIQUE,
            color TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            position INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        );
        INSERT INTO themes_new (id, guid, name, name_key, color, description, position,
            created_at)
            SELECT id, 'pending-' || id,
               name, name_key, color, description, position, created_at FROM themes;
        DROP TABLE themes;
        ALTER TABLE themes_new RENAME TO themes;

        CREATE TABLE highlights_new (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            guid TEXT NOT NULL UNIQUE,
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
        INSERT INTO highlights_new (id, guid, article_id, start, "end", exact, prefix, suffix,
            note, created_at, updated_at)
            SELECT id, 'pending-' || id,
               article_id, start, "end", exact, prefix, suffix, note, created_at,
                updated_at FROM highlights;
        DROP TABLE highlights;
        ALTER TABLE highlights_new RENAME TO highlights;
        CREATE INDEX highlights_article ON highlights(article_id, start);

        CREATE TABLE highlight_themes_new (
            highlight_id INTEGER NOT NULL REFERENCES highlights(id) ON DELETE CASCADE,
            theme_id INTEGER NOT NULL REFERENCES themes(id) ON DELETE CASCADE,
            PRIMARY KEY (highlight_id, theme_id)
        ) WITHOUT ROWID;
        INSERT INTO highlight_themes_new SELECT highlight_id, theme_id FROM highlight_themes;
        DROP TABLE highlight_themes;
        ALTER TABLE highlight_themes_new RENAME TO highlight_themes;
        CREATE INDEX highlight_themes_theme ON highlight_themes(theme_id);

        -- How many highlights each theme codes, kept by triggers so the codebook's counts cost
        -- nothing to read (counting 300,000 links takes tens of milliseconds). Apart from
        -- `themes` so that the undo history never sees counts change under a theme's row.
        CREATE TABLE theme_counts (
            theme_id INTEGER PRIMARY KEY REFERENCES themes(id) ON DELETE CASCADE,
            highlights INTEGER NOT NULL DEFAULT 0
        );
        INSERT INTO theme_counts (theme_id, highlights)
            SELECT t.id, (SELECT count(*) FROM highlight_themes ht WHERE ht.theme_id = t.id)
            FROM themes t;
        CREATE TRIGGER theme_counts_new_theme AFTER INSERT ON themes BEGIN
            INSERT OR IGNORE INTO theme_counts (theme_id, highlights) VALUES (NEW.id, 0);
        END;
        CREATE TRIGGER theme_counts_link_added AFTER INSERT ON highlight_themes BEGIN
            UPDATE theme_counts SET highlights = highlights + 1 WHERE theme_id = NEW.theme_id;
        END;
        CREATE TRIGGER theme_counts_link_removed AFTER DELETE ON highlight_themes BEGIN
            UPDATE theme_counts SET highlights = highlights - 1 WHERE theme_id = OLD.theme_id;
        END;

        -- The number of articles, kept the same way: counting 100,000 rows reads a whole
        -- index, a fifth of a second after a reboot.
        CREATE TABLE library_count (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            articles INTEGER NOT NULL
        );
        INSERT INTO library_count (id, articles) SELECT 1, count(*) FROM articles;
        CREATE TRIGGER library_count_added AFTER INSERT ON articles BEGIN
            UPDATE library_count SET articles = articles + 1;
        END;
        CREATE TRIGGER library_count_removed AFTER DELETE ON articles BEGIN
            UPDATE library_count SET articles = articles - 1;
        END;

        -- The undo history: one row per step, and the rows it changed (before and after, as
        -- JSON objects; NULL where the row did not exist).
        CREATE TABLE history_steps (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            label TEXT NOT NULL,
            made_at TEXT NOT NULL,
            undone INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE history_rows (
            step_id INTEGER NOT NULL REFERENCES history_steps(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            table_name TEXT NOT NULL,
            row_key TEXT NOT NULL,
            before TEXT,
            after TEXT,
            PRIMARY KEY (step_id, seq)
        ) WITHOUT ROWID;
    """)
    for table in ("articles", "themes", "highlights"):
        ids = [row[0] for row in db.execute(f"SELECT id FROM {table}").fetchall()]
        db.conn.executemany(f"UPDATE {table} SET guid = ? WHERE id = ?",
                            [(str(uuid.uuid4()), row_id) for row_id in ids])
    # Checked inside the migration's transaction: a refusal leaves the file as it was.
    if db.execute("PRAGMA foreign_key_check").fetchone() is not None:
        from .errors import ArchiveError

        raise ArchiveError("the archive has links to missing rows; it may be damaged")


@migrations(name="0004_codebook_tree_article_tags_memos_edits")
def _codebook_tree_article_tags_memos_edits(db: Database) -> None:
    """Themes nest (`parent_id`), can be pinned to a number key (`shortcut`) and are deleted
    by marking them (`deleted`): deleting a theme that codes 50,000 passages, and undoing
    that, then changes one row, not 50,000 links; the links of a deleted theme are removed
    once no undo step can bring it back (`Archive.tidy_history`). Names are unique among the
    themes that are not deleted.

    Each theme's count of articles is kept by triggers like its count of passages
    (`theme_articles` holds how many of an article's passages a theme codes). Articles gain a
    star, a read mark, a memo, tags, and `extracted`: the values extraction found for the
    fields the user corrected. Highlights can be orphaned (their text is gone from a re-extracted
    article) and keep their earlier quotes in `highlight_revisions`.
    """
    theme_seq = db.execute(
        "SELECT seq FROM sqlite_sequence WHERE name = 'themes'").fetchone()
    db.executescript("""
        CREATE TABLE themes_new (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            guid TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL CHECK (length(trim(name)) > 0),
            name_key TEXT NOT NULL,
            color TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            parent_id INTEGER REFERENCES themes(id),
            position INTEGER NOT NULL DEFAULT 0,         -- among its siblings
            shortcut INTEGER CHECK (shortcut BETWEEN 1 AND 9),
            created_at TEXT NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0
        );
        INSERT INTO themes_new (id, guid, name, name_key, color, description, position,
            created_at)
            SELECT id, guid, name, name_key, color, description, position, created_at
            FROM themes;
        DROP TABLE themes;
        ALTER TABLE themes_new RENAME TO themes;
        CREATE UNIQUE INDEX themes_name ON themes(name_key) WHERE deleted = 0;
        CREATE UNIQUE INDEX themes_shortcut ON themes(shortcut)
            WHERE deleted = 0 AND shortcut IS NOT NULL;
        CREATE INDEX themes_parent ON themes(parent_id, position);
        CREATE TRIGGER theme_counts_new_theme AFTER INSERT ON themes BEGIN
            INSERT OR IGNORE INTO theme_counts (theme_id, highlights) VALUES (NEW.id, 0);
        END;

        ALTER TABLE theme_counts ADD COLUMN articles INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE theme_articles (
            theme_id INTEGER NOT NULL,
            article_id INTEGER NOT NULL,
            passages INTEGER NOT NULL,
            PRIMARY KEY (theme_id, article_id)
        ) WITHOUT ROWID;
        INSERT INTO theme_articles (theme_id, article_id, passages)
            SELECT ht.theme_id, h.article_id, count(*) FROM highlight_themes ht
            JOIN highlights h ON h.id = ht.highlight_id GROUP BY ht.theme_id, h.article_id;
        UPDATE theme_counts SET articles =
            (SELECT count(*) FROM theme_articles ta WHERE ta.theme_id = theme_counts.theme_id);
        CREATE TRIGGER theme_articles_link_added AFTER INSERT ON highlight_themes BEGIN
            INSERT INTO theme_articles (theme_id, article_id, passages)
                VALUES (NEW.theme_id,
                        (SELECT article_id FROM highlights WHERE id = NEW.highlight_id), 1)
                ON CONFLICT (theme_id, article_id) DO UPDATE SET passages = passages + 1;
        END;
        CREATE TRIGGER theme_articles_link_removed AFTER DELETE ON highlight_themes BEGIN
            UPDATE theme_articles SET passages = passages - 1
                WHERE theme_id = OLD.theme_id
                AND article_id = (SELECT article_id FROM highlights WHERE id = OLD.highlight_id);
            DELETE FROM theme_articles WHERE theme_id = OLD.theme_id
                AND article_id = (SELECT article_id FROM highlights WHERE id = OLD.highlight_id)
                AND passages <= 0;
        END;
        CREATE TRIGGER theme_counts_article_added AFTER INSERT ON theme_articles BEGIN
            UPDATE theme_counts SET articles = articles + 1 WHERE theme_id = NEW.theme_id;
        END;
        CREATE TRIGGER theme_counts_article_removed AFTER DELETE ON theme_articles BEGIN
            UPDATE theme_counts SET articles = articles - 1 WHERE theme_id = OLD.theme_id;
        END;
        -- Totals with sub-themes: the passages (and articles) coded with a theme or any
        -- theme below it, each counted once. A link counts for every theme above its own
        -- (and that theme) unless another live link of the same highlight already counts
        -- there. Moving, merging and deleting themes recount the totals they touch
        -- (`recount_totals`), and so do changes of thousands of one theme's links, which
        -- take the theme's count row away meanwhile (`counted_once`) so that the
        -- triggers skip them. The four triggers are made by `_total_trigger`, below.
        ALTER TABLE theme_counts ADD COLUMN total_highlights INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE theme_counts ADD COLUMN total_articles INTEGER NOT NULL DEFAULT 0;
        UPDATE theme_counts SET total_highlights = highlights, total_articles = articles;
        CREATE INDEX theme_articles_article ON theme_articles(article_id, theme_id);
        -- A highlight's links go before it does: a link removed by the cascade could no
        -- longer find its highlight's article.
        CREATE TRIGGER highlights_unlink_first BEFORE DELETE ON highlights BEGIN
            DELETE FROM highlight_themes WHERE highlight_id = OLD.id;
        END;

        ALTER TABLE articles ADD COLUMN starred INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE articles ADD COLUMN read INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE articles ADD COLUMN memo TEXT NOT NULL DEFAULT '';
        ALTER TABLE articles ADD COLUMN extracted TEXT NOT NULL DEFAULT '{}';
        CREATE INDEX articles_starred ON articles(starred) WHERE starred;

        CREATE TABLE tags (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL CHECK (length(trim(name)) > 0),
            name_key TEXT NOT NULL UNIQUE
        );
        CREATE TABLE article_tags (
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
            PRIMARY KEY (article_id, tag_id)
        ) WITHOUT ROWID;
        CREATE INDEX article_tags_tag ON article_tags(tag_id);

        ALTER TABLE highlights ADD COLUMN orphaned INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE highlight_revisions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            highlight_id INTEGER NOT NULL REFERENCES highlights(id) ON DELETE CASCADE,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            exact TEXT NOT NULL,
            replaced_at TEXT NOT NULL
        );
        CREATE INDEX highlight_revisions_highlight ON highlight_revisions(highlight_id);
    """)
    # A rebuilt table starts its AUTOINCREMENT record at its largest id: keep the old record,
    # so the id of a theme deleted for good is never given out again.
    for table, item, total in (("highlight_themes", "highlight_id", "total_highlights"),
                               ("theme_articles", "article_id", "total_articles")):
        for event, row, step in (("INSERT", "NEW", "+"), ("DELETE", "OLD", "-")):
            db.execute(_total_trigger(table, item, total, event, row, step))
    if theme_seq is not None:
        db.execute("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'themes'",
                   [theme_seq[0]])
    if db.execute("PRAGMA foreign_key_check").fetchone() is not None:
        from .errors import ArchiveError

        raise ArchiveError("the archive has links to missing rows; it may be damaged")


@migrations(name="0005_article_assets_and_keys")
def _article_assets_and_keys(db: Database) -> None:
    """Articles keep their images (`article_assets`: the bytes, where they came from, their
    type and size) so the reader shows them offline, and the keys that recognise a page saved before
    (`article_keys`): the normalised address of each URL it was reached by ('url'), the
    fingerprint of the saved file's bytes ('source') and of its text ('text').
    """
    import zlib

    from .urls import content_key, url_key

    db.executescript("""
        CREATE TABLE article_assets (
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            url TEXT NOT NULL DEFAULT '',
            media_type TEXT NOT NULL,
            width INTEGER NOT NULL DEFAULT 0,   -- pixels, so the reader can lay out the page
            height INTEGER NOT NULL DEFAULT 0,  -- before the image itself is decoded
            data BLOB NOT NULL,
            PRIMARY KEY (article_id, name)
        );
        CREATE TABLE article_keys (
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('url', 'source', 'text')),
            key TEXT NOT NULL,
            PRIMARY KEY (article_id, kind, key)
        ) WITHOUT ROWID;
        CREATE INDEX article_keys_key ON article_keys(key, kind);
    """)
    rows = db.execute(
        "SELECT a.id, a.url, a.url_requested, c.text, c.original_html "
        "FROM articles a JOIN article_contents c ON c.article_id = a.id")
    keys = []
    for article_id, url, requested, text, original in rows:
        for address in (url, requested):
            if url_key(address):
                keys.append((article_id, "url", url_key(address)))
        keys.append((article_id, "text", content_key(text)))
        keys.append((article_id, "source", content_key(zlib.decompress(original))))
    db.conn.executemany("INSERT OR IGNORE INTO article_keys VALUES (?, ?, ?)", keys)


@migrations(name="0006_theme_articles_without_article_index")
def _theme_articles_without_article_index(db: Database) -> None:
    """`theme_articles` loses its index by article (`theme_articles_article`): every link a
    theme gains or loses wrote to it at a page of its own (the articles are scattered), so
    merging a theme of 6,800 passages into one of 51,000 dirtied 800 more pages, over a
    quarter of the step's time (docs/benchmarks.md). Its one reader, the check in the
    article totals triggers ("does another live theme of this branch have this article?"),
    now walks the branch down from each theme it counts for and looks the (theme, article)
    pair up by `theme_articles`' own key: a few lookups per theme of the branch.
    """
    for statement in ("DROP INDEX theme_articles_article",
                      "DROP TRIGGER theme_totals_article_added",
                      "DROP TRIGGER theme_totals_article_removed"):
        db.execute(statement)
    for event, row, step in (("INSERT", "NEW", "+"), ("DELETE", "OLD", "-")):
        db.execute(_article_total_trigger(event, row, step))


@migrations(name="0007_theme_merges")
def _theme_merges(db: Database) -> None:
    """`theme_merges` records each theme merged into another (`into_id`), for as long as the
    merged theme is kept (its undo step may bring it back). While `waiting` is 1 the merge is
    shown but its links are not yet added to the other theme: its own links count as the
    other's (see `archive/merges.py`). `history_rows` gains an index by row, as a merge's
    step is completed later by the row it recorded.
    """
    db.execute("""
        CREATE TABLE theme_merges (
            theme_id INTEGER PRIMARY KEY REFERENCES themes(id) ON DELETE CASCADE,
            into_id INTEGER NOT NULL,
            waiting INTEGER NOT NULL DEFAULT 0
        )""")
    db.execute("CREATE INDEX theme_merges_waiting ON theme_merges(into_id) WHERE waiting")
    db.execute("CREATE INDEX history_rows_row ON history_rows(table_name, row_key)")


def _up_from(theme: str) -> str:
    """The ids of a theme and every theme above it (a recursive CTE)."""
    return (f"(WITH RECURSIVE up(id) AS (SELECT {theme} UNION ALL SELECT t.parent_id "
            "FROM themes t JOIN up ON t.id = up.id WHERE t.parent_id IS NOT NULL) "
            "SELECT id FROM up)")


def _total_trigger(table: str, item: str, total: str, event: str, row: str,
                   step: str) -> str:
    """A trigger keeping a total with sub-themes as a link (highlight_themes) or an article
    row (theme_articles) comes or goes: every theme from the row's theme up counts it once,
    unless another live row of the same highlight (article) already counts there. A theme
    whose count row is away (`counted_once`) or a total being counted again (-1) is left
    alone."""
    name = f"theme_totals_{'link' if table == 'highlight_themes' else 'article'}_" + (
        "added" if event == "INSERT" else "removed")
    return f"""
        CREATE TRIGGER {name} AFTER {event} ON {table}
        WHEN (SELECT deleted FROM themes WHERE id = {row}.theme_id) = 0
            AND EXISTS (SELECT 1 FROM theme_counts WHERE theme_id = {row}.theme_id) BEGIN
            UPDATE theme_counts SET {total} = {total} {step} 1
            WHERE theme_id IN {_up_from(f"{row}.theme_id")}
            AND {total} >= 0
            AND NOT EXISTS (SELECT 1 FROM {table} o JOIN themes ot ON ot.id = o.theme_id
                WHERE o.{item} = {row}.{item} AND o.theme_id != {row}.theme_id
                AND ot.deleted = 0 AND theme_counts.theme_id IN {_up_from("o.theme_id")});
        END"""


def _down_from(theme: str) -> str:
    """A recursive CTE `down`: a theme and every theme below it, deleted ones included (the
    inverse of `_up_from`, which climbs through deleted parents too)."""
    return (f"WITH RECURSIVE down(id) AS (SELECT {theme} UNION ALL SELECT t.id FROM themes t "
            "JOIN down ON t.parent_id = down.id) ")


def _article_total_trigger(event: str, row: str, step: str) -> str:
    """The total-articles trigger of migration 0006: as `_total_trigger` makes it for
    theme_articles, with the same meaning, but the other rows of the article are looked up
    by (theme, article) for each theme below the counted one, not through an index by
    article. The lookups are correlated subqueries, not a join: SQLite plans that join with
    a Bloom filter built by reading all of theme_articles, every time (10 ms a passage)."""
    name = "theme_totals_article_" + ("added" if event == "INSERT" else "removed")
    return f"""
        CREATE TRIGGER {name} AFTER {event} ON theme_articles
        WHEN (SELECT deleted FROM themes WHERE id = {row}.theme_id) = 0
            AND EXISTS (SELECT 1 FROM theme_counts WHERE theme_id = {row}.theme_id) BEGIN
            UPDATE theme_counts SET total_articles = total_articles {step} 1
            WHERE theme_id IN {_up_from(f"{row}.theme_id")}
            AND total_articles >= 0
            AND NOT EXISTS ({_down_from("theme_counts.theme_id")}SELECT 1 FROM down
                WHERE down.id != {row}.theme_id
                AND (SELECT deleted FROM themes WHERE id = down.id) = 0
                AND EXISTS (SELECT 1 FROM theme_articles o WHERE o.theme_id = down.id
                            AND o.article_id = {row}.article_id));
        END"""
