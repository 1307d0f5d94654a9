"""Extraction keeps all of the article's own text and drops only the page's furniture."""

from __future__ import annotations

from gleaner.core.extract import extract_article
from gleaner.core.fetch import RawPage, decode_html

PARAGRAPH = ("The regional council met on Tuesday to discuss the new border arrangements, "
             "hearing from residents, officials and aid workers for more than three hours "
             "before adjourning without a vote on the proposals.")


def page(body: str, head: str = "", url: str = "https://news.example/2024/story") -> RawPage:
    html = (f"<html><head><title>Story</title>{head}</head><body>{body}</body></html>")
    text, charset = decode_html(html.encode())
    return RawPage(url, url, html.encode(), text, charset)


def paragraphs(n: int = 6) -> str:
    return "".join(f"<p>{i}. {PARAGRAPH}</p>" for i in range(n))


def test_container_classes_that_mention_furniture_keep_the_article():
    for classes in ("article-body has-comments", "story share-enabled", "post tags",
                    "js-social-article"):
        article = extract_article(page(f'<article class="{classes}">{paragraphs()}</article>'))
        assert article.text.count(PARAGRAPH) == 6, classes


def test_inline_span_with_a_furniture_class_keeps_its_words():
    body = (f'<article>{paragraphs()}<p>The minister said <span class="related">the border'
            "</span> was closed.</p></article>")
    article = extract_article(page(body))
    assert "The minister said the border was closed." in article.text


def test_share_bar_inside_the_article_is_removed():
    body = (f'<article>{paragraphs(3)}<ul class="share-bar"><li>Share on Facebook</li>'
            f'<li>Share by email</li></ul>{paragraphs(3)}</article>')
    article = extract_article(page(body))
    assert "Share on Facebook" not in article.text
    assert article.text.count(PARAGRAPH) == 6


def test_short_opening_lines_with_numbers_are_kept():
    body = (f"<article><p>Over 1500 people crossed in May.</p><h2>Since 2019, fewer boats</h2>"
            f"{paragraphs()}</article>")
    article = extract_article(page(body))
    assert article.text.startswith("Over 1500 people crossed in May.\nSince 2019, fewer boats")


def test_a_dateline_repeating_the_publication_date_is_dropped():
    head = '<meta property="article:published_time" content="2024-03-14T08:30:00Z">'
    body = f"<article><p>Published 14 March 2024</p>{paragraphs()}</article>"
    article = extract_article(page(body, head))
    assert article.published.startswith("2024-03-14")
    assert article.text.startswith("0. The regional council")


def test_a_saved_file_whose_canonical_link_is_the_home_page_keeps_its_file_address():
    head = '<link rel="canonical" href="https://news.example/">'
    saved = page(f"<article>{paragraphs()}</article>", head, url="file:///tmp/a.html")
    assert extract_article(saved).url == "file:///tmp/a.html"
    head = '<link rel="canonical" href="https://news.example/2024/a-story">'
    saved = page(f"<article>{paragraphs()}</article>", head, url="file:///tmp/a.html")
    assert extract_article(saved).url == "https://news.example/2024/a-story"


def test_live_blog_entry_headers_keep_their_titles():
    entries = "".join(
        f'<div class="block"><header class="block-header"><time datetime="2024-05-0{i}T10:00">'
        f"10.0{i}</time><h2>Entry title {i}</h2></header><p>{i}. {PARAGRAPH}</p></div>"
        for i in range(1, 5))
    article = extract_article(page(f"<article><h1>Story</h1>{entries}</article>"))
    for i in range(1, 5):
        assert f"Entry title {i}" in article.text


def test_markup_repairs_turn_double_breaks_into_paragraphs():
    body = (f"<table><tr><td><font size=2>{PARAGRAPH}<br><br>Second {PARAGRAPH}<br>"
            f"still second.<br><br>Third {PARAGRAPH}</font></td></tr></table>")
    article = extract_article(page(body))
    assert [block.kind for block in article.blocks] == ["paragraph"] * 4
    assert article.text.split("\n")[1:3] == [f"Second {PARAGRAPH}", "still second."]
