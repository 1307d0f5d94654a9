"""Repairs to a page's markup before readability-lxml looks for the article.

readability scores a paragraph's parent and grandparent only, so it misreads two common
shapes: bodies where every paragraph sits in its own stack of wrapper divs (each block scored
alone, headings and lists between them lost), and old pages that separate paragraphs with
<br><br> inside table cells and <font> tags (no <p> at all, so the cell is never scored). These
functions reshape both into plain paragraphs, leaving the text untouched. It also removes short
blocks, which takes with them the boxes that hold a section's or live-blog entry's heading.
"""

from __future__ import annotations

import lxml.html

_BLOCKS = {"p", "div", "section", "article", "main", "table", "ul", "ol", "dl", "blockquote",
           "pre", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "header", "footer", "aside",
           "nav", "form", "hr", "address", "details", "center"}


def prepare_for_extraction(root: lxml.html.HtmlElement) -> None:
    """Reshape root in place: <font> unwrapped, heading boxes unwrapped, <br><br> runs into
    paragraphs, single-child wrapper divs removed."""
    for font in list(root.iter("font")):
        font.drop_tag()
    _unwrap_heading_boxes(root)
    _paragraphs_from_breaks(root)
    _unwrap_single_child_wrappers(root)


def _unwrap_heading_boxes(root) -> None:
    """readability removes short blocks, and so the <header> or <div> that holds a section's
    or live-blog entry's heading and time; unwrapped, the heading stands on its own."""
    for box in root.xpath("//article//header | //article//div | //article//section"):
        if box.getparent() is None or box.xpath(".//p|.//ul|.//ol|.//table|.//blockquote"):
            continue
        if box.xpath(".//h2|.//h3|.//h4|.//h5|.//h6") and len(box.text_content()) < 300:
            box.drop_tag()


def _is_break(node) -> bool:
    return isinstance(node.tag, str) and node.tag == "br"


def _paragraphs_from_breaks(root) -> None:
    """Inside any element holding two <br> in a row, turn each run between them into a <p>."""
    for parent in [el for el in root.iter() if isinstance(el.tag, str) and _has_double_break(el)]:
        _split_on_double_breaks(parent)


def _has_double_break(element) -> bool:
    previous_break = False
    for child in element:
        if _is_break(child):
            if previous_break:
                return True
            previous_break = not (child.tail and child.tail.strip())
        else:
            previous_break = False
    return False


def _split_on_double_breaks(parent) -> None:
    children = list(parent)
    groups: list[list] = [[]]  # each a list of nodes; a str is text
    leading = parent.text
    parent.text = None
    if leading and leading.strip():
        groups[-1].append(leading)
    pending_break = None
    for child in children:
        parent.remove(child)
        tail, child.tail = child.tail, None
        if _is_break(child):
            if pending_break is not None:
                groups.append([])  # a second <br> in a row: a new paragraph
                pending_break = None
            else:
                pending_break = child
            if tail and tail.strip():
                if pending_break is not None:
                    groups[-1].append(pending_break)
                    pending_break = None
                groups[-1].append(tail)
            continue
        if pending_break is not None:
            groups[-1].append(pending_break)
            pending_break = None
        if child.tag in _BLOCKS:
            groups.append([child])
            groups.append([])
        else:
            groups[-1].append(child)
        if tail and tail.strip():
            groups[-1].append(tail)
    for group in groups:
        if not group:
            continue
        if len(group) == 1 and not isinstance(group[0], str) and group[0].tag in _BLOCKS:
            parent.append(group[0])
            continue
        paragraph = lxml.html.Element("p")
        for node in group:
            if isinstance(node, str):
                if len(paragraph):
                    paragraph[-1].tail = (paragraph[-1].tail or "") + node
                else:
                    paragraph.text = (paragraph.text or "") + node
            else:
                paragraph.append(node)
        parent.append(paragraph)


def _unwrap_single_child_wrappers(root) -> None:
    """<div><div><p>…</p></div></div> → <p>…</p>: wrappers without text of their own."""
    for div in reversed(list(root.iter("div"))):
        parent = div.getparent()
        if parent is None or len(div) != 1 or (div.text and div.text.strip()):
            continue
        child = div[0]
        if not isinstance(child.tag, str) or child.tag not in _BLOCKS:
            continue
        if child.tail and child.tail.strip():
            continue
        _inherit_markers(child, div)
        div.drop_tag()


def _inherit_markers(child, wrapper) -> None:
    """Keep the wrapper's class, id and role on the child: they tell furniture from article."""
    classes = " ".join(filter(None, (child.get("class"), wrapper.get("class"))))
    if classes:
        child.set("class", classes)
    for attribute in ("id", "role", "data-component"):
        if wrapper.get(attribute) and not child.get(attribute):
            child.set(attribute, wrapper.get(attribute))
