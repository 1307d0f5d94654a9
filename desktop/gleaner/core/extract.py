"""From a fetched page to a clean article: readability-lxml to find the body, widened to the
whole article (core.body, with trafilatura as a second opinion where readability is in doubt),
an allowlist sanitizer for the stored HTML, page metadata for title/byline/date/site, and the
canonical text."""

from __future__ import annotations

import dataclasses
import re
from urllib.parse import urlsplit

import lxml.etree
import lxml.html
import nh3
from readability import Document
from readability.readability import Unparseable

from .body import whole_article
from .document import Block, blocks_from_html, canonical_text, storable
from .fetch import CaptureError, RawPage
from .images import add_lead_image, lead_image, local_image_paths, resolve_images
from .markup import prepare_for_extraction
from .metadata import (
    PageMetadata,
    parse_date,
    read_metadata,
    site_from_title,
    site_from_url,
    strip_site_suffix,
)
from .models import CapturedArticle

MIN_WORDS = 20
EXCERPT_CHARS = 280

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd",
    "blockquote", "q", "pre", "code", "kbd", "samp", "em", "strong", "b", "i", "u", "s", "small",
    "sub", "sup", "mark", "cite", "abbr", "time", "span", "div", "section", "article", "figure",
    "figcaption", "img", "a", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "time": {"datetime"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
# Page furniture that readability sometimes keeps inside the article container, recognised by a
# word of a class, id or data-component value ("share-bar", "jp-relatedposts",
# "ssrcss-1x-Copyright") on a block that holds little of the text.
_FURNITURE_WORDS = {
    "share", "sharing", "sharedaddy", "social", "byline", "dateline", "related",
    "relatedposts", "newsletter", "subscribe", "promo", "advert", "advertisement", "ad", "ads",
    "comment", "comments", "cookie", "cookies", "breadcrumb", "breadcrumbs", "tags", "bio",
    "credit", "copyright", "addtoany", "yarpp", "sponsored", "outbrain", "taboola",
    "affiliate", "disclosure", "paywall", "signup", "widget", "sidebar", "toolbar", "tools",
    "recommended", "popular", "mostread", "recirc", "recirculation", "deal", "deals", "ack",
    "acknowledgments", "acknowledgements", "feedback", "werbung", "anzeige", "publicite",
    "publicidad", "pubblicita", "reclame", "teilen", "partager", "compartir",
}
_WORD_SPLIT = re.compile(r"[-_\s]+")
_FURNITURE_TAGS = {"ul", "ol", "div", "p", "aside", "nav", "footer", "section", "form", "header"}
_FURNITURE_MAX_SHARE = 0.2  # never remove a block with more than this share of the text…
_FURNITURE_MAX_CHARS = 400  # …unless it is marked as furniture and this short (a paywall box)
_LINK_BOX_DENSITY = 0.6  # share of a block's text inside links that makes it a link box
_LINK_LINE_DENSITY = 0.8  # the same for a paragraph with only two links


def sanitize_html(html: str) -> str:
    """Keep only reading markup: no scripts, styles, frames, forms, handlers, javascript: links."""
    return nh3.clean(
        # nh3 refuses lone surrogates, and stored HTML must not hold control characters.
        _split_long_text(storable(html)),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        clean_content_tags={"script", "style", "template", "noscript", "iframe", "object",
                            "embed", "form", "textarea", "select", "button", "svg", "math"},
        strip_comments=True,
        link_rel="noopener noreferrer",
    )


# nh3 takes time quadratic in the length of one run of text holding characters it escapes
# ('&', no-break spaces): a megabyte of '&amp;' took it six seconds. An empty <wbr> (not an
# allowed tag, so nh3 drops it and the text reads the same) every few thousand characters
# keeps each run short.
_LONG_TEXT = re.compile(r"[^<]{10000,}")
_TEXT_PIECE = 5000
_LONGEST_REFERENCE = 40  # "&CounterClockwiseContourIntegral;" and numeric ones are shorter


def _split_long_text(html: str) -> str:
    """html with a <wbr> in each run of more than 10,000 characters without markup, every
    5,000 characters, never inside a character reference."""
    return _LONG_TEXT.sub(lambda match: "<wbr>".join(_pieces(match.group(0))), html)


def _pieces(run: str) -> list[str]:
    pieces, start = [], 0
    while len(run) - start > _TEXT_PIECE:
        cut = start + _TEXT_PIECE
        ampersand = run.rfind("&", cut - _LONGEST_REFERENCE, cut)
        if ampersand > start:
            cut = ampersand  # before an '&' is never inside a reference
        pieces.append(run[start:cut])
        start = cut
    pieces.append(run[start:])
    return pieces


# libxml2 takes time quadratic in the number of attributes of one element (it looks for each
# name among the ones before): one tag with 100,000 attributes took extraction 220 s, and
# readability's output of a tag with 1,000 confused the parsers after it. Only a long tag is
# looked at; no real element has a hundred attributes.
_LONG_TAG = re.compile(r"<[A-Za-z][^<>]{2000,}")
_ATTRIBUTE = re.compile(r"""\s*[^\s=>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]*))?""")
MAX_ATTRIBUTES = 100


def _few_attributes(html: str) -> str:
    """html with every tag cut to its first MAX_ATTRIBUTES attributes."""
    return _LONG_TAG.sub(_cut_attributes, html)


def _cut_attributes(match: re.Match) -> str:
    tag = match.group(0)
    ends = [found.end() for _, found in zip(range(MAX_ATTRIBUTES + 2),
                                            _ATTRIBUTE.finditer(tag), strict=False)]
    # The first match is the tag's name; beyond it, MAX_ATTRIBUTES attributes are kept.
    return tag[:ends[MAX_ATTRIBUTES]] if len(ends) > MAX_ATTRIBUTES + 1 else tag


def extract_article(page: RawPage) -> CapturedArticle:
    """Extract the article from a page; raises CaptureError if there is no readable article."""
    # decode_html already drops what lxml refuses; a page made some other way may hold it.
    html = _few_attributes(storable(page.html))
    root = _parse_page(html)
    meta = read_metadata(root)
    url = page.url
    if not url.startswith(("http://", "https://")) and _names_a_page(meta.canonical_url):
        url = meta.canonical_url  # a saved file that says where it came from
    title = _choose_title(meta, html, meta.site_name)
    site_name = (meta.site_name or site_from_title(meta.title, title)
                 or site_from_title(meta.document_title, title) or site_from_url(url))
    _drop_unsafe_links(root)
    # Images get the address a browser would show (lazy loading, srcset, <picture>) against
    # the page's own address: a saved file's images are in its folder, not at its canonical
    # address.
    resolve_images(root, page.url)
    lead = lead_image(root, page.url) if page.url.startswith(("http://", "https://")) else None
    prepare_for_extraction(root)
    base_url = url if url.startswith("http") else None
    # readability works on its own copy of root (its cleaner copies the tree), so root stays
    # the untouched page the whole article is taken from.
    body = _readable_body(root)
    body = whole_article(root, body, lambda tree: _second_opinion(tree, base_url), base_url)
    body = _drop_furniture(body, title)
    if page.url.startswith("file:"):
        body = local_image_paths(body, page.url)
    clean = sanitize_html(body)
    blocks = _drop_repeated_header(blocks_from_html(clean), title, meta)
    blocks, clean = add_lead_image(blocks, clean, lead)
    text = canonical_text(blocks)
    if len(text.split()) < MIN_WORDS:
        raise CaptureError("no readable article text was found on the page")
    return CapturedArticle(
        url_requested=page.url_requested,
        url=url,
        title=title or _first_words(text),
        byline=meta.byline,
        authors=meta.authors,
        site_name=site_name,
        published=meta.published,
        modified=meta.modified,
        canonical_url=meta.canonical_url if _names_a_page(meta.canonical_url) else "",
        language=meta.language or page.content_language,
        excerpt=meta.description or _first_words(text, EXCERPT_CHARS),
        html=clean,
        blocks=blocks,
        text=text,
        original_html=page.content,
        original_charset=page.charset,
    )


def _names_a_page(url: str) -> bool:
    """A canonical URL worth keeping: http(s) with a path beyond the site's home page."""
    try:
        parts = urlsplit(url)
    except ValueError:  # a malformed address (an unclosed IPv6 bracket)
        return False
    return parts.scheme in ("http", "https") and parts.path.strip("/") != ""


def _parse_page(html: str) -> lxml.html.HtmlElement:
    """The page's tree. libxml2 stops at a nesting depth of 256 (2,048 with huge_tree) and
    drops what lies deeper; a page nested deeper than that has the tags below a depth of
    NESTING_CUT removed (their text kept) and is parsed again, so its text is not lost."""
    root, too_deep = _parse(html)
    if too_deep:
        root, _ = _parse(_cap_nesting(html, NESTING_CUT))
    _refuse_too_many_elements(root)
    _flatten_below(root, MAX_DEPTH)
    return root


# The tokens of markup, for counting how deeply tags nest. Each pattern stops at the next '<'
# or runs once to the end, so the scan stays linear on malformed pages (an unclosed comment,
# quote or <script>); a '>' inside a quoted attribute value ends the tag early, which costs at
# most some of that tag's attributes on a page already too deep to read.
_MARKUP_START = re.compile(r"<(?:!--|/?[A-Za-z])")
_TAG = re.compile(r"<(/?)([A-Za-z][^\s/<>]*)([^<>]*)>")
_RAW_TEXT = frozenset({"script", "style", "textarea", "title", "xmp"})  # content not markup
_RAW_END = {name: re.compile(rf"</{name}\s*>", re.IGNORECASE) for name in _RAW_TEXT}
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "param", "source", "track", "wbr", "basefont", "frame", "keygen"})
# Well under libxml2's 2,048 even with the elements it adds (a table's <tbody>), and far
# deeper than _flatten_below keeps: what lies below is text to it anyway.
NESTING_CUT = 1000


