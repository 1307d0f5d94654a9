"""Property tests: random bytes, hostile text and malformed HTML thrown at decoding, extraction,
sanitizing and block building.

Whatever a page holds, the only error that may come out is Gleaner's own CaptureError, whose
message is one line a person can read (no traceback, no exception name), and every call ends
within TIME_BOUND seconds: an interval timer interrupts a call that runs longer (re and Python
code check for signals), and the measured time is asserted as well, for C code that does not.
Example counts are kept small so that the whole file runs in a few seconds by default; set
GLEANER_PROPERTY_EXAMPLES for a longer hunt.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import time
from pathlib import Path
from tempfile import TemporaryDirectory

import lxml.html
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gleaner.core.capture import capture, extract_page
from gleaner.core.document import Block, blocks_from_html
from gleaner.core.errors import CaptureError
from gleaner.core.extract import ALLOWED_TAGS, sanitize_html
from gleaner.core.fetch import RawPage, decode_html
from gleaner.core.models import CapturedArticle

TIME_BOUND = 5.0  # seconds any single call may take, however hostile its input
# What a message for people must not contain: exception names, tracebacks, library names.
TECHNICAL = re.compile(r"Traceback|Exception|[a-z]Error\b|[A-Z]{2}Error\b|<class|\bNone\b"
                       r"|File \"|lxml|nh3|readability|trafilatura")
# HTML forbids these; decode_html promises to drop them (lxml refuses them, SQLite mangles them).
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# GLEANER_PROPERTY_EXAMPLES=2000 for a long hunt; the default keeps the file to a few seconds.
EXAMPLES = int(os.environ.get("GLEANER_PROPERTY_EXAMPLES", "40"))
FAST = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.large_base_example])
SLOWER = settings(FAST, max_examples=max(1, EXAMPLES * 3 // 8))
WORDS = ("The council met on Tuesday to discuss the night shelter and its funding. " * 4)


class _OutOfTime(Exception):
    """Raised by the interval timer. An Exception, so that Hypothesis shrinks and reports the
    input; code under test that swallows it is still caught by the measured time."""


@contextlib.contextmanager
def bounded(what: str):
    """Fail when the block runs longer than TIME_BOUND, interrupting it if Python code runs."""
    def expire(signum, frame):
        raise _OutOfTime(f"{what} ran longer than {TIME_BOUND} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, TIME_BOUND)
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    elapsed = time.monotonic() - started
    assert elapsed < TIME_BOUND, f"{what} took {elapsed:.1f} s"


def assert_clear(error: CaptureError) -> None:
    """A refusal a person can read: one short line, no Python vocabulary."""
    message = str(error)
    assert message.strip(), "an empty message"
    assert "\n" not in message and "\r" not in message, repr(message)
    assert not TECHNICAL.search(message), repr(message)


def outcome(call, *args, what: str):
    """call(*args) within the time bound; its result, or None after a clear CaptureError.
    Any other exception propagates and fails the property."""
    with bounded(what):
        try:
            return call(*args)
        except CaptureError as error:
            assert_clear(error)
            return None


# --- strategies ----------------------------------------------------------------------------------

HOSTILE_CHARACTERS = st.sampled_from(
    ["\x00", "\x01", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\ud800", "\udbff", "\udc00",
     "\udfff", "\ufeff", "\ufffe", "\uffff", "\U0010ffff", "\u2028", "\u202e", "<", ">", "&",
     "\"", "'", "]]>", "-->", "\r\n", "\u0301"])
# st.characters() leaves out surrogates unless told otherwise; these let them in.
ANY_CHARACTER = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())
HOSTILE_TEXT = st.lists(st.one_of(ANY_CHARACTER, HOSTILE_CHARACTERS, st.text(max_size=20)),
                        max_size=60).map("".join)
CHARSET_LABELS = st.one_of(
    st.sampled_from(["", "utf-8", "UTF8", "utf-16", "utf-16-be", "utf-32", "utf-7", "latin1",
                     "windows-1252", "shift_jis", "euc-jp", "gb18030", "koi8-r", "x-user-defined",
                     "iso-2022-jp", "hz", "rot13", "base64", "zlib", "bogus", "utf-8x",
                     "iso-8859-1x", "idna", "punycode", "undefined", "unicode_escape",
                     "raw_unicode_escape", "uu", "\x00", "é"]),
    st.text(max_size=20))

TAGS = ["div", "p", "span", "b", "i", "a", "table", "tr", "td", "ul", "li", "section", "article",
        "font", "blockquote", "pre", "code", "h1", "h2", "img", "svg", "math", "select", "form",
        "template", "noscript", "iframe", "object", "textarea", "title", "head", "body", "html",
        "frameset", "xmp", "plaintext", "listing", "table"]
ENTITIES = ["&amp", "&amp;", "&#0;", "&#x0;", "&#xD800;", "&#xDFFF;", "&#x110000;",
            "&#xFFFFFFFFFFFF;", "&#99999999999999999999;", "&#;", "&#x;", "&nbsp", "&notin",
            "&unknown;", "&", "&&&;", "&#128;", "&#x85;", "&lt;script&gt;"]


@st.composite
def piece(draw) -> str | bytes:
    """One fragment of a malformed page: text, a tag left open or closed wrongly, deep
    nesting, a huge attribute, a bogus charset, a broken entity, or raw bytes in another
    encoding."""
    tag = draw(st.sampled_from(TAGS))
    kind = draw(st.integers(0, 14))
    if kind == 0:
        return WORDS
    if kind == 1:
        attribute = draw(st.sampled_from(["", " class=x", " id=", ' a="', " / ", "/"]))
        return f"<{tag}{attribute}>"
    if kind == 2:
        return f"</{tag}>" * draw(st.integers(1, 3))
    if kind == 3:
        depth = draw(st.sampled_from([10, 300, 2_100, 5_000]))
        inner = draw(st.sampled_from(["", WORDS]))
        close = draw(st.booleans())
        if depth <= 300 and draw(st.booleans()):  # text at every level, not only the deepest
            return (f"<{tag}>" + inner) * depth + (f"</{tag}>" * depth if close else "")
        return f"<{tag}>" * depth + inner + (f"</{tag}>" * depth if close else "")
    if kind == 4:
        size = draw(st.sampled_from([1_000, 30_000, 200_000]))  # the explicit examples go to 1 MB
        name = draw(st.sampled_from(["title", "class", "style", "src", "href", "x" * 500]))
        return f'<{tag} {name}="{draw(st.sampled_from(["a", "&amp;", "<", " "])) * size}">'
    if kind == 5:
        charset = draw(CHARSET_LABELS).replace('"', "")
        return draw(st.sampled_from([f'<meta charset="{charset}">',
                                     f'<meta http-equiv="Content-Type" content="text/html; '
                                     f'charset={charset}">',
                                     f"<meta charset={charset}", f'<?xml encoding="{charset}"?>']))
    if kind == 6:
        return "".join(draw(st.lists(st.sampled_from(ENTITIES), max_size=8)))
    if kind == 7:
        return draw(st.sampled_from(["<![CDATA[", "<![CDATA[ x ]]>", "]]>", "<!-->", "<!--",
                                     "<!---->", "--!>", "<!DOCTYPE", "<!doctype html x y>",
                                     "<?php", "<%", "<!", "</>", "<>", "< p>", "<p<p<p"]))
    if kind == 8:
        return draw(st.sampled_from(["<script>", "<style>", "<script>var x = '</scr' + 'ipt>';",
                                     "<style>@import url(x); body{", "<textarea>", "<title>",
                                     "<noscript>", "<plaintext>", "<xmp>", "<iframe srcdoc='"]))
    if kind == 9:
        return draw(HOSTILE_TEXT)
    if kind == 10:
        return draw(st.binary(max_size=200))
    if kind == 11:  # the same words in another encoding, raw, in the middle of the page
        encoding = draw(st.sampled_from(["latin-1", "utf-16-le", "utf-16-be", "shift_jis",
                                         "cp1251", "utf-32"]))
        return "Zürich café naïve déjà vu €".encode(encoding, errors="replace")
    if kind == 13:  # one element with thousands of attributes
        count = draw(st.sampled_from([10, 3_000, 30_000]))
        return f"<{tag} " + " ".join(f"a{i}=x" for i in range(count)) + ">"
    if kind == 12:
        return draw(st.sampled_from(['<img src="/dev/zero">', '<img src="file:///dev/urandom">',
                                     '<img src="../../../../etc/passwd">', "<img src=>",
                                     '<img srcset=",,, 1x, ,">', '<a href="javascript:x()">',
                                     '<img src="data:image/png;base64,!!!">',
                                     '<img src="http://[::1">', '<a href="http://%zz">']))
    return draw(st.sampled_from(["<html>", "<head>", "<body>", "</html>", "</body>", "<table>",
                                 "<td>", "<tr>", "<li>", "<p>", "<br/>", "<hr>", "<h1>"]))


@st.composite
def malformed_page(draw) -> bytes:
    """A malformed page's bytes: fragments joined, the text ones in a chosen encoding."""
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "cp1252", "utf-16", "shift_jis"]))
    parts = []
    for part in draw(st.lists(piece(), min_size=1, max_size=12)):
        parts.append(part if isinstance(part, bytes)
                     else part.encode(encoding, errors="surrogatepass" if encoding == "utf-8"
                                      else "replace"))
    return b"".join(parts)


