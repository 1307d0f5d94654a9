"""The reader shows exactly the canonical text, so offsets land on the same characters."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from gleaner.core.document import blocks_from_html, canonical_text
from gleaner.core.models import Article, Highlight, Theme

from .conftest import point_of, select_with_mouse

TRICKY_HTML = """
<h2>Voices 🌍 from the camp</h2>
<p>“We walked 🚶🏽‍♀️ for days,” she said&nbsp;— the café’s owner agreed.</p>
<p>Combining: e\u0301te\u0301; Arabic: مرحبا بالعالم; tab\there; CR\r\nline.</p>
<ul><li>first<ul><li>nested 𝒳</li></ul></li><li>second</li></ul>
<pre>code  line 1

    indented 🐍 line</pre>
<table><tr><td> a </td><td>b 😀</td></tr></table>
<p>Line one<br><br>Line two<span></span><b></b> end. Target passage here.</p>
"""


THEME = Theme(id=1, name="T", color="#FFDC46", description="", position=0)


def highlight_of(article: Article, quote: str, highlight_id: int = 1) -> Highlight:
    start = article.text.index(quote)
    return Highlight(id=highlight_id, article_id=1, start=start, end=start + len(quote),
                     exact=quote, prefix="", suffix="", note="", theme_ids=(THEME.id,),
                     created_at="", updated_at="")


def make_article(html: str) -> Article:
    blocks = blocks_from_html(html)
    text = canonical_text(blocks)
    return Article(id=1, url_requested="https://x.example/a", url="https://x.example/a",
                   title="Title with emoji 🎉", byline="A. Writer", authors=["A. Writer"],
                   site_name="Example", published="2024-01-02", saved_at="2024-01-03T00:00:00",
                   language="en", excerpt="", word_count=len(text.split()), html=html,
                   text=text, blocks=blocks)


def test_body_is_the_canonical_text_even_with_astral_characters(reader):
    article = make_article(TRICKY_HTML)
    reader.show_article(article, [], [])
    assert reader.body_text() == article.text


@pytest.mark.parametrize("quote", ["Target passage", "owner agreed", "indented 🐍 line",
                                   "nested 𝒳", "b 😀"])
def test_offsets_after_emoji_select_the_same_characters(reader, qtbot, quote):
    article = make_article(TRICKY_HTML)
    reader.show_article(article, [], [])
    start = article.text.index(quote)
    end = start + len(quote)
    reader.select_range(start, end)
    assert reader.selection_range() == (start, end)
    assert reader.textCursor().selectedText() == quote
    select_with_mouse(qtbot, reader, start, end)
    assert reader.selection_range() == (start, end)


def test_highlights_after_emoji_are_painted_in_place(reader):
    article = make_article(TRICKY_HTML)
    highlight = highlight_of(article, "Target passage")
    start = highlight.start
    reader.show_article(article, [highlight], [THEME])
    [(s, e, colour)] = reader.painted_ranges()
    assert (s, e) == (start, start + 14)
    selections = reader.extraSelections()  # keep the list alive while using its cursors
    assert selections[0].cursor.selectedText() == "Target passage"
    assert colour == "#FFDC46"


def test_clicking_a_highlight_after_emoji_finds_it(reader, qtbot):
    article = make_article(TRICKY_HTML)
    highlight = highlight_of(article, "Target passage", highlight_id=7)
    start = highlight.start
    reader.show_article(article, [highlight], [THEME])
    reader.scroll_to(start)
    with qtbot.waitSignal(reader.highlightClicked) as signal:
        qtbot.mouseClick(reader.viewport(), Qt.MouseButton.LeftButton,
                         pos=point_of(reader, start + 5))
    assert signal.args == [7]


def test_opening_articles_keeps_one_page_in_memory(reader, qtbot):
    from PySide6.QtGui import QTextDocument

    article = make_article(TRICKY_HTML)
    for _ in range(5):
        reader.show_article(article, [], [])
    qtbot.wait(10)  # let deferred deletes run
    assert len(reader.findChildren(QTextDocument)) == 1


@pytest.mark.parametrize("quote", ["Target passage", "owner agreed", "indented 🐍 line",
                                   "nested 𝒳", "b 😀"])
def test_bars_after_emoji_lie_under_the_same_characters(reader, quote):
    """The bars drawn under a highlight start and end where its characters do, in lists and
    preformatted lines too, however many astral characters come before."""
    article = make_article(TRICKY_HTML)
    highlight = highlight_of(article, quote, highlight_id=3)
    reader.show_article(article, [highlight], [THEME])
    [bar] = [m for m in reader._mark_list() if m.kind == "bar"]
    first = reader.cursorRect(reader._cursor_for(highlight.start, highlight.start))
    last = reader.cursorRect(reader._cursor_for(highlight.end, highlight.end))
    scrolled = reader.verticalScrollBar().value()
    assert abs(bar.rect.left() - first.left()) <= 2
    assert abs(bar.rect.right() - last.left()) <= 2
    assert first.top() + scrolled < bar.rect.top() <= last.bottom() + scrolled + 3
    assert reader.painted_bars().count((3, THEME.color, False)) == 1


def test_clicking_the_title_opens_no_highlight(reader, qtbot):
    article = make_article(TRICKY_HTML)
    reader.show_article(article, [highlight_of(article, "Voices")], [THEME])
    cursor = reader.textCursor()
    cursor.setPosition(2)  # in the title, which is not part of the canonical text
    with qtbot.waitSignal(reader.highlightClicked) as signal:
        qtbot.mouseClick(reader.viewport(), Qt.MouseButton.LeftButton,
                         pos=reader.cursorRect(cursor).center())
    assert signal.args == [None]
