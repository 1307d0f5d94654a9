"""The reader: an article laid out for reading, with its highlights painted in theme colours.

The page is built block by block from the article's stored structure (`core.document`), so the
body's characters are exactly the canonical text. Offsets count code points (as the W3C
TextPositionSelector does) while Qt counts UTF-16 units, so `_PositionMap` converts between
them: they differ only after characters outside the Basic Multilingual Plane, such as emoji.
The view loads nothing by itself; a link opens in the system browser only when clicked, and
only for http(s).

Images come from the archive alone, through a loader the window hands over
(`set_image_loader`); one that was not saved shows as a grey placeholder. Reading and decoding
an article's photographs takes ~9 ms each, so it happens on a thread of the reader's own
(`_ImageWorker`) while the page is shown at once with a light box of each image's stored size
in its place; each image replaces its box as it arrives, and nothing below it moves.

Each image stands in a paragraph of its own between the text blocks, where Qt puts an
object-replacement character (U+FFFC) and a paragraph break for it. Those two positions per
image are not in the canonical text, so `_PositionMap` skips them: highlights, selections and
scrolling stay on the same characters as without images, and `body_text()` is still the
canonical text.

Highlights may overlap and nest, and each may have several themes. Each stretch of text is
filled once: in its highlight's first theme colour, or a neutral tint where highlights overlap.
Every theme of every highlight then gets its own bar in its colour, stacked under the lines of
text and repeated as a stripe in the left margin (as coding stripes in QDA programs), so no
theme hides another. The title and byline above the body are not part of the canonical text
and cannot be coded.
"""

from __future__ import annotations

import queue
import threading
import weakref
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from PySide6.QtCore import (
    QEvent,
    QMimeData,
    QObject,
    QPoint,
    QPointF,
    QRectF,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QFont,
    QFontMetrics,
    QIcon,
    QImage,
    QPainter,
    QPen,
    QPixmap,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
    QTextImageFormat,
    QTextLength,
    QTextListFormat,
)
from PySide6.QtWidgets import QApplication, QMenu, QTextBrowser, QTextEdit, QToolTip

from ..core.codebook import depth_first, depths, number_keys
from ..core.document import Block, Picture, Run
from ..core.models import Article, Highlight, Theme
from .formatting import human_date
from .highlight_marks import bar_pitch, clusters, excerpt, segments, snap_to_words, stack_rows

READING_WIDTH = 700  # pixels of text column: about 70 characters a line
BODY_FONTS = ["Charter", "Georgia", "Source Serif Pro", "Noto Serif", "DejaVu Serif", "serif"]
UI_FONTS = ["Inter", "Segoe UI", "Helvetica Neue", "Noto Sans", "DejaVu Sans", "sans-serif"]
BODY_POINT_SIZE = 13
HIGHLIGHT_ALPHA = 150  # fill of a passage only one highlight covers
ACTIVE_ALPHA = 255  # fill of the highlight open in the side panel
OVERLAP_TINT = QColor(70, 70, 100, 60)  # fill where highlights overlap: the bars say which
ACTIVE_FRAME = QColor(32, 33, 36, 150)  # drawn round the open highlight's text and stripes
UNCODED_COLOR = "#C8C8C8"
BAR_ROOM = 10  # pixels under a line of text for its bars (the next line's text is 11 below)
BAR_WIDEST = 4  # a bar is 3 px thick with a 1 px gap, thinner when many must stack
STRIPE_PITCH = 6  # margin stripes: 4 px wide, 2 px apart
STRIPE_GAP = 12  # between the innermost stripe and the text
HEADER_ONLY = ("The title and byline are not part of the article's text and cannot be coded. "
               "Select a passage in the article below them.")
HEADER_CLIPPED = ("The title and byline are not part of the article's text: the selection "
                  "now starts where the article does.")
NO_TEXT = "The selection holds only spaces: select some words to code them."
IMAGE_BLOCK = QTextFormat.Property.UserProperty + 1  # marks a paragraph holding one image
PLACEHOLDER = QTextFormat.Property.UserProperty + 2  # marks an image standing for a missing one
# Marks a paragraph of the page that continues the one before: the same paragraph of the
# article, shown in pieces. Qt lays out a paragraph in one go, in time that grows with the
# square of its length (a 2 MB word froze the window for four minutes); in pieces, each
# short, the page lays out only what is on screen.
CONTINUED = QTextFormat.Property.UserProperty + 3
PIECE_CHARS = 2000  # a paragraph longer than this is shown in pieces of at most this length
IMAGE_SCHEME = "gleaner-image"  # the document's name for an image kept in the archive
PLACEHOLDER_SIZE = (READING_WIDTH, 110)
PLACEHOLDER_FILL = QColor("#ECEEF1")
PLACEHOLDER_EDGE = QColor("#B9BEC5")
PLACEHOLDER_TEXT = QColor("#4D5156")
NOT_SAVED = "Image not saved"
LOADING_FILL = QColor("#F3F4F6")  # an image's box while it is read and decoded
LOADING_SIZE = (READING_WIDTH, 394)  # 16:9, for an image whose size the archive does not know


class _ImageWorker(QObject):
    """Reads and decodes the open article's images on a thread of its own, newest request
    first; results come back to the main thread through `loaded` (a queued signal).

    Not the window's background helper: loading images is no work the user waits for or
    cancels, and must never show the busy bar. Requests for an article no longer open are
    dropped unread.
    """

    loaded = Signal(object, str, QImage)  # article key, asset name, image (null: not saved)

    def __init__(self) -> None:
        super().__init__()
        self._jobs: queue.Queue = queue.Queue()
        self.current = None  # the key of the article whose images are wanted
        self._thread: threading.Thread | None = None

    def request(self, key, names: list[str], loader: Callable[[str], bytes | None],
                pixels: int, ratio: float) -> None:
        """Load these images of the article `key` (dropping what earlier articles asked)."""
        self.current = key
        for name in names:
            self._jobs.put((key, name, loader, pixels, ratio))
        if self._thread is None:
            # The thread holds the worker weakly and nothing between jobs: a window or reader
            # kept alive by a sleeping thread would be destroyed after Qt at exit (a crash).
            self._thread = threading.Thread(target=_load_images,
                                            args=(weakref.ref(self), self._jobs),
                                            name="gleaner-reader-images", daemon=True)
            self._thread.start()