def page_of(content: bytes, url: str = "https://example.org/news/story",
            header_charset: str = "") -> RawPage:
    """A RawPage as fetch would make it."""
    html, charset = outcome(decode_html, content, header_charset, what="decode_html")
    return RawPage(url, url, content, html, charset)


def check_article(article: CapturedArticle | None) -> None:
    """An extracted article holds only storable text and blocks that match it."""
    if article is None:
        return
    assert isinstance(article, CapturedArticle)
    assert article.text.strip()
    assert not FORBIDDEN.search(article.text + article.html + article.title)
    assert all(isinstance(block, Block) for block in article.blocks)


# --- decoding ------------------------------------------------------------------------------------

@FAST
@given(st.binary(max_size=4_096), CHARSET_LABELS)
@example(b"\xff\xfe\x00\xd8", "")  # a UTF-16 BOM then a lone surrogate
@example(b"\xed\xa0\x80<p>x", "utf-8")  # a lone surrogate in UTF-8
@example(b"<meta charset=utf-7>+AGEAYgBj-", "")
@example(b"<p>x", "base64")  # found: a codec that is no charset raised LookupError
@example(b"\x00", "punycode")  # found: punycode refuses with UnicodeError, not its subclass
@example(b"", "\x00")  # found: a NUL in the label raised ValueError
@example(b"", "undefined")  # found: a charset that can encode nothing was returned
@example(b"<p>\xef\xbf\xbe</p>", "utf-8")  # U+FFFE, which lxml refuses
def test_decode_html_always_gives_clean_text(content, header_charset):
    """Any bytes under any declared charset decode to text without control characters or
    surrogates, and to the name of a charset Python knows."""
    result = outcome(decode_html, content, header_charset, what="decode_html")
    assert result is not None, "decode_html refused bytes; it must always decode"
    html, charset = result
    assert isinstance(html, str) and isinstance(charset, str)
    assert not FORBIDDEN.search(html)
    html.encode("utf-8")  # storable as it is
    "".encode(charset)  # a real codec name


