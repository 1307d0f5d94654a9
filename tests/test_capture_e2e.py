"""Acceptance test: save a real news page by URL, through the same path the app and CLI use.

The page (tests/fixtures/news_page.html) is a typical news article wrapped in page furniture:
skip link, masthead, menu, cookie banner, ad iframe, share bar, related stories, comments,
sidebar, newsletter box, footer, tracking pixel and scripts. Each piece of furniture carries a
marker string; none of them may reach the archive.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from gleaner.__main__ import main
from gleaner.core.archive import Archive
from gleaner.core.capture import capture
from gleaner.core.document import block_starts, canonical_text

PAGE_PATH = "/news/2023/night-shelter-vote"
HTML_UTF8 = "text/html; charset=utf-8"

TITLE = "Council backs night shelter plan"
SUBHEADING = "Police and volunteers give their views"
FURNITURE_MARKERS = [
    "Skip to content", "NORTHGATE COURIER MASTHEAD", "Menu item Sport", "Menu item Weather",
    "Menu item Puzzles", "COOKIE-BANNER-MARKER", "Accept all", "SHARE-MARKER", "SIDEBAR-MARKER",
    "NEWSLETTER-MARKER", "COMMENT-MARKER", "RELATED-MARKER", "FOOTER-MARKER",
    "TRACKING-SCRIPT-MARKER", "IFRAME-MARKER", "XSS-MARKER", "JS-LINK-MARKER",
    "tracker.example", "ads.example",
]


@pytest.fixture
def page_url(httpserver, news_page_html: bytes) -> str:
    httpserver.expect_request(PAGE_PATH).respond_with_data(news_page_html,
                                                           content_type=HTML_UTF8)
    return httpserver.url_for(PAGE_PATH)


@pytest.fixture
def saved(archive: Archive, page_url: str):
    """The article saved by URL, read back from the archive."""
    article_id, created = archive.save_article(capture(page_url))
    assert created
    return archive.get_article(article_id)


def test_metadata(saved, page_url: str) -> None:
    assert saved.title == TITLE
    assert "Northgate Courier" not in saved.title
    assert saved.byline == "Priya Vandermeer"
    assert saved.authors == ["Priya Vandermeer"]
    assert saved.published is not None and saved.published[:10] == "2023-11-02"
    assert saved.site_name == "Northgate Courier"
    assert saved.language == "en-GB"
    assert saved.url == page_url
    assert saved.url_requested == page_url


def test_article_text_is_the_story(saved) -> None:
    text = saved.text
    assert "a 40-bed night shelter" in text
    assert "will open before the end of winter" in text
    assert SUBHEADING in text
    assert "the council's statement" in text  # link text survives although its href was junk
    # The headline and the "By …" / date lines are shown by the reader's header, not repeated.
    assert not text.startswith(TITLE)
    assert "By Priya Vandermeer" not in text
    # Entities decoded, whitespace collapsed, one line per block.
    assert "£1.4 million" in text
    assert "  " not in text
    assert text.startswith("Northgate City Council has voted")
    assert text.endswith("could push the date back.")
    assert saved.word_count == len(text.split())


def test_structure_matches_text(saved) -> None:
    assert canonical_text(saved.blocks) == saved.text
    headings = [b for b in saved.blocks if b.kind == "heading"]
    assert [h.text for h in headings] == [SUBHEADING]
    assert headings[0].level == 2
    for block, start in zip(saved.blocks, block_starts(saved.blocks), strict=True):
        assert saved.text[start:start + len(block.text)] == block.text


@pytest.mark.parametrize("marker", FURNITURE_MARKERS)
def test_no_page_furniture(saved, marker: str) -> None:
    assert marker not in saved.text
    assert marker not in saved.html


def test_stored_html_is_sanitized(saved) -> None:
    html = saved.html.lower()
    for tag in ("<script", "<style", "<iframe", "<form", "<input", "<button", "<textarea"):
        assert tag not in html
    assert re.search(r"\son\w+=", html) is None
    assert "javascript:" not in html
    assert "<!--" not in html


def test_relative_link_made_absolute_against_final_url(saved, httpserver) -> None:
    hrefs = re.findall(r'href="([^"]*)"', saved.html)
    budget = [h for h in hrefs if h.endswith("/news/2023/budget")]
    assert len(budget) == 1
    assert urlsplit(budget[0]).scheme in ("http", "https")
    # The page was fetched from the test server, so that is the base a browser would use.
    assert budget[0] == httpserver.url_for("/news/2023/budget")
    for href in hrefs:
        assert urlsplit(href).scheme in ("http", "https", "mailto"), href


def test_javascript_link_is_not_turned_into_a_link_to_the_page(saved, page_url) -> None:
    """The page's only javascript: link must lose its target, not gain a made-up one.

    The original page has no link from "the council's statement" to the article itself; storing
    one puts a link in the archive that the page never had.
    """
    runs = [run for block in saved.blocks for run in block.runs
            if "the council's statement" in run.text]
    assert runs, "the link text is missing from the structure"
    assert all(run.href != page_url for run in runs)
    assert f'href="{page_url}"' not in saved.html


def test_original_bytes_are_kept(archive: Archive, saved, news_page_html: bytes) -> None:
    assert archive.original_html(saved.id) == news_page_html


def test_saving_again_returns_the_same_article(archive: Archive, saved, page_url) -> None:
    assert archive.save_article(capture(page_url)) == (saved.id, False)
    assert len(archive.list_articles()) == 1


@pytest.mark.parametrize("status", [301, 302])
def test_redirect_records_final_and_requested_url(archive: Archive, httpserver, page_url,
                                                  news_page_html: bytes, status: int) -> None:
    httpserver.expect_request("/old").respond_with_data(
        "", status=status, headers={"Location": PAGE_PATH})
    old_url = httpserver.url_for("/old")

    captured = capture(old_url)
    assert captured.url == page_url
    assert captured.url_requested == old_url

    article_id, created = archive.save_article(captured)
    assert created
    article = archive.get_article(article_id)
    assert article.url == page_url
    assert article.url_requested == old_url
    assert article.title == TITLE
    assert archive.original_html(article_id) == news_page_html
    # Either address now finds the article.
    assert archive.find_article_by_url(old_url) == article_id
    assert archive.find_article_by_url(page_url) == article_id
    assert archive.save_article(capture(page_url)) == (article_id, False)


def test_cli_add_by_url(tmp_path, page_url, capsys, news_page_html: bytes) -> None:
    path = tmp_path / "cli.gleaner"
    assert main(["--archive", str(path), "add", page_url]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert len(lines) == 1
    article_id, title = lines[0].split("\t")
    assert title == TITLE
    with Archive.open(path) as archive:
        article = archive.get_article(int(article_id))
        assert article.url == page_url
        assert article.byline == "Priya Vandermeer"
        assert "will open before the end of winter" in article.text
        for marker in FURNITURE_MARKERS:
            assert marker not in article.text
            assert marker not in article.html
        assert archive.original_html(article.id) == news_page_html
