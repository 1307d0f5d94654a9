"""The article's reading structure and its canonical plain text.

Cleaned article HTML is turned into a flat list of blocks (paragraphs, headings, list items, …),
each a list of styled runs. The canonical text is the blocks' texts joined by single newlines,
and it is the coordinate system of every highlight: the reader builds its page from these same
blocks, one text block per `Block`, so character N of the canonical text is character N on screen.

Images are not text: a block names the pictures shown before it (`Block.images`, and the last
block also those after it, `Block.images_after`), so the same article with or without its images
has the same canonical text and no highlight moves. A picture refers to an image kept in the
archive by its asset name (`image_name` of where it came from).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace

import lxml.etree
import lxml.html

from .errors import CaptureError

BLOCK_SEPARATOR = "\n"

_WHITESPACE = re.compile(r"\s+")
# Invisible characters that would make a quote typed by the user fail to match what is shown,
# and noncharacters (U+FDD0–U+FDEF, U+FFFE/F) that Qt uses internally as block markers.
_INVISIBLE = dict.fromkeys([*map(ord, "\u00ad\u200b\ufeff\ufffe\uffff"),
                            *range(0xFDD0, 0xFDF0)])

_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "header", "footer", "aside", "nav", "address",
    "blockquote", "pre", "figure", "figcaption", "ul", "ol", "li", "dl", "dt", "dd", "table",
    "thead", "tbody", "tfoot", "tr", "caption", "hr", "details", "summary", "center",
    *_HEADINGS,
}
# <img> is a picture; <picture> and <source> are walked for theirs (an HTML parser that does
# not know <source> is empty nests the <img> inside it).
_SKIPPED_TAGS = {"script", "style", "template", "noscript", "svg", "video", "audio", "iframe",
                 "object", "embed", "canvas", "button", "input", "select", "textarea", "form",
                 "head", "title", "meta", "link"}
_BOLD_TAGS = {"b", "strong"}
_ITALIC_TAGS = {"i", "em", "cite", "dfn", "var"}
_CODE_TAGS = {"code", "kbd", "samp", "tt"}


@dataclass(frozen=True)
class Run:
    """A stretch of text with one style inside a block."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    href: str | None = None

    def same_style(self, other: Run) -> bool:
        return (self.bold, self.italic, self.code, self.href) == (
            other.bold, other.italic, other.code, other.href)


# How an image kept with an article is named: from its source address, so that extracting the
# same page again (re-extraction) names the same images.
ASSET_NAME = re.compile(r"^img-[0-9a-f]{12}$")


def image_name(src: str) -> str:
    """The asset name of the image that came from src (an address, or a path in a saved
    page's folder)."""
    return "img-" + hashlib.sha1(src.encode("utf-8", "surrogatepass")).hexdigest()[:12]


@dataclass(frozen=True)
class Picture:
    """An image shown between blocks; it is not part of the canonical text.

    name is its asset name (what the archive keeps it under); src where it came from, kept for
    reference only (the reader never loads it); alt the page's description of it.
    """

    name: str
    src: str = field(default="", compare=False)
    alt: str = ""


@dataclass(frozen=True)
class Block:
    """One line of the canonical text: a paragraph, heading, list item, quote line, …

    kind is one of paragraph, heading, list_item, quote, preformatted, caption, table_row;
    level is the heading level (1–6) or the list nesting depth (1 = top level). images are
    shown before the block's text; images_after, used only on the last block, after it.
    """

    kind: str
    runs: tuple[Run, ...]
    level: int = 0
    ordered: bool = False
    images: tuple[Picture, ...] = ()
    images_after: tuple[Picture, ...] = ()

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


def canonical_text(blocks: list[Block]) -> str:
    """Join the blocks' texts into the canonical plain text that highlights point into."""
    return BLOCK_SEPARATOR.join(block.text for block in blocks)


def block_starts(blocks: list[Block]) -> list[int]:
    """Offset in the canonical text at which each block begins."""
    starts, offset = [], 0
    for block in blocks:
        starts.append(offset)
        offset += len(block.text) + len(BLOCK_SEPARATOR)
    return starts


def pictures(blocks: list[Block]) -> list[Picture]:
    """Every picture of the blocks in reading order (a picture shown twice, twice)."""
    return [picture for block in blocks for picture in (*block.images, *block.images_after)]


