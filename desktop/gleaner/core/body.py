"""The whole article, not readability's fragment of it.

readability-lxml finds the article well but keeps only the best-scoring element and the siblings
that score nearly as well, then prunes what it judges thin: a section heading in its own box, a
list of short items, a group of entries whose blurbs end in links, a figure. This module maps
readability's paragraphs back onto an untouched copy of the page ("anchors") and takes the
page's region from the first anchor to the last, inside their closest common element, removing
only what is recognisably furniture. When a cheap check says readability's pick is doubtful
(short, link-heavy, or leaving much of the article element's prose aside), trafilatura's
extraction is asked for a second opinion and the two are combined.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass

import lxml.etree
import lxml.html

# Elements that hold a run of text as one reading block; a "leaf" holds no other of them.
_BLOCKS = frozenset({
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd", "figcaption", "caption",
    "blockquote", "pre", "td", "th", "div", "section", "article", "header", "footer", "aside",
    "main", "figure", "address", "table", "tr", "ul", "ol", "dl", "center", "details", "summary",
})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_LINKED_HEADLINE = ".//h2//a | .//h3//a | .//h4//a | .//a//h2 | .//a//h3 | .//a//h4"
_VISIBLE_TEXT = ".//text()[not(ancestor::button or ancestor::script or ancestor::style)]"
_WHOLE = frozenset({"table", "ul", "ol", "dl", "figure", "blockquote", "pre"})
# Never part of the reading text when they lie between the article's paragraphs.
_DROP_IN_GAPS = frozenset({
    "nav", "form", "button", "script", "style", "noscript", "template", "iframe", "select",
    "input", "textarea", "object", "embed", "footer", "label",
})
_PROSE_WORDS = 12  # a leaf with at least this many words, mostly unlinked, is prose
_PROSE_LINKS = 0.3
_SHORT_RESULT = 60  # fewer words than this and readability's pick is checked
_LINK_HEAVY = 0.35  # share of readability's words inside links that makes its pick doubtful
_MISSING_SHARE = 0.25  # prose left out of the article element, relative to what was kept
_AGREEMENT = 0.2  # below this overlap the two extractions chose different parts of the page
_BOXES = frozenset({"div", "section", "aside", "form", "p", "header", "footer"})
_INTERFACE = ".//form | .//input | .//button | .//select | .//textarea | .//iframe"
_FORM_BOX_CHARS = 400  # a box this short holding a form or button is an interface
_LABEL_WORDS = 3  # a box between paragraphs with no more words than this is a label
_ONE_LINK = 0.5  # share of a box's text in its one link that makes it a link line
_SEVERAL_LINKS = 0.3  # the same with several links (teasers of other stories)
_STRAY_GAP = 150  # unlinked words between an outlying anchor and the rest that make it a stray
_UNLIKELY = re.compile(
    r"combx|comment|community|disqus|foot|menu|rss|shoutbox|sidebar|sponsor|ad-break|agegate|"
    r"pagination|pager|popup|share|social|related|newsletter|promo|outbrain|taboola|"
    r"recirc|paywall|subscribe|affiliate|\bbio\b|author-?info|about-?the-?author",
    re.IGNORECASE)


@dataclass
class _Page:
    """The untouched copy of the page, indexed for matching extracted text back onto it."""

    root: lxml.html.HtmlElement
    position: dict  # element -> document order
    by_text: dict  # normalised leaf text -> [leaf elements, in document order]
    words: dict  # leaf element -> (words, linked words)


def whole_article(pristine: lxml.html.HtmlElement, readable_html: str, second_opinion,
                  base_url: str | None = None) -> str:
    """The article's HTML taken from `pristine` (which is consumed), given readability's
    summary; `second_opinion(tree)` returns another extractor's HTML, or None, and is called
    only when readability's pick looks doubtful. Falls back to readable_html when nothing
    maps onto the page."""
    _drop_site_chrome(pristine)
    page = _index(pristine)
    anchors = _trim_strays(page, _match(page, _leaf_texts(readable_html)))
    doubtful = not anchors
    if anchors:
        anchors, doubtful = _assess(page, anchors)
    if doubtful:
        other = second_opinion(pristine)
        theirs = _match(page, _leaf_texts(other)) if other else []
        if not anchors:
            anchors = theirs  # readability found nothing that maps onto the page
        elif theirs:
            anchors = _combine(page, anchors, theirs)
    container = _common_ancestor(anchors)
    if container is None:
        try:
            container = lxml.html.fragment_fromstring(readable_html, create_parent="div")
        except (lxml.etree.ParserError, ValueError, AssertionError):
            return readable_html
    elif container not in anchors:  # a single block needs no pruning
        _prune(page, container, anchors)
    if base_url:
        # A base address lxml cannot use leaves the links as the page wrote them.
        with contextlib.suppress(ValueError):
            container.make_links_absolute(base_url, handle_failures="discard")
    return lxml.html.tostring(container, encoding="unicode", with_tail=False)


_SITE_CHROME = lxml.etree.XPath(
    "//script | //style | //noscript | //template | //select"
    " | //nav[not(.//h1 or .//article or .//main)]"
    " | //*[@role='navigation' or @role='contentinfo' or @role='banner'][not(.//h1 or"
    " .//article or .//main)]"
    " | //footer[not(ancestor::article or ancestor::main or .//h1 or .//article or .//main)]"
    " | //header[not(ancestor::article or ancestor::main or .//h1 or .//article or .//main)]")


def _drop_site_chrome(root) -> None:
    """Remove the site's menus, masthead and footer and every script before indexing: never
    the article, and on a big page most of the elements."""
    for element in _SITE_CHROME(root):
        if element.getparent() is not None:
            _remove(element, keep_tail=True)


def _norm(text: str) -> str:
    return " ".join(text.split())


def _leaves(root) -> list:
    """Leaf blocks in document order: block elements holding no other block element."""
    blocks = list(root.iter(*_BLOCKS))
    inner: set = set()
    for element in blocks:
        parent = element.getparent()
        while parent is not None and parent not in inner:
            inner.add(parent)
            parent = parent.getparent()
    return [element for element in blocks if element not in inner]


def _index(root) -> _Page:
    position = {element: i for i, element in enumerate(root.iter())}
    by_text: dict = {}
    words: dict = {}
    for leaf in _leaves(root):
        text = _norm(leaf.text_content())
        if not text:
            continue
        by_text.setdefault(text, []).append(leaf)
        linked = sum(len(a.text_content().split()) for a in leaf.iter("a"))
        words[leaf] = (len(text.split()), linked)
    return _Page(root, position, by_text, words)


def _leaf_texts(html: str) -> list[str]:
    """The texts of an extraction's leaf blocks, in order."""
    try:
        root = lxml.html.document_fromstring(html) if html.lstrip()[:5].lower() == "<html" \
            else lxml.html.fragment_fromstring(html, create_parent="div")
    except (lxml.etree.ParserError, ValueError, AssertionError):
        return []
    return [text for text in (_norm(leaf.text_content()) for leaf in _leaves(root)) if text]


