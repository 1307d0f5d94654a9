"""Duplicates: a page saved before is recognised by its address (tracking parameters, fragment,
www. and scheme aside), its canonical address, the same saved file, or the same file bytes."""

from __future__ import annotations

import shutil
import zlib
from pathlib import Path

import pytest
from sqlite_utils import Database

from gleaner.core import operations
from gleaner.core.archive import Archive
from gleaner.core.capture import capture
from gleaner.core.schema import migrations
from gleaner.core.urls import content_key, url_key

SITES = Path(__file__).resolve().parent / "fixtures" / "sites"
HTML = "text/html; charset=utf-8"


@pytest.mark.parametrize("one, other", [
    ("https://news.example/a/story", "https://news.example/a/story?utm_source=tw&utm_medium=x"),
    ("https://news.example/a/story", "http://www.news.example/a/story/"),
    ("https://news.example/a/story", "https://NEWS.example/a/story#comments"),
    ("https://news.example/a/story?id=4", "https://news.example/a/story?fbclid=abc&id=4"),
    ("https://news.example/a/story?id=4", "https://news.example/a/story?id=4&gclid=zz"),
    ("http://127.0.0.1:8080/p", "http://127.0.0.1:8080/p?utm_campaign=c"),
])
def test_same_page_same_key(one: str, other: str) -> None:
    assert url_key(one) == url_key(other) != ""


@pytest.mark.parametrize("one, other", [
    ("https://news.example/article.php?story=123", "https://news.example/article.php?story=124"),
    ("https://news.example/a?9", "https://news.example/a?10"),
    ("https://news.example/a/story", "https://news.example/b/story"),
    ("http://127.0.0.1:8080/p", "http://127.0.0.1:8081/p"),
    ("https://news.example/a/story", "https://other.example/a/story"),
])
def test_different_pages_different_keys(one: str, other: str) -> None:
    assert url_key(one) != url_key(other)


def test_only_web_addresses_have_keys() -> None:
    assert url_key("file:///tmp/a.html") == url_key("javascript:alert(1)") == ""


def test_content_key_ignores_spacing_only() -> None:
    assert content_key("a  b\nc") == content_key("a b c") != content_key("a b d")


def _page(title: str, canonical: str = "") -> bytes:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    words = " ".join(f"{title.lower()} sentence number {n} about shelters." for n in range(60))
    return (f"<html><head><title>{title}</title>{link}</head><body><article><h1>{title}</h1>"
            f"<p>{words}</p></article></body></html>").encode()


def test_tracking_parameters_and_fragment_are_the_same_page(archive: Archive,
                                                            httpserver) -> None:
    httpserver.expect_request("/story").respond_with_data(_page("Shelter"), content_type=HTML)
    first, created = operations.save_article(
        archive, capture(httpserver.url_for("/story"))).value
    again, created_again = operations.save_article(
        archive, capture(httpserver.url_for("/story") + "?utm_source=news&fbclid=1#top")).value
    assert created and not created_again and again == first
    assert archive.article_count() == 1
    assert archive.find_article_by_url(httpserver.url_for("/story/?utm_medium=mail")) == first


def test_canonical_address_recognises_a_copy(archive: Archive, httpserver) -> None:
    original = httpserver.url_for("/original")
    httpserver.expect_request("/original").respond_with_data(_page("Camp"), content_type=HTML)
    httpserver.expect_request("/amp").respond_with_data(
        _page("Camp amp", canonical=original), content_type=HTML)
    first, _ = operations.save_article(archive, capture(original)).value
    copy, created = operations.save_article(archive, capture(httpserver.url_for("/amp"))).value
    assert (copy, created) == (first, False)


def test_same_text_at_two_addresses_is_two_sources(archive: Archive, httpserver) -> None:
    """A wire story printed by two outlets is two articles to a researcher."""
    for path in ("/outlet-one", "/outlet-two"):
        httpserver.expect_request(path).respond_with_data(_page("Wire"), content_type=HTML)
    one, _ = operations.save_article(archive, capture(httpserver.url_for("/outlet-one"))).value
    two, created = operations.save_article(
        archive, capture(httpserver.url_for("/outlet-two"))).value
    assert created and one != two


def test_same_file_bytes_elsewhere_is_a_duplicate(archive: Archive, tmp_path: Path) -> None:
    source = SITES / "multi_author.html"
    copy = tmp_path / "renamed copy.html"
    shutil.copy(source, copy)
    first, _ = operations.save_article(archive, capture(str(source))).value
    assert operations.save_article(archive, capture(str(copy))).value == (first, False)
    assert operations.save_article(archive, capture(str(source))).value == (first, False)
    other, created = operations.save_article(archive, capture(str(SITES / "wordpress.html"))).value
    assert created and other != first


def test_deleting_an_article_forgets_its_keys_and_undo_restores_them(archive: Archive,
                                                                    httpserver) -> None:
    httpserver.expect_request("/gone").respond_with_data(_page("Gone"), content_type=HTML)
    url = httpserver.url_for("/gone")
    article_id, _ = operations.save_article(archive, capture(url)).value
    operations.delete_article(archive, article_id)
    assert archive.find_article_by_url(url) is None
    operations.undo(archive)
    assert archive.find_article_by_url(url + "#again") == article_id


def test_migration_keys_existing_articles(tmp_path: Path) -> None:
    path = tmp_path / "old.gleaner"
    db = Database(path)
    migrations.apply(db, stop_before="0005_article_assets_and_keys")
    article_id = db.execute(
        "INSERT INTO articles (guid, url_requested, url, title, saved_at) VALUES "
        "('g', 'https://a.example/x?utm_source=t', 'https://www.a.example/x', 'Old', 't')"
    ).lastrowid
    db.execute("INSERT INTO article_contents (article_id, html, structure, text, original_html)"
               " VALUES (?, '<p>Hi</p>', '[]', 'Hi there', ?)",
               [article_id, zlib.compress(b"<html>old bytes</html>")])
    db.conn.commit()
    db.close()
    with Archive.open(path) as archive:
        assert archive.find_article_by_url("http://a.example/x#top") == article_id
        keys = dict(archive.db.execute("SELECT kind, key FROM article_keys WHERE kind != 'url'"))
        assert keys == {"source": content_key(b"<html>old bytes</html>"),
                        "text": content_key("Hi there")}