# C0 controls but tab, newline and return, and the noncharacters U+FFFE and U+FFFF: HTML forbids
# them and lxml refuses them; lone surrogates: no encoding can store them.
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def storable(text: str) -> str:
    """text without the characters that nothing downstream can parse or store."""
    return _UNSTORABLE.sub("", text)


def blocks_from_html(html: str) -> list[Block]:
    """Parse cleaned article HTML into reading blocks."""
    html = storable(html)
    if not html.strip():
        return []
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (lxml.etree.ParserError, ValueError, AssertionError):  # '<html>', or a bare doctype
        raise CaptureError("the article's markup could not be read") from None
    builder = _BlockBuilder()
    builder.walk(root)
    builder.flush()
    builder.finish()
    return builder.blocks


# --- serialisation: blocks are stored with the article so the reader never re-derives them ---

def blocks_to_json(blocks: list[Block]) -> list[dict]:
    """A compact JSON-able form of blocks (defaults left out)."""
    out = []
    for block in blocks:
        item: dict = {"k": block.kind, "r": [_run_to_json(run) for run in block.runs]}
        if block.level:
            item["l"] = block.level
        if block.ordered:
            item["o"] = True
        if block.images:
            item["im"] = [_picture_to_json(picture) for picture in block.images]
        if block.images_after:
            item["ia"] = [_picture_to_json(picture) for picture in block.images_after]
        out.append(item)
    return out


def blocks_from_json(data: list[dict]) -> list[Block]:
    """Inverse of `blocks_to_json`."""
    return [
        Block(kind=item["k"], runs=tuple(_run_from_json(r) for r in item["r"]),
              level=item.get("l", 0), ordered=item.get("o", False),
              images=tuple(_picture_from_json(p) for p in item.get("im", ())),
              images_after=tuple(_picture_from_json(p) for p in item.get("ia", ())))
        for item in data
    ]


def _picture_to_json(picture: Picture) -> dict:
    out = {"n": picture.name}
    if picture.src:
        out["s"] = picture.src
    if picture.alt:
        out["a"] = picture.alt
    return out


def _picture_from_json(data: dict) -> Picture:
    return Picture(name=data["n"], src=data.get("s", ""), alt=data.get("a", ""))


def _run_to_json(run: Run) -> dict:
    out: dict = {"t": run.text}
    if run.bold:
        out["b"] = True
    if run.italic:
        out["i"] = True
    if run.code:
        out["c"] = True
    if run.href:
        out["h"] = run.href
    return out


def _run_from_json(data: dict) -> Run:
    return Run(text=data["t"], bold=data.get("b", False), italic=data.get("i", False),
               code=data.get("c", False), href=data.get("h"))


@dataclass
class _Style:
    bold: bool = False
    italic: bool = False
    code: bool = False
    href: str | None = None


