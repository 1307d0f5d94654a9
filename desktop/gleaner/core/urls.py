"""Telling whether two web addresses name the same article.

A page is reached under many addresses: with and without ``www.``, over http and https, with a
``#fragment``, with ``utm_*``, ``fbclid`` and other tracking parameters. `url_key` reduces an
address to the part that names the page, using courlan's normalisation (which knows the
tracking parameters), so the archive can say "already saved as #12".
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit


def url_key(url: str) -> str:
    """The page an http(s) address names, as a comparable string ('' for anything else):
    scheme, ``www.``, fragment, tracking parameters and a trailing slash do not count."""
    url = (url or "").strip()
    if not url.lower().startswith(("http://", "https://")):
        return ""
    # Loaded on first use: courlan brings ~75 ms of imports the archive process need not
    # pay at start-up.
    import courlan

    try:
        # Not strict: strict mode also drops parameters that name the article (?story=123).
        normal = courlan.normalize_url(url)
    except (ValueError, AttributeError):  # courlan raises on addresses urllib cannot split
        normal = url
    parts = urlsplit(normal)
    # courlan drops bare tokens (?9), which some sites use as the article's number.
    bare = [token for token in urlsplit(url).query.split("&") if token and "=" not in token]
    query = "&".join(token for token in [parts.query, *bare] if token)
    host = (parts.hostname or "").lower().removeprefix("www.")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = parts.path.rstrip("/") or ""
    return f"{host}{path}?{query}" if query else f"{host}{path}"


def content_key(data: bytes | str) -> str:
    """A fingerprint of a saved file's bytes or an article's text (SHA-256, hex); text is
    compared by its words, so spacing differences do not hide a duplicate."""
    if isinstance(data, str):
        data = " ".join(data.split()).encode("utf-8")
    return hashlib.sha256(data).hexdigest()