# --- the whole extraction ------------------------------------------------------------------------

@FAST
@given(st.binary(max_size=4_096), st.sampled_from(["https://example.org/a/b", "file:///tmp/x.html"]))
def test_extract_page_from_random_bytes(content, url):
    """Random bytes: an article or one clear CaptureError, nothing else, in bounded time."""
    check_article(outcome(extract_page, page_of(content, url), what="extract_page"))


@SLOWER
@given(malformed_page(), CHARSET_LABELS)
@example(b"<div>" * 5_000 + WORDS.encode() + b"</div>" * 5_000, "")
@example(b"<table><tr><td>" * 2_000 + WORDS.encode(), "")
@example(b"<p title=\"" + b"x" * 1_000_000 + b"\">" + WORDS.encode(), "")
@example(b"<p>" + WORDS.encode() + b"<!-- never closed <p>" + WORDS.encode(), "")
@example(b"<p>" + WORDS.encode() + b"<script> never closed", "")
@example(b"<meta charset=\"rot13\"><p>" + WORDS.encode(), "base64")
@example(b"<table><tr><td>" * 2_100 + WORDS.encode(), "")  # found: 20 s in the extractors
@example(("<table><tr><td>" + WORDS).encode() * 400, "")  # found: 5 s in the extractors
def test_extract_page_from_malformed_html(content, header_charset):
    """Malformed HTML (unclosed tags, nesting thousands deep, huge attributes, bogus charsets,
    broken entities, comments and scripts never closed, mixed encodings): an article or one
    clear CaptureError, nothing else, in bounded time."""
    page = page_of(content, header_charset=header_charset)
    check_article(outcome(extract_page, page, what="extract_page"))


