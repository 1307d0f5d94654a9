"""Images kept offline with a saved article (core.images, through core.capture).

A page served from 127.0.0.1 uses every common way of placing an image (lazy-loading
attributes, srcset, <picture>, a figure with a caption, a lead image in og:image) next to
images that must not be kept (a 404, an HTML page labelled image/png, one too large, one too
slow, an SVG, a tracking pixel): the good ones are stored, the others left out, and the save
neither fails nor waits past its deadline. Saved pages ("Save page as, complete") have their
images read from their own folder only.
"""

from __future__ import annotations

import dataclasses
import os
import random
import re
import shutil
import struct
import threading
import time
import zlib
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from gleaner.core import images as images_module
from gleaner.core import operations
from gleaner.core.archive import Archive
from gleaner.core.capture import capture, collect_images, extract_page, load_page
from gleaner.core.document import (
    Block,
    Picture,
    Run,
    blocks_from_html,
    blocks_from_json,
    blocks_to_json,
    canonical_text,
    image_name,
    pictures,
)
from gleaner.core.fetch import RawPage, fetch_image
from gleaner.core.images import resolve_images, sniff_image
from gleaner.core.tasks import Cancelled, Progress

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAVED = FIXTURES / "saved_pages"
COMPLETE_PAGE = SAVED / "complete" / "Field notes from the marsh.html"
HTML = "text/html; charset=utf-8"


def png(width: int, height: int, rgb: tuple[int, int, int] = (90, 140, 200)) -> bytes:
    """A valid PNG of one colour, written by hand (the core tests do not use Qt)."""
    row = b"\x00" + bytes(rgb) * width
    return (b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + _chunk(b"IDAT", zlib.compress(row * height)) + _chunk(b"IEND", b""))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + \
        struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def noise_png(width: int, height: int) -> bytes:
    """A PNG of random pixels, which does not compress: its size is about 3 bytes a pixel."""
    pixels = random.Random(7).randbytes(width * height * 3)
    rows = b"".join(b"\x00" + pixels[y * width * 3:(y + 1) * width * 3] for y in range(height))
    return png(1, 1)[:16] + struct.pack(">II", width, height) + png(1, 1)[24:33] + \
        _chunk(b"IDAT", zlib.compress(rows)) + _chunk(b"IEND", b"")


LAZY = png(40, 30, (200, 80, 80))
WIDE = png(48, 30, (80, 200, 80))
CAPTIONED = png(50, 30, (80, 80, 200))
SOURCE_JPEG = (FIXTURES / "images" / "heron.jpg").read_bytes()
SOURCE_WEBP = (FIXTURES / "images" / "reeds.webp").read_bytes()
LEAD = (FIXTURES / "images" / "lead.jpg").read_bytes()
HUGE = noise_png(320, 320)  # about 300 KB: over the cap the tests set
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
SLOW_SECONDS = 4.0
DEADLINE = 1.5

PARAGRAPH = ("The reading room reopened in spring after the flood, and the volunteers who "
             "dried the ledgers one page at a time were the first to be let back in. ")

ARTICLE = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Drying the ledgers</title>
<meta property="og:image" content="/media/lead-card.jpg">
</head><body><main><article>
<h1>Drying the ledgers</h1>
<p>{PARAGRAPH * 2}</p>
<p>{PARAGRAPH}</p>
<p>{PARAGRAPH}</p>
<p><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="/img/lazy.png"
  class="lazyload" alt="Ledgers on a drying rack"></p>
<p>{PARAGRAPH * 2} First marker sentence.</p>
<img srcset="/img/wide-400.png 400w, /img/wide-1200.png 1200w, /img/wide-2400.png 2400w"
  src="/img/wide-400.png" alt="The long table">
<p>{PARAGRAPH} Second marker sentence.</p>
<picture>
  <source type="image/avif" srcset="/img/photo.avif">
  <source media="(max-width: 600px)" srcset="/img/photo-small.jpg">
  <source type="image/webp" srcset="/img/photo.webp">
  <img src="/img/photo-fallback.jpg" alt="Volunteers at work">
