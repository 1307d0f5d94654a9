"""Plain dataclasses that cross the boundary between the core and its front ends."""

from __future__ import annotations

from dataclasses import dataclass, field

from .document import Block


@dataclass(frozen=True)
class CapturedArticle:
    """An article fetched and extracted, not yet in the archive."""

    url_requested: str
    url: str
    title: str
    byline: str
    authors: list[str]
    site_name: str
    published: str | None  # ISO 8601 date or date-time, as precise as the page said
    language: str
    excerpt: str
    html: str  # cleaned, sanitized article HTML
    blocks: list[Block]  # the reader's structure; its text is `text`
    text: str  # canonical plain text, the coordinate system of every highlight
    original_html: bytes  # the page's bytes exactly as received
    original_charset: str

    @property
    def word_count(self) -> int:
        return len(self.text.split())


@dataclass(frozen=True)
class ArticleSummary:
    """One row of the library list."""

    id: int
    url: str
    title: str
    byline: str
    site_name: str
    published: str | None
    saved_at: str
    word_count: int
    highlight_count: int


@dataclass(frozen=True)
class Article:
    """A saved article with everything the reader needs."""

    id: int
    url_requested: str
    url: str
    title: str
    byline: str
    authors: list[str]
    site_name: str
    published: str | None
    saved_at: str
    language: str
    excerpt: str
    word_count: int
    html: str
    text: str
    blocks: list[Block] = field(repr=False)


@dataclass(frozen=True)
class Theme:
    """A code in the codebook."""

    id: int
    name: str
    color: str
    description: str
    position: int
    highlight_count: int = 0


@dataclass(frozen=True)
class Highlight:
    """A coded passage: offsets into the article's canonical text plus the quote that anchors it."""

    id: int
    article_id: int
    start: int
    end: int
    exact: str
    prefix: str
    suffix: str
    note: str
    theme_ids: tuple[int, ...]
    created_at: str
    updated_at: str