@SLOWER
@given(st.lists(st.one_of(piece(), HOSTILE_TEXT), max_size=8))
@example([WORDS, '<img src="http://[::1">'])  # found: urlsplit's ValueError escaped
@example([WORDS, "<div>", "\x1f"])  # found: a control character kept in the stored HTML
@example([WORDS, "<![CDATA[ x ]]>", "\x08"])  # found: lxml's ValueError escaped
@example(["<p " + " ".join(f"a{i}=x" for i in range(100_000)) + ">", WORDS])  # found: 220 s
@example([WORDS, "<p>x</p>" * 10_000])  # found: quadratic in identical paragraphs
def test_extract_page_from_hostile_text(parts):
    """Text that never went through decode_html (NUL, lone surrogates, control characters)
    handed straight to extraction: an article or one clear CaptureError."""
    html = "".join(part if isinstance(part, str) else part.decode("latin-1") for part in parts)
    page = RawPage("https://example.org/x", "https://example.org/x", b"", html, "utf-8")
    check_article(outcome(extract_page, page, what="extract_page"))


# --- sanitizing and block building ---------------------------------------------------------------

def decoded(content: bytes) -> str:
    return decode_html(content)[0]


PAGE_TEXT = st.one_of(HOSTILE_TEXT, malformed_page().map(decoded))


@FAST
@given(PAGE_TEXT)
@example("\x00<p>a\ud800b</p>")
@example("<script>" * 1_000)
@example("<div>" * 5_000 + "x")
@example("<p>" + "&" * 1_000_000)  # found: nh3 took 6 s (quadratic in one run of text)
@example("<p>" + "\xa0" * 1_000_000)
@example('<p title="' + "&" * 1_000_000 + '">x')
def test_sanitize_html_keeps_only_reading_markup(html):
    """Any text sanitizes to storable text whose elements are all on the allowlist, with no
    event handler and no javascript:, data: or file: address."""
    clean = outcome(sanitize_html, html, what="sanitize_html")
    if clean is None:
        return
    assert isinstance(clean, str)
    assert not FORBIDDEN.search(clean)
    if not clean.strip():
        return
    tree = lxml.html.fragment_fromstring(clean, create_parent="div")
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        assert element.tag == "div" or element.tag in ALLOWED_TAGS, element.tag
        assert not [name for name in element.attrib if name.lower().startswith("on")]
        href = re.sub(r"[\x00-\x20]", "", element.get("href", "") + element.get("src", ""))
        assert not href.lower().startswith(("javascript:", "data:", "vbscript:", "file:")), href


@SLOWER
@given(PAGE_TEXT)
@example("\x00")
@example("\ud800<p>x</p>")
@example("<p>\x0b</p>")
@example("\ufffe")  # found: lxml's ValueError escaped
@example("<html>")  # found: lxml's AssertionError escaped
@example("<div>" * 5_000 + "x")
def test_blocks_from_html_never_fails_unclearly(html):
    """Any text, sanitized or not, gives reading blocks or one clear CaptureError."""
    for text in (html, outcome(sanitize_html, html, what="sanitize_html")):
        if text is None:
            continue
        blocks = outcome(blocks_from_html, text, what="blocks_from_html")
        if blocks is not None:
            assert all(isinstance(block, Block) for block in blocks)


# --- a file on disk, the whole capture -----------------------------------------------------------

@SLOWER
@given(st.one_of(malformed_page(), st.binary(max_size=2_048)),
       st.sampled_from(["page.html", "page.htm", "odd name é.xhtml"]))
def test_capture_a_file_of_anything(content, name):
    """capture() of a file holding anything (images included, which may name /dev/zero or a
    path outside the folder): an article or one clear CaptureError."""
    with TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        article = outcome(lambda: capture(str(path), image_deadline=2.0), what="capture")
    check_article(article)