</picture>
<p>{PARAGRAPH} Third marker sentence.</p>
<figure><img data-lazy-src="/img/captioned.png" src="/img/blank.gif" alt="A dried page">
<figcaption>A page after three weeks on the rack.</figcaption></figure>
<p>{PARAGRAPH}</p>
<p><img data-original="/img/jpeg.jpg" alt="The reading room"></p>
<p>{PARAGRAPH}<img src="/img/missing.png" alt="Gone"> Middle of a paragraph.</p>
<p><img src="/img/not-an-image.png" alt="Mislabelled"><img src="/img/huge.png" alt="Huge"></p>
<p><img src="/img/slow.png" alt="Slow"><img src="/img/drawing.svg" alt="Drawing"></p>
<p>{PARAGRAPH} Last sentence of the article.</p>
<p><img src="/img/pixel.gif" width="1" height="1" alt=""></p>
</article></main></body></html>"""

GOOD = {"/img/lazy.png": LAZY, "/img/wide-1200.png": WIDE, "/img/photo.webp": SOURCE_WEBP,
        "/img/captioned.png": CAPTIONED, "/img/jpeg.jpg": SOURCE_JPEG,
        "/media/lead-card.jpg": LEAD}
BAD = ["/img/missing.png", "/img/not-an-image.png", "/img/huge.png", "/img/slow.png",
       "/img/drawing.svg"]


@pytest.fixture(scope="module")
def site():
    """A threaded server (a slow image must not hold up the others) with the article."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    stop = threading.Event()
    server.expect_request("/story").respond_with_data(ARTICLE, content_type=HTML)
    server.expect_request("/plain").respond_with_data(_without_images(ARTICLE), content_type=HTML)
    quick = ARTICLE.replace('<img src="/img/slow.png" alt="Slow">', "")
    server.expect_request("/quick").respond_with_data(quick, content_type=HTML)
    for path, data in GOOD.items():
        kind = "image/webp" if path.endswith(".webp") else \
            "image/jpeg" if path.endswith(".jpg") else "image/png"
        server.expect_request(path).respond_with_data(data, content_type=kind)
    server.expect_request("/img/missing.png").respond_with_data("gone", status=404)
    server.expect_request("/img/not-an-image.png").respond_with_data(
        "<html><body>Not an image</body></html>", content_type="image/png")
    server.expect_request("/img/huge.png").respond_with_data(HUGE, content_type="image/png")
    server.expect_request("/img/drawing.svg").respond_with_data(SVG,
                                                                content_type="image/svg+xml")

    def slow(_request):
        stop.wait(SLOW_SECONDS)
        return Response(png(10, 10), content_type="image/png")

    server.expect_request("/img/slow.png").respond_with_handler(slow)
    yield server
    stop.set()
    server.clear()
    server.stop()


def _without_images(page: str) -> str:
    return re.sub(r"<img\b[^>]*>|</?picture>|<source\b[^>]*>", "", page)


def _requested(server: HTTPServer) -> list[str]:
    return [request.path for request, _response in server.log]


def _capture_with_images(url: str):
    """The three steps bulk import runs, with limits small enough for a test."""
    page = load_page(url)
    article = extract_page(page)
    started = time.monotonic()
    kept = collect_images(article, page, deadline=DEADLINE, max_bytes=200 * 1024)
    return article, kept, time.monotonic() - started


@pytest.fixture(scope="module")
def captured(site):
    return _capture_with_images(site.url_for("/story"))


def test_good_images_are_kept_and_bad_ones_left_out(captured, site) -> None:
    _bare, article, _seconds = captured
    by_url = {image.url: image for image in article.images}
    expected = {site.url_for(path): data for path, data in GOOD.items()}
    assert set(by_url) == set(expected)
    for url, data in expected.items():
        assert by_url[url].data == data
        assert by_url[url].name == image_name(url)
    assert {image.media_type for image in article.images} == {"image/png", "image/jpeg",
                                                              "image/webp"}
    assert not any(url.endswith(tuple(BAD)) for url in by_url)