def _load_images(worker_ref, jobs: queue.Queue) -> None:
    """The image thread: read and decode each job still wanted, and hand the image over."""
    while True:
        job = jobs.get()
        worker = worker_ref()
        if worker is None:
            return
        key, name, loader, pixels, ratio = job
        del job
        if key == worker.current:
            try:
                data = loader(name)
            except Exception:  # noqa: BLE001 - an image that cannot be read is not shown
                data = None
            if key == worker.current:
                image = decode_image(data, pixels, ratio)
                try:
                    worker.loaded.emit(key, name, image)
                except RuntimeError:  # the reader is gone (the program is closing)
                    return
        del worker, loader, key, name


def decode_image(data: bytes | None, pixels: int, ratio: float) -> QImage:
    """An image's bytes decoded and, if wider than `pixels` device pixels, scaled smoothly to
    that width once (Qt's own scaling of an image in text is coarse; it also halves the memory
    of a large photograph). A null image if the bytes are no image."""
    image = QImage()
    if data:
        image.loadFromData(data)
    if image.width() > pixels:
        image = image.scaledToWidth(pixels, Qt.TransformationMode.SmoothTransformation)
        image.setDevicePixelRatio(ratio)
    return image


class _PositionMap:
    """Canonical offsets (code points) ↔ document positions (UTF-16 units) of the body.

    inserts are (offset, count): `count` document positions that stand just before canonical
    offset `offset` but hold none of its text (the paragraphs of the images shown before a
    block: an object-replacement character and a paragraph break each; the paragraph break
    where a long paragraph is cut into pieces: one).
    """

    def __init__(self, text: str = "", body_start: int = 0,
                 inserts: list[tuple[int, int]] | None = None) -> None:
        self.body_start = body_start
        self.length = len(text)
        astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF]
        # UTF-16 index of each astral character: it is preceded by i earlier astral ones.
        self.astral = astral
        self.astral_units = [offset + i for i, offset in enumerate(astral)]
        merged: dict[int, int] = {}
        for offset, count in inserts or []:
            merged[offset] = merged.get(offset, 0) + count
        self.insert_offsets = sorted(merged)
        # Per insert, in UTF-16 units from body_start: where it stands in the text, and the
        # document range it takes up (after the inserts before it).
        self.insert_units = [self._units(offset) for offset in self.insert_offsets]
        self.insert_starts: list[int] = []
        self.insert_ends: list[int] = []
        self.inserted = [0]  # positions inserted before insert k (and, last, in all)
        for offset, units in zip(self.insert_offsets, self.insert_units, strict=True):
            self.insert_starts.append(units + self.inserted[-1])
            self.inserted.append(self.inserted[-1] + merged[offset])
            self.insert_ends.append(units + self.inserted[-1])

    def _units(self, offset: int) -> int:
        return offset + bisect_left(self.astral, offset)

    def position(self, offset: int, before_images: bool = False) -> int:
        """The document position of a canonical offset: after the images standing there
        (where its text starts), or before them (where the previous text ends)."""
        find = bisect_left if before_images else bisect_right
        return self.body_start + self._units(offset) + \
            self.inserted[find(self.insert_offsets, offset)]

    def offset(self, position: int) -> int:
        """The canonical offset of a document position; in an image's paragraph, the offset
        of the text that follows the image."""
        units = position - self.body_start
        index = bisect_right(self.insert_ends, units)  # inserts wholly before the position
        if index < len(self.insert_starts) and units >= self.insert_starts[index]:
            units = self.insert_units[index]
        else:
            units -= self.inserted[index]
        # Astral characters whose two units end at or before this position.
        before = bisect_left(self.astral_units, units - 1)
        return min(units - before, self.length)

    def in_image(self, position: int) -> bool:
        """Whether a document position lies in an image's paragraph rather than in text."""
        units = position - self.body_start
        index = bisect_right(self.insert_ends, units)
        return index < len(self.insert_starts) and units >= self.insert_starts[index]

    def spans(self, start: int, end: int) -> list[tuple[int, int]]:
        """The document ranges that hold canonical start..end, without the images between."""
        out, at = [], start
        for offset in self.insert_offsets[bisect_right(self.insert_offsets, start):]:
            if offset >= end:
                break
            out.append((self.position(at), self.position(offset, before_images=True)))
            at = offset
        out.append((self.position(at), self.position(end, before_images=True)))
        return [(a, b) for a, b in out if b > a]


@dataclass(frozen=True)
class _Mark:
    """One coloured bar of one theme of a highlight, in document coordinates."""

    rect: QRectF
    color: QColor
    highlight_id: int
    kind: str  # "bar" under a line of text, "stripe" in the margin, "frame" round the active


