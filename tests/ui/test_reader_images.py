"""Images in the reader: shown from the archive alone, a placeholder where one was not saved,
and not a character of the canonical text: highlights, selections, coding, scrolling and
copying land on the same characters as without them. Run with GLEANER_UPDATE_SCREENSHOTS=1 to
refresh docs/reader-images.png."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QBuffer, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from gleaner.core.capture import capture
from gleaner.core.document import (
    Block,
    Picture,
    Run,
    blocks_from_html,
    canonical_text,
    image_name,
)
from gleaner.core.images import sniff_image
from gleaner.core.models import Article, Highlight, Theme
from gleaner.ui.reader import (
    HIGHLIGHT_ALPHA,
    IMAGE_BLOCK,
    LOADING_FILL,
    PLACEHOLDER_FILL,
    ReaderView,
    _x_of,
)

from .conftest import point_of, save_screenshot

SHIFT = Qt.KeyboardModifier.ShiftModifier
COMPLETE_PAGE = (Path(__file__).resolve().parents[1] / "fixtures" / "saved_pages" / "complete"
                 / "Field notes from the marsh.html")
THEME = Theme(id=1, name="Habitat", color="#FFDC46", description="", position=0)
RED, BLUE = QColor("#D02020"), QColor("#2040D0")

HTML = """
<figure><img src="https://x.example/top.png" alt="Red square"><figcaption>Caption of the red
square.</figcaption></figure>
<p>First paragraph 🌍 with an emoji before the picture.</p>
<p><img src="https://x.example/wide.png" alt="A wide blue band"></p>
<p>Target passage right after the picture, then more words to fill the line.</p>
<p><img src="https://x.example/missing.png" alt="Lost photograph"></p>
<p>Closing paragraph of the article.</p>
<img src="https://x.example/end.png" alt="The end">
"""


def image_bytes(width: int, height: int, colour: QColor) -> bytes:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(colour)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data())


IMAGES = {image_name("https://x.example/top.png"): image_bytes(200, 120, RED),
          image_name("https://x.example/wide.png"): image_bytes(1600, 200, BLUE),
          image_name("https://x.example/end.png"): image_bytes(100, 60, RED)}


def make_article(html: str = HTML) -> Article:
    blocks = blocks_from_html(html)
    text = canonical_text(blocks)
    return Article(id=7, url_requested="https://x.example/a", url="https://x.example/a",
                   title="Pictures", byline="", authors=[], site_name="Example",
                   published=None, saved_at="2025-01-01T00:00:00", language="en", excerpt="",
                   word_count=len(text.split()), html=html, text=text, blocks=blocks)


def highlight_of(article: Article, quote: str, highlight_id: int = 1) -> Highlight:
    start = article.text.index(quote)
    return Highlight(id=highlight_id, article_id=article.id, start=start,
                     end=start + len(quote), exact=quote, prefix="", suffix="", note="",
                     theme_ids=(THEME.id,), created_at="", updated_at="")


@pytest.fixture
def reader(app, qtbot):
    view = ReaderView()
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.show()
    qtbot.waitExposed(view)
    requested: list[str] = []

    def loader(name: str) -> bytes | None:
        requested.append(name)
        return IMAGES.get(name)

    view.set_image_loader(loader)
    view.requested = requested
    return view


def image_rects(reader: ReaderView) -> list[QRectF]:
    """The viewport rectangle of each image (or placeholder), in reading order."""
    document = reader.document()
    rects = []
    block = document.begin()
    while block.isValid():
        if block.blockFormat().hasProperty(IMAGE_BLOCK):
            document.documentLayout().blockBoundingRect(block)  # laid out
            layout = block.layout()
            line = layout.lineAt(0)
            left, right = _x_of(line, 0), _x_of(line, 1)
            rect = QRectF(layout.position().x() + left, layout.position().y() + line.y(),
                          right - left, line.height())
            rects.append(rect.translated(-reader.horizontalScrollBar().value(),
                                         -reader.verticalScrollBar().value()))
        block = block.next()
    return rects


def near(colour: QColor, expected: QColor, slack: int = 10) -> bool:
    return max(abs(colour.red() - expected.red()), abs(colour.green() - expected.green()),
               abs(colour.blue() - expected.blue())) <= slack


def loaded(qtbot, reader: ReaderView) -> None:
    """Wait until the reader's image thread has delivered every image."""
    qtbot.waitUntil(lambda: reader.loading_images() == 0, timeout=5000)


def test_images_are_shown_and_the_text_is_unchanged(reader, qtbot):
    article = make_article()
    reader.show_article(article, [], [THEME])
    loaded(qtbot, reader)
    assert reader.body_text() == article.text
    assert "\ufffc" not in reader.body_text()
    names = [image_name(f"https://x.example/{n}.png") for n in ("top", "wide", "missing", "end")]
    assert reader.image_names() == names
    assert reader.shown_images() == {names[0]: True, names[1]: True, names[2]: False,
                                     names[3]: True}
    assert sorted(set(reader.requested)) == sorted(names)