def _cap_nesting(html: str, limit: int) -> str:
    """html without the tags that open deeper than `limit` (nor their closing tags), their
    text kept in place: nesting counted on the tags as written, each closing tag closing the
    latest open one of its name."""
    out: list[str] = []
    open_tags: list[str] = []
    dropped: dict[str, int] = {}  # openings removed and not yet closed, by tag name
    nesting = (open_tags, {}, dropped)
    kept_to = scan = 0  # html[:kept_to] is in out; tokens are looked for from scan
    while (start := _MARKUP_START.search(html, scan)) is not None:
        if html.startswith("<!--", start.start()):
            end = html.find("-->", start.end())
            scan = len(html) if end < 0 else end + 3
            continue
        tag = _TAG.match(html, start.start())
        if tag is None:
            scan = start.end()
            continue
        scan = tag.end()
        closing, name = tag.group(1), tag.group(2).lower()
        if name in _RAW_TEXT and not closing:
            # Kept at any depth (it holds no tags), so its content never becomes text.
            end = _RAW_END[name].search(html, scan)
            scan = len(html) if end is None else end.end()
        elif not _keep_tag(name, closing, tag.group(3), nesting, limit):
            out.append(html[kept_to:tag.start()])
            out.append("" if name in _INLINE else " ")  # a block's words stay apart
            kept_to = tag.end()
    out.append(html[kept_to:])
    return "".join(out)


