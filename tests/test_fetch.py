"""Fetching and reading pages: every failure is a one-line CaptureError and leaves the archive
as it was; awkward encodings are decoded to the right text."""

from __future__ import annotations

import random
import socket
import threading
import time

import httpx
import pytest
from werkzeug import Response

from gleaner.core.archive import Archive
from gleaner.core.capture import capture, is_local_file
from gleaner.core.extract import extract_article
from gleaner.core.fetch import CaptureError, decode_html, fetch_url, normalise_url, read_file
from gleaner.core.tasks import Cancelled, Progress

HTML = "text/html"
HTML_UTF8 = "text/html; charset=utf-8"

# A realistic article with accented letters, a euro sign and a curly apostrophe: long enough that
# any reasonable reading of it is unambiguous.
ACCENTED_PARAGRAPHS = [
    "The café on the corner sells coffee for 3 € a cup, and the owner, a naïve but cheerful "
    "man from Zürich, serves crème brûlée on Sundays to anyone who asks politely.",
    "Residents say the résumé of the new manager is impressive; she previously ran a bistro in "
    "São Paulo and a piñata shop in Málaga before moving north with her family.",
    "Prices have risen by 12 % this year, according to the council’s figures, which were "
    "published on Tuesday and discussed at length at the meeting on Wednesday evening.",
]


def accented_page(head: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in ACCENTED_PARAGRAPHS * 2)
    return (f"<!DOCTYPE html><html><head>{head}<title>Café prices</title></head>"
            f"<body><article><h1>Café prices</h1>{body}</article></body></html>")


def article_page(words: int = 300) -> bytes:
    text = " ".join(f"word{i}" for i in range(words))
    return (f"<html><head><title>A long page</title></head><body><article><p>{text}</p>"
            "</article></body></html>").encode()


@pytest.fixture
def seeded(archive: Archive, sample_article_path) -> Archive:
    """An archive that already holds one article, so 'unchanged' means something."""
    archive.save_article(capture(str(sample_article_path)))
    return archive


def save(archive: Archive, source: str, **fetch_options) -> int:
    """The app's save path: capture (or fetch + extract, to pass limits), then store."""
    if fetch_options:
        article = extract_article(fetch_url(source, **fetch_options))
    else:
        article = capture(source)
    return archive.save_article(article)[0]


def assert_refused(archive: Archive, snapshot, source: str, match: str, **fetch_options) -> str:
    before = snapshot(archive)
    assert len(before[0]) == 1
    with pytest.raises(CaptureError, match=match) as caught:
        save(archive, source, **fetch_options)
    message = str(caught.value)
    assert message and "\n" not in message
    assert snapshot(archive) == before
    return message


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- HTTP failures -----------------------------------------------------------------------------

def test_404(seeded, snapshot, httpserver) -> None:
    httpserver.expect_request("/gone").respond_with_data("<p>Not here</p>", status=404,
                                                         content_type=HTML)
    message = assert_refused(seeded, snapshot, httpserver.url_for("/gone"), "404")
    assert message.startswith("the server answered 404")


def test_server_error(seeded, snapshot, httpserver) -> None:
    httpserver.expect_request("/broken").respond_with_data("oops", status=503,
                                                           content_type=HTML)
    assert_refused(seeded, snapshot, httpserver.url_for("/broken"), "503")


def test_pdf_is_not_a_web_page(seeded, snapshot, httpserver) -> None:
    httpserver.expect_request("/report.pdf").respond_with_data(
        b"%PDF-1.7\n" + b"x" * 2000, content_type="application/pdf")
    message = assert_refused(seeded, snapshot, httpserver.url_for("/report.pdf"),
                             "not a web page")
    assert "application/pdf" in message


def test_pdf_labelled_as_html_is_refused(seeded, snapshot, httpserver) -> None:
    httpserver.expect_request("/report").respond_with_data(b"%PDF-1.7\n<< /Type /Catalog >>",
                                                           content_type=HTML)
    assert_refused(seeded, snapshot, httpserver.url_for("/report"),
                   r"^not a web page \(a PDF document\)$")


def test_too_large_with_content_length(seeded, snapshot, httpserver) -> None:
    body = article_page(10_000)
    assert len(body) > 50_000
    httpserver.expect_request("/big").respond_with_data(body, content_type=HTML_UTF8)
    assert_refused(seeded, snapshot, httpserver.url_for("/big"), "too large",
                   max_bytes=10_000)


def test_too_large_streamed_without_content_length(seeded, snapshot, httpserver) -> None:
    body = article_page(10_000)

    def stream(request):
        chunks = (body[i:i + 4096] for i in range(0, len(body), 4096))
        return Response(chunks, content_type=HTML_UTF8)

    httpserver.expect_request("/stream").respond_with_handler(stream)
    url = httpserver.url_for("/stream")
    # The precondition: the server really does not say how big the page is.
    assert "content-length" not in httpx.get(url).headers
    assert_refused(seeded, snapshot, url, "larger than", max_bytes=10_000)