def test_collecting_is_bounded_in_time(captured) -> None:
    _bare, _article, seconds = captured
    assert seconds < DEADLINE + 1.0  # the slow image was given up, the save went on


def test_tracking_pixels_and_unshown_sources_are_not_requested(captured, site) -> None:
    requested = _requested(site)
    for path in ("/img/pixel.gif", "/img/photo.avif", "/img/photo-small.jpg",
                 "/img/photo-fallback.jpg", "/img/wide-400.png", "/img/wide-2400.png",
                 "/img/blank.gif"):
        assert path not in requested


def test_pictures_stand_where_the_page_has_them(captured, site) -> None:
    _bare, article, _seconds = captured
    blocks = article.blocks
    first = blocks[0]
    assert [p.src for p in first.images] == [site.url_for("/media/lead-card.jpg")]

    def before(marker: str) -> list[str]:
        block = next(b for b in blocks if marker in b.text)
        return [p.src for p in block.images]

    assert before("First marker sentence.") == [site.url_for("/img/lazy.png")]
    assert before("Second marker sentence.") == [site.url_for("/img/wide-1200.png")]
    assert before("Third marker sentence.") == [site.url_for("/img/photo.webp")]
    caption = next(b for b in blocks if b.kind == "caption")
    assert caption.text == "A page after three weeks on the rack."
    assert [p.src for p in caption.images] == [site.url_for("/img/captioned.png")]
    assert [p.alt for p in caption.images] == ["A dried page"]
    # An image inside a paragraph's text is shown after that paragraph, never inside it.
    middle = next(i for i, b in enumerate(blocks) if "Middle of a paragraph." in b.text)
    assert "Gone" in [p.alt for p in blocks[middle + 1].images]
    assert blocks[-1].text.endswith("Last sentence of the article.")
    names = [p.name for p in pictures(blocks)]
    assert names == [image_name(p.src) for p in pictures(blocks)]


def test_stored_html_names_the_kept_images(captured, site) -> None:
    _bare, article, _seconds = captured
    sources = re.findall(r'<img [^>]*src="([^"]*)"', article.html)
    kept = {image.name for image in article.images}
    assert kept <= set(sources)
    assert site.url_for("/img/missing.png") in sources  # what was not kept says where it was
    assert not any(src.startswith("data:") for src in sources)


def test_text_and_blocks_do_not_change_with_images(captured, site) -> None:
    bare, article, _seconds = captured
    assert article.text == bare.text
    assert article.blocks == bare.blocks
    without = capture(site.url_for("/story"), images=False)
    assert without.text == article.text and without.images == ()
    plain = extract_page(load_page(site.url_for("/plain")))
    assert plain.text == article.text
    assert [p.src for p in pictures(plain.blocks)] == [site.url_for("/media/lead-card.jpg")]


def test_saved_with_images_and_restored_by_undo(captured, archive: Archive) -> None:
    _bare, article, _seconds = captured
    article_id, created = operations.save_article(archive, article).value
    assert created
    names = sorted(image.name for image in article.images)
    assert archive.article_asset_names(article_id) == names
    for image in article.images:
        assert archive.article_asset(article_id, image.name) == (image.media_type, image.data)
    assert archive.get_article(article_id).blocks == article.blocks
    operations.delete_article(archive, article_id)
    assert archive.article_asset_names(article_id) == []
    assert archive.article_asset(article_id, names[0]) is None
    operations.undo(archive)
    assert archive.article_asset_names(article_id) == names
    for image in article.images:
        assert archive.article_asset(article_id, image.name) == (image.media_type, image.data)
    operations.redo(archive)
    assert archive.article_asset_names(article_id) == []