def _match(page: _Page, texts: list[str]) -> list:
    """The page's leaf elements with these texts (each used once), in document order."""
    # An element lies under one text only, so the ones used of each text are the first few of
    # its list: counting them, rather than scanning past them, keeps a page of 100,000
    # identical paragraphs linear (scanning took minutes).
    taken: dict[str, int] = {}
    found = []
    for text in texts:
        candidates = page.by_text.get(text, ())
        index = taken.get(text, 0)
        if index < len(candidates):
            taken[text] = index + 1
            found.append(candidates[index])
    return sorted(found, key=page.position.__getitem__)


def _words(page: _Page, elements) -> int:
    return sum(page.words.get(element, (0, 0))[0] for element in elements)


def _is_prose(page: _Page, leaf) -> bool:
    words, linked = page.words.get(leaf, (0, 0))
    return words >= _PROSE_WORDS and linked <= words * _PROSE_LINKS


def _assess(page: _Page, anchors: list) -> tuple[list, bool]:
    """Readability's anchors, repaired where the page's own <article> element shows what it
    left out, and whether its pick is still doubtful (short, link-heavy, or missing prose
    that only a second opinion can place)."""
    kept = _words(page, anchors)
    linked = sum(page.words.get(a, (0, 0))[1] for a in anchors)
    if kept < _SHORT_RESULT or linked > kept * _LINK_HEAVY:
        return anchors, True
    if _in_box(anchors[0]) and _in_box(anchors[-1]):
        return anchors, True  # inside comments, a sidebar or a related-stories box
    first, last = page.position[anchors[0]], page.position[anchors[-1]]
    article, semantic = _article_element(_common_ancestor(anchors))
    if article is not None:
        missing = [leaf for leaf in page.words
                   if not first <= page.position[leaf] <= last and _is_prose(page, leaf)
                   and _inside(leaf, article) and not _marked_unlikely(leaf, article)
                   and not _in_teaser(leaf, article)]
        if _words(page, missing) > kept * _MISSING_SHARE:
            if semantic:  # the article element's prose is the article's: take it
                return sorted({*anchors, *missing}, key=page.position.__getitem__), False
            return anchors, True
    lead = _lead(page, anchors)
    if lead:
        anchors = sorted({*anchors, *lead}, key=page.position.__getitem__)
    return anchors, False


