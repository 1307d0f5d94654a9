"""Article metadata from a page's <meta> tags, OpenGraph, JSON-LD and visible markup."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlsplit

import lxml.etree
import lxml.html
from dateutil import parser as date_parser

_ARTICLE_TYPES = {"article", "newsarticle", "reportagenewsarticle", "blogposting",
                  "analysisnewsarticle", "opinionnewsarticle", "report", "webpage",
                  "scholarlyarticle", "backgroundnewsarticle", "liveblogposting", "review",
                  "techarticle", "medicalscholarlyarticle", "socialmediaposting", "posting",
                  "creativework", "satiricalarticle", "advertisertcontentarticle"}
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
    modified: str | None = None
    headline: str = ""  # JSON-LD's headline, which names the visible one
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
    info.headline = _clean(_ld_text(ld.get("headline")))
    info.title = _clean(meta.get("og:title") or meta.get("twitter:title") or info.headline)
    info.site_name = _clean(meta.get("og:site_name") or _ld_name(ld.get("publisher"))
                            or meta.get("application-name"))
    near = _after_headline(root)
    info.authors = _authors(root, ld, _outlet_names(info), near)
    info.byline = ", ".join(info.authors)
    info.published = _published(meta, ld, root, near)
    info.modified = _modified(meta, ld)
    if info.modified and info.published and info.modified[:10] < info.published[:10]:
        info.modified = None  # a "modified" date before publication is not one
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
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:  # a malformed address (an unclosed IPv6 bracket, a bad port)
        return ""
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


def _ld_person_names(value, excluded: set[str]) -> list[str]:
    """Names of the people in a JSON-LD author value; an organisation is not a byline."""
    values = value if isinstance(value, list) else [value]
    names = []
    for item in values:
        kinds = item.get("@type", "") if isinstance(item, dict) else ""
        kinds = " ".join(kinds) if isinstance(kinds, list) else str(kinds)
        if kinds and "person" not in kinds.lower():
            continue  # an Organization, NGO, Corporation…
        name = _clean(_ld_name(item))
        parts = split_names(name) if re.search(r";|&|\band\b", name) else [name]
        names += [part for part in (clean_name(part, excluded) for part in parts) if part]
    return names


_ROLE = re.compile(
    r"\b(correspondent|reporter|editor|writer|journalist|columnist|contributor|staff writer|"
    r"desk|bureau|producer|analyst|photographer|redakteur|redakteurin|korrespondent|"
    r"korrespondentin|journaliste|rédacteur|rédactrice|correspondant|correspondante|"
    r"periodista|redactor|redactora|giornalista|corrispondente|verslaggever|redacteur)\b",
    re.IGNORECASE)
# 'By', 'Von', 'Par', 'Por', 'Di', 'Door', 'Av', and 'Words (and pictures) by'.
_BY_PREFIX = re.compile(
    r"^(?:(?:words|text|story|report|reporting|written)(?:\s+and\s+\w+)?\s+)?"
    r"(?:by|von|par|por|di|door|av|af|przez)\s+", re.IGNORECASE)
_NAME_SEPARATORS = re.compile(r"\s*(?:,|;|&|\+|\b(?:and|und|et|y|e|en|og|och|i)\b)\s*")
_MONTH_NAMES = {
    # German, French, Spanish, Italian, Dutch and Portuguese months, for dateutil.
    "januar": "january", "jänner": "january", "februar": "february", "märz": "march",
    "maerz": "march", "mai": "may", "juni": "june", "juli": "july", "oktober": "october",
    "dezember": "december", "janvier": "january", "février": "february", "fevrier": "february",
    "mars": "march", "avril": "april", "juin": "june", "juillet": "july", "août": "august",
    "aout": "august", "septembre": "september", "octobre": "october", "novembre": "november",
    "décembre": "december", "decembre": "december", "enero": "january", "febrero": "february",
    "marzo": "march", "abril": "april", "mayo": "may", "junio": "june", "julio": "july",
    "agosto": "august", "septiembre": "september", "setiembre": "september",
    "octubre": "october", "noviembre": "november", "diciembre": "december",
    "gennaio": "january", "febbraio": "february", "aprile": "april", "maggio": "may",
    "giugno": "june", "luglio": "july", "settembre": "september", "ottobre": "october",
    "dicembre": "december", "januari": "january", "februari": "february", "maart": "march",
    "mei": "may", "augustus": "august", "janeiro": "january",
    "fevereiro": "february", "março": "march", "maio": "may", "junho": "june",
    "julho": "july", "setembro": "september", "outubro": "october", "novembro": "november",
    "dezembro": "december",
}
_MONTHS = (r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?|"
           + "|".join(sorted((m.strip() for m in _MONTH_NAMES), key=len, reverse=True)))
_DATE_TEXT = (
    rf"\d{{4}}-\d{{2}}-\d{{2}}(?:[T ]\d{{2}}:\d{{2}}(?::\d{{2}})?)?|"
    rf"\d{{1,2}}\.\s?\d{{1,2}}\.\s?\d{{4}}|"
    rf"\d{{1,2}}(?:st|nd|rd|th)?\.?\s+(?:{_MONTHS}),?\s+\d{{4}}|"
    rf"(?:{_MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}")
_DATE_IN_TEXT = re.compile(rf"(?<![\w.])(?:{_DATE_TEXT})(?![\w])", re.IGNORECASE)
_TIME_IN_TEXT = re.compile(r"\b\d{1,2}[:.]\d{2}\s*(?:am|pm|a\.m\.|p\.m\.|uhr|h)?(?!\w)",
                           re.IGNORECASE)


def split_names(byline: str) -> list[str]:
    """'A, B and C' → ['A', 'B', 'C']; job titles ('Jane Smith, Health reporter') and dates
    ('Jane Smith December 25, 2025') left out."""
    byline = _TIME_IN_TEXT.sub(" ", _DATE_IN_TEXT.sub(" ", _clean(byline)))
    byline = re.split(r"\s+[|·•]\s+|\s+[–—]\s+", _BY_PREFIX.sub("", byline.strip()))[0]
    names = []
    for part in _NAME_SEPARATORS.split(byline):
        part = _clean(part).strip(" .:-")
        if not part:
            continue
        role = _ROLE.search(part)
        if role and names:
            continue  # '…, Local Democracy Reporter' after a name
        if role and len(part[:role.start()].split()) >= 3:
            part = " ".join(part[:role.start()].split()[:2])  # 'Jane Smith Housing correspondent'
        names.append(part)
    return names


def clean_name(name: str, excluded: set[str] = frozenset()) -> str:
    """A person's name as a byline gives it, or '' for what is not one (the site's name, a
    URL, a sentence, a date)."""
    name = _TIME_IN_TEXT.sub(" ", _DATE_IN_TEXT.sub(" ", _clean(name)))
    name = _clean(_BY_PREFIX.sub("", name)).strip(" ,;:|·•-–—")
    if not name or len(name) > 80 or _looks_like_url(name) or "@" in name:
        return ""
    if " " not in name and "." in name.strip("."):
        return ""  # a domain name, the site's and not a person's
    if not any(ch.isalpha() for ch in name) or name.lower() in excluded:
        return ""
    if len(name.split()) > 6 or name.rstrip().endswith((".", "!", "?")) and len(name) > 30:
        return ""  # a sentence, such as an author's biography
    return name


_AUTHOR_KEYS = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator",
                "dcterms.creator", "citation_author", "byl", "cxenseparse:author")


_OUTLET_WORDS = re.compile(
    r"\b(?:news|times|post|daily|weekly|media|magazine|press|journal|herald|gazette|tribune|"
    r"today|network|radio|tv|channel|online|group|agency|chronicle|courier|observer|"
    r"independent|telegraph|express|mirror|standard|star|sun|mail|echo|ledger|zeitung|"
    r"journal|nachrichten|rundschau|presse|tageblatt|quotidien)\b", re.IGNORECASE)


def _outlet_names(info: PageMetadata) -> set[str]:
    """Names that are the publication's, not a person's: og:site_name, and the <title>'s
    last segment when it reads as an outlet's name ('… | Harwick Echo')."""
    names = {info.site_name.lower()} if info.site_name else set()
    segments = re.split(_TITLE_SEPARATORS, info.document_title)
    if len(segments) > 1 and _OUTLET_WORDS.search(segments[-1]):
        names.add(_clean(segments[-1]).lower())
    return names