def test_every_offset_lands_on_its_character(reader):
    article = make_article()
    reader.show_article(article, [], [THEME])
    document = reader.document()
    for offset, char in enumerate(article.text):
        if ord(char) > 0xFFFF:
            continue  # two UTF-16 units: covered by the emoji tests of the reader
        position = reader.positions.position(offset)
        expected = "\u2029" if char == "\n" else char
        assert document.characterAt(position) == expected, offset
        assert reader.positions.offset(position) == offset


_PICTURES = st.lists(st.sampled_from(sorted(IMAGES) + ["img-000000000000"]), max_size=3)
_BLOCKS = st.lists(st.tuples(st.text(st.sampled_from("ab 🌍é\t"), min_size=1, max_size=12),
                             _PICTURES), min_size=1, max_size=6)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shape=_BLOCKS, trailing=_PICTURES)
def test_offsets_round_trip_whatever_the_images(reader, shape, trailing):
    """Any arrangement of images before blocks and after the last: every canonical offset
    maps to its character and back, spans never cover an image, the body text is the text."""
    blocks = [Block("paragraph", (Run(text),), images=tuple(Picture(n) for n in names))
              for text, names in shape]
    blocks[-1] = Block("paragraph", blocks[-1].runs, images=blocks[-1].images,
                       images_after=tuple(Picture(n) for n in trailing))
    text = canonical_text(blocks)
    article = Article(id=9, url_requested="", url="", title="T", byline="", authors=[],
                      site_name="", published=None, saved_at="2025-01-01", language="en",
                      excerpt="", word_count=1, html="", text=text, blocks=blocks)
    reader.show_article(article, [], [THEME])
    assert reader.body_text() == text
    document, positions = reader.document(), reader.positions
    for offset, char in enumerate(text):
        position = positions.position(offset)
        if ord(char) <= 0xFFFF:
            assert document.characterAt(position) == ("\u2029" if char == "\n" else char)
        assert positions.offset(position) == offset
        assert not positions.in_image(position)
    for first, last in positions.spans(0, len(text)):
        cursor = reader._document_cursor(first, last)
        assert "\ufffc" not in cursor.selectedText()
    joined = "".join(reader._document_cursor(a, b).selectedText()
                     for a, b in positions.spans(0, len(text)))
    assert joined.replace("\u2029", "\n") == text


def test_image_pixels_and_placeholder_on_screen(reader, qtbot):
    reader.show_article(make_article(), [], [THEME])
    loaded(qtbot, reader)
    qtbot.wait(20)
    frame = reader.viewport().grab().toImage()
    top, wide, missing, _end = image_rects(reader)
    centre = top.center().toPoint()
    assert near(frame.pixelColor(centre), RED)
    assert top.width() == pytest.approx(200, abs=1)
    # The wide image is scaled to the column, never wider, keeping its proportions.
    column = reader.viewport().width() - 2 * reader._side_margin()
    assert wide.width() <= column + 1 and wide.width() >= column - 2
    assert wide.height() == pytest.approx(200 * wide.width() / 1600, abs=3)
    assert near(frame.pixelColor(wide.center().toPoint()), BLUE)
    # The missing image is a grey placeholder box.
    corner = missing.topLeft().toPoint() + QPointF(6, 8).toPoint()
    assert near(frame.pixelColor(corner), PLACEHOLDER_FILL, 4)


def test_images_fit_a_narrow_column(reader, qtbot):
    reader.resize(420, 700)
    reader.show_article(make_article(), [], [THEME])
    loaded(qtbot, reader)
    qtbot.wait(20)
    _top, wide, missing, _end = image_rects(reader)
    column = reader.viewport().width() - 2 * reader._side_margin()
    assert wide.width() <= column + 1 and missing.width() <= column + 1
    assert reader.horizontalScrollBar().maximum() == 0