def test_capture_keeps_the_images(site) -> None:
    article = capture(site.url_for("/quick"))  # the slow image left out: no waiting here
    # huge.png is within the app's own cap, so it is kept too.
    assert {image.url for image in article.images} == \
        {site.url_for(path) for path in [*GOOD, "/img/huge.png"]}
    assert all(sniff_image(image.data) for image in article.images)


def test_cancel_stops_collecting(site) -> None:
    page = load_page(site.url_for("/story"))
    article = extract_page(page)
    progress = Progress()
    threading.Timer(0.3, progress.cancel).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        collect_images(article, page, progress, deadline=10)
    assert time.monotonic() - started < 2.0


def test_bounded_number_and_total(site) -> None:
    page = load_page(site.url_for("/quick"))
    article = extract_page(page)
    assert len(collect_images(article, page, max_images=2).images) == 2
    small = collect_images(article, page, max_total=len(LEAD) + 10)
    assert small.images
    assert sum(len(image.data) for image in small.images) <= len(LEAD) + 10


def test_fetch_image_keeps_the_page_bounds(site) -> None:
    data, final = fetch_image(site.url_for("/img/lazy.png"), max_bytes=1024 * 1024)
    assert data == LAZY and final == site.url_for("/img/lazy.png")
    with pytest.raises(Exception, match="404"):
        fetch_image(site.url_for("/img/missing.png"), max_bytes=1024)
    with pytest.raises(Exception, match="larger than|too large"):
        fetch_image(site.url_for("/img/huge.png"), max_bytes=1024)
    with pytest.raises(Exception, match="cannot be saved"):
        fetch_image("file:///etc/passwd", max_bytes=1024)


# --- saved pages: images from the page's own folder only ------------------------------------

def test_complete_saved_page_uses_its_files_folder() -> None:
    article = capture(str(COMPLETE_PAGE))
    folder = COMPLETE_PAGE.parent / "Field notes from the marsh_files"
    kept = {image.url.rsplit("/", 1)[-1]: image for image in article.images}
    assert set(kept) == {"heron.jpg", "reeds.webp", "sunrise.png"}
    for name, image in kept.items():
        assert image.data == (folder / name).read_bytes()
    assert [image.media_type for image in article.images] == ["image/jpeg", "image/webp",
                                                              "image/png"]
    shown = pictures(article.blocks)
    assert [p.alt for p in shown] == ["A grey heron standing in shallow water",
                                      "Reed stems leaning in the wind",
                                      "Sunrise over the estuary",
                                      "An otter we did not photograph"]
    caption = next(b for b in article.blocks if b.kind == "caption")
    assert caption.text.startswith("The heron that watched us")
    assert [p.alt for p in caption.images] == ["A grey heron standing in shallow water"]
    # The canonical address is where the page came from, not where its images are.
    assert article.url.startswith("https://marshnotes.example/")
    assert article.text == capture(str(COMPLETE_PAGE), images=False).text