def _keep_tag(name: str, closing: str, attributes: str, nesting: tuple, limit: int) -> bool:
    """Whether a tag stays, counting it among the open tags or the dropped ones (nesting:
    the open tags, how many of each name are open, how many of each were dropped)."""
    open_tags, open_count, dropped = nesting
    if closing:
        if dropped.get(name):
            dropped[name] -= 1
            return False
        if open_count.get(name):  # else a stray closing tag, which closes nothing
            while (closed := open_tags.pop()) != name:
                open_count[closed] -= 1
            open_count[name] -= 1
        return True
    if name in _VOID or attributes.rstrip().endswith("/"):
        return True
    if len(open_tags) < limit:
        open_tags.append(name)
        open_count[name] = open_count.get(name, 0) + 1
        return True
    dropped[name] = dropped.get(name, 0) + 1
    return False


_INLINE = frozenset({"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font",
                     "i", "kbd", "mark", "q", "s", "samp", "small", "span", "strong", "sub",
                     "sup", "time", "u", "var"})


# Extraction's time grows with the page's elements, about 50 µs each: a page of 300,000
# one-word paragraphs took 16 s. A long Wikipedia page has about 30,000 and a long report
# published as one page can pass 100,000, which must still be saved (in the background, with
# Cancel: ~10 s at the limit); past it, the page is refused at once rather than after a wait.
MAX_ELEMENTS = 200_000