def test_highlight_after_an_image_paints_exactly_its_characters(reader, qtbot):
    article = make_article()
    quote = "Target passage right after the picture"
    across = "with an emoji before the picture.\nTarget passage"
    highlights = [highlight_of(article, quote), highlight_of(article, across, 2)]
    reader.show_article(article, highlights, [THEME])
    painted = {}
    for selection in reader.extraSelections():
        text = selection.cursor.selectedText()
        assert "\ufffc" not in text  # no fill over an image
        painted.setdefault(selection.format.background().color().name(), []).append(text)
    assert reader.painted_ranges() == [(h.start, h.end, THEME.color) for h in highlights]
    pieces = [s.cursor.selectedText().replace("\u2029", "\n") for s in reader.extraSelections()]
    covered = "".join(pieces)
    assert covered == "with an emoji before the picture.\n" + quote  # overlap counted once
    # The fill is on screen where the quote's characters are.
    qtbot.wait(20)
    frame = reader.viewport().grab().toImage()
    start = point_of(reader, article.text.index("right after"))  # under one highlight only
    expected = QColor(THEME.color)
    mixed = QColor(*(round(c * HIGHLIGHT_ALPHA / 255 + 255 * (255 - HIGHLIGHT_ALPHA) / 255)
                     for c in (expected.red(), expected.green(), expected.blue())))
    band = [frame.pixelColor(start.x() + dx, start.y() + dy)
            for dx in range(2, 30) for dy in range(-5, 5)]
    assert sum(near(p, mixed, 8) for p in band) > len(band) / 3
    # The bars under the text never lie on the image between the two paragraphs.
    wide = image_rects(reader)[1]
    scroll = QPointF(reader.horizontalScrollBar().value(), reader.verticalScrollBar().value())
    for mark in reader._mark_list():
        if mark.kind == "bar":
            assert not mark.rect.translated(-scroll).intersects(wide)


def test_clicking_an_image_opens_no_highlight(reader, qtbot):
    article = make_article()
    target = highlight_of(article, "Target passage")
    reader.show_article(article, [target], [THEME])
    opened = []
    reader.highlightClicked.connect(opened.append)
    wide = image_rects(reader)[1]
    qtbot.mouseClick(reader.viewport(), Qt.MouseButton.LeftButton,
                     pos=wide.center().toPoint())
    assert opened == [None]
    assert reader.offset_at(wide.center()) is None


def test_scroll_to_text_after_an_image(reader, qtbot):
    article = make_article()
    reader.show_article(article, [], [THEME])
    offset = article.text.index("Closing paragraph")
    reader.scroll_to(offset)
    cursor = reader.textCursor()
    assert reader.positions.offset(cursor.position()) == offset
    assert reader.document().characterAt(cursor.position()) == "C"
    assert reader.viewport().rect().contains(reader.cursorRect(cursor).center())


def test_copying_across_an_image_gives_the_text(reader):
    article = make_article()
    reader.show_article(article, [], [THEME])
    start = article.text.index("picture.")
    end = article.text.index("passage right")
    reader.select_range(start, end)
    assert reader.createMimeDataFromSelection().text() == article.text[start:end]


def test_images_before_the_first_and_after_the_last_block(reader):
    article = make_article('<img src="https://x.example/top.png"><p>Only line.</p>'
                           '<img src="https://x.example/end.png">')
    reader.show_article(article, [highlight_of(article, "Only")], [THEME])
    assert reader.body_text() == "Only line."
    assert reader.shown_images() == {image_name("https://x.example/top.png"): True,
                                     image_name("https://x.example/end.png"): True}
    [fill] = reader.extraSelections()
    assert fill.cursor.selectedText() == "Only"
    reader.select_range(0, len("Only line."))
    assert reader.selection_range() == (0, len("Only line."))


def test_a_failing_loader_shows_placeholders(reader, qtbot):
    def broken(_name: str) -> bytes:
        raise OSError("archive gone")

    reader.set_image_loader(broken)
    article = make_article()
    reader.show_article(article, [], [THEME])
    loaded(qtbot, reader)
    assert not any(reader.shown_images().values())
    assert reader.body_text() == article.text


def test_the_page_is_shown_before_its_images_are_decoded(reader, qtbot):
    """Images are read and decoded on the reader's thread: the page is laid out at once with
    a box of each image's stored size, and nothing moves when the images arrive."""
    release = threading.Event()
    sizes = {name: sniff_image(data)[1:] for name, data in IMAGES.items()}

    def slow(name: str) -> bytes | None:
        release.wait(5)
        return IMAGES.get(name)

    reader.set_image_loader(slow, lambda _article_id: sizes)
    article = make_article()
    reader.show_article(article, [], [THEME])
    assert reader.body_text() == article.text
    assert reader.loading_images() == 3  # the missing one is known not to be saved
    assert reader.shown_images()[image_name("https://x.example/missing.png")] is False
    boxes = image_rects(reader)
    target = reader.cursorRect(reader._cursor_for(article.text.index("Target"),
                                                  article.text.index("Target"))).top()
    frame = reader.viewport().grab().toImage()
    assert near(frame.pixelColor(boxes[0].center().toPoint()), LOADING_FILL, 4)
    release.set()
    loaded(qtbot, reader)
    assert [r.size() for r in image_rects(reader)] == [r.size() for r in boxes]
    assert reader.cursorRect(reader._cursor_for(article.text.index("Target"),
                                                article.text.index("Target"))).top() == target
    qtbot.wait(20)
    frame = reader.viewport().grab().toImage()
    assert near(frame.pixelColor(image_rects(reader)[0].center().toPoint()), RED)