def _authors(root, ld: dict, outlets: set[str], near: list) -> list[str]:
    """The article's authors: JSON-LD people or the page's author meta tags, unless its
    visible byline names them all and more; then the byline, author-marked elements, and
    last trafilatura's search of the markup. The publication's own name is no author."""
    publisher = _ld_name(ld.get("publisher"))
    excluded = outlets | ({publisher.lower()} if publisher else set())
    primary = _ld_person_names(ld.get("author"), excluded) or _meta_authors(root, excluded)
    if len(primary) > 1:
        return _unique(primary)
    visible = [n for n in (clean_name(p, excluded)
                           for p in split_names(_visible_byline(root, near, not primary))) if n]
    if primary and len(visible) > len(primary) and \
            {n.lower() for n in primary} <= {n.lower() for n in visible}:
        primary = visible  # the tags name only the first of several authors
    return _unique(primary or visible or _trafilatura_authors(root, excluded))


def _unique(names: list[str]) -> list[str]:
    unique: list[str] = []
    for name in names:
        if name.lower() not in {n.lower() for n in unique}:
            unique.append(name)
    return unique


def _meta_authors(root, excluded: set[str]) -> list[str]:
    """Every <meta> author value of the first author key the page uses (pages repeat the tag
    for each author)."""
    values: dict[str, list[str]] = {}
    for element in root.iter("meta"):
        key = (element.get("property") or element.get("name") or "").strip().lower()
        content = _clean(element.get("content"))
        if key in _AUTHOR_KEYS and content and not _looks_like_url(content):
            values.setdefault(key, []).append(content)
    for key in _AUTHOR_KEYS:
        names = []
        for value in values.get(key, ()):
            parts = [value] if key == "citation_author" else split_names(value)
            names += [n for n in (clean_name(p, excluded) for p in parts) if n]
        if names:
            return names
    return []


