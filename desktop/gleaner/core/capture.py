"""Capturing an article: fetch a URL or read a file, then extract the article from it.

This is the whole path from what the user typed to a `CapturedArticle` ready to be saved, in
three steps that bulk import also runs one by one: `load_page`, `extract_page` and
`collect_images` (core.images: the article's images, kept offline with it). It does no
database work, so it can run in a worker thread while the archive stays on the main one.
Every refusal is a CaptureError whose text is one line a person understands.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from .extract import extract_article
from .fetch import (
    DEADLINE_SECONDS,
    MAX_BYTES,
    TIMEOUT_SECONDS,
    CaptureError,
    RawPage,
    fetch_url,
    normalise_url,
    read_file,
    url_scheme,
)
from .images import IMAGE_DEADLINE, collect_images
from .models import CapturedArticle
from .tasks import Progress

__all__ = ["CaptureError", "capture", "collect_images", "extract_page", "is_local_file",
           "load_page"]

# Longest stored value of each short field; a page's <title> can run to thousands of characters.
FIELD_LIMITS = {"title": 300, "site_name": 120, "byline": 300, "excerpt": 600}
AUTHOR_LIMIT = 120
MAX_AUTHORS = 30
MESSAGE_LIMIT = 300


def is_local_file(source: str) -> bool:
    """True when source names a file on disk rather than a web address."""
    if source.lower().startswith("file:"):
        return True
    if source.lower().startswith(("http://", "https://")):
        return False
    try:
        if Path(source).expanduser().exists():
            return True
    except (OSError, RuntimeError, ValueError):  # unknown ~user, a NUL in the text
        pass
    if url_scheme(source):
        return False  # ftp://…/page.html is an address to refuse, not a missing file
    if source.startswith(("/", "./", "../", "~", "\\")) or re.match(r"^[A-Za-z]:[\\/]", source):
        return True
    if re.match(r"^[\w-]+(\.[\w-]+)+/", source):  # example.org/… is a web address
        return False
    return source.lower().endswith((".html", ".htm", ".xhtml"))


def capture(source: str, progress: Progress | None = None, *, max_bytes: int = MAX_BYTES,
            timeout: float = TIMEOUT_SECONDS, deadline: float = DEADLINE_SECONDS,
            images: bool = True, image_deadline: float = IMAGE_DEADLINE) -> CapturedArticle:
    """Fetch (or read) and extract the article at source, an http(s) URL or an .html file
    path, with its images (unless images is False).

    max_bytes caps the page's size, timeout each wait on the network and deadline the whole
    download, image_deadline all of the images; the defaults suit the app, tests pass small
    ones. An image that cannot be had never fails the capture.
    """
    progress = progress or Progress()
    page = load_page(source, progress, max_bytes=max_bytes, timeout=timeout, deadline=deadline)
    progress.report("Extracting the article")
    article = extract_page(page)
    if images:
        progress.report("Saving the article's images")
        article = collect_images(article, page, progress, deadline=image_deadline,
                                 timeout=min(timeout, image_deadline))
    progress.report("Extracted", 1.0)
    return article


def load_page(source: str, progress: Progress | None = None, *, max_bytes: int = MAX_BYTES,
              timeout: float = TIMEOUT_SECONDS, deadline: float = DEADLINE_SECONDS) -> RawPage:
    """The first half of `capture`: download the page at an http(s) URL, or read a file."""
    progress = progress or Progress()
    source = source.strip()
    if not source:
        raise CaptureError("nothing to save: the address is empty")
    if is_local_file(source):
        progress.report(f"Reading {source}")
        return read_file(_local_path(source), max_bytes=max_bytes)
    url = normalise_url(source)
    progress.report(f"Downloading {url}")
    return fetch_url(url, progress, max_bytes=max_bytes, timeout=timeout, deadline=deadline)


def extract_page(page: RawPage) -> CapturedArticle:
    """The second half of `capture`: the article in a loaded page (no network; it can run in
    another process, as bulk import does)."""
    return _tidy(_extract(page))


def _local_path(source: str) -> str:
    """The file a path or a file: URL names."""
    if not source.lower().startswith("file:"):
        return source
    parts = urlsplit(source)
    if parts.netloc not in ("", "localhost"):
        raise CaptureError(f"files on another computer ({parts.netloc}) cannot be saved; "
                           "copy the file to this one first")
    path = url2pathname(parts.path)
    if not path:
        raise CaptureError("the file: address names no file")
    return path


def _extract(page: RawPage) -> CapturedArticle:
    """extract_article, with its refusals kept to one short line."""
    try:
        return extract_article(page)
    except CaptureError as error:
        reason = _why_no_article(page.html)
        message = f"{error} ({reason})" if reason and "no readable" in str(error) else str(error)
        raise CaptureError(_one_line(message)) from None
    except RecursionError:
        raise CaptureError("the page's markup is nested too deeply to be read") from None


# "[^<>]" rather than "[^>]": on a page of many "<" and no ">" each match attempt would scan
# to the end (quadratic: 12 s on 200 KB).
_PASSWORD_FIELD = re.compile(r"""<input\b[^<>]*\btype\s*=\s*["']?password""", re.IGNORECASE)
_SCRIPT = re.compile(r"<script\b", re.IGNORECASE)
_RAW_TEXT_START = re.compile(r"<(script|style|noscript|template)\b", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]*>")
_FEW_WORDS = 50
_SCAN_CHARS = 200_000  # the head and start of the body say enough, and bound the regex work


def _why_no_article(html: str) -> str | None:
    """Why a page has no article text, when its markup makes it plain: a login form, or an
    empty shell that scripts would fill in a browser."""
    html = html[:_SCAN_CHARS]
    if _PASSWORD_FIELD.search(html):
        return "it asks for a login"
    if _SCRIPT.search(html) and len(_TAG.sub(" ", _without_raw_text(html)).split()) < _FEW_WORDS:
        return "it is an empty page that a browser would fill in by running its scripts"
    return None


def _without_raw_text(html: str) -> str:
    """The markup without its scripts, styles, noscript and template contents, in one pass
    (an unclosed one runs to the end, as in a browser)."""
    lower = html.lower()
    kept, position = [], 0
    while found := _RAW_TEXT_START.search(html, position):
        kept.append(html[position:found.start()])
        end = lower.find("</" + found.group(1).lower(), found.end())
        if end < 0:
            return " ".join(kept)
        close = lower.find(">", end)
        position = len(html) if close < 0 else close + 1
    kept.append(html[position:])
    return " ".join(kept)


def _tidy(article: CapturedArticle) -> CapturedArticle:
    """Shorten fields a page made absurdly long (a 10,000-character <title>)."""
    changes: dict[str, object] = {name: _cut(getattr(article, name), limit)
                                  for name, limit in FIELD_LIMITS.items()
                                  if len(getattr(article, name)) > limit}
    authors = [_cut(name, AUTHOR_LIMIT) for name in article.authors[:MAX_AUTHORS]]
    if authors != article.authors:
        changes["authors"] = authors
    return dataclasses.replace(article, **changes) if changes else article


def _cut(text: str, limit: int) -> str:
    """text shortened to at most limit characters, at a word boundary when there is one."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-–—|") + "…"


def _one_line(message: str) -> str:
    return _cut(message, MESSAGE_LIMIT) or "the page could not be read"