@pytest.mark.parametrize("streamed", [False, True])
def test_page_exactly_at_the_limit_is_accepted(seeded, httpserver, news_page_html,
                                               streamed: bool) -> None:
    if streamed:
        httpserver.expect_request("/exact").respond_with_handler(
            lambda request: Response(iter([news_page_html]), content_type=HTML_UTF8))
    else:
        httpserver.expect_request("/exact").respond_with_data(news_page_html,
                                                              content_type=HTML_UTF8)
    page = fetch_url(httpserver.url_for("/exact"), max_bytes=len(news_page_html))
    assert page.content == news_page_html
    with pytest.raises(CaptureError, match="too large|larger than"):
        fetch_url(httpserver.url_for("/exact"), max_bytes=len(news_page_html) - 1)


@pytest.mark.parametrize("body", [b"", b"   \n\t  "])
def test_empty_body(seeded, snapshot, httpserver, body: bytes) -> None:
    httpserver.expect_request("/empty").respond_with_data(body, content_type=HTML_UTF8)
    assert_refused(seeded, snapshot, httpserver.url_for("/empty"), "the page is empty")


def test_timeout(seeded, snapshot, httpserver) -> None:
    release = threading.Event()

    def slow(request):
        release.wait(5)
        return Response(article_page(), content_type=HTML_UTF8)

    httpserver.expect_request("/slow").respond_with_handler(slow)
    started = time.monotonic()
    try:
        message = assert_refused(seeded, snapshot, httpserver.url_for("/slow"),
                                 "did not answer", timeout=0.5)
    finally:
        release.set()
    assert time.monotonic() - started < 4
    assert "0.5 seconds" in message


def test_connection_refused(seeded, snapshot) -> None:
    url = f"http://127.0.0.1:{free_port()}/article"
    assert_refused(seeded, snapshot, url, "could not connect")


def test_redirect_loop(seeded, snapshot, httpserver) -> None:
    httpserver.expect_request("/loop").respond_with_data("", status=302,
                                                         headers={"Location": "/loop"})
    assert_refused(seeded, snapshot, httpserver.url_for("/loop"), "redirects in a loop")


def test_too_many_redirects(seeded, snapshot, httpserver) -> None:
    """A chain of distinct addresses that never ends is not a loop, but is cut off all the
    same after ten redirects (the eleventh is not followed)."""
    for step in range(12):
        httpserver.expect_request(f"/hop{step}").respond_with_data(
            "", status=302, headers={"Location": f"/hop{step + 1}"})
    assert_refused(seeded, snapshot, httpserver.url_for("/hop0"),
                   "^the address redirects more than 10 times$")
    assert not any(request.path == "/hop11" for request, _ in httpserver.log)


# --- what is not a web address -----------------------------------------------------------------

@pytest.mark.parametrize("source, match", [
    ("ftp://files.example.org/article", r"^ftp:// addresses cannot be saved \(only http"),
    ("javascript:alert(1)", r"^javascript: addresses cannot be saved \(only http"),
    ("mailto:editor@example.org", r"^mailto: addresses cannot be saved \(only http"),
    ("   ", "nothing to save"),
    ("https:///no-host", "no host name"),
])
def test_unsupported_sources_are_rejected(seeded, snapshot, source: str, match: str) -> None:
    assert_refused(seeded, snapshot, source, match)


def test_bare_domain_gets_https() -> None:
    assert normalise_url("example.org/news/story") == "https://example.org/news/story"
    assert normalise_url("  example.org  ") == "https://example.org"


@pytest.mark.parametrize("typed, expected", [
    ("localhost:8000/story", "http://localhost:8000/story"),
    ("127.0.0.1:8080", "http://127.0.0.1:8080"),
    ("example.org:443/story", "https://example.org:443/story"),
])
def test_host_and_port_without_scheme(typed: str, expected: str) -> None:
    """A host with a port is not a URL scheme ('localhost:' is not like 'ftp:')."""
    assert normalise_url(typed) == expected


def test_other_schemes_are_addresses_not_files(tmp_path, monkeypatch) -> None:
    """ftp://…/story.html must be refused as an ftp address, not looked for on disk."""
    monkeypatch.chdir(tmp_path)
    for source in ("ftp://files.example.org/story.html", "javascript:void(0)//.html",
                   "data:text/html,<p>x</p>.html"):
        assert not is_local_file(source)
    for source in ("C:\\pages\\story.html", "story.html", "file:///tmp/story.html"):
        assert is_local_file(source)