def _trafilatura_authors(root, excluded: set[str]) -> list[str]:
    """trafilatura's search of the markup for a byline, kept only where it reads as names."""
    from trafilatura.metadata import extract_author

    try:
        found = extract_author(root) or ""
    except Exception:  # noqa: BLE001 - a helper's failure means no author, not no article
        return []
    names = []
    for part in found.split(";"):
        name = clean_name(part, excluded)
        if name and _names_follow(name) and not _ROLE.search(name):
            names.append(name)
    return names


_BY_LINE = re.compile(r"^(?:by|von|par|por|door|av|af)\s+\S", re.IGNORECASE)
_NEAR_HEADLINE = 60  # elements after the main headline searched for a byline or date line
_MARKED_BYLINE = lxml.etree.XPath(
    ".//*[contains(@class, 'byline') or contains(@class, 'Byline') or contains(@id, 'byline')"
    " or contains(@data-component, 'byline') or contains(@class, 'author')"
    " or contains(@class, 'Author') or contains(@class, 'autor') or contains(@class, 'auteur')"
    " or @rel='author' or @itemprop='author' or contains(@data-testid, 'author')]")


def _visible_byline(root, near: list, whole_page: bool = True) -> str:
    """The names in a visible byline ('By A and B'), from an element marked as a byline or an
    author or, failing that, a short 'By …' element just after the headline (near: the
    elements after the headline). Marked elements are looked for in the headline's <article>
    first, and in the whole page only if whole_page and the article has none (a big page's
    menus make the whole-page search cost as much as the rest of the metadata)."""
    near_set = set(near)
    headline = _headline_element(root)
    scope = next((a for a in headline.iterancestors() if a.tag == "article"), None) \
        if headline is not None else None
    found = _MARKED_BYLINE(scope) if scope is not None else []
    if not found and (whole_page or scope is None):
        found = _MARKED_BYLINE(root)
    marked = [el for el in found if len(el.text_content()) <= 300 and not _in_comments(el)]
    # A byline by the headline or inside the article beats one in a sidebar card.
    marked.sort(key=lambda el: not (el in near_set or any(
        a.tag == "article" for a in el.iterancestors())))
    for element in marked:
        by_lines = [el for el in element.iter() if isinstance(el.tag, str)
                    and _BY_LINE.match(el.text_content().lstrip())
                    and _BY_LINE.match(_own_text(el))]
        text = _byline_names(_own_text(by_lines[-1] if by_lines else element))
        if text and _names_follow(text):
            return text
    matches = [el for el in near
               if el.tag not in _HEADINGS and len(el.text_content()) <= 100
               and _BY_LINE.match(_own_text(el)) and _names_follow(_own_text(el))]
    if matches:
        # The innermost of the first match: <b>By A</b> rather than the line holding the date.
        inner = [el for el in matches if el is matches[0] or matches[0] in el.iterancestors()]
        return _byline_names(_own_text(inner[-1]))
    return ""


