"""Capturing an article: fetch a URL or read a file, then extract the article from it.

This is the whole path from what the user typed to a `CapturedArticle` ready to be saved. It
does no database work, so it can run in a worker thread while the archive stays on the main one.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from .extract import extract_article
from .fetch import CaptureError, fetch_url, normalise_url, read_file
from .models import CapturedArticle
from .tasks import Progress

__all__ = ["CaptureError", "capture", "is_local_file"]


def is_local_file(source: str) -> bool:
    """True when source names a file on disk rather than a web address."""
    if source.startswith("file://"):
        return True
    if source.lower().startswith(("http://", "https://")):
        return False
    try:
        if Path(source).expanduser().exists():
            return True
    except OSError:
        pass
    if source.startswith(("/", "./", "../", "~", "\\")) or re.match(r"^[A-Za-z]:[\\/]", source):
        return True
    if re.match(r"^[\w-]+(\.[\w-]+)+/", source):  # example.org/… is a web address
        return False
    return source.lower().endswith((".html", ".htm"))


def capture(source: str, progress: Progress | None = None) -> CapturedArticle:
    """Fetch (or read) and extract the article at source: an http(s) URL or an .html file path."""
    progress = progress or Progress()
    source = source.strip()
    if not source:
        raise CaptureError("nothing to save: the address is empty")
    if is_local_file(source):
        progress.report(f"Reading {source}")
        path = url2pathname(urlsplit(source).path) if source.startswith("file://") else source
        page = read_file(path)
    else:
        url = normalise_url(source)
        progress.report(f"Downloading {url}")
        page = fetch_url(url, progress)
    progress.report("Extracting the article")
    article = extract_article(page)
    progress.report("Extracted", 1.0)
    return article