def _trim_strays(page: _Page, anchors: list) -> list:
    """Drop a first or last anchor cut off from the others by more unlinked text than they
    hold (a paragraph readability picked up from a distant box), so that the region between
    anchors does not take in the page between them."""
    if len(anchors) < 3:
        return anchors
    leaves = sorted(page.words, key=page.position.__getitem__)
    at = {leaf: i for i, leaf in enumerate(leaves)}
    unlinked = [0]
    for leaf in leaves:
        words, linked = page.words[leaf]
        unlinked.append(unlinked[-1] + (words if linked <= words / 2 else 0))
    anchor_set = set(anchors)

    def gap(a, b) -> int:  # unlinked words of the non-anchor leaves between two anchors
        inside = unlinked[at[b]] - unlinked[at[a] + 1]
        return inside - sum(page.words[x][0] for x in anchor_set
                            if at[a] < at.get(x, -1) < at[b])

    trimmed = list(anchors)
    while len(trimmed) >= 3 and trimmed[0] in at and trimmed[1] in at and \
            gap(trimmed[0], trimmed[1]) > max(_STRAY_GAP, _words(page, trimmed[1:])):
        anchor_set.discard(trimmed.pop(0))
    while len(trimmed) >= 3 and trimmed[-1] in at and trimmed[-2] in at and \
            gap(trimmed[-2], trimmed[-1]) > max(_STRAY_GAP, _words(page, trimmed[:-1])):
        anchor_set.discard(trimmed.pop())
    return trimmed


def _article_element(element) -> tuple:
    """The closest <article> or articleBody holding element (or element itself), with True;
    else the closest <main>, with False (a <main> often holds sidebars too); else None."""
    lineage = [element, *element.iterancestors()] if element is not None else []
    for candidate in lineage:
        if candidate.tag == "article" or candidate.get("itemprop") == "articleBody":
            return candidate, True
    for candidate in lineage:
        if candidate.tag == "main" or candidate.get("role") == "main":
            return candidate, False
    return None, False


_BOX_WORDS = frozenset({"comment", "comments", "discussion", "disqus", "respond", "replies",
                        "sidebar", "related", "recommended", "widget", "footer"})
_MODIFIERS = ("has-", "with-", "no-", "is-", "show-", "enable", "hide-")


def _in_teaser(leaf, container) -> bool:
    """Whether a paragraph is the summary on a card for another page: its box (up to two
    levels up) holds a linked headline."""
    parent = leaf.getparent()
    for box in (parent, parent.getparent() if parent is not None else None):
        if box is None or box is container:
            return False
        if box.xpath(_LINKED_HEADLINE):
            return True
    return False


def _in_box(element) -> bool:
    """Whether an element sits in comments, a sidebar or a related-stories box, going by a
    whole word of an ancestor's class or id ('comments-area', not 'has-comments'; the page's
    <body> left out, whose classes describe the whole layout)."""
    for ancestor in element.iterancestors():
        if ancestor.tag in ("body", "html"):
            return False
        for token in f"{ancestor.get('class', '')} {ancestor.get('id', '')}".lower().split():
            if not token.startswith(_MODIFIERS) and \
                    _BOX_WORDS.intersection(re.split(r"[-_]+", token)):
                return True
    return False


def _marked_unlikely(element, container) -> bool:
    """Whether an element sits in a box marked as furniture (a paywall notice, comments)
    within container."""
    for ancestor in element.iterancestors():
        if ancestor is container:
            return False
        markers = f"{ancestor.get('class', '')} {ancestor.get('id', '')}"
        if markers.strip() and _UNLIKELY.search(markers):
            return True
    return False


