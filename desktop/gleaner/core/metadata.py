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
    if not info.authors:
        info.authors = split_names(_visible_byline(root))
    info.byline = ", ".join(info.authors)
    info.published = _published(meta, ld, root) or _visible_date(root)
    info.site_name = _clean(meta.get("og:site_name") or _ld_name(ld.get("publisher"))
                            or meta.get("application-name"))
    info.language = _language(root, meta)
    info.description = _clean(meta.get("og:description") or meta.get("description")
                              or meta.get("twitter:description") or _ld_text(ld.get("description")))
    info.canonical_url = _canonical_url(root, meta)
    return info


def strip_site_suffix(title: str, site_name: str, guess: bool = True) -> str:
    """'Headline – Site' → 'Headline' (also with |, —, : and similar separators).

    With guess, and no site name known, a short last segment is taken for the site's name.
    """
    title = _clean(title)
    separators = list(re.finditer(_TITLE_SEPARATORS, title))
    if not separators:
        return title
    first, last = separators[0], separators[-1]
    site = site_name.strip().lower()
    if site:
        if title[last.end():].strip().lower() == site:
            return title[:last.start()].strip()
        if title[:first.start()].strip().lower() == site:
            return title[first.end():].strip()
        return title
    tail = title[last.end():]
    if guess and len(separators) == 1 and len(tail) <= 30 and last.start() > len(tail):
        return title[:last.start()].strip()
    return title


def site_from_title(document_title: str, headline: str) -> str:
    """'Press release: Headline - Trust' with headline 'Headline' → 'Trust'."""
    at = document_title.lower().find(headline.lower()) if headline else -1
    if at < 0:
        return ""
    rest = document_title[at + len(headline):]
    separator = re.match(_TITLE_SEPARATORS, rest)
    site = _clean(rest[separator.end():]) if separator else ""
    return site if 0 < len(site) <= 60 else ""


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


def _ld_person_names(value, publisher: str) -> list[str]:
    """Names of the people in a JSON-LD author value; an organisation is not a byline."""
    values = value if isinstance(value, list) else [value]
    names = []
    for item in values:
        kinds = item.get("@type", "") if isinstance(item, dict) else ""
        kinds = " ".join(kinds) if isinstance(kinds, list) else str(kinds)
        if kinds and "person" not in kinds.lower():
            continue  # an Organization, NGO, Corporation…
        name = _clean(_ld_name(item))
        if name and name.lower() != publisher.lower():
            names.append(name)
    return names


_ROLE = re.compile(
    r"\b(correspondent|reporter|editor|writer|journalist|columnist|contributor|staff|"
    r"desk|bureau|producer|analyst)\b", re.IGNORECASE)


def split_names(byline: str) -> list[str]:
    """'A, B and C' → ['A', 'B', 'C']; job titles ('Jane Smith, Health reporter') left out."""
    byline = re.sub(r"^by\s+", "", byline.strip(), flags=re.IGNORECASE)
    names = []
    for part in re.split(r"\s*(?:,|;|&|\band\b)\s*", byline):
        part = _clean(part)
        if not part:
            continue
        role = _ROLE.search(part)
        if role and names:
            continue  # '…, Local Democracy Reporter' after a name
        if role and len(part[:role.start()].split()) >= 3:
            part = " ".join(part[:role.start()].split()[:2])  # 'Jane Smith Housing correspondent'
        names.append(part)
    return names


def _authors(meta: dict[str, str], ld: dict, root) -> list[str]:
    names = _ld_person_names(ld.get("author"), _ld_name(ld.get("publisher")))
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


_BY_LINE = re.compile(r"^by\s+\S", re.IGNORECASE)
_NEAR_HEADLINE = 60  # elements after the main headline searched for a byline or date line


