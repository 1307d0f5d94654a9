"""Saved articles: their library rows (small) and their content (large, in its own table)."""

from __future__ import annotations

import json
import uuid
import zlib
from datetime import date

from sqlite_utils import Database

from ..document import blocks_from_json, blocks_to_json
from ..errors import ArchiveError, NotFound
from ..models import Article, ArticleSummary, CapturedArticle
from ..urls import content_key, url_key

# The library's order: newest saved first. `articles_saved_at` covers it.
LIBRARY_ORDER = "a.saved_at DESC, a.id DESC"
LIBRARY_ORDER_REVERSED = "a.saved_at ASC, a.id ASC"
_TAGS = ("(SELECT json_group_array(name) FROM (SELECT t.name FROM article_tags at "
         "JOIN tags t ON t.id = at.tag_id WHERE at.article_id = a.id ORDER BY t.name_key)) "
         "AS tags")
_SUMMARY_COLUMNS = (
    "a.id, a.url, a.title, a.byline, a.site_name, a.published, a.saved_at, a.word_count, "
    "(SELECT count(*) FROM highlights h WHERE h.article_id = a.id) AS highlight_count, "
    f"a.starred, a.read, {_TAGS}")
# zlib level for the page bytes kept with each article: level 9 took 3 ms for a 200 KB page,
# in the archive's one writer, for 1-2% fewer bytes than level 6.
ORIGINAL_COMPRESSION = 6
# Fields the user can correct; what extraction found is kept in `extracted`.
EDITABLE = ("title", "authors", "site_name", "published")