def _in_comments(element) -> bool:
    """Whether an element sits in a comment thread (whose authors are not the article's)."""
    for ancestor in element.iterancestors():
        markers = f"{ancestor.get('class', '')} {ancestor.get('id', '')}".lower()
        if "comment" in markers or "discussion" in markers:
            return True
    return False


_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_NAME_WORD = re.compile(r"^(?:[A-ZÀ-ÖØ-Þ\u0100-\u024f][\w'’.-]*|and|und|et|y|e|en|og|och|de|da|"
                        r"do|dos|das|van|von|der|den|del|della|di|du|la|le|bin|ibn|al|el|ter|"
                        r"&)$")


def _names_follow(text: str) -> bool:
    """'By Jane Smith' or 'By Staff Reporter', not 'By contrast, rents fell.'"""
    rest = re.split(r"\s+[·|•]\s+", _BY_PREFIX.sub("", text.strip()))[0]
    words = rest.replace(",", " ").split()
    return 0 < len(words) <= 12 and all(_NAME_WORD.match(word) for word in words) \
        and not rest.rstrip().endswith((".", "!", "?"))


def _byline_names(text: str) -> str:
    """'By A and B · 14 March 2024' → 'A and B' ('' if that is not a plausible byline)."""
    text = _TIME_IN_TEXT.sub(" ", _DATE_IN_TEXT.sub(" ", text))
    text = re.split(r"\s+[·|•]\s+", _clean(text))[0]
    text = _BY_PREFIX.sub("", text).strip(" ,|·•")
    return text if 0 < len(text) <= 100 else ""


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


_DATE_WINDOW = 15  # elements after the headline where a date line may stand
_FIRST_PUBLISHED = re.compile(
    r"(?:first|originally)\s+published|erstmals\s+veröffentlicht|publié\s+(?:initialement|"
    r"pour la première fois)", re.IGNORECASE)
_LABEL_TEXTS = 150  # text nodes after the headline searched for a 'Published …' label
_LABEL_HINT = re.compile(r"publi|posted|veröff|erschien|gepubl", re.IGNORECASE)
_PUBLISHED_LABEL = re.compile(
    r"(?:first\s+|originally\s+)?(?:published|posted|veröffentlicht|erschienen|publié|"
    r"publicado|pubblicato|gepubliceerd|publicerad|publisert)(?:\s+(?:on|am|le|el|il|op))?"
    r"\s*:?\s*", re.IGNORECASE)


def _visible_date(near: list) -> str | None:
    """A date written out in a short line just under the headline ('Published 5 June 2023'),
    before the article's prose starts; not a linked date or one in a list."""
    for element in near[:_DATE_WINDOW]:
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


def _labelled_dates(root) -> tuple[str | None, str | None]:
    """Dates the page labels in words near the headline: (first or originally published,
    published), e.g. 'Updated 14 January 2026 · First published 3 May 2018'."""
    headline = _headline_element(root)
    if headline is None:
        return None, None
    labelled: list = []  # the elements whose own text holds a label, each once
    for piece in headline.xpath(f"following::text()[position() <= {_LABEL_TEXTS}]"):
        if _LABEL_HINT.search(piece):
            element = piece.getparent()
            if piece.is_tail and element is not None:
                element = element.getparent()
            if element is not None and element not in labelled:
                labelled.append(element)
    first = published = None
    for element in labelled:
        text = _dated_text(element)
        if len(text) > 300:
            continue
        for label in _PUBLISHED_LABEL.finditer(text):
            date = _DATE_IN_TEXT.match(text, label.end())
            found = parse_date(date.group(0)) if date else None
            if not found:
                continue
            if _FIRST_PUBLISHED.match(label.group(0)):
                first = first or found
            else:
                published = published or found
    return first, published