def _refuse_too_many_elements(root: lxml.html.HtmlElement) -> None:
    count = sum(1 for _ in zip(root.iter(), range(MAX_ELEMENTS + 1), strict=False))
    if count > MAX_ELEMENTS:
        raise CaptureError(f"the page has more than {MAX_ELEMENTS:,} elements, too many to "
                           "read as one article")


# Deeper than any real article; readability and trafilatura measure each element's whole text,
# so their work grows with depth times size, and 400 nested tables took them 5 s.
MAX_DEPTH = 120


def _flatten_below(root: lxml.html.HtmlElement, depth_limit: int) -> None:
    """Keep only the text of what lies deeper than depth_limit: each element at that depth
    loses its descendant elements (their text stays, in order), which bounds the extractors'
    work on a page built to be nested thousands deep."""
    stack = [(root, 0)]
    while stack:
        element, depth = stack.pop()
        if depth >= depth_limit:
            if len(element):
                _space_blocks(element)
                lxml.etree.strip_tags(element, "*")
            continue
        stack.extend((child, depth + 1) for child in element if isinstance(child.tag, str))


def _space_blocks(element: lxml.html.HtmlElement) -> None:
    """A space before and after each block inside element (not inline markup), so that the
    words of two paragraphs stay two words once the tags between them are stripped."""
    for inner in element.iterdescendants():
        if isinstance(inner.tag, str) and inner.tag not in _INLINE:
            inner.text = " " + (inner.text or "")
            inner.tail = " " + (inner.tail or "")


def _parse(html: str) -> tuple[lxml.html.HtmlElement, bool]:
    # A parser per call: lxml parsers must not be shared between threads.
    parser = lxml.html.HTMLParser(huge_tree=True)
    try:
        root = lxml.html.document_fromstring(html, parser=parser)
    except (lxml.etree.ParserError, ValueError, AssertionError) as error:
        raise CaptureError(f"the page could not be parsed as HTML ({error})") from None
    if root is None:
        raise CaptureError("the page could not be parsed as HTML")
    too_deep = any("depth" in entry.message for entry in parser.error_log
                   if entry.type_name == "ERR_RESOURCE_LIMIT")
    return root, too_deep


def _second_opinion(tree: lxml.html.HtmlElement, base_url: str | None) -> str | None:
    """trafilatura's extraction of the page (it works on a copy), as HTML; imported here since
    most pages never need it."""
    import trafilatura

    try:
        return trafilatura.extract(tree, url=base_url, output_format="html", fast=True,
                                   include_comments=False, include_tables=True,
                                   include_formatting=False, include_links=False)
    except Exception:  # noqa: BLE001 - a failing second opinion leaves readability's pick
        return None


