"""Re-extraction: rebuild a saved article from the page bytes kept in the archive.

No network is involved: the original page is decoded with the charset it was saved with and run
through today's extractor. What the archive then does with the result (re-anchoring the
highlights, keeping the user's corrections) is `Archive.replace_content`.
"""

from __future__ import annotations

import dataclasses

from .capture import extract_page
from .fetch import RawPage, decode_html
from .images import name_images
from .models import CapturedArticle


def rebuild_article(original: bytes, charset: str, url_requested: str, url: str,
                    kept_images: dict[str, str] | None = None) -> CapturedArticle:
    """The article in a saved page's original bytes, extracted again.

    A saved file is re-read from where it was saved (its file: address, which is what the
    extractor saw); a web page from the address it was finally fetched from. kept_images maps
    the addresses of the images kept with the article to their names, so the stored HTML names
    them as at capture (the blocks name pictures by their address already).
    """
    html, found_charset = decode_html(original, charset)
    page_url = url_requested if url_requested.startswith("file:") else (url or url_requested)
    article = extract_page(RawPage(url_requested, page_url, original, html, found_charset))
    if kept_images:
        article = dataclasses.replace(article, html=name_images(article.html, kept_images))
    return article