def _summary(row: dict) -> ArticleSummary:
    return ArticleSummary(**{**row, "starred": bool(row["starred"]), "read": bool(row["read"]),
                             "tags": tuple(json.loads(row["tags"]))})


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
        count = self.article_count()
        if offset > count // 2:
            # An OFFSET walks the index from its start: rows near the end are read from the
            # other end instead (the last page cold: 54 ms walking, a few pages this way).
            end = min(count, offset + limit)
            rows = list(self.db.query(
                f"SELECT {_SUMMARY_COLUMNS} FROM articles a ORDER BY {LIBRARY_ORDER_REVERSED} "
                "LIMIT ? OFFSET ?", [max(0, end - offset), count - end]))
            return [_summary(row) for row in reversed(rows)]
        rows = self.db.query(
            f"SELECT {_SUMMARY_COLUMNS} FROM articles a ORDER BY {LIBRARY_ORDER} "
            "LIMIT ? OFFSET ?", [limit, offset])
        return [_summary(row) for row in rows]

    def article_summaries(self, article_ids) -> list[ArticleSummary]:
        """The library rows of these articles (those that exist), in the library's order."""
        ids = list(article_ids)
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self.db.query(f"SELECT {_SUMMARY_COLUMNS} FROM articles a WHERE a.id IN "
                             f"({marks}) ORDER BY {LIBRARY_ORDER}", ids)
        return [_summary(row) for row in rows]

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
        return [_summary(row) for row in rows]

    def find_article_by_url(self, *urls: str) -> int | None:
        """The id of an article already saved from any of these URLs (compared as `url_key`
        compares them: tracking parameters, fragment, www. and scheme aside), or None."""
        keys = [url_key(u) for u in urls if u]
        local = [u for u in urls if u and u.startswith("file:")]
        found = self._find_by_keys([("url", key) for key in keys if key])
        if found is None and local:
            marks = ",".join("?" * len(local))
            found = self._scalar(f"SELECT id FROM articles WHERE url_requested IN ({marks}) "
                                 "ORDER BY id LIMIT 1", local)
        return found

    def find_duplicate(self, article: CapturedArticle) -> int | None:
        """An article already saved from the same page. A web page is the same when it was
        reached by the same address (or names the other's address as its canonical one); a
        saved file when it is the same file, has the same bytes, or says it is a copy of a
        page already saved. The same text under two addresses is not a duplicate: a wire
        story printed by two outlets is two sources."""
        if not article.url_requested.startswith("file:"):
            return self.find_article_by_url(article.url, article.url_requested,
                                            article.canonical_url)
        pages = [u for u in (article.url, article.canonical_url) if _names_a_page(u)]
        keys = [("source", content_key(article.original_html)),
                *(("url", url_key(u)) for u in pages)]
        return self.find_article_by_url(article.url_requested) or self._find_by_keys(keys)

    def _find_by_keys(self, keys: list[tuple[str, str]]) -> int | None:
        """The oldest article holding any of these (kind, key) pairs."""
        if not keys:
            return None
        pairs = " OR ".join("(key = ? AND kind = ?)" for _ in keys)
        return self._scalar(f"SELECT min(article_id) FROM article_keys WHERE {pairs}",
                            [value for kind, key in keys for value in (key, kind)])

    def save_article(self, article: CapturedArticle) -> tuple[int, bool]:
        """Store a captured article with its images; returns (id, True), or (existing id,
        False) if the same page is already in the archive (see `find_duplicate`)."""
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
                 zlib.compress(article.original_html, ORIGINAL_COMPRESSION),
                 article.original_charset])
            self._created("articles", id=article_id)
            self._created("article_contents", article_id=article_id)
            self._store_keys(article_id, _article_keys(article))
            self._store_assets(article_id, article.images)
        return article_id, True

    def _store_keys(self, article_id: int, keys: list[tuple[str, str]]) -> None:
        for kind, key in dict.fromkeys(keys):
            self.db.execute("INSERT OR IGNORE INTO article_keys (article_id, kind, key) "
                            "VALUES (?, ?, ?)", [article_id, kind, key])
            self._created("article_keys", article_id=article_id, kind=kind, key=key)

    def _store_assets(self, article_id: int, images) -> None:
        for image in images:
            self.db.execute("INSERT OR REPLACE INTO article_assets (article_id, name, url, "
                            "media_type, width, height, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
                            [article_id, image.name, image.url, image.media_type, image.width,
                             image.height, image.data])
            self._created("article_assets", article_id=article_id, name=image.name)

    def article_asset(self, article_id: int, name: str) -> tuple[str, bytes] | None:
        """An image kept with an article: (media type, bytes), or None if there is none."""
        row = self.db.execute("SELECT media_type, data FROM article_assets "
                              "WHERE article_id = ? AND name = ?", [article_id, name]).fetchone()
        return (row[0], row[1]) if row else None

    def article_asset_sizes(self, article_id: int) -> dict[str, tuple[int, int]]:
        """The images kept with an article: {asset name: (width, height) in pixels}; the
        reader lays the page out with these before it has decoded any image."""
        return {name: (width, height) for name, width, height in self.db.execute(
            "SELECT name, width, height FROM article_assets WHERE article_id = ?",
            [article_id])}

    def article_asset_sources(self, article_id: int) -> dict[str, str]:
        """Where each image kept with an article came from: {address: asset name}."""
        return dict(self.db.execute(
            "SELECT url, name FROM article_assets WHERE article_id = ?", [article_id]))

    def article_asset_names(self, article_id: int) -> list[str]:
        """The names of the images kept with an article."""
        return [row[0] for row in self.db.execute(
            "SELECT name FROM article_assets WHERE article_id = ? ORDER BY name", [article_id])]

    def get_article(self, article_id: int) -> Article:
        """One article with its text and reading structure."""
        rows = list(self.db.query(
            "SELECT a.id, a.guid, a.url_requested, a.url, a.title, a.byline, a.authors, "
            "a.site_name, a.published, a.saved_at, a.language, a.excerpt, a.word_count, "
            f"a.starred, a.read, a.memo, a.extracted, {_TAGS}, "
            "c.html, c.text, c.structure FROM articles a "
            "JOIN article_contents c ON c.article_id = a.id WHERE a.id = ?", [article_id]))
        if not rows:
            raise NotFound(f"there is no article {article_id}")
        row = rows[0]
        row["authors"] = json.loads(row["authors"])
        row["blocks"] = blocks_from_json(json.loads(row.pop("structure")))
        row.update(starred=bool(row["starred"]), read=bool(row["read"]),
                   tags=tuple(json.loads(row["tags"])), extracted=json.loads(row["extracted"]))
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
            self.make_way_for(articles=[article_id])
            # Parents first: undo re-inserts in this order.
            self._watch("articles", "id = ?", [article_id])
            self._watch("article_contents", "article_id = ?", [article_id])
            self._watch("highlights", "article_id = ?", [article_id])
            self._watch("highlight_themes", "highlight_id IN "
                        "(SELECT id FROM highlights WHERE article_id = ?)", [article_id])
            self._watch("highlight_revisions", "highlight_id IN "
                        "(SELECT id FROM highlights WHERE article_id = ?)", [article_id])
            self._watch("article_tags", "article_id = ?", [article_id])
            self._watch("article_keys", "article_id = ?", [article_id])
            self._watch("article_assets", "article_id = ?", [article_id])
            if self.db.execute("DELETE FROM articles WHERE id = ?", [article_id]).rowcount == 0:
                raise NotFound(f"there is no article {article_id}")

    # --- what the user adds to an article ----------------------------------------------------

    def set_article_flags(self, article_id: int, *, starred: bool | None = None,
                          read: bool | None = None) -> None:
        """Star or unstar an article, mark it read or unread."""
        with self.db.atomic():
            self._watch("articles", "id = ?", [article_id])
            row = self._article_row(article_id, "starred, read")
            self.db.execute("UPDATE articles SET starred = ?, read = ? WHERE id = ?",
                            [int(row[0] if starred is None else starred),
                             int(row[1] if read is None else read), article_id])

    def set_article_memo(self, article_id: int, memo: str) -> None:
        """Replace the article's memo (the researcher's notes on the whole article)."""
        with self.db.atomic():
            self._watch("articles", "id = ?", [article_id])
            self._article_row(article_id, "id")
            self.db.execute("UPDATE articles SET memo = ? WHERE id = ?", [memo, article_id])

    def edit_article(self, article_id: int, **values) -> None:
        """Correct the title, authors (a list), site_name or published date (YYYY-MM-DD, or
        None to clear it). What extraction found is kept in `extracted`; setting a field
        back to it clears the correction."""
        unknown = set(values) - set(EDITABLE)
        if unknown:
            raise ArchiveError(f"{', '.join(sorted(unknown))} cannot be edited")
        clean = {field: _clean_field(field, value) for field, value in values.items()}
        with self.db.atomic():
            self._watch("articles", "id = ?", [article_id])
            row = self._article_row(article_id, "title, authors, site_name, published, "
                                                "extracted")
            current = dict(zip(EDITABLE, (row[0], json.loads(row[1]), row[2], row[3]),
                               strict=True))
            extracted = json.loads(row[4])
            for field, value in clean.items():
                original = extracted.get(field, current[field])
                if field == "published" and value and str(original or "")[:10] == value:
                    value = original  # the same day as extracted: keep its time of day too
                if value == original:
                    extracted.pop(field, None)
                else:
                    extracted[field] = original
                current[field] = value
            self.db.execute(
                "UPDATE articles SET title = ?, authors = ?, site_name = ?, published = ?, "
                "extracted = ? WHERE id = ?",
                [current["title"], json.dumps(current["authors"], ensure_ascii=False),
                 current["site_name"], current["published"],
                 json.dumps(extracted, ensure_ascii=False, sort_keys=True), article_id])

    def refresh_extracted(self, article_id: int, found: dict) -> None:
        """Take newly extracted values (from a re-extraction) for the editable fields: a
        field the user corrected keeps the correction and only its `extracted` value moves."""
        with self.db.atomic():
            self._watch("articles", "id = ?", [article_id])
            extracted = json.loads(self._article_row(article_id, "extracted")[0])
            shown = {}
            for field in EDITABLE:
                if field not in found:
                    continue
                if field in extracted:
                    extracted[field] = found[field]
                else:
                    shown[field] = found[field]
            sets = [f"{field} = ?" for field in shown]
            params = [json.dumps(v, ensure_ascii=False) if field == "authors" else v
                      for field, v in shown.items()]
            self.db.execute(f"UPDATE articles SET {', '.join([*sets, 'extracted = ?'])} "
                            "WHERE id = ?",
                            [*params, json.dumps(extracted, ensure_ascii=False, sort_keys=True),
                             article_id])

    def replace_content(self, article_id: int, article: CapturedArticle) -> list:
        """Put a re-extracted article's text and structure in place of the old ones, keeping
        the original page, the images and everything the user added: highlights are re-anchored
        (`reanchor_highlights`; one that cannot be placed is kept, orphaned), a detail the user
        corrected keeps the correction, and a detail the new extraction did not find keeps its
        old value. Returns what re-anchoring did with each highlight."""
        with self.db.atomic():
            self._watch("articles", "id = ?", [article_id])
            self._watch("article_contents", "article_id = ?", [article_id])
            self._watch("article_keys", "article_id = ? AND kind = 'text'", [article_id])
            self._article_row(article_id, "id")
            report = self.reanchor_highlights(article_id, article.text)
            self.db.execute(
                "UPDATE article_contents SET html = ?, structure = ?, text = ? "
                "WHERE article_id = ?",
                [article.html, json.dumps(blocks_to_json(article.blocks), ensure_ascii=False),
                 article.text, article_id])
            self.db.execute(
                "UPDATE articles SET word_count = ?, excerpt = ?, language = ?, "
                "byline = CASE WHEN ? != '' THEN ? ELSE byline END WHERE id = ?",
                [article.word_count, article.excerpt, article.language, article.byline,
                 article.byline, article_id])
            self.db.execute("DELETE FROM article_keys WHERE article_id = ? AND kind = 'text'",
                            [article_id])
            self._store_keys(article_id, [("text", content_key(article.text))])
            found = {"title": article.title, "authors": article.authors,
                     "site_name": article.site_name, "published": article.published}
            self.refresh_extracted(article_id, {k: v for k, v in found.items() if v})
        return report

    def saved_page(self, article_id: int) -> tuple[bytes, str, str, str]:
        """What re-extraction starts from: (original bytes, their charset, the address asked
        for, the address the page came from)."""
        row = self.db.execute(
            "SELECT c.original_html, c.original_charset, a.url_requested, a.url "
            "FROM articles a JOIN article_contents c ON c.article_id = a.id WHERE a.id = ?",
            [article_id]).fetchone()
        if row is None:
            raise NotFound(f"there is no article {article_id}")
        return zlib.decompress(row[0]), row[1], row[2], row[3]

    def tag_article(self, article_id: int, names: list[str]) -> None:
        """Put tags on an article (new tag names are created)."""
        with self.db.atomic():
            self._article_row(article_id, "id")
            for name in dict.fromkeys(_clean_tag(n) for n in names):
                tag_id = self._scalar("SELECT id FROM tags WHERE name_key = ?",
                                      [name.casefold()])
                if tag_id is None:
                    tag_id = self.db.execute("INSERT INTO tags (name, name_key) VALUES (?, ?)",
                                             [name, name.casefold()]).lastrowid
                    self._created("tags", id=tag_id)
                self._watch("article_tags", "article_id = ? AND tag_id = ?",
                            [article_id, tag_id])
                self.db.execute("INSERT OR IGNORE INTO article_tags (article_id, tag_id) "
                                "VALUES (?, ?)", [article_id, tag_id])

    def untag_article(self, article_id: int, names: list[str]) -> None:
        """Take tags off an article; a tag no article has any more is forgotten."""
        with self.db.atomic():
            self._article_row(article_id, "id")
            for name in names:
                tag_id = self._scalar("SELECT id FROM tags WHERE name_key = ?",
                                      [_clean_tag(name).casefold()])
                if tag_id is None:
                    continue
                # The tag before its link: replay deletes rows in the reverse of this order,
                # children first.
                self._watch("tags", "id = ?", [tag_id])
                self._watch("article_tags", "article_id = ? AND tag_id = ?",
                            [article_id, tag_id])
                self.db.execute("DELETE FROM article_tags WHERE article_id = ? AND tag_id = ?",
                                [article_id, tag_id])
                if self._scalar("SELECT 1 FROM article_tags WHERE tag_id = ?",
                                [tag_id]) is None:
                    self.db.execute("DELETE FROM tags WHERE id = ?", [tag_id])

    def tag_names(self) -> list[str]:
        """Every tag's name, by name (for completing what the user types)."""
        return [row[0] for row in self.db.execute("SELECT name FROM tags ORDER BY name_key")]

    def list_tags(self) -> list[tuple[str, int]]:
        """Every tag with the number of articles that have it, by name."""
        return [(row[0], row[1]) for row in self.db.execute(
            "SELECT t.name, count(at.article_id) FROM tags t LEFT JOIN article_tags at "
            "ON at.tag_id = t.id GROUP BY t.id ORDER BY t.name_key")]

    def _article_row(self, article_id: int, columns: str) -> tuple:
        row = self.db.execute(f"SELECT {columns} FROM articles WHERE id = ?",
                              [article_id]).fetchone()
        if row is None:
            raise NotFound(f"there is no article {article_id}")
        return tuple(row)