def _choose_title(meta: PageMetadata, html: str, site_name: str) -> str:
    """The visible headline (the main <h1>) when the page's other titles confirm it; else
    og:title (unless it only adds the site's name to the headline), the <h1>, then the <title>
    without its site name."""
    if meta.h1 and _confirmed_headline(meta, site_name):
        return meta.h1
    if meta.title and meta.h1 and _same_text(meta.title, meta.h1):
        return meta.title
    if meta.title and meta.h1 and site_from_title(meta.title, meta.h1):
        return meta.h1  # og:title is the headline plus the site's name
    if meta.title:
        return strip_site_suffix(meta.title, site_name, guess=False)
    if meta.h1 and meta.document_title:
        without_h1 = strip_site_suffix(meta.document_title, meta.h1, guess=False)
        if without_h1 != meta.document_title and not _starts_with(meta.document_title, meta.h1):
            return without_h1  # the <h1> is the site's logo: 'Headline | <h1>'
    # An <h1> the <title> does not mention is a logo or a section name, not the headline.
    if meta.h1 and (not meta.document_title
                    or meta.h1.lower() in meta.document_title.lower()):
        return meta.h1
    if meta.document_title:
        return strip_site_suffix(meta.document_title, site_name)
    try:
        return strip_site_suffix(Document(html).short_title(), site_name)
    except Unparseable:
        return ""


_TITLE_WORD = re.compile(r"\w{4,}")
_SHARED_TITLE_WORDS = 0.3  # share of the <h1>'s longer words the page's titles must repeat


def _confirmed_headline(meta: PageMetadata, site_name: str) -> bool:
    """Whether the main <h1> is the article's headline: JSON-LD's headline, or a title the
    page gives (og:title, <title>) contains it, is contained in it, or repeats enough of its
    words (a search-engine title reworded from the headline). An <h1> that is the site's name
    or the <title>'s suffix is a logo; a one- or two-word <h1> a section name."""
    h1 = meta.h1
    if len(h1.split()) < 3 or (site_name and _same_text(h1, site_name)):
        return False
    if meta.headline and _same_text(meta.headline, h1):
        return True
    titles = [t for t in (meta.title, meta.headline, meta.document_title) if t]
    if not titles:
        return True
    if meta.document_title and not _starts_with(meta.document_title, h1) and \
            strip_site_suffix(meta.document_title, h1, guess=False) != meta.document_title:
        return False  # '<headline> | <h1>': the <h1> is the site's logo
    words = {w.lower() for w in _TITLE_WORD.findall(h1)}
    for title in titles:
        short = strip_site_suffix(title, site_name)
        if h1.lower() in title.lower() or (len(short.split()) >= 3
                                           and short.lower() in h1.lower()):
            return True
        shared = words & {w.lower() for w in _TITLE_WORD.findall(title)}
        if words and len(shared) >= max(2, len(words) * _SHARED_TITLE_WORDS):
            return True
    return False


def _starts_with(text: str, prefix: str) -> bool:
    return text.strip().lower().startswith(prefix.strip().lower())


def _drop_unsafe_links(root: lxml.html.HtmlElement) -> None:
    """Remove javascript:, data: and similar hrefs before readability resolves them, since it
    would turn an emptied href into a link to the page itself."""
    for element in root.xpath("//*[@href]"):
        scheme = element.get("href", "").strip().split(":", 1)[0].lower()
        if ":" in element.get("href", "") and scheme not in ALLOWED_URL_SCHEMES \
                and "/" not in scheme:
            del element.attrib["href"]


def _readable_body(root: lxml.html.HtmlElement) -> str:
    """The article element found by readability-lxml, as HTML ('' if it finds none: the
    second opinion may). Without a base address: links are made absolute on the final
    article only, not on the whole page three times over."""
    try:
        return Document(root).summary(html_partial=True)
    except (Unparseable, lxml.etree.ParserError, ValueError, AssertionError):
        return ""


