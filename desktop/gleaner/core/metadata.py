"""Article metadata from a page's <meta> tags, OpenGraph, JSON-LD and visible markup."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlsplit

import lxml.html
from dateutil import parser as date_parser

_ARTICLE_TYPES = {"article", "newsarticle", "reportagenewsarticle", "blogposting",
                  "analysisnewsarticle", "opinionnewsarticle", "report", "webpage",
                  "scholarlyarticle", "backgroundnewsarticle", "liveblogposting"}
_TITLE_SEPARATORS = r"\s+[|\u2013\u2014\-:·•»/]\s+"


@dataclass
class PageMetadata:
    """What a page says about itself, before the article body is extracted."""

    title: str = ""
    h1: str = ""
    document_title: str = ""
    authors: list[str] = field(default_factory=list)
    byline: str = ""
    published: str | None = None
    site_name: str = ""
    language: str = ""
    description: str = ""
    canonical_url: str = ""


def read_metadata(root: lxml.html.HtmlElement) -> PageMetadata:
    """Collect metadata from a parsed page; every field may be empty."""
    meta = _meta_map(root)
    ld = _json_ld_article(root)
    info = PageMetadata()
    info.document_title = _clean(" ".join(root.xpath("//head/title//text()")))
    info.h1 = _main_h1(root)
    info.title = _clean(meta.get("og:title") or meta.get("twitter:title")
                        or _ld_text(ld.get("headline")))
    info.authors = _authors(meta, ld, root)
    info.byline = ", ".join(info.authors) or _visible_byline(root)
    if info.byline and not info.authors:
        info.authors = [info.byline]
    info.published = _published(meta, ld, root)
    info.site_name = _clean(meta.get("og:site_name") or _ld_name(ld.get("publisher"))
                            or meta.get("application-name"))
    info.language = _language(root, meta)
    info.description = _clean(meta.get("og:description") or meta.get("description")
                              or meta.get("twitter:description") or _ld_text(ld.get("description")))
    info.canonical_url = _canonical_url(root, meta)
    return info


def strip_site_suffix(title: str, site_name: str) -> str:
    """'Headline – Site' → 'Headline' (also with |, —, : and similar separators)."""
    title = _clean(title)
    if not title:
        return title
    parts = re.split(_TITLE_SEPARATORS, title)
    if len(parts) < 2:
        return title
    site = site_name.strip().lower()
    if site:
        if parts[-1].strip().lower() == site:
            return _clean(" - ".join(parts[:-1])) if len(parts) > 2 else parts[0]
        if parts[0].strip().lower() == site:
            return parts[-1] if len(parts) == 2 else title
    # Without a known site name, drop a short trailing segment that looks like a brand.
    if len(parts) == 2 and len(parts[1]) <= 30 and len(parts[0]) > len(parts[1]):
        return parts[0]
    return title


def site_from_url(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def _meta_map(root) -> dict[str, str]:
    """First value of each <meta name|property|itemprop>, keys lower-cased."""
    found: dict[str, str] = {}
    for element in root.iter("meta"):
        key = (element.get("property") or element.get("name") or element.get("itemprop") or "")
        key = key.strip().lower()
        content = element.get("content")
        if key and content and content.strip() and key not in found:
            found[key] = content.strip()
    return found


def _json_ld_article(root) -> dict:
    """The first JSON-LD object that describes an article (searching @graph and lists)."""
    for script in root.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except (ValueError, TypeError):
            continue
        for item in _ld_items(data):
            types = item.get("@type")
            types = types if isinstance(types, list) else [types]
            if any(isinstance(t, str) and t.lower() in _ARTICLE_TYPES for t in types):
                return item
    return {}


def _ld_items(data):
    if isinstance(data, list):
        for item in data:
            yield from _ld_items(item)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _ld_items(data["@graph"])


def _ld_text(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value:
        return _ld_text(value[0])
    return ""


def _ld_name(value) -> str:
    if isinstance(value, dict):
        return _ld_text(value.get("name"))
    if isinstance(value, list) and value:
        return _ld_name(value[0])
    return value if isinstance(value, str) else ""


def _ld_names(value) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [name for name in (_clean(_ld_name(v)) for v in values) if name]


def _authors(meta: dict[str, str], ld: dict, root) -> list[str]:
    names = _ld_names(ld.get("author"))
    if not names:
        for key in ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator",
                    "citation_author"):
            value = meta.get(key, "")
            if value and not _looks_like_url(value):
                names = [_clean(part) for part in re.split(r"\s*(?:,|;| and )\s*", value)]
                break
    if not names:
        names = [_clean(el.text_content()) for el in root.xpath(
            '//*[@rel="author" or @itemprop="author"]') if _clean(el.text_content())]
    unique: list[str] = []
    for name in names:
        name = re.sub(r"^by\s+", "", name, flags=re.IGNORECASE)
        if name and name.lower() not in {n.lower() for n in unique} and len(name) < 100:
            unique.append(name)
    return unique


def _visible_byline(root) -> str:
    """A visible 'By …' line inside the article, if the page has one."""
    for element in root.xpath(
            '//*[contains(concat(" ", normalize-space(@class), " "), " byline ") '
            'or contains(@class, "byline") or @rel="author"]'):
        text = _clean(element.text_content())
        text = re.sub(r"^by\s+", "", text, flags=re.IGNORECASE)
        if 0 < len(text) <= 100:
            return text
    return ""


def _published(meta: dict[str, str], ld: dict, root) -> str | None:
    candidates = [
        meta.get("article:published_time"), _ld_text(ld.get("datePublished")),
        meta.get("og:published_time"), meta.get("datepublished"), meta.get("pubdate"),
        meta.get("publishdate"), meta.get("date"), meta.get("dc.date"),
        meta.get("dc.date.issued"), meta.get("citation_publication_date"),
        meta.get("sailthru.date"), _ld_text(ld.get("dateCreated")),
    ]
    candidates += [el.get("datetime") for el in root.xpath("//article//time[@datetime]")]
    candidates += [el.get("datetime") for el in root.xpath("//time[@datetime]")]
    for value in candidates:
        parsed = parse_date(value)
        if parsed:
            return parsed
    return None


def parse_date(value: str | None) -> str | None:
    """An ISO 8601 string for a date found on a page, keeping only the precision it had."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        parsed = date_parser.parse(value, default=datetime(1, 1, 1))
    except (ValueError, OverflowError):
        return None
    if parsed.year < 1900:
        return None
    has_time = bool(re.search(r"\d{1,2}:\d{2}", value))
    if not has_time:
        return date(parsed.year, parsed.month, parsed.day).isoformat()
    return parsed.isoformat()


def _language(root, meta: dict[str, str]) -> str:
    lang = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
    if not lang:
        lang = meta.get("content-language") or meta.get("og:locale", "").replace("_", "-")
    return lang.strip()


def _canonical_url(root, meta: dict[str, str]) -> str:
    for href in root.xpath('//link[@rel="canonical"]/@href') + [meta.get("og:url", "")]:
        if href and urlsplit(href).scheme in ("http", "https"):
            return href.strip()
    return ""


def _main_h1(root) -> str:
    for path in ("//article//h1", "//main//h1", "//h1"):
        headings = [_clean(h.text_content()) for h in root.xpath(path)]
        headings = [h for h in headings if h]
        if headings:
            return headings[0]
    return ""


def _looks_like_url(value: str) -> bool:
    return value.startswith(("http://", "https://", "/"))


def _clean(value: str | None) -> str:
    return re.sub(r"\s+", " ", value or "").strip()