@dataclass
class _BlockBuilder:
    blocks: list[Block] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)
    # context of the block being filled: kind, level, ordered
    context: list[tuple[str, int, bool]] = field(default_factory=lambda: [("paragraph", 0, False)])
    list_stack: list[bool] = field(default_factory=list)
    in_pre: int = 0
    # Pictures met before the text of the block being filled, and those met after some of it
    # (shown before the next block: an image never splits a line of the canonical text).
    pending: list[Picture] = field(default_factory=list)
    deferred: list[Picture] = field(default_factory=list)

    def walk(self, element, style: _Style | None = None) -> None:
        style = style or _Style()
        tag = element.tag if isinstance(element.tag, str) else ""
        tag = tag.lower()
        if tag == "img":
            self._picture(element)
            self._tail(element, style)
            return
        if tag in _SKIPPED_TAGS:
            self._tail(element, style)
            return
        if tag == "br":
            self.flush()
            self._tail(element, style)
            return
        is_block = tag in _BLOCK_TAGS
        if is_block:
            self.flush()
            self._enter(tag)
        elif tag in ("td", "th") and self.runs:
            last = self.runs[-1]
            self.runs[-1] = Run(last.text.rstrip(" "), last.bold, last.italic, last.code,
                                last.href)
            self.runs.append(Run("\t"))
        inner = _inner_style(tag, element, style)
        if element.text:
            self._add_text(element.text, inner)
        for child in element:
            self.walk(child, inner)
        if is_block:
            self.flush()
            self._leave(tag)
        self._tail(element, style)

    def _picture(self, element) -> None:
        src = (element.get("src") or "").strip()
        if not src or src.lower().startswith(("data:", "javascript:")):
            return
        name = src if ASSET_NAME.match(src) else image_name(src)
        picture = Picture(name, src, " ".join((element.get("alt") or "").split()))
        has_text = any(run.text.strip() for run in self.runs)
        (self.deferred if has_text else self.pending).append(picture)

    def finish(self) -> None:
        """Put pictures after the last text on the last block."""
        left = [*self.pending, *self.deferred]
        self.pending, self.deferred = [], []
        if left and self.blocks:
            last = self.blocks[-1]
            self.blocks[-1] = replace(last, images_after=(*last.images_after, *left))

    def _tail(self, element, style: _Style) -> None:
        if element.tail:
            self._add_text(element.tail, style)

    def _enter(self, tag: str) -> None:
        kind, level, ordered = self.context[-1]
        if tag in _HEADINGS:
            self.context.append(("heading", _HEADINGS[tag], False))
        elif tag in ("ul", "ol"):
            self.list_stack.append(tag == "ol")
            self.context.append((kind, level, ordered))
        elif tag == "li":
            ordered = self.list_stack[-1] if self.list_stack else False
            self.context.append(("list_item", max(1, len(self.list_stack)), ordered))
        elif tag == "blockquote":
            self.context.append(("quote", 0, False))
        elif tag == "pre":
            self.in_pre += 1
            self.context.append(("preformatted", 0, False))
        elif tag in ("figcaption", "caption"):
            self.context.append(("caption", 0, False))
        elif tag == "tr":
            self.context.append(("table_row", 0, False))
        else:
            self.context.append((kind, level, ordered))

    def _leave(self, tag: str) -> None:
        self.context.pop()
        if tag in ("ul", "ol") and self.list_stack:
            self.list_stack.pop()
        elif tag == "pre":
            self.in_pre -= 1

    def _add_text(self, text: str, style: _Style) -> None:
        text = text.translate(_INVISIBLE)
        if self.in_pre:
            # Qt would turn a paragraph separator into a block break: treat both as newlines.
            lines = text.replace("\u2029", "\n").replace("\u2028", "\n").split("\n")
            for i, line in enumerate(lines):
                if i:
                    self.flush()
                if line:
                    self._append(line.replace("\r", ""), style)
            return
        text = _WHITESPACE.sub(" ", text)
        if text.startswith(" ") and (not self.runs or self.runs[-1].text.endswith((" ", "\t"))):
            text = text[1:]
        if text:
            self._append(text, style)

    def _append(self, text: str, style: _Style) -> None:
        run = Run(text, style.bold, style.italic, style.code, style.href)
        if self.runs and self.runs[-1].same_style(run) and self.runs[-1].text != "\t":
            self.runs[-1] = Run(self.runs[-1].text + text, run.bold, run.italic, run.code,
                                run.href)
        else:
            self.runs.append(run)

    def flush(self) -> None:
        runs = _trim(self.runs) if not self.in_pre else [r for r in self.runs if r.text]
        self.runs = []
        if not runs:
            self.pending.extend(self.deferred)
            self.deferred = []
            return
        kind, level, ordered = self.context[-1]
        self.blocks.append(Block(kind=kind, runs=tuple(runs), level=level, ordered=ordered,
                                 images=tuple(self.pending)))
        self.pending, self.deferred = self.deferred, []


def _inner_style(tag: str, element, style: _Style) -> _Style:
    if tag in _BOLD_TAGS or tag in _HEADINGS:
        return _Style(True, style.italic, style.code, style.href)
    if tag in _ITALIC_TAGS:
        return _Style(style.bold, True, style.code, style.href)
    if tag in _CODE_TAGS:
        return _Style(style.bold, style.italic, True, style.href)
    if tag == "a" and element.get("href"):
        return _Style(style.bold, style.italic, style.code, element.get("href"))
    return style


def _trim(runs: list[Run]) -> list[Run]:
    """Strip whitespace (and stray cell separators) from both ends of a block."""
    runs = list(runs)
    while runs and not runs[0].text.strip():
        runs.pop(0)
    while runs and not runs[-1].text.strip():
        runs.pop()
    if not runs:
        return []
    first, last = runs[0], runs[-1]
    runs[0] = Run(first.text.lstrip(), first.bold, first.italic, first.code, first.href)
    last = runs[-1]
    runs[-1] = Run(last.text.rstrip(), last.bold, last.italic, last.code, last.href)
    return [run for run in runs if run.text]