def _visible_byline(root) -> str:
    """The names in a visible byline ('By A and B'), from an element marked as a byline or,
    failing that, a short 'By …' element just after the headline."""
    near = _after_headline(root)
    near_set = set(near)
    marked = root.xpath(
        "//*[contains(translate(concat(@class, ' ', @id, ' ', @data-component), "
        "'BYLINE', 'byline'), 'byline')]")
    # A byline by the headline or inside the article beats one in a sidebar card.
    marked.sort(key=lambda el: not (el in near_set or any(
        a.tag == "article" for a in el.iterancestors())))
    for element in marked:
        by_lines = [el for el in element.iter() if isinstance(el.tag, str)
                    and _BY_LINE.match(_own_text(el))]
        text = _byline_names(_own_text(by_lines[-1] if by_lines else element))
        if text:
            return text
    matches = [el for el in near
               if el.tag not in _HEADINGS and len(el.text_content()) <= 100
               and _BY_LINE.match(_own_text(el)) and _names_follow(_own_text(el))]
    if matches:
        # The innermost of the first match: <b>By A</b> rather than the line holding the date.
        inner = [el for el in matches if el is matches[0] or matches[0] in el.iterancestors()]
        return _byline_names(_own_text(inner[-1]))
    return ""


_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_NAME_WORD = re.compile(r"^(?:[A-Z][\w'’.-]*|and|de|da|van|von|der|den|del|la|le|bin|al|&)$")


def _names_follow(text: str) -> bool:
    """'By Jane Smith' or 'By Staff Reporter', not 'By contrast, rents fell.'"""
    rest = re.split(r"\s+[·|•]\s+", re.sub(r"^by\s+", "", text, flags=re.IGNORECASE))[0]
    words = rest.replace(",", " ").split()
    return 0 < len(words) <= 8 and all(_NAME_WORD.match(word) for word in words) \
        and not rest.rstrip().endswith((".", "!", "?"))


def _byline_names(text: str) -> str:
    """'By A and B · 14 March 2024' → 'A and B' ('' if that is not a plausible byline)."""
    text = re.split(r"\s+[·|•]\s+", text)[0]
    text = re.sub(r"^by\s+", "", text, flags=re.IGNORECASE).strip(" ,")
    return text if 0 < len(text) <= 80 else ""


def _own_text(element) -> str:
    """An element's text without the dates inside it (a <time> in a byline)."""
    return _clean(" ".join(element.xpath(".//text()[not(ancestor::time)]")))


def _after_headline(root) -> list:
    """The first elements after the main headline, in document order."""
    headline = _headline_element(root)
    if headline is None:
        return []
    return headline.xpath(f"following::*[position() <= {_NEAR_HEADLINE}]")


def _headline_element(root):
    """The main <h1>; on pages without one, the element whose text is the <title>'s headline
    (found through the text nodes, so a big page costs one pass)."""
    headings = root.xpath("//article//h1") or root.xpath("//h1")
    if headings:
        return headings[0]
    title = _clean(" ".join(root.xpath("//head/title//text()")))
    head = _clean(re.split(_TITLE_SEPARATORS, title)[0]) if title else ""
    if len(head) < 10:
        return None
    for text in root.xpath("//body//text()"):
        if not text.is_tail and _clean(text) == head:
            return text.getparent()  # the innermost element holding the headline
    return None


_MONTHS = (r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?")
_DATE_IN_TEXT = re.compile(
    rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS},?\s+\d{{4}}|{_MONTHS}\s+\d{{1,2}}"
    rf"(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})\b", re.IGNORECASE)


_DATE_WINDOW = 15  # elements after the headline where a date line may stand


def _visible_date(root) -> str | None:
    """A date written out in a short line just under the headline ('Published 5 June 2023'),
    before the article's prose starts; not a linked date or one in a list."""
    for element in _after_headline(root)[:_DATE_WINDOW]:
        if element.tag in ("a", "li") or any(a.tag in ("a", "li") for a in element.iterancestors()):
            continue
        for piece in element.xpath("text()"):
            line = _clean(piece)
            if len(line) > 200:
                return None  # the prose has begun
            match = _DATE_IN_TEXT.search(line) if len(line) <= 60 else None
            if match:
                return parse_date(match.group(0))
    return None


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