def _inside(element, container) -> bool:
    return any(ancestor is container for ancestor in element.iterancestors())


def _lead(page: _Page, anchors: list) -> list:
    """Prose between the page's main headline and readability's first paragraph, when the
    headline stands in the same element as the article (not only <body>): an introduction
    readability left out. Boxes marked as furniture do not count."""
    headings = page.root.xpath("//article//h1") or page.root.xpath("//h1")
    if not headings:
        return []
    headline = headings[0]
    start, first = page.position.get(headline, -1), page.position[anchors[0]]
    if start < 0 or start >= first:
        return []
    shared = _common_ancestor([headline, anchors[0]])
    if shared is None or shared.tag in ("body", "html"):
        return []
    return [leaf for leaf in page.words
            if start < page.position[leaf] < first and _is_prose(page, leaf)
            and _inside(leaf, shared) and _reads_as_sentences(page, leaf)
            and not _marked_unlikely(leaf, shared)]


_SENTENCE_END = (".", "!", "?", "…", "\"", "”", "’", "»", ")", ":")


def _reads_as_sentences(page: _Page, leaf) -> bool:
    """Prose that ends as a sentence ends, or is long: not a byline with its dates."""
    return page.words[leaf][0] >= 2 * _PROSE_WORDS or \
        leaf.text_content().rstrip().endswith(_SENTENCE_END)


def _combine(page: _Page, mine: list, theirs: list) -> list:
    """Readability's anchors and the second opinion's, as one set: the second opinion's frame,
    widened to readability's prose outside it; if the two chose different parts of the page,
    the one with more prose."""
    if _words(page, theirs) < _SHORT_RESULT // 3:
        return mine
    shared = set(mine) & set(theirs)
    overlap = _words(page, shared) / max(1, min(_words(page, mine), _words(page, theirs)))
    prose = lambda anchors: sum(page.words[a][0] for a in anchors if _is_prose(page, a))  # noqa: E731
    if overlap < _AGREEMENT:
        return mine if prose(mine) > 2 * prose(theirs) else theirs
    frame = _common_ancestor(theirs)
    outside = [a for a in mine if a is not frame and not _inside(a, frame)]
    extra_prose = prose(outside)
    if outside and extra_prose >= _words(page, outside) / 2:
        chosen = set(mine) | set(theirs)
    else:
        chosen = set(theirs) | {a for a in mine if a not in outside}
    return sorted(chosen, key=page.position.__getitem__)


def _common_ancestor(elements: list):
    """The closest element holding all of elements (an element holds itself)."""
    if not elements:
        return None
    path = [elements[0], *elements[0].iterancestors()]
    depth = {id(element): i for i, element in enumerate(path)}
    best = 0
    for element in elements[1:]:
        for candidate in (element, *element.iterancestors()):
            index = depth.get(id(candidate))
            if index is not None:
                best = max(best, index)
                break
        else:
            return None
    return path[best]


def _prune(page: _Page, container, anchors: list) -> None:
    """Keep in container what lies from the first anchor to the last: anchors and their
    ancestors, and between them whatever is not furniture."""
    first, last = page.position[anchors[0]], page.position[anchors[-1]]
    anchor_set = set(anchors)
    holders: set = set()
    for anchor in anchors:
        for ancestor in anchor.iterancestors():
            if ancestor is container or ancestor in holders:
                break
            holders.add(ancestor)
    ends = set(anchors[-1].iterancestors())
    end_note = _end_note(anchors[-1])
    _prune_children(page, container, (first, last), anchor_set, holders, ends, end_note)


_END_NOTE_CHARS = 300
_END_NOTE_TAGS = frozenset({"strong", "b", "em", "i", "small", "span", "cite", "time", "sup",
                            "sub", "q", "abbr", "br"})


def _end_note(last_anchor) -> set | None:
    """Loose text and inline elements straight after the article's last paragraph, in the
    same element: a credit or correction ("Additional reporting by …", "This article was
    amended on …") that belongs to the article, and readability keeps. The elements of that
    run, if it reads as a short line of prose (not a label, links or a box); else None."""
    run, parts = [], [last_anchor.tail or ""]
    for sibling in last_anchor.itersiblings():
        if not isinstance(sibling.tag, str) or sibling.tag not in _END_NOTE_TAGS:
            break
        run.append(sibling)
        parts.extend([sibling.text_content(), sibling.tail or ""])
    text = _norm(" ".join(parts))
    if len(text.split()) <= _LABEL_WORDS or len(text) > _END_NOTE_CHARS:
        return None
    for element in run:
        markers = " ".join(element.get(name, "") for name in ("class", "id", "role"))
        if (markers and _UNLIKELY.search(markers)) or element.xpath(".//a|.//button"):
            return None
    return set(run)