def _drop_furniture(body_html: str, title: str) -> str:
    """Remove share bars, bylines and similar leftovers that sit inside the article element."""
    try:
        root = lxml.html.fragment_fromstring(body_html, create_parent="div")
    except (lxml.etree.ParserError, ValueError, AssertionError):
        raise CaptureError("no readable article text was found on the page") from None
    total = max(1, len(root.text_content()))
    for element in list(root.iter(*_FURNITURE_TAGS)):
        if element.getparent() is None:
            continue
        size = len(element.text_content())
        small = size <= total * _FURNITURE_MAX_SHARE
        if (small and (_is_furniture(element) or _is_link_box(element))) or \
                (size <= _FURNITURE_MAX_CHARS and (_is_furniture(element)
                                                   or _is_form_box(element))):
            element.drop_tree()
    for span in list(root.iter("span")):
        # A marked span goes only when it stands alone (a photo credit), never mid-sentence.
        parent = span.getparent()
        if parent is not None and _is_furniture(span) \
                and len(span.text_content()) <= total * _FURNITURE_MAX_SHARE \
                and parent.text_content().strip() == span.text_content().strip():
            span.drop_tree()
    for heading in root.xpath("//h1"):
        if _same_text(heading.text_content(), title):
            _drop_header_lines_before(heading)
            heading.drop_tree()
    _drop_repeated_link_lines(root)
    for element in list(root.iter("p", "div", "span", "aside")):
        if not len(element) and element.getparent() is not None and \
                " ".join((element.text or "").split()).lower() in _AD_LABELS:
            element.drop_tree()
    _drop_empty_sections(root)
    return lxml.html.tostring(root, encoding="unicode")


_SECTION_HEADINGS = ("h2", "h3", "h4", "h5", "h6")
# The labels advertising slots carry, whatever their markup.
_AD_LABELS = {"advertisement", "advertisements", "advertising", "ad", "sponsored",
              "sponsored content", "story continues below advertisement",
              "article continues below advertisement", "continue reading below",
              "anzeige", "werbung", "publicité", "publicidad", "pubblicità", "advertentie",
              "annonse", "annons", "reklame"}
_KICKER_WORDS = 30


def _drop_header_lines_before(headline) -> None:
    """Drop a few words standing before the headline inside the article element (a section
    label, breadcrumbs, a kicker): the article starts after its headline."""
    before = headline.xpath("preceding::text()")
    if sum(len(text.split()) for text in before) >= _KICKER_WORDS:
        return
    for element in headline.xpath("preceding::*"):
        parent = element.getparent()
        if parent is not None:
            parent.remove(element)  # its tail lies before the headline too
    for ancestor in headline.iterancestors():
        ancestor.text = None
_LINK_LINE_WORDS = 6


def _drop_repeated_link_lines(root) -> None:
    """Drop a short line that is nothing but a link and comes back again and again ('Open in a
    new tab' under each figure, 'Back to top'): an interface control, not the article."""
    lines: dict[str, list] = {}
    for link in root.iter("a"):
        text = " ".join(link.text_content().split())
        if not text or len(text.split()) > _LINK_LINE_WORDS:
            continue
        line = None
        for ancestor in link.iterancestors():
            if ancestor is root or " ".join(ancestor.text_content().split()) != text:
                break
            if ancestor.tag in ("p", "div", "li", "span"):
                line = ancestor  # the outermost block holding only this link
        if line is not None:
            lines.setdefault(text.lower(), []).append(line)
    for elements in lines.values():
        if len(elements) >= 2:
            for element in elements:
                if element.getparent() is not None:
                    element.drop_tree()


def _drop_empty_sections(root) -> None:
    """Drop the title of a box whose content was removed ('More on this story'): a heading with
    no text under it before the next heading of its rank, that either ends the article or
    stands alone in its wrapper. Two headings in a row in the article's own flow both stay."""
    events = list(_heading_and_text_events(root))
    for index, (kind, node) in enumerate(events):
        if kind == "heading" and not _has_section_content(events, index):
            parent = node.getparent()
            alone = parent is not None and parent is not root and \
                " ".join(parent.text_content().split()) == " ".join(node.text_content().split())
            ends_article = not any(k == "text" and t.strip() for k, t in events[index + 1:])
            if alone or ends_article:
                node.drop_tree()