def test_saved_page_never_reads_outside_its_folder(tmp_path, monkeypatch) -> None:
    copy = tmp_path / "escape"
    shutil.copytree(SAVED / "escape", copy)
    folder = copy / "page"
    os.symlink(copy / "secret.png", folder / "page_files" / "outside-link.png")
    opened: list[str] = []
    real_open = os.open

    def watching(path, *args, **kwargs):
        opened.append(os.fspath(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(images_module.os, "open", watching)
    article = capture(str(folder / "page.html"))
    secret = (copy / "secret.png").read_bytes()
    assert [image.url for image in article.images] == ["page_files/ok.png"]
    assert all(image.data != secret for image in article.images)
    inside_copy = [path for path in opened if path.startswith(str(copy.resolve()))]
    assert inside_copy == [str((folder / "page_files" / "ok.png").resolve())]
    assert not [path for path in opened if "secret" in path or "passwd" in path]
    # The refused images show as placeholders (their pictures stay, with nothing saved).
    alts = [p.alt for p in pictures(article.blocks)]
    assert {"one level up", "an absolute path", "a file address", "an encoded step",
            "a link that leads out"} <= set(alts)


@pytest.mark.parametrize("src", ["../secret.png", "/etc/passwd", "file:///etc/passwd",
                                 "a/../../secret.png", "..%2Fsecret.png", "C:/secret.png",
                                 "http://127.0.0.1:1/x.png", "page_files/\x00.png"])
def test_local_reader_refuses_paths_leading_out(tmp_path, src: str) -> None:
    (tmp_path / "secret.png").write_bytes(png(4, 4))
    folder = tmp_path / "page"
    folder.mkdir()
    page = RawPage("file://" + str(folder / "page.html"), (folder / "page.html").as_uri(),
                   b"", "", "utf-8")
    article = _article_with([Picture(image_name(src), src)])
    assert collect_images(article, page).images == ()


def test_local_reader_does_not_block_on_a_pipe(tmp_path) -> None:
    os.mkfifo(tmp_path / "pipe.png")
    page = RawPage("", (tmp_path / "page.html").as_uri(), b"", "", "utf-8")
    started = time.monotonic()
    assert collect_images(_article_with([Picture("img-0", "pipe.png")]), page).images == ()
    assert time.monotonic() - started < 2


def _article_with(shown: list[Picture]):
    article = extract_page(load_page(str(COMPLETE_PAGE)))
    blocks = [Block("paragraph", (Run("text"),), images=tuple(shown))]
    return dataclasses.replace(article, blocks=blocks, text="text", html="<p>text</p>")


# --- finding images in markup ----------------------------------------------------------------

def _resolved(markup: str, page_url: str = "https://news.example/a/story") -> list[str | None]:
    import lxml.html

    root = lxml.html.document_fromstring(f"<html><body>{markup}</body></html>")
    resolve_images(root, page_url)
    return [img.get("src") for img in root.iter("img") if img.getparent().tag != "noscript"]


@pytest.mark.parametrize("markup, expected", [
    ('<img src="/a.jpg">', "https://news.example/a.jpg"),
    ('<img src="data:image/gif;base64,AAAA" data-src="b.jpg">', "https://news.example/a/b.jpg"),
    ('<img src="/blank.gif" data-lazy-src="/c.jpg">', "https://news.example/c.jpg"),
    ('<img data-original="//cdn.example/d.jpg">', "https://cdn.example/d.jpg"),
    ('<img srcset="/s.jpg 300w, /m.jpg 1000w, /l.jpg 2000w">', "https://news.example/m.jpg"),
    ('<img srcset="/s.jpg 300w, /m.jpg 800w">', "https://news.example/m.jpg"),
    ('<img srcset="/one.jpg 1x, /two.jpg 2x, /three.jpg 3x">', "https://news.example/two.jpg"),
    ('<img data-srcset="/w_300,h_200/x.jpg 300w, /w_1200,h_800/x.jpg 1200w" src="/p.gif">',
     "https://news.example/w_1200,h_800/x.jpg"),
    ('<picture><source type="image/avif" srcset="/p.avif"><source srcset="/p.webp" '
     'type="image/webp"><img src="/p.jpg"></picture>', "https://news.example/p.webp"),
    ('<picture><source media="(max-width: 599px)" srcset="/small.jpg">'
     '<source media="(min-width: 600px)" srcset="/big.jpg"><img src="/p.jpg"></picture>',
     "https://news.example/big.jpg"),
    ('<img src="data:image/gif;base64,AAAA"><noscript><img src="/real.jpg"></noscript>',
     "https://news.example/real.jpg"),
    ('<img src="/pixel.gif" width="1" height="1">', None),
    ('<img class="wp-smiley emoji" src="/smile.png">', None),
    ('<img src="javascript:alert(1)">', None),
])
def test_the_image_a_browser_would_show(markup: str, expected: str | None) -> None:
    assert _resolved(markup)[0] == expected


def test_saved_page_images_resolve_against_the_file_not_a_base() -> None:
    found = _resolved('<img src="page_files/a.png">', "file:///home/me/page.html")
    assert found == ["file:///home/me/page_files/a.png"]


def test_pictures_in_blocks_and_their_json() -> None:
    blocks = blocks_from_html('<img src="https://x.example/top.jpg" alt="Top"><p>One</p>'
                              '<p>Two <img src="https://x.example/in.jpg"> three</p>'
                              '<figure><img src="https://x.example/f.jpg"><figcaption>Cap'
                              '</figcaption></figure><p>End</p><img src="https://x.example/z.png">')
    assert canonical_text(blocks) == "One\nTwo three\nCap\nEnd"
    assert [p.alt for p in blocks[0].images] == ["Top"]
    assert [p.src for p in blocks[2].images] == ["https://x.example/in.jpg",
                                                 "https://x.example/f.jpg"]
    assert [p.src for p in blocks[3].images_after] == ["https://x.example/z.png"]
    assert blocks_from_json(blocks_to_json(blocks)) == blocks
    old = [{"k": "paragraph", "r": [{"t": "One"}]}]  # stored before images were kept
    assert blocks_from_json(old) == [Block("paragraph", (Run("One"),))]
    assert "im" not in blocks_to_json(blocks)[1]


def test_sniffing_accepts_only_raster_images() -> None:
    assert sniff_image(png(3, 2)) == ("image/png", 3, 2)
    assert sniff_image(SOURCE_JPEG) == ("image/jpeg", 800, 450)
    assert sniff_image(SOURCE_WEBP) == ("image/webp", 600, 400)
    assert sniff_image(b"GIF89a\x05\x00\x04\x00" + b"\x00" * 10)[1:] == (5, 4)
    assert sniff_image(SVG) is None
    assert sniff_image(b"<html>not an image</html>") is None
    assert sniff_image(png(3, 2)[:40]) is None  # cut short
    huge_canvas = png(1, 1).replace(struct.pack(">II", 1, 1), struct.pack(">II", 90000, 90000))
    assert sniff_image(huge_canvas) is None


def test_lead_image_from_json_ld_and_when_it_is_left_out() -> None:
    import lxml.html

    from gleaner.core.images import add_lead_image, lead_image

    page = lxml.html.document_fromstring(
        '<html><head><script type="application/ld+json">{"@graph": [{"@type": "WebSite"},'
        ' {"@type": ["NewsArticle"], "image": {"@type": "ImageObject", "url": "/m/lead.jpg"}}]}'
        '</script></head><body><p>x</p></body></html>')
    assert lead_image(page, "https://news.example/a/b") == "https://news.example/m/lead.jpg"
    assert lead_image(page, "file:///home/me/saved.html") is None  # not fetched from disk
    lead = "https://news.example/uploads/harbour.jpg"
    plain = [Block("paragraph", (Run(f"Paragraph {n}."),)) for n in range(6)]
    blocks, html = add_lead_image(plain, "<p>…</p>", lead)
    assert [p.src for p in blocks[0].images] == [lead] and html.startswith("<figure><img")
    assert canonical_text(blocks) == canonical_text(plain)
    near_top = [plain[0], Block("paragraph", (Run("b"),), images=(Picture("img-x", "o.jpg"),))]
    assert add_lead_image(near_top, "", lead)[0] == near_top  # the article shows its own
    same_later = [*plain, Block("paragraph", (Run("c"),), images=(
        Picture("img-y", "https://cdn.example/uploads/harbour-1024x683.jpg"),))]
    assert add_lead_image(same_later, "", lead)[0] == same_later  # another size of it


def test_saved_page_prefers_its_own_copy_to_a_remote_srcset() -> None:
    found = _resolved('<img src="page_files/a.png" srcset="https://cdn.example/a-1200.jpg 1200w">',
                      "file:///home/me/page.html")
    assert found == ["file:///home/me/page_files/a.png"]
    on_the_web = _resolved('<img src="a.png" srcset="https://cdn.example/a-1200.jpg 1200w">')
    assert on_the_web == ["https://cdn.example/a-1200.jpg"]