def _prune_children(page, element, span, anchors, holders, ends, end_note) -> None:
    first, last = span
    if page.position.get(element, -1) < first:
        element.text = None  # text before the article's first paragraph
    for child in list(element):
        at = page.position.get(child, -1)
        if (child in anchors or child in holders) and _interface_box(child) and \
                _minor_part(page, child, anchors):
            _remove(child, keep_tail=True)  # a sign-up box readability kept
            continue
        if child in anchors:
            if at >= last and end_note is None:
                child.tail = None
            continue
        if end_note and child in end_note:
            continue
        if child in holders:
            _prune_children(page, child, span, anchors, holders, ends, end_note)
            if child in ends:
                child.tail = None  # after the article's last paragraph
            continue
        if at < first or at > last or not isinstance(child.tag, str):
            _remove(child, keep_tail=first <= at <= last)
        elif not _keep_in_gap(child):
            _remove(child, keep_tail=True)
        else:
            _clean_gap(child)


def _clean_gap(element) -> None:
    """Within a kept gap element, drop the blocks that are furniture (a 'Check price' button
    inside a verdict box); tables, lists, figures and quotes are judged whole."""
    if element.tag in _WHOLE:
        return
    for child in list(element):
        if not isinstance(child.tag, str):
            continue
        if child.tag in _BLOCKS or child.tag in _DROP_IN_GAPS:
            if _keep_in_gap(child):
                _clean_gap(child)
            else:
                _remove(child, keep_tail=True)


def _remove(element, keep_tail: bool) -> None:
    parent = element.getparent()
    if parent is None:
        return
    if keep_tail and element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _minor_part(page: _Page, element, anchors) -> bool:
    """Whether element holds less than half of the anchors' words (never the article)."""
    inside = [a for a in anchors if a is element or _inside(a, element)]
    return 2 * _words(page, inside) < _words(page, anchors)


def _interface_box(element, text: str | None = None) -> bool:
    """A short box holding a form, a button or a frame: a sign-up box or a player, not the
    article."""
    if element.tag not in _BOXES:
        return False
    if text is None:
        text = _norm(element.text_content())
    return len(text) < _FORM_BOX_CHARS and bool(element.xpath(_INTERFACE))


def _keep_in_gap(element) -> bool:
    """Whether an element lying between the article's paragraphs, which readability dropped,
    belongs to the article: headings, lists, figures, tables, quotes and prose do; navigation,
    forms, furniture boxes and link lists do not."""
    tag = element.tag
    if tag in _DROP_IN_GAPS:
        return False
    text = _norm(" ".join(element.xpath(_VISIBLE_TEXT)))
    if not text:  # a picture (an <img> has no descendants: it is its own picture)
        return (tag == "img" or bool(element.xpath(".//img"))) and \
            tag in ("figure", "p", "div", "picture", "img")
    if tag == "header" and not element.xpath(".//h2|.//h3|.//h4|.//h5|.//h6"):
        return False
    if tag == "aside" and not element.xpath(".//blockquote|.//figure"):
        return False
    if _interface_box(element, text):
        return False
    markers = " ".join(element.get(name, "") for name in ("class", "id", "data-component",
                                                           "role"))
    if markers and _UNLIKELY.search(markers) and len(text) < 400:
        return False
    if tag in _HEADINGS:
        return True
    if len(text.split()) <= _LABEL_WORDS and tag not in _WHOLE and \
            not element.xpath(".//img|.//h2|.//h3|.//h4|.//h5|.//h6|.//li|.//table"):
        return False  # 'Advertisement', 'Share', 'Loading…': a label, not the article
    links = element.xpath(".//a")
    if links:
        linked = sum(len(_norm(a.text_content())) for a in links)
        # One link may carry most of a line; several links need real text around them.
        if linked > len(text) * (_ONE_LINK if len(links) == 1 else _SEVERAL_LINKS):
            return False
    return True
