"""Plain dataclasses that cross the boundary between the core and its front ends."""

from __future__ import annotations

from dataclasses import dataclass, field

from .document import Block


@dataclass(frozen=True)
class ImageAsset:
    """An image of an article, downloaded (or read from a saved page's folder) at save time.

    name is how the article's blocks and stored HTML refer to it; url is where it came from.
    """

    name: str
    url: str
    media_type: str
    data: bytes
    width: int = 0  # pixels, as the image's own header says
    height: int = 0


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
    modified: str | None = None  # when the page says it was last updated, if it says so
    canonical_url: str = ""  # the page's own <link rel="canonical">, a duplicate hint
    images: tuple[ImageAsset, ...] = ()  # images kept offline with the article

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
    starred: bool = False
    read: bool = False
    tags: tuple[str, ...] = ()


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
    guid: str = ""
    starred: bool = False
    read: bool = False
    memo: str = ""
    tags: tuple[str, ...] = ()
    # What extraction found for the fields the user corrected (title, authors, site_name,
    # published): shown as "extracted: …" and kept through re-extraction.
    extracted: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Theme:
    """A code in the codebook."""

    id: int
    name: str
    color: str
    description: str
    position: int  # among its siblings
    highlight_count: int = 0  # passages coded with it
    guid: str = ""
    parent_id: int | None = None
    shortcut: int | None = None  # the number key the user pinned it to, if any
    article_count: int = 0  # articles with a passage coded with it
    # With its sub-themes (each passage and article counted once); equal to the above for a
    # theme without children. None while being counted again after a large change (the
    # archive does it within a moment).
    total_highlights: int | None = 0
    total_articles: int | None = 0


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
    guid: str = ""
    orphaned: bool = False  # its text is gone from the article (see core.anchoring)


@dataclass(frozen=True)
class Changes:
    """What an operation (or its undo) changed, so a front end refreshes only that.

    `articles`: articles whose library row changed or that gained, lost or edited a
    highlight; `highlights`: highlights added, changed or removed, or whose themes changed;
    `themes`: themes whose row or counts changed. `library` is set
    when articles were added or removed (the list's rows change), `codebook` when themes were
    added, removed or reordered (the panel's rows and the number keys change).
    """

    articles: frozenset[int] = frozenset()
    highlights: frozenset[int] = frozenset()
    themes: frozenset[int] = frozenset()
    library: bool = False
    codebook: bool = False
    # Articles whose own data changed (details, star, read mark, memo, tags): an open
    # article's header and details panel show them.
    details: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.articles or self.highlights or self.themes or self.library
                    or self.codebook or self.details)


@dataclass(frozen=True)
class OpResult:
    """What an operation returns: its name, what changed, its value (a new highlight, a
    theme, an article id…) and the labels of the steps Undo and Redo would now take."""

    label: str
    changes: Changes
    value: object = None
    undo_label: str | None = None
    redo_label: str | None = None


@dataclass(frozen=True)
class HistoryStep:
    """One step of the undo history."""

    id: int
    label: str
    made_at: str
    undone: bool