def _dated_text(element) -> str:
    """An element's text with each <time datetime> replaced by its machine-readable date."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and child.tag == "time" and child.get("datetime"):
            parts.append(" " + child.get("datetime").strip()[:10] + " ")
        elif isinstance(child.tag, str):
            parts.append(child.text_content())
        parts.append(child.tail or "")
    return _clean("".join(parts))


_PUBLISHED_KEYS = ("article:published_time", "og:published_time", "datepublished",
                   "citation_publication_date", "citation_date", "dc.date.issued",
                   "dcterms.issued", "dcterms.created", "parsely-pub-date", "sailthru.date",
                   "pubdate", "publishdate", "publish-date", "publish_date", "article.published",
                   "published_time", "article:published", "release_date", "citation_online_date")
_PUBLISHED_MARKS = lxml.etree.XPath(
    "//*[@itemprop='datePublished' or contains(@class, 'published') or contains(@class, "
    "'pubdate') or contains(@class, 'publish-date') or contains(@class, 'date-published') or "
    "contains(@class, 'posted-on') or contains(@class, 'entry-date')]")


def _published(meta: dict[str, str], ld: dict, root, near: list) -> str | None:
    """The original publication date: a 'first published' line; else the page's structured
    publication date; else a 'Published …' line; else htmldate's reading of the page (original
    date, quick search); else a bare date line under the headline or a <time>."""
    first, labelled = _labelled_dates(root)
    if first:
        return first
    for value in _structured_dates(meta, ld, root):
        parsed = parse_date(value)
        if parsed:
            return parsed
    if labelled:
        return labelled
    found = _htmldate(root)
    if found:
        return found
    for value in (meta.get("dc.date"), meta.get("date"), _ld_text(ld.get("dateCreated"))):
        parsed = parse_date(value)
        if parsed:
            return parsed
    visible = _visible_date(near)
    if visible:
        return visible
    for element in root.xpath("//article//time[@datetime] | //time[@datetime]"):
        parsed = parse_date(element.get("datetime"))
        if parsed:
            return parsed
    return None


def _structured_dates(meta: dict[str, str], ld: dict, root):
    """The page's machine-readable publication dates, best first (the markup searched only
    if the tags say nothing)."""
    yield _ld_text(ld.get("datePublished"))
    for key in _PUBLISHED_KEYS:
        yield meta.get(key)
    for element in _PUBLISHED_MARKS(root):
        markers = f"{element.get('class', '')} {element.get('itemprop', '')}".lower()
        if "updat" not in markers and "modif" not in markers:
            yield (element.get("datetime") or element.get("content")
                   or _clean(element.text_content())[:60])


def _modified(meta: dict[str, str], ld: dict) -> str | None:
    """When the page says it was last changed, if it says so in its structured data."""
    for value in (_ld_text(ld.get("dateModified")), meta.get("article:modified_time"),
                  meta.get("og:updated_time"), meta.get("datemodified"),
                  meta.get("last-modified"), meta.get("dcterms.modified")):
        parsed = parse_date(value)
        if parsed:
            return parsed
    return None


def _htmldate(root) -> str | None:
    """htmldate's original publication date for the page, by its quick search only (the
    extensive one reads any date in the text)."""
    from htmldate import find_date

    try:
        found = find_date(root, original_date=True, extensive_search=False)
    except Exception:  # noqa: BLE001 - no date is better than no article
        return None
    return parse_date(found)


_YEAR = re.compile(r"(?<!\d)(?:1[89]|2\d)\d{2}(?!\d)|^\d{8}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
                       r"(?:Z|[+-]\d{2}:?\d{2})?)?$")
_DAY_FIRST = re.compile(r"^\s*\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}")


def parse_date(value: str | None) -> str | None:
    """An ISO 8601 string for a date found on a page, keeping only the precision it had."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if not _YEAR.search(value):
        return None  # no year, no date (and dateutil's failures are slow)
    if re.fullmatch(r"\d{8}", value):
        value = f"{value[:4]}-{value[4:6]}-{value[6:]}"  # 20240605
    iso = _ISO_DATE.match(value)
    if iso:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T", 1))
        except ValueError:
            pass
        else:
            if parsed.year >= 1900:
                return parsed.isoformat() if iso.group(1) else parsed.date().isoformat()
    lowered = value.lower()
    for word in re.findall(r"[^\W\d_]+", lowered):
        if word in _MONTH_NAMES:
            lowered = re.sub(rf"\b{word}\b", _MONTH_NAMES[word], lowered)
    try:
        parsed = date_parser.parse(lowered, default=datetime(1, 1, 1),
                                   dayfirst=bool(_DAY_FIRST.match(lowered)))
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
        if href and _scheme(href) in ("http", "https"):
            return href.strip()
    return ""


def _scheme(url: str) -> str:
    """The scheme of an address; "" when it is malformed (urlsplit raises on those)."""
    try:
        return urlsplit(url).scheme
    except ValueError:
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
