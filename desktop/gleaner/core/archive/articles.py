"""Saved articles: their library rows (small) and their content (large, in its own table)."""

from __future__ import annotations

import json
import uuid
import zlib

from sqlite_utils import Database

from ..document import blocks_from_json, blocks_to_json
from ..errors import NotFound
from ..models import Article, ArticleSummary, CapturedArticle

# The library's order: newest saved first. `articles_saved_at` covers it.
LIBRARY_ORDER = "a.saved_at DESC, a.id DESC"
_SUMMARY_COLUMNS = (
    "a.id, a.url, a.title, a.byline, a.site_name, a.published, a.saved_at, a.word_count, "
    "(SELECT count(*) FROM highlights h WHERE h.article_id = a.id) AS highlight_count")


class ArticlesMixin:
    """Articles in the archive."""

    db: Database

    def is_empty(self) -> bool:
        """True when no article has been saved yet."""
        return self._scalar("SELECT 1 FROM articles LIMIT 1") is None

    def article_count(self) -> int:
        """How many articles the library holds (kept by triggers: no rows are counted)."""
        return self._scalar("SELECT articles FROM library_count")

    def article_page(self, offset: int, limit: int) -> list[ArticleSummary]:
        """Library rows offset..offset+limit in the library's order."""
        rows = self.db.query(
            f"SELECT {_SUMMARY_COLUMNS} FROM articles a ORDER BY {LIBRARY_ORDER} "
            "LIMIT ? OFFSET ?", [limit, offset])
        return [ArticleSummary(**row) for row in rows]

    def article_summaries(self, article_ids) -> list[ArticleSummary]:
        """The library rows of these articles (those that exist), in the library's order."""
        ids = list(article_ids)
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self.db.query(f"SELECT {_SUMMARY_COLUMNS} FROM articles a WHERE a.id IN "
                             f"({marks}) ORDER BY {LIBRARY_ORDER}", ids)
        return [ArticleSummary(**row) for row in rows]

    def article_row(self, article_id: int) -> int | None:
        """The article's row number in the library (0 = first), or None if it is gone."""
        row = self.db.execute("SELECT saved_at FROM articles WHERE id = ?",
                              [article_id]).fetchone()
        if row is None:
            return None
        return self._scalar("SELECT count(*) FROM articles WHERE (saved_at, id) > (?, ?)",
                            [row[0], article_id])

    def list_articles(self) -> list[ArticleSummary]:
        """Every article, newest saved first, with its highlight count (for the CLI; the
        window pages through `article_page`)."""
        rows = self.db.query(
            f"SELECT {_SUMMARY_COLUMNS} FROM articles a ORDER BY {LIBRARY_ORDER}")
        return [ArticleSummary(**row) for row in rows]

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
        from .store import utc_now

        with self.db.atomic():
            existing = self.find_duplicate(article)
            if existing is not None:
                return existing, False
            article_id = self.db.execute(
                "INSERT INTO articles (guid, url_requested, url, title, byline, authors, "
                "site_name, published, saved_at, language, excerpt, word_count) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [str(uuid.uuid4()), article.url_requested, article.url, article.title,
                 article.byline, json.dumps(article.authors), article.site_name,
                 article.published, utc_now(), article.language, article.excerpt,
                 article.word_count]).lastrowid
            self.db.execute(
                "INSERT INTO article_contents (article_id, html, structure, text, "
                "original_html, original_charset) VALUES (?, ?, ?, ?, ?, ?)",
                [article_id, article.html,
                 json.dumps(blocks_to_json(article.blocks), ensure_ascii=False), article.text,
                 zlib.compress(article.original_html, 9), article.original_charset])
            self._created("articles", id=article_id)
            self._created("article_contents", article_id=article_id)
        return article_id, True

    def get_article(self, article_id: int) -> Article:
        """One article with its text and reading structure."""
        rows = list(self.db.query(
            "SELECT a.id, a.guid, a.url_requested, a.url, a.title, a.byline, a.authors, "
            "a.site_name, a.published, a.saved_at, a.language, a.excerpt, a.word_count, "
            "c.html, c.text, c.structure FROM articles a "
            "JOIN article_contents c ON c.article_id = a.id WHERE a.id = ?", [article_id]))
        if not rows:
            raise NotFound(f"there is no article {article_id}")
        row = rows[0]
        row["authors"] = json.loads(row["authors"])
        row["blocks"] = blocks_from_json(json.loads(row.pop("structure")))
        return Article(**row)

    def article_text(self, article_id: int) -> str:
        """The article's canonical text (the coordinates of its highlights)."""
        text = self._scalar("SELECT text FROM article_contents WHERE article_id = ?",
                            [article_id])
        if text is None:
            raise NotFound(f"there is no article {article_id}")
        return text

    def original_html(self, article_id: int) -> bytes:
        """The page's bytes exactly as they were received."""
        blob = self._scalar("SELECT original_html FROM article_contents WHERE article_id = ?",
                            [article_id])
        if blob is None:
            raise NotFound(f"there is no article {article_id}")
        return zlib.decompress(blob)

    def delete_article(self, article_id: int) -> None:
        """Remove an article and, with it, its content and highlights."""
        with self.db.atomic():
            # Parents first: undo re-inserts in this order.
            self._watch("articles", "id = ?", [article_id])
            self._watch("article_contents", "article_id = ?", [article_id])
            self._watch("highlights", "article_id = ?", [article_id])
            self._watch("highlight_themes", "highlight_id IN "
                        "(SELECT id FROM highlights WHERE article_id = ?)", [article_id])
            if self.db.execute("DELETE FROM articles WHERE id = ?", [article_id]).rowcount == 0:
                raise NotFound(f"there is no article {article_id}")