class ReaderView(QTextBrowser):
    """Shows one article and its highlights.

    Signals: highlightClicked(id or None) when a highlight is clicked (None: plain text);
    codeRequested(theme_id) from the context menu; selectionNotice(message) when a selection
    made with the mouse reaches into the title and byline (which cannot be coded), as a line
    for the status bar.
    """

    highlightClicked = Signal(object)
    codeRequested = Signal(int)
    selectionNotice = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("reader")
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setFrameShape(QTextBrowser.Shape.NoFrame)
        # Keyboard users select with Shift+arrows too (a caret appears when focused).
        self.setTextInteractionFlags(self.textInteractionFlags()
                                     | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.anchorClicked.connect(open_external_link)
        self.article: Article | None = None
        self.body_start = 0
        self.positions = _PositionMap()
        self.highlights: list[Highlight] = []
        self.themes: dict[int, Theme] = {}
        self.active_highlight: int | None = None
        self.overlap_menu: QMenu | None = None  # the last "which highlight?" menu shown
        self._placed: list[Highlight] = []  # the highlights painted (not orphaned)
        self._marks: list[_Mark] | None = None  # worked out again after layout changes
        self._press: tuple[QPointF, Qt.KeyboardModifier] | None = None
        self._dragged = False
        self._page: QTextDocument | None = None  # the page we built (Qt owns the first one)
        self._pieced = False  # whether a paragraph of the open article is shown in pieces
        self._image_loader: Callable[[str], bytes | None] | None = None
        self._image_sizes: Callable[[int], dict[str, tuple[int, int]]] | None = None
        self._images: dict[str, QImage] = {}  # the open article's images, by asset name
        self._images_of: tuple[int, str] | None = None  # the article _images belong to
        self._pictures: dict[str, Picture] = {}  # the open article's pictures, by name
        self._waiting: set[str] = set()  # images being read and decoded
        self._image_worker = _ImageWorker()
        self._image_worker.loaded.connect(self._image_loaded)

    # --- loading -------------------------------------------------------------------------

    def loadResource(self, kind, name):  # noqa: N802 (Qt's name)
        """Never fetch anything: no images, style sheets or files from disk or network (the
        article's own images are handed to the page before it is laid out)."""
        return None

    def set_image_loader(self, loader: Callable[[str], bytes | None] | None,
                         sizes: Callable[[int], dict[str, tuple[int, int]]] | None = None
                         ) -> None:
        """Where the open article's images come from: loader(asset name) gives the bytes kept
        in the archive, or None when the image was not saved (it is called on the reader's
        image thread); sizes(article id) gives {name: (width, height)} of the images kept, so
        the page is laid out before they are decoded (without it every picture is tried)."""
        self._image_loader = loader
        self._image_sizes = sizes
        self._images, self._images_of = {}, None

    def loading_images(self) -> int:
        """How many of the open article's images are still being read and decoded."""
        return len(self._waiting)

    def image_names(self) -> list[str]:
        """The asset names of the images on the page, in reading order (placeholders too)."""
        return [name for name, _shown in self._image_slots()]

    def shown_images(self) -> dict[str, bool]:
        """Each image on the page by asset name: True if shown, False if a placeholder."""
        return dict(self._image_slots())

    def _image_slots(self) -> list[tuple[str, bool]]:
        slots = []
        block = self.document().begin()
        while block.isValid():
            if block.blockFormat().hasProperty(IMAGE_BLOCK):
                for fragment in (item.fragment() for item in block):
                    image_format = fragment.charFormat().toImageFormat()
                    name = image_format.name().removeprefix(f"{IMAGE_SCHEME}:")
                    name = name.removesuffix("#not-saved")
                    slots.append((name, not image_format.hasProperty(PLACEHOLDER)))
            block = block.next()
        return slots

    def _image_for(self, picture: Picture, sizes: dict[str, tuple[int, int]] | None
                   ) -> tuple[QImage, str]:
        """What stands for the picture now, and whether it is "shown", "loading" (a box of
        its size until the thread has decoded it) or "missing" (the grey placeholder)."""
        image = self._images.get(picture.name)
        if image is not None:
            return (image, "shown") if not image.isNull() else (_placeholder(picture.alt),
                                                                 "missing")
        if self._image_loader is None or (sizes is not None and picture.name not in sizes):
            return _placeholder(picture.alt), "missing"
        self._waiting.add(picture.name)
        width, height = (sizes or {}).get(picture.name) or LOADING_SIZE
        return _loading_box(width, height), "loading"

    def _image_loaded(self, key, name: str, image: QImage) -> None:
        """An image arrived from the thread: it takes its box's place (same size, so nothing
        below moves), or the grey placeholder if it could not be read."""
        if key != self._images_of or name not in self._waiting:
            return
        self._waiting.discard(name)
        self._images[name] = image
        picture = self._pictures.get(name)
        if picture is None:
            return
        saved = not image.isNull()
        self._place_image(picture, image if saved else _placeholder(picture.alt), saved)

    def _place_image(self, picture: Picture, image: QImage, saved: bool) -> None:
        document = self.document()
        shown = self._image_format(document, picture, image, "shown" if saved else "missing")
        old_names = {f"{IMAGE_SCHEME}:{picture.name}",
                     f"{IMAGE_SCHEME}:{picture.name}#not-saved"}
        block = document.begin()
        while block.isValid():
            if block.blockFormat().hasProperty(IMAGE_BLOCK):
                for fragment in (item.fragment() for item in block):
                    if fragment.charFormat().toImageFormat().name() in old_names:
                        cursor = QTextCursor(document)
                        cursor.setPosition(fragment.position())
                        cursor.setPosition(fragment.position() + fragment.length(),
                                           QTextCursor.MoveMode.KeepAnchor)
                        cursor.setCharFormat(shown)
            block = block.next()

    def show_article(self, article: Article, highlights: list[Highlight],
                     themes: list[Theme]) -> None:
        """Lay out the article and paint its highlights."""
        if self._images_of != (article.id, article.guid):  # guid: another archive's #1
            self._images, self._images_of = {}, (article.id, article.guid)
        self.article = article
        self._pictures = {p.name: p for b in article.blocks for p in (*b.images,
                                                                      *b.images_after)}
        self._waiting = set()
        self._image_worker.current = self._images_of  # what earlier articles asked is dropped
        sizes = self._image_sizes(article.id) if (
            self._image_sizes is not None and self._pictures) else None
        self.active_highlight = None
        if self.overlap_menu is not None:
            self.overlap_menu.close()  # it offered the previous article's highlights
        document = QTextDocument(self)
        document.setUndoRedoEnabled(False)  # read-only; images are resized in place
        document.setDocumentMargin(32)
        document.setDefaultFont(_font(BODY_FONTS, BODY_POINT_SIZE))
        cursor = QTextCursor(document)
        # One edit: inserted one by one, each formatted run cost time growing with the runs
        # before it in its paragraph (100,000 bold words in one paragraph took half an hour).
        cursor.beginEditBlock()
        _write_header(cursor, article)
        cursor.insertBlock(_paragraph_format(), QTextCharFormat())
        self.body_start = cursor.position()
        inserts, breaks = _write_body(cursor, article.blocks, lambda picture: self._image_format(
            document, picture, *self._image_for(picture, sizes)))
        cursor.endEditBlock()
        self._pieced = bool(breaks)
        inserts += breaks
        self.positions = _PositionMap(article.text, self.body_start, inserts)
        self.setDocument(document)
        if self._page is not None:
            self._page.deleteLater()  # one article's page in memory, however many are opened
        self._page = document
        # Lines move when the layout changes (wider window, fonts): place the bars again.
        document.documentLayout().documentSizeChanged.connect(self._forget_marks)
        self._fit_column()
        self.set_highlights(highlights, themes)
        self.verticalScrollBar().setValue(0)
        if self._waiting:
            self._image_worker.request(
                self._images_of, sorted(self._waiting, key=list(self._pictures).index),
                self._image_loader, round(READING_WIDTH * self.devicePixelRatioF()),
                self.devicePixelRatioF())

    def _image_format(self, document: QTextDocument, picture: Picture, image: QImage,
                      state: str) -> QTextImageFormat:
        """An image of the article (or what stands for it) as the page shows it: at most as
        wide as the column, with its description as tooltip."""
        name = f"{IMAGE_SCHEME}:{picture.name}" + ("#not-saved" if state == "missing" else "")
        document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
        image_format = QTextImageFormat()
        image_format.setName(name)
        # Never wider than the column (a percentage would count the side margins in).
        image_format.setMaximumWidth(QTextLength(QTextLength.Type.FixedLength,
                                                 self._column_width()))
        if state == "missing":
            image_format.setProperty(PLACEHOLDER, True)
        tip = picture.alt if state != "missing" else f"{NOT_SAVED} with the article" + (
            f": {picture.alt}" if picture.alt else "")
        if tip:
            image_format.setToolTip(tip)
        return image_format

    def body_text(self) -> str:
        """The body's text as displayed, images left out; equals the canonical text."""
        parts: list[list[str]] = []
        block = self.document().findBlock(self.body_start)
        while block.isValid():
            block_format = block.blockFormat()
            if block_format.hasProperty(CONTINUED) and parts:
                parts[-1].append(block.text())
            elif not block_format.hasProperty(IMAGE_BLOCK):
                parts.append([block.text()])
            block = block.next()
        return "\n".join("".join(pieces) for pieces in parts)

    # --- highlights ----------------------------------------------------------------------

    def set_highlights(self, highlights: list[Highlight], themes: list[Theme],
                       active: int | None = None) -> None:
        """Paint the highlights (orphaned ones have no text here) and mark the active one.

        Each stretch of text is filled once: in its highlight's first theme colour, in a
        neutral tint where highlights overlap, and strongly where the active highlight is
        alone. Bars in every theme's colour, and a frame round the active highlight, are drawn
        by paintEvent."""
        self.highlights = list(highlights)
        self.themes = {theme.id: theme for theme in themes}
        self.active_highlight = active
        self._placed = [h for h in self.highlights if not h.orphaned and h.end > h.start]
        self.setExtraSelections(self._fills())
        self._forget_marks()

    def _fills(self) -> list[QTextEdit.ExtraSelection]:
        by_id = {h.id: h for h in self._placed}
        selections = []
        for start, end, ids in segments((h.id, h.start, h.end) for h in self._placed):
            if len(ids) == 1:
                fill = QColor(self.colours(by_id[ids[0]])[0])
                fill.setAlpha(ACTIVE_ALPHA if ids[0] == self.active_highlight
                              else HIGHLIGHT_ALPHA)
            else:
                # Even for the active highlight: a strong fill would hide the ones inside it
                # (a frame drawn round it shows it is the open one).
                fill = QColor(OVERLAP_TINT)
            char_format = QTextCharFormat()
            char_format.setBackground(fill)
            for first, last in self.positions.spans(start, end):  # not over the images
                selection = QTextEdit.ExtraSelection()
                selection.cursor = self._document_cursor(first, last)
                selection.format = char_format
                selections.append(selection)
        return selections

    def colours(self, highlight: Highlight) -> list[QColor]:
        """One colour per theme of the highlight, in its order (grey if it has none left)."""
        return [QColor(self.themes[t].color) for t in highlight.theme_ids
                if t in self.themes] or [QColor(UNCODED_COLOR)]

    def painted_ranges(self) -> list[tuple[int, int, str]]:
        """(start, end, colour of its first theme) of every highlight painted, in canonical
        offsets: the colour of its fill where no other highlight covers it, and of its first
        bar."""
        return [(h.start, h.end, self.colours(h)[0].name().upper()) for h in self._placed]

    def painted_bars(self) -> list[tuple[int, str, bool]]:
        """(highlight id, colour, in the margin) of every bar drawn, as tests see them."""
        return [(m.highlight_id, m.color.name().upper(), m.kind == "stripe")
                for m in self._mark_list() if m.kind != "frame"]

    def highlights_at(self, offset: int) -> list[Highlight]:
        """The painted highlights covering offset, outermost first."""
        covering = [h for h in self._placed if h.start <= offset < h.end]
        return sorted(covering, key=lambda h: (h.start, -h.end, h.id))

    def highlight_at(self, offset: int) -> Highlight | None:
        """The shortest highlight covering offset (the innermost when they overlap)."""
        covering = self.highlights_at(offset)
        return min(covering, key=lambda h: h.end - h.start) if covering else None

    # --- selection -----------------------------------------------------------------------

    def selection_range(self) -> tuple[int, int] | None:
        """The selected part of the body as canonical offsets, or None.

        A selection reaching up into the title and byline is cut where the body starts."""
        cursor = self.textCursor()
        if not self.article or not cursor.hasSelection():
            return None
        start = self.positions.offset(max(cursor.selectionStart(), self.body_start))
        end = self.positions.offset(max(cursor.selectionEnd(), self.body_start))
        if end <= start or not self.article.text[start:end].strip():
            return None
        return start, end

    def selection_problem(self) -> str | None:
        """Why the selection cannot be coded, in a sentence for the status bar; None when it
        can be, or when nothing is selected."""
        cursor = self.textCursor()
        if not self.article or not cursor.hasSelection() or self.selection_range():
            return None
        return HEADER_ONLY if cursor.selectionEnd() <= self.body_start else NO_TEXT

    def createMimeDataFromSelection(self) -> QMimeData:  # noqa: N802 (Qt's name)
        """Copied text without the images' object-replacement characters: the selected
        part of the body is copied as its canonical text (what a highlight would quote)."""
        data = super().createMimeDataFromSelection()
        if "\ufffc" not in data.text() and not self._pieced:
            return data
        # The object Qt made is changed and handed back: a QMimeData made here in Python was
        # freed by Python while the clipboard still held it (a crash when the program ends).
        text = data.text().replace("\ufffc", "")
        span = self.selection_range()
        if span is not None and self.textCursor().selectionStart() >= self.body_start:
            text = self.article.text[span[0]:span[1]]
        data.removeFormat("text/html")  # it would name images only this reader can show
        data.setText(text)
        return data

    def select_range(self, start: int, end: int) -> None:
        """Select canonical offsets start..end and scroll them into view."""
        self.setTextCursor(self._cursor_for(start, end))
        self.ensureCursorVisible()

    def clear_selection(self) -> None:
        cursor = self.textCursor()
        cursor.clearSelection()
        self.setTextCursor(cursor)

    def scroll_to(self, offset: int) -> None:
        cursor = self._cursor_for(offset, offset)
        self.setTextCursor(cursor)
        self.ensureCursorVisible()

    def _cursor_for(self, start: int, end: int) -> QTextCursor:
        """A cursor over canonical start..end (images inside it included, not those just
        before start or just after end)."""
        before_images = end > start  # an empty range stands where the text starts
        return self._document_cursor(self.positions.position(start),
                                     self.positions.position(end, before_images))

    def _document_cursor(self, first: int, last: int) -> QTextCursor:
        cursor = QTextCursor(self.document())
        end = self.document().characterCount() - 1
        cursor.setPosition(min(first, end))
        cursor.setPosition(min(last, end), QTextCursor.MoveMode.KeepAnchor)
        return cursor

    def _tidy_selection(self, snap: bool) -> None:
        """After a mouse selection: leave out the header (saying so) and, when `snap`, widen
        the selection to whole words."""
        cursor = self.textCursor()
        if cursor.selectionEnd() <= self.body_start:
            self.selectionNotice.emit(HEADER_ONLY)
            return
        clipped = cursor.selectionStart() < self.body_start
        span = self.selection_range()
        if span is None:
            return
        if snap:
            span = snap_to_words(self.article.text, *span)
        backwards = cursor.position() < cursor.anchor()
        tidy = self._cursor_for(*(reversed(span) if backwards else span))
        if (tidy.anchor(), tidy.position()) != (cursor.anchor(), cursor.position()):
            self.setTextCursor(tidy)
        if clipped:
            self.selectionNotice.emit(HEADER_CLIPPED)

    # --- bars under the text and in the margin -------------------------------------------

    def _forget_marks(self, *_args) -> None:
        self._marks = None
        self.viewport().update()

    def _mark_list(self) -> list[_Mark]:
        if self._marks is None:
            self._marks = self._layout_marks()
        return self._marks

    def _layout_marks(self) -> list[_Mark]:
        """Every bar of every theme of every painted highlight, placed on the current lines."""
        placed = self._placed
        colours = {h.id: self.colours(h) for h in placed}
        rows = stack_rows((h.id, h.start, h.end, len(colours[h.id])) for h in placed)
        depth = {}  # rows that each overlapping group of highlights stacks
        for group in clusters((h.id, h.start, h.end) for h in placed):
            needed = max(rows[i] + len(colours[i]) for i in group)
            depth.update(dict.fromkeys(group, needed))
        fragments = {h.id: self._line_fragments(h.start, h.end) for h in placed}
        marks = []
        for highlight in placed:
            for text_rect, room in fragments[highlight.id]:
                pitch = bar_pitch(depth[highlight.id], min(room, BAR_ROOM), BAR_WIDEST)
                thickness = pitch - 1 if pitch >= 3 else pitch
                for row, colour in enumerate(colours[highlight.id], start=rows[highlight.id]):
                    top = text_rect.bottom() + 1 + row * pitch
                    rect = QRectF(text_rect.left(), top, text_rect.width(), thickness)
                    marks.append(_Mark(rect, colour, highlight.id, "bar"))
        frames = [_Mark(rect.adjusted(-1, -1, 1, 0), ACTIVE_FRAME, self.active_highlight, "frame")
                  for rect, _room in fragments.get(self.active_highlight, [])]
        return marks + self._stripes(colours, fragments) + frames

    def _stripes(self, colours: dict[int, list[QColor]],
                 fragments: dict[int, list[tuple[QRectF, float]]]) -> list[_Mark]:
        """Margin stripes: one column per theme; highlights whose lines share height take
        different columns."""
        extents = {i: (parts[0][0].top(), parts[-1][0].bottom())
                   for i, parts in fragments.items() if parts}
        lanes = stack_rows((i, top, bottom, len(colours[i]))
                           for i, (top, bottom) in extents.items())
        if not lanes:
            return []
        columns = max(lanes[i] + len(colours[i]) for i in lanes)
        text_left = self.document().rootFrame().frameFormat().leftMargin()
        pitch = min(STRIPE_PITCH, max(1.0, (text_left - STRIPE_GAP - 2) / columns))
        width = max(1.0, pitch * 2 / 3)
        stripes = []
        for ident, (top, bottom) in extents.items():
            for lane, colour in enumerate(colours[ident], start=lanes[ident]):
                left = text_left - STRIPE_GAP - (lane + 1) * pitch
                stripes.append(_Mark(QRectF(left, top, width, bottom - top), colour, ident,
                                     "stripe"))
        return stripes

    def _line_fragments(self, start: int, end: int) -> list[tuple[QRectF, float]]:
        """The text of start..end line by line: (rectangle of the text, room under it)."""
        document = self.document()
        layout = document.documentLayout()
        first = self.positions.position(start)
        last = self.positions.position(end, before_images=True)
        fragments = []
        block = document.findBlock(first)
        while block.isValid() and block.position() < last:
            if block.blockFormat().hasProperty(IMAGE_BLOCK):
                block = block.next()  # no bars under an image
                continue
            layout.blockBoundingRect(block)  # lays the block out if it is not yet
            text_layout = block.layout()
            origin = text_layout.position()
            for index in range(text_layout.lineCount()):
                line = text_layout.lineAt(index)
                line_start = block.position() + line.textStart()
                line_end = line_start + line.textLength()
                a, b = max(first, line_start), min(last, line_end)
                while b == line_end and b > a and document.characterAt(b - 1).isspace():
                    b -= 1  # the space a line breaks at is not drawn filled: no bar under it
                    line_end -= 1
                if a >= b:
                    continue
                x1 = _x_of(line, a - block.position())
                x2 = _x_of(line, b - block.position())
                top = origin.y() + line.y()
                rect = QRectF(origin.x() + min(x1, x2), top, abs(x2 - x1), line.height())
                fragments.append((rect, self._room_under(block, index, rect.bottom())))
            block = block.next()
        return fragments

    def _room_under(self, block, index: int, bottom: float) -> float:
        """Pixels between a line's text and the next line (or the next block)."""
        text_layout = block.layout()
        if index + 1 < text_layout.lineCount():
            return text_layout.position().y() + text_layout.lineAt(index + 1).y() - bottom
        following = block.next()
        if not following.isValid():
            return BAR_ROOM
        self.document().documentLayout().blockBoundingRect(following)
        return following.layout().position().y() - bottom

    def _mark_at(self, point: QPointF) -> int | None:
        """The highlight whose bar or stripe is under a viewport point (a pixel of slack)."""
        spot = QPointF(point.x() + self.horizontalScrollBar().value(),
                       point.y() + self.verticalScrollBar().value())
        for mark in self._mark_list():
            if mark.kind != "frame" and mark.rect.adjusted(-1, -1, 1, 1).contains(spot):
                return mark.highlight_id
        return None

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().paintEvent(event)
        marks = self._mark_list()
        if not marks:
            return
        dx, dy = self.horizontalScrollBar().value(), self.verticalScrollBar().value()
        visible = QRectF(event.rect()).translated(dx, dy)
        painter = QPainter(self.viewport())
        painter.translate(-dx, -dy)
        for mark in marks:
            if not mark.rect.intersects(visible):
                continue
            if mark.kind == "frame":
                painter.setPen(mark.color)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(mark.rect.adjusted(0.5, 0.5, -0.5, -0.5))
                continue
            painter.fillRect(mark.rect, mark.color)
            if mark.kind == "stripe" and mark.highlight_id == self.active_highlight:
                # The open highlight's stripes are framed, to find it in a crowded margin.
                painter.setPen(ACTIVE_FRAME)
                painter.drawRect(mark.rect.adjusted(-0.5, -0.5, 0.5, 0.5))
        painter.end()

    # --- events --------------------------------------------------------------------------

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = (event.position(), event.modifiers())
            self._dragged = False
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if (self._press is not None and event.buttons() & Qt.MouseButton.LeftButton
                and (event.position() - self._press[0]).manhattanLength()
                >= QApplication.startDragDistance()):
            self._dragged = True
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().mouseReleaseEvent(event)
        if event.button() != Qt.MouseButton.LeftButton:
            return
        press, self._press = self._press, None
        if self.textCursor().hasSelection():
            # Alt, held when pressing or releasing, keeps the exact characters dragged over.
            held = event.modifiers() | (press[1] if press else Qt.KeyboardModifier.NoModifier)
            self._tidy_selection(snap=self._dragged
                                 and not held & Qt.KeyboardModifier.AltModifier)
            return
        self._click(event.position(), event.globalPosition().toPoint())

    def _click(self, point: QPointF, global_point: QPoint) -> None:
        """A click opens the highlight there; where several overlap, it opens the innermost
        and offers the others in a small menu."""
        marked = self._mark_at(point)
        if marked is not None:
            self.highlightClicked.emit(marked)
            return
        offset = self.offset_at(point)
        covering = self.highlights_at(offset) if offset is not None else []
        inner = self.highlight_at(offset) if covering else None
        self.highlightClicked.emit(inner.id if inner else None)
        if len(covering) > 1:
            self._offer_choice(covering, inner.id, global_point)

    def _offer_choice(self, covering: list[Highlight], current: int, where: QPoint) -> None:
        """A menu of the highlights under the click (quote and themes); picking one opens it.
        It does not block: clicking elsewhere closes it and the innermost stays open."""
        if self.overlap_menu is not None:
            self.overlap_menu.deleteLater()
        menu = QMenu(self)
        menu.setObjectName("overlapChooser")
        menu.setToolTipsVisible(True)
        heading = menu.addAction(f"{len(covering)} highlights overlap here")
        heading.setEnabled(False)
        for highlight in covering:
            names = ", ".join(self.theme_label(t) for t in highlight.theme_ids
                              if t in self.themes) or "no theme"
            action = menu.addAction(
                _colour_icon(self.colours(highlight)),
                _menu_text(f"“{excerpt(highlight.exact, 44)}”  —  {names}"))
            action.setData(highlight.id)
            action.setCheckable(True)
            action.setChecked(highlight.id == current)
            action.setToolTip(excerpt(highlight.exact, 300))
            action.triggered.connect(
                lambda _=False, h=highlight.id: self.highlightClicked.emit(h))
        self.overlap_menu = menu
        menu.popup(where)

    def theme_label(self, theme_id: int) -> str:
        """A theme's name with the number key that applies it, as "2 Security"."""
        key = {t: k for k, t in number_keys(self.themes.values()).items()}.get(theme_id)
        name = self.themes[theme_id].name
        return f"{key} {name}" if key else name

    def offset_at(self, point: QPointF) -> int | None:
        """Canonical offset of the character under a viewport point, if it is body text."""
        scrolled = QPointF(point.x() + self.horizontalScrollBar().value(),
                           point.y() + self.verticalScrollBar().value())
        position = self.document().documentLayout().hitTest(scrolled, Qt.HitTestAccuracy.ExactHit)
        if position < self.body_start or \
                self.document().findBlock(position).blockFormat().hasProperty(IMAGE_BLOCK):
            return None
        return self.positions.offset(position)

    def tooltip_at(self, point: QPointF) -> str:
        """Rich text naming the themes (and the note) of the highlights at a viewport point."""
        marked = self._mark_at(point)
        if marked is not None:
            covering = [h for h in self._placed if h.id == marked]
        else:
            offset = self.offset_at(point)
            covering = self.highlights_at(offset) if offset is not None else []
        if not covering:
            return ""
        text = "".join(self._describe(h) for h in covering)
        link = self.anchorAt(point.toPoint())
        return text + (f"<p>Link: {escape(link)}</p>" if link else "")

    def _describe(self, highlight: Highlight) -> str:
        """A highlight for a tooltip: its themes by name and key (not only by colour), the
        start of its quote and of its note."""
        themes = "<br>".join(
            f"<span style='color:{self.themes[t].color}'>■</span> "
            f"<b>{escape(self.theme_label(t))}</b>" for t in highlight.theme_ids
            if t in self.themes) or "<b>No theme</b>"
        lines = [themes, f"“{escape(excerpt(highlight.exact, 60))}”"]
        if highlight.note.strip():
            lines.append(f"<i>Note: {escape(excerpt(highlight.note, 60))}</i>")
        return "<p style='white-space:pre; margin:3px 0 5px 0'>" + "<br>".join(lines) + "</p>"

    def viewportEvent(self, event) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.ToolTip:
            text = self.tooltip_at(QPointF(event.pos()))
            if text:
                QToolTip.showText(event.globalPos(), text, self.viewport())
                return True
        return super().viewportEvent(event)

    def contextMenuEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        menu = self.build_context_menu(event.pos())
        menu.exec(event.globalPos())
        menu.deleteLater()

    def build_context_menu(self, point: QPoint) -> QMenu:
        """The standard menu, led by "Code selection as" when a passage is selected: the
        themes in the codebook's order, sub-themes indented, number keys as shortcuts."""
        menu = self.createStandardContextMenu(point)
        if self.selection_range() and self.themes:
            code_menu = QMenu("Code selection as", menu)
            code_menu.setObjectName("codeSelectionMenu")
            themes = list(self.themes.values())
            keys = {theme_id: key for key, theme_id in number_keys(themes).items()}
            levels = depths(themes)
            for theme in depth_first(themes):
                key = keys.get(theme.id)
                prefix = f"&{key}" if key else "   "
                indent = "      " * levels[theme.id]
                action = code_menu.addAction(_colour_icon([QColor(theme.color)]),
                                             f"{prefix}   {indent}{_menu_text(theme.name)}")
                action.setData(theme.id)
                action.triggered.connect(lambda _=False, t=theme.id: self.codeRequested.emit(t))
            menu.insertMenu(menu.actions()[0] if menu.actions() else None, code_menu)
            menu.insertSeparator(menu.actions()[1])
        return menu

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._fit_column()
        self._forget_marks()

    def _fit_column(self) -> None:
        """Keep a comfortable line length by widening the side margins of wide windows, and
        the images no wider than the column."""
        side = self._side_margin()
        frame = self.document().rootFrame()
        frame_format = frame.frameFormat()
        if frame_format.leftMargin() != side:
            frame_format.setLeftMargin(side)
            frame_format.setRightMargin(side)
            frame.setFrameFormat(frame_format)
        self._fit_images(self._column_width())

    def _side_margin(self) -> int:
        return max(24, (self.viewport().width() - READING_WIDTH) // 2)

    def _column_width(self) -> int:
        return max(48, self.viewport().width() - 2 * self._side_margin())

    def _fit_images(self, width: int) -> None:
        """Give every image the column's width as its largest (Qt scales it down, keeping
        its proportions); only when the column changed."""
        if not self._pictures:
            return  # an article without images: no need to visit its 300,000 paragraphs
        block = self.document().begin()
        while block.isValid():
            if block.blockFormat().hasProperty(IMAGE_BLOCK):
                for fragment in (item.fragment() for item in block):
                    image_format = fragment.charFormat().toImageFormat()
                    if not image_format.isValid() or \
                            image_format.maximumWidth().rawValue() == width:
                        continue
                    image_format.setMaximumWidth(
                        QTextLength(QTextLength.Type.FixedLength, width))
                    cursor = QTextCursor(self.document())
                    cursor.setPosition(fragment.position())
                    cursor.setPosition(fragment.position() + fragment.length(),
                                       QTextCursor.MoveMode.KeepAnchor)
                    cursor.setCharFormat(image_format)
            block = block.next()


def _x_of(line, position: int) -> float:
    """x of the caret before `position` on a laid-out line (PySide returns (x, position))."""
    found = line.cursorToX(position)
    return found[0] if isinstance(found, tuple) else found


def _menu_text(text: str) -> str:
    """Text shown as is in a menu: an ampersand would otherwise mark a shortcut."""
    return text.replace("&", "&&")


def _colour_icon(colours: list[QColor]) -> QIcon:
    """A small square in one band per colour: a highlight's themes side by side."""
    size = 16
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    band = (size - 2) / len(colours)
    for index, colour in enumerate(colours):
        painter.fillRect(QRectF(1 + index * band, 1, band, size - 2), colour)
    painter.setPen(QColor(0, 0, 0, 70))
    painter.drawRect(QRectF(0.5, 0.5, size - 1, size - 1))
    painter.end()
    return QIcon(pixmap)


def open_external_link(url: QUrl) -> None:
    """Open a clicked link in the system browser, if it is a web link."""
    if url.scheme() in ("http", "https"):
        QDesktopServices.openUrl(url)


def _font(families: list[str], point_size: float, weight=QFont.Weight.Normal) -> QFont:
    font = QFont()
    font.setFamilies(families)
    font.setPointSizeF(point_size)
    font.setWeight(weight)
    return font


def _paragraph_format(bottom: float = 14, line_height: int = 155) -> QTextBlockFormat:
    block_format = QTextBlockFormat()
    block_format.setBottomMargin(bottom)
    proportional = QTextBlockFormat.LineHeightTypes.ProportionalHeight.value
    block_format.setLineHeight(line_height, proportional)
    return block_format


def _write_header(cursor: QTextCursor, article: Article) -> None:
    title_format = QTextCharFormat()
    title_format.setFont(_font(BODY_FONTS, 21, QFont.Weight.Bold))
    title_block = _paragraph_format(bottom=10, line_height=120)
    cursor.setBlockFormat(title_block)
    cursor.insertText(article.title, title_format)

    meta_format = QTextCharFormat()
    meta_format.setFont(_font(UI_FONTS, 10))
    meta_format.setForeground(QColor("#5F6368"))
    parts = [article.site_name, article.byline, human_date(article.published)]
    cursor.insertBlock(_paragraph_format(bottom=4, line_height=130), meta_format)
    cursor.insertText("  ·  ".join(p for p in parts if p), meta_format)

    cursor.insertBlock(_paragraph_format(bottom=18, line_height=130), meta_format)
    if article.url.startswith(("http://", "https://")):
        link_format = QTextCharFormat(meta_format)
        link_format.setAnchor(True)
        link_format.setAnchorHref(article.url)
        link_format.setForeground(QColor("#1A5FB4"))
        link_format.setToolTip(article.url)
        cursor.insertText("Original article ↗", link_format)
        cursor.insertText(f"  ·  saved {human_date(article.saved_at)}", meta_format)
    else:
        cursor.insertText(f"Saved {human_date(article.saved_at)} from a file", meta_format)


def _write_body(cursor: QTextCursor, blocks: list[Block], image_format: Callable[
        [Picture], QTextImageFormat]) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Write the body: each block's images in paragraphs of their own before its text (the
    last block's trailing images after it), a long block's text in pieces. Returns the
    inserts for `_PositionMap`, (offset, document positions) that stand before a canonical
    offset and hold none of its text: the images' paragraphs, and the breaks between pieces."""
    lists: dict[int, object] = {}
    inserts: list[tuple[int, int]] = []
    breaks: list[tuple[int, int]] = []
    styles: dict[tuple, tuple[QTextBlockFormat, QTextCharFormat]] = {}  # made once per kind
    offset = 0
    fresh = True  # the cursor stands in the empty paragraph the header left for the body

    def paragraph(block_format: QTextBlockFormat, char_format: QTextCharFormat) -> None:
        nonlocal fresh
        if fresh:
            cursor.setBlockFormat(block_format)
            fresh = False
        else:
            cursor.insertBlock(block_format, char_format)

    def images(shown: tuple[Picture, ...]) -> int:
        for picture in shown:
            paragraph(_image_block_format(), QTextCharFormat())
            cursor.insertImage(image_format(picture))
        return 2 * len(shown)  # an object-replacement character and a paragraph break each

    for block in blocks:
        if block.images:
            inserts.append((offset, images(block.images)))
        style = styles.get((block.kind, block.level))
        if style is None:
            style = styles[(block.kind, block.level)] = _block_style(block)
        block_format, char_base = style
        text = block.text
        cuts = piece_cuts(text)
        if cuts:
            block_format, continued, last = _piece_formats(block_format)
        paragraph(block_format, char_base)
        if block.kind == "list_item":
            _attach_to_list(cursor, block, lists)
        else:
            lists.clear()
        if cuts:
            _write_pieces(cursor, block, char_base, cuts, (continued, last))
            breaks.extend((offset + cut, 1) for cut in cuts)  # one paragraph break each
        else:
            for run in block.runs:
                cursor.insertText(run.text, _run_format(run, char_base))
        offset += len(text) + 1
        if block.images_after:
            inserts.append((offset, images(block.images_after)))
    return inserts, breaks


def piece_cuts(text: str, longest: int = PIECE_CHARS) -> list[int]:
    """Where a paragraph's text is cut into pieces of at most `longest` characters: after a
    space in the last half of a piece if there is one (the cut falls where a line could
    break anyway), else at the length (inside a long word). Empty for a short paragraph."""
    cuts: list[int] = []
    start = 0
    while len(text) - start > longest:
        end = start + longest
        space = text.rfind(" ", end - longest // 2, end)
        cut = space + 1 if space > start else end
        cuts.append(cut)
        start = cut
    return cuts


def _piece_formats(block_format: QTextBlockFormat) -> tuple[QTextBlockFormat, ...]:
    """The formats of a paragraph's first piece, of the pieces in between and of the last
    one: no gap between them, the paragraph's space below only after the last."""
    first = QTextBlockFormat(block_format)
    first.setBottomMargin(0)
    continued = QTextBlockFormat(block_format)
    continued.setTopMargin(0)
    continued.setBottomMargin(0)
    continued.setProperty(CONTINUED, True)
    last = QTextBlockFormat(continued)
    last.setBottomMargin(block_format.bottomMargin())
    return first, continued, last


def _write_pieces(cursor: QTextCursor, block: Block, char_base: QTextCharFormat,
                  cuts: list[int], formats: tuple[QTextBlockFormat, QTextBlockFormat]) -> None:
    """A long block's runs, with a paragraph break (in the continued or, before the last
    piece, the last format) at each cut."""
    continued, last = formats
    ends = [*cuts, len(block.text)]
    piece, at = 0, 0
    for run in block.runs:
        char_format = _run_format(run, char_base)
        text = run.text
        while text:
            if at == ends[piece]:
                piece += 1
                cursor.insertBlock(last if piece == len(cuts) else continued, char_format)
            take = text[:ends[piece] - at]
            cursor.insertText(take, char_format)
            at += len(take)
            text = text[len(take):]


def _image_block_format() -> QTextBlockFormat:
    block_format = QTextBlockFormat()
    block_format.setAlignment(Qt.AlignmentFlag.AlignHCenter)
    block_format.setTopMargin(4)
    block_format.setBottomMargin(14)
    block_format.setProperty(IMAGE_BLOCK, True)
    return block_format


def _loading_box(width: int, height: int) -> QImage:
    """A light box the size an image will have once decoded (scaled to the column)."""
    if width > READING_WIDTH:
        width, height = READING_WIDTH, max(1, round(height * READING_WIDTH / width))
    image = QImage(max(1, width), max(1, height), QImage.Format.Format_RGB32)
    image.fill(LOADING_FILL)
    return image


def _placeholder(alt: str) -> QImage:
    """A grey box saying the image was not saved (with its description, if the page gave
    one), as wide as the reading column."""
    width, height = PLACEHOLDER_SIZE
    image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(PLACEHOLDER_FILL)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(PLACEHOLDER_EDGE)
    pen.setStyle(Qt.PenStyle.DashLine)
    painter.setPen(pen)
    painter.drawRect(QRectF(0.5, 0.5, width - 1, height - 1))
    painter.setPen(PLACEHOLDER_TEXT)
    painter.setFont(_font(UI_FONTS, 11, QFont.Weight.DemiBold))
    painter.drawText(QRectF(16, 0, width - 32, height / 2 + 4),
                     Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                     f"{NOT_SAVED} with the article")
    if alt:
        font = _font(UI_FONTS, 10)
        painter.setFont(font)
        text = QFontMetrics(font).elidedText(alt, Qt.TextElideMode.ElideRight, width - 48)
        painter.drawText(QRectF(16, height / 2 + 8, width - 32, height / 2 - 8),
                         Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, text)
    painter.end()
    return image


def _block_style(block: Block) -> tuple[QTextBlockFormat, QTextCharFormat]:
    char_format = QTextCharFormat()
    block_format = _paragraph_format()
    if block.kind == "heading":
        size = {1: 20, 2: 17, 3: 15}.get(block.level, 14)
        char_format.setFont(_font(BODY_FONTS, size, QFont.Weight.Bold))
        block_format = _paragraph_format(bottom=8, line_height=125)
        block_format.setTopMargin(12)
    elif block.kind == "quote":
        block_format.setLeftMargin(28)
        char_format.setFontItalic(True)
        char_format.setForeground(QColor("#3C4043"))
    elif block.kind == "preformatted":
        block_format = _paragraph_format(bottom=0, line_height=125)
        block_format.setNonBreakableLines(True)
        char_format.setFont(_font(["DejaVu Sans Mono", "monospace"], 11))
    elif block.kind == "caption":
        char_format.setFont(_font(UI_FONTS, 10))
        char_format.setForeground(QColor("#5F6368"))
    elif block.kind == "list_item":
        block_format = _paragraph_format(bottom=6)
    return block_format, char_format


def _attach_to_list(cursor: QTextCursor, block: Block, lists: dict) -> None:
    for deeper in [level for level in lists if level > block.level]:
        del lists[deeper]
    existing = lists.get(block.level)
    if existing is not None and existing.format().style() == _list_style(block):
        existing.add(cursor.block())
        return
    list_format = QTextListFormat()
    list_format.setStyle(_list_style(block))
    list_format.setIndent(block.level)
    lists[block.level] = cursor.createList(list_format)


def _list_style(block: Block) -> QTextListFormat.Style:
    if block.ordered:
        return QTextListFormat.Style.ListDecimal
    return [QTextListFormat.Style.ListDisc, QTextListFormat.Style.ListCircle,
            QTextListFormat.Style.ListSquare][(block.level - 1) % 3]


def _run_format(run: Run, base: QTextCharFormat) -> QTextCharFormat:
    char_format = QTextCharFormat(base)
    if run.bold:
        char_format.setFontWeight(QFont.Weight.Bold)
    if run.italic:
        char_format.setFontItalic(True)
    if run.code:
        char_format.setFontFamilies(["DejaVu Sans Mono", "monospace"])
    if run.href:
        char_format.setAnchor(True)
        char_format.setAnchorHref(run.href)
        char_format.setForeground(QColor("#1A5FB4"))
        char_format.setFontUnderline(True)
        char_format.setToolTip(run.href)
    return char_format