def _has_section_content(events: list, index: int) -> bool:
    """Whether text (or a lower-rank sub-heading) follows the heading at events[index] before
    the next heading of the same or a higher rank."""
    rank = events[index][1].tag
    for kind, node in events[index + 1:]:
        if kind == "text" and node.strip():
            return True
        if kind == "heading":
            return node.tag > rank  # "h3" > "h2": a sub-heading is content of this section
    return False


def _heading_and_text_events(element):
    """('heading', element) and ('text', str) in document order (a heading's own text left out)."""
    if isinstance(element.tag, str) and element.tag in _SECTION_HEADINGS:
        yield "heading", element
        return
    if element.text:
        yield "text", element.text
    for child in element:
        yield from _heading_and_text_events(child)
        if child.tail:
            yield "text", child.tail


def _is_furniture(element) -> bool:
    """Marked as furniture by a word of its class, id or data-component, and not holding
    paragraphs of prose (a section whose id comes from its heading, like 'credit-conditions')."""
    markers = " ".join(element.get(name, "") for name in ("class", "id", "data-component"))
    if not any(word.lower() in _FURNITURE_WORDS for word in _WORD_SPLIT.split(markers)):
        return False
    prose = [p for p in element.iter("p") if len(p.text_content().strip()) >= 80]
    return len(prose) < 2


def _is_form_box(element) -> bool:
    """A short box with a form or a button in it: a sign-up or search box, not prose."""
    return element.tag in ("div", "section", "aside", "form") and \
        bool(element.xpath(".//form|.//input|.//button|.//select|.//textarea"))


def _is_link_box(element) -> bool:
    """A box of several links and little else ('More on this story', 'Print | Email'). A
    paragraph with only two links must be almost nothing but links, so that a sentence citing
    two sources stays."""
    if element.tag not in ("div", "section", "ul", "ol", "aside", "nav", "p"):
        return False
    links = list(element.iter("a"))
    text = " ".join(element.text_content().split())
    if len(links) < 2 or not text:
        return False
    linked = sum(len(" ".join(a.text_content().split())) for a in links)
    threshold = _LINK_LINE_DENSITY if element.tag == "p" and len(links) == 2 \
        else _LINK_BOX_DENSITY
    return linked / len(text) > threshold


def _drop_repeated_header(blocks: list[Block], title: str, meta: PageMetadata) -> list[Block]:
    """Drop a leading title, 'By …' line or bare date that repeat the reader's header (the
    pictures before them stay, before the block that now comes first)."""
    out = list(blocks)
    carried: tuple = ()
    while out:
        text = out[0].text
        if _same_text(text, title) or _is_byline(text, meta.byline) \
                or _is_dateline(text, meta.published):
            carried += out.pop(0).images
        else:
            break
    if carried and out:
        out[0] = dataclasses.replace(out[0], images=(*carried, *out[0].images))
    return out


def _is_byline(text: str, byline: str) -> bool:
    if not byline or len(text) > len(byline) + 60:
        return False
    return bool(re.match(r"^by\s", text, re.IGNORECASE)) and byline.lower() in text.lower()


def _is_dateline(text: str, published: str | None) -> bool:
    """A short line that states the article's own publication date, and nothing else."""
    if not published or len(text) > 60:
        return False
    text = re.sub(r"^(updated|published|posted|first published)(\s+on)?:?\s*", "", text,
                  flags=re.IGNORECASE)
    found = parse_date(text)
    return found is not None and found[:10] == published[:10]


def _same_text(a: str, b: str) -> bool:
    norm = lambda s: re.sub(r"\W+", " ", s).strip().lower()  # noqa: E731
    return bool(a.strip()) and norm(a) == norm(b)


def _first_words(text: str, limit: int = 80) -> str:
    text = text.split("\n", 1)[0] if limit <= 80 else " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"