def test_images_of_an_article_left_behind_are_dropped(reader, qtbot):
    release = threading.Event()
    asked: list[str] = []

    def slow(name: str) -> bytes | None:
        asked.append(name)
        release.wait(5)
        return IMAGES.get(name)

    reader.set_image_loader(slow)
    first = make_article()
    reader.show_article(first, [], [THEME])
    plain = make_article("<p>Only words here, and no pictures at all in this one.</p>")
    plain = dataclasses.replace(plain, id=8)
    reader.show_article(plain, [], [THEME])
    release.set()
    qtbot.wait(100)
    assert reader.loading_images() == 0
    assert len(asked) <= 1  # the one already being read; the rest never were
    assert reader.body_text() == plain.text


# --- in the window, from the archive ---------------------------------------------------------

@pytest.fixture
def marsh(archive) -> int:
    return archive.save_article(capture(str(COMPLETE_PAGE)))[0]


def test_window_reader_shows_the_archive_images(open_window, archive, marsh, tmp_path, qtbot):
    window = open_window(archive)
    window.show_article(marsh)
    reader = window.reader
    loaded(qtbot, reader)
    text = archive.article_text(marsh)
    assert reader.body_text() == text
    saved = set(archive.article_asset_names(marsh))
    assert len(saved) == 3
    assert {name for name, shown in reader.shown_images().items() if shown} == saved
    assert list(reader.shown_images().values()).count(False) == 1  # the missing otter photo
    quote = "By first light the heron had moved twice"
    start = text.index(quote)
    reader.select_range(start, start + len(quote))
    reader.setFocus()
    qtbot.keyClick(reader, Qt.Key.Key_1)  # coded through the window, as a user would
    reader.verticalScrollBar().setValue(0)
    window.library.setFocus()
    qtbot.wait(30)
    image = save_screenshot(window, tmp_path / "reader-images.png")
    heron = image_rects(reader)[0]
    inside = reader.viewport().mapTo(window, heron.topLeft().toPoint() + QPointF(20, 12)
                                     .toPoint())
    assert near(image.pixelColor(inside), QColor("#B8C4CF"), 14)  # the heron photo's sky
    [fill] = reader.extraSelections()
    assert fill.cursor.selectedText() == quote


def test_mouse_selection_after_an_image_codes_the_right_quote(open_window, archive, marsh,
                                                              qtbot):
    window = open_window(archive)
    window.show_article(marsh)
    text = archive.article_text(marsh)
    quote = "Two little egrets arrived from the estuary"
    start = text.index(quote)
    # Press and shift-click where the words are drawn, found in the page itself (not through
    # the reader's offset map, which is what is under test).
    reader = window.reader
    found = reader.document().find(quote)
    ends = []
    for position in (found.selectionStart(), found.selectionEnd()):
        cursor = reader.textCursor()
        cursor.setPosition(position)
        ends.append(cursor)
    reader.setTextCursor(ends[0])
    reader.ensureCursorVisible()
    qtbot.mouseClick(reader.viewport(), Qt.MouseButton.LeftButton,
                     pos=reader.cursorRect(ends[0]).center())
    qtbot.mouseClick(reader.viewport(), Qt.MouseButton.LeftButton, SHIFT,
                     pos=reader.cursorRect(ends[1]).center())
    assert window.reader.selection_range() == (start, start + len(quote))
    window.reader.setFocus()
    qtbot.keyClick(window.reader, Qt.Key.Key_1)
    [coded] = archive.list_highlights(article_id=marsh)
    assert (coded.start, coded.end, coded.exact) == (start, start + len(quote), quote)


def test_keyboard_selection_across_an_image_codes_the_right_quote(open_window, archive, marsh,
                                                                  qtbot):
    window = open_window(archive)
    window.show_article(marsh)
    reader = window.reader
    loaded(qtbot, reader)
    text = archive.article_text(marsh)
    start = text.index("right.\nThe heron")
    reader.select_range(start, start)
    reader.setFocus()
    # "right." (6), the paragraph break, the image, the image's paragraph break, "The heron".
    for _ in range(6 + 3 + len("The heron")):
        qtbot.keyClick(reader, Qt.Key.Key_Right, SHIFT)
    assert reader.selection_range() == (start, start + len("right.\nThe heron"))
    qtbot.keyClick(reader, Qt.Key.Key_1)
    [coded] = archive.list_highlights(article_id=marsh)
    assert coded.exact == "right.\nThe heron"
    assert (coded.start, coded.end) == (start, start + len("right.\nThe heron"))
    reader.select_range(coded.start, coded.end)
    reader.copy()
    assert QApplication.clipboard().text() == "right.\nThe heron"