def test_bare_domain_ending_in_html_is_a_web_address(tmp_path, monkeypatch) -> None:
    """normalise_url accepts 'example.org/…' as a web address; a typed address whose page name
    ends in .html must not be taken for a file just because of its ending."""
    monkeypatch.chdir(tmp_path)  # no such file exists here
    source = "northgate-courier.example/news/2023/night-shelter-vote.html"
    assert normalise_url(source) == "https://" + source
    assert not is_local_file(source)


# --- pages with no article ---------------------------------------------------------------------

BROKEN_PAGES = {
    "random-bytes": random.Random(20231102).randbytes(4096),
    "menu-only": b"<html><body><nav>menu</nav></body></html>",
    "js-app-shell": (b'<!doctype html><html><head><title>App</title></head><body>'
                     b'<div id="root"></div><script src="/static/main.js"></script>'
                     b"</body></html>"),
    "meta-refresh-head-only": (b'<html><head><meta http-equiv="refresh" content="0; url=/new">'
                               b"<title>Redirecting</title></head></html>"),
}
CLEAR_REASONS = ("no readable article text|not an HTML page|could not be parsed|no article could"
                 r"|not a web page \(the content is binary data")


@pytest.mark.parametrize("name", list(BROKEN_PAGES))
def test_page_without_article(seeded, snapshot, httpserver, name: str) -> None:
    httpserver.expect_request("/page").respond_with_data(BROKEN_PAGES[name],
                                                         content_type=HTML)
    assert_refused(seeded, snapshot, httpserver.url_for("/page"), CLEAR_REASONS)


def test_menu_only_page_has_no_readable_text(httpserver) -> None:
    httpserver.expect_request("/menu").respond_with_data(BROKEN_PAGES["menu-only"],
                                                         content_type=HTML)
    with pytest.raises(CaptureError, match="no readable article text"):
        capture(httpserver.url_for("/menu"))


# --- decoding ----------------------------------------------------------------------------------

def assert_accented_text(html: str) -> None:
    assert "café" in html and "€" in html
    for paragraph in ACCENTED_PARAGRAPHS:
        assert paragraph in html
    assert "\ufffd" not in html


def test_header_charset_that_lies(httpserver) -> None:
    """windows-1252 bytes served as charset=utf-8: the label cannot decode them, so it is not
    trusted, and the text comes out right."""
    content = accented_page().encode("windows-1252")
    httpserver.expect_request("/lie").respond_with_data(content, content_type=HTML_UTF8)
    page = fetch_url(httpserver.url_for("/lie"))
    assert page.content == content
    assert_accented_text(page.html)
    assert page.charset == "cp1252"


def test_lying_charset_through_to_the_archive(archive: Archive, httpserver) -> None:
    content = accented_page().encode("windows-1252")
    httpserver.expect_request("/lie").respond_with_data(content, content_type=HTML_UTF8)
    article = archive.get_article(save(archive, httpserver.url_for("/lie")))
    assert article.title == "Café prices"
    assert ACCENTED_PARAGRAPHS[0] in article.text
    assert archive.original_html(article.id) == content


@pytest.mark.parametrize("declaration", [
    '<meta charset="windows-1252">',
    '<meta charset="iso-8859-1">',
    '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">',
])
def test_meta_charset_without_header_charset(httpserver, declaration: str) -> None:
    content = accented_page(declaration).encode("windows-1252")
    httpserver.expect_request("/meta").respond_with_data(content, content_type=HTML)
    url = httpserver.url_for("/meta")
    assert httpx.get(url).headers["content-type"] == HTML  # no charset in the header
    page = fetch_url(url)
    assert_accented_text(page.html)
    assert page.charset == "cp1252"  # the HTML standard reads latin-1 labels as windows-1252


@pytest.mark.parametrize("encoding, header", [
    ("shift_jis", '<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">'),
    ("koi8-r", '<meta charset="KOI8-R">'),
])
def test_non_latin_meta_charset(httpserver, encoding: str, header: str) -> None:
    """Declared only in the page (the header has no charset); neither is valid UTF-8."""
    text = {"shift_jis": "夜間シェルターの計画が市議会で承認されました。",
            "koi8-r": "Городской совет одобрил план ночного приюта."}[encoding]
    html = f"<html><head>{header}<title>News</title></head><body><p>{text}</p></body></html>"
    httpserver.expect_request("/intl").respond_with_data(html.encode(encoding),
                                                         content_type=HTML)
    page = fetch_url(httpserver.url_for("/intl"))
    assert text in page.html
    assert page.charset == encoding


@pytest.mark.parametrize("bom, encoding", [(b"\xef\xbb\xbf", "utf-8"),
                                           (b"\xff\xfe", "utf-16-le")])