def _clean_tag(name: str) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise ArchiveError("a tag needs a name")
    if len(name) > 60:
        raise ArchiveError(f"a tag can be at most 60 characters ({len(name)} given)")
    return name


def _clean_field(field: str, value):
    """A corrected value, checked: a title is not empty; authors are a list of names; a
    published date is YYYY-MM-DD (or None)."""
    if field == "authors":
        if isinstance(value, str):
            value = [value]
        names = [" ".join(str(name).split()) for name in value or []]
        return [name for name in names if name]
    if field == "published":
        if value in (None, ""):
            return None
        try:
            return date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            raise ArchiveError(f"{value!r} is not a date of the form YYYY-MM-DD") from None
    value = " ".join(str(value).split())
    if field == "title" and not value:
        raise ArchiveError("an article needs a title")
    return value


def _names_a_page(url: str) -> bool:
    """An http(s) address with a path: a site's home page names no particular article."""
    return "/" in url_key(url).split("?", 1)[0]


def _article_keys(article: CapturedArticle) -> list[tuple[str, str]]:
    """Every key by which a later capture of the same page is recognised."""
    addresses = (article.url, article.url_requested, article.canonical_url)
    return [*(("url", key) for key in map(url_key, addresses) if key),
            ("source", content_key(article.original_html)), ("text", content_key(article.text))]
