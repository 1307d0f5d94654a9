"""Articles built to make layout slow are shown whole without freezing the window: a long
paragraph is shown in pieces, and its offsets still land on the same characters."""

from __future__ import annotations

import time

from gleaner.core.document import blocks_from_html, canonical_text
from gleaner.core.models import Article, Highlight, Theme
from gleaner.ui.reader import PIECE_CHARS, ReaderView, piece_cuts

THEME = Theme(id=1, name="T", color="#FFDC46", description="", position=0)
WORD = "".join(chr(ord("a") + i % 26) for i in range(300_000))  # no two pieces alike


def article_of(html: str) -> Article:
    blocks = blocks_from_html(html)
    text = canonical_text(blocks)
    return Article(id=1, url_requested="https://x.example/a", url="https://x.example/a",
                   title="Hostile", byline="", authors=[], site_name="Example", published="",
                   saved_at="2024-01-03T00:00:00", language="en", excerpt="",
                   word_count=len(text.split()), html=html, text=text, blocks=blocks)


def shown_in(reader: ReaderView, article: Article) -> float:
    """Seconds to show the article and paint it, at its start and at its end."""
    started = time.perf_counter()
    reader.show_article(article, [], [])
    reader.viewport().repaint()
    reader.scroll_to(len(article.text))
    reader.viewport().repaint()
    return time.perf_counter() - started


def test_a_long_word_is_shown_whole_and_quickly(reader):
    article = article_of(f"<p>Before it.</p><p>{WORD}</p><p>After it.</p>")
    # Qt alone laid this paragraph out in about 8 s (2 MB: four minutes).
    assert shown_in(reader, article) < 1.5
    assert reader.body_text() == article.text
    assert WORD in reader.body_text()
    assert reader.document().blockCount() > len(WORD) // PIECE_CHARS  # shown in pieces


def test_a_paragraph_of_twenty_thousand_bold_words_is_shown_quickly(reader):
    words = [f"w{i}" for i in range(20_000)]
    article = article_of("<p>" + " ".join(f"<b><i>{w}</i></b>" for w in words) + "</p>")
    assert shown_in(reader, article) < 1.5  # inserted one by one, these took 68 s
    assert reader.body_text() == article.text == " ".join(words)


def test_long_prose_is_cut_after_spaces_and_a_long_word_anywhere():
    prose = " ".join(f"word{i}" for i in range(3000))
    cuts = piece_cuts(prose)
    assert cuts and all(prose[cut - 1] == " " for cut in cuts)
    assert all(b - a <= PIECE_CHARS for a, b in zip([0, *cuts], [*cuts, len(prose)],
                                                    strict=True))
    assert piece_cuts(WORD)[:3] == [PIECE_CHARS, 2 * PIECE_CHARS, 3 * PIECE_CHARS]
    assert piece_cuts("short paragraph") == []


def test_a_highlight_across_a_cut_of_a_long_word_covers_its_characters(reader):
    article = article_of(f"<p>Before it.</p><p>{WORD} and after.</p>")
    cut = article.text.index(WORD) + piece_cuts(WORD)[0]
    start, end = cut - 15, cut + 25
    quote = article.text[start:end]
    highlight = Highlight(id=1, article_id=1, start=start, end=end, exact=quote, prefix="",
                          suffix="", note="", theme_ids=(THEME.id,), created_at="",
                          updated_at="")
    reader.show_article(article, [highlight], [THEME])
    painted = "".join(s.cursor.selectedText() for s in reader.extraSelections())
    assert painted == quote  # the fill covers the quote on both sides of the break, no more
    reader.select_range(start, end)
    assert reader.selection_range() == (start, end)
    assert reader.createMimeDataFromSelection().text() == quote  # no line break copied
    reader.scroll_to(cut)
    assert reader.positions.offset(reader.textCursor().position()) == cut