def test_byte_order_mark_beats_header(httpserver, bom: bytes, encoding: str) -> None:
    content = bom + accented_page().encode(encoding)
    httpserver.expect_request("/bom").respond_with_data(
        content, content_type="text/html; charset=windows-1252")
    page = fetch_url(httpserver.url_for("/bom"))
    assert_accented_text(page.html)
    assert not page.html.startswith("\ufeff")
    assert page.html.startswith("<!DOCTYPE html>")


def test_decode_prefers_a_working_header_over_meta() -> None:
    content = accented_page('<meta charset="koi8-r">').encode("utf-8")
    html, charset = decode_html(content, "utf-8")
    assert charset == "utf-8"
    assert_accented_text(html)


# --- local files -------------------------------------------------------------------------------

def test_missing_file(seeded, snapshot, tmp_path) -> None:
    assert_refused(seeded, snapshot, str(tmp_path / "nowhere.html"), "^no such file$")


def test_directory_is_not_a_file(seeded, snapshot, tmp_path) -> None:
    folder = tmp_path / "saved.html"
    folder.mkdir()
    assert_refused(seeded, snapshot, str(folder), "is not a file")


def test_file_too_large(tmp_path) -> None:
    path = tmp_path / "big.html"
    path.write_bytes(article_page(10_000))
    with pytest.raises(CaptureError, match="too large"):
        read_file(path, max_bytes=10_000)


def test_latin1_file_without_declaration(tmp_path) -> None:
    text = accented_page().replace("€", "EUR").replace("’", "'")
    path = tmp_path / "saved.html"
    path.write_bytes(text.encode("latin-1"))
    page = read_file(path)
    assert page.html == text
    assert page.url == path.resolve().as_uri()


def test_latin1_file_with_declaration_through_capture(archive: Archive, tmp_path) -> None:
    path = tmp_path / "my saved page.html"
    content = accented_page('<meta charset="iso-8859-1">').replace("’", "'").replace("€", "EUR")
    path.write_bytes(content.encode("latin-1"))
    for source in (str(path), path.as_uri()):
        captured = capture(source)
        assert captured.title == "Café prices"
        assert "a naïve but cheerful man from Zürich, serves crème brûlée" in captured.text
        assert captured.original_html == path.read_bytes()
        assert captured.url_requested == path.resolve().as_uri()


# --- progress and cancelling -------------------------------------------------------------------

def test_progress_reports_and_final_fraction(httpserver, news_page_html) -> None:
    httpserver.expect_request("/p").respond_with_data(news_page_html, content_type=HTML_UTF8)
    reports: list[tuple[str, float | None]] = []
    capture(httpserver.url_for("/p"), Progress(lambda m, f: reports.append((m, f)), 0))
    assert reports[0][0].startswith("Downloading")
    assert reports[-1][1] == 1.0
    fractions = [f for _, f in reports if f is not None]
    assert all(0 <= f <= 1 for f in fractions)


def test_cancelled_capture_saves_nothing(seeded, snapshot, httpserver, news_page_html) -> None:
    httpserver.expect_request("/p").respond_with_data(news_page_html, content_type=HTML_UTF8)
    progress = Progress()
    progress.cancel()
    before = snapshot(seeded)
    with pytest.raises(Cancelled):
        seeded.save_article(capture(httpserver.url_for("/p"), progress))
    assert snapshot(seeded) == before


# --- charsets browsers read differently from Python's codecs ---------------------------------

def test_windows_1252_with_a_byte_python_leaves_undefined() -> None:
    """0x81 is undefined in Python's cp1252 but browsers pass it through; the page's declared
    charset must still win, not a guess that garbles every accented letter."""
    body = "<html><head><title>t</title></head><body><p>café costs 3 €</p></body></html>"
    content = body.encode("cp1252").replace(b"3", b"3\x81", 1)
    for header in ("windows-1252", "iso-8859-1"):
        text, charset = decode_html(content, header)
        assert charset == "cp1252"
        assert "café costs 3\x81 €" in text


def test_meta_utf16_on_an_ascii_page_means_utf8() -> None:
    body = ('<html><head><meta charset="utf-16"><title>t</title></head>'
            "<body><p>naïve café</p></body></html>")
    content = body.encode("utf-8")
    if len(content) % 2:
        content += b" "
    text, charset = decode_html(content)
    assert charset == "utf-8"
    assert "naïve café" in text


def test_iso_2022_jp_page_is_not_taken_for_binary(tmp_path) -> None:
    paragraph = "<p>国境の警備が強化されたと政府は発表した。</p>" * 30
    html = (f'<html><head><meta charset="iso-2022-jp"><title>国境</title></head>'
            f"<body><article>{paragraph}</article></body></html>")
    path = tmp_path / "jp.html"
    path.write_bytes(html.encode("iso2022_jp"))
    page = read_file(path)
    assert "国境の警備" in page.html
