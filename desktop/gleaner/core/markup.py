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
            _drop_block_tag(box)


def _drop_block_tag(element) -> None:
    """Remove a block element's tag but keep its content, with spaces where its edges were so
    that words on either side cannot run together."""
    element.text = " " + (element.text or "")
    if len(element):
        element[-1].tail = (element[-1].tail or "") + " "
    else:
        element.text += " "
    element.drop_tag()


def _is_break(node) -> bool:
    return isinstance(node.tag, str) and node.tag == "br"


# Containers whose <br><br> runs are paragraph breaks; inside headings, paragraphs, list items,
# inline elements and <pre> a <br> stays a line break.
_SPLITTABLE = {"td", "th", "div", "section", "article", "main", "body", "center", "blockquote",
               "dd", "aside"}


def _paragraphs_from_breaks(root) -> None:
    """Inside a container holding two <br> in a row, turn each run between them into a <p>."""
    for parent in [el for el in root.iter(*_SPLITTABLE) if _has_double_break(el)]:
        if not any(ancestor.tag == "pre" for ancestor in parent.iterancestors()):
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
    """Regroup parent's children into paragraphs at each <br>(whitespace)<br>; every piece of
    text, whitespace included, stays in order, so words never run together."""
    groups: list[list] = [[]]  # nodes and strings, in order
    if parent.text:
        groups[-1].append(parent.text)
        parent.text = None
    pending: list | None = None  # a lone <br> and the whitespace after it, not yet placed
    for child in list(parent):
        parent.remove(child)
        tail, child.tail = child.tail, None
        if _is_break(child):
            if pending is not None:
                groups.append([])  # the second <br> of a pair: a new paragraph
                pending = None
                if tail:
                    groups[-1].append(tail)
            elif tail and tail.strip():
                groups[-1].extend([child, tail])
            else:
                pending = [child, tail] if tail else [child]
            continue
        if pending is not None:
            groups[-1].extend(pending)
            pending = None
        if isinstance(child.tag, str) and child.tag in _BLOCKS:
            groups.extend([[child], []])
        else:
            groups[-1].append(child)
        if tail:
            groups[-1].append(tail)
    if pending is not None:
        groups[-1].extend(pending)
    for group in groups:
        _append_group(parent, group)


def _append_group(parent, group: list) -> None:
    if all(isinstance(node, str) and not node.strip() for node in group):
        return
    if len(group) == 1 and not isinstance(group[0], str) and group[0].tag in _BLOCKS:
        parent.append(group[0])
        return
    paragraph = lxml.html.Element("p")
    for node in group:
        if not isinstance(node, str):
            paragraph.append(node)
        elif len(paragraph):
            paragraph[-1].tail = (paragraph[-1].tail or "") + node
        else:
            paragraph.text = (paragraph.text or "") + node
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
