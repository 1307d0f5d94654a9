"""Reading is offline and inert: a saved page that tries every trick to make the reader fetch
something (remote images, srcset, CSS url() and @import, style sheets, frames, objects, embeds,
SVG images, a meta refresh, file:, relative and UNC image paths) is shown in the real window
while a local HTTP server counts requests and inotify watches a bait file for opens: the
reader makes no request and opens no file. Links open only on click and only for http(s).

The page is saved as the app saves it (capture, then save_article); saving may read images
next to a saved page, so the request count and the watch start only once it is saved.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import dataclasses
import os
import re
import struct
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QTextBrowser
from pytest_httpserver import HTTPServer

from gleaner.core import operations
from gleaner.core.capture import capture
from gleaner.core.document import Block, Picture, Run

from .conftest import point_of

IN_OPEN = 0x00000020
IN_NONBLOCK = os.O_NONBLOCK
PNG = bytes.fromhex(  # a 1x1 grey PNG, served for every remote address
    "89504e470d0a1a0a0000000d4948445200000001000000010800000000"
    "3a7e9b550000000a49444154789c6360000000020001e221bc330000000049454e44ae426082")
FORBIDDEN_IN_STORED_HTML = ["file:", "javascript:", "<iframe", "<object", "<embed", "<link",
                            "<style", "@import", "url("]
HOSTILE_LINKS = ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,<b>x</b>",
                 "gleaner-image:evil", "ms-settings:privacy", "smb://127.0.0.1/share"]

PARAGRAPH = ("The tide tables for the estuary were printed on thin paper and pinned beside the "
             "harbour office door, where fishermen read them before dawn and argued about the "
             "wind, the season and the price of diesel, as they had every morning for years.")


class Inotify:
    """A minimal inotify watch through libc (no dependency): counts IN_OPEN events."""

    def __init__(self) -> None:
        self.libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        self.fd = self.libc.inotify_init1(IN_NONBLOCK)
        assert self.fd >= 0, os.strerror(ctypes.get_errno())

    def watch(self, path: Path) -> None:
        """Report opens of this file (or, for a folder, of anything in it)."""
        wd = self.libc.inotify_add_watch(self.fd, os.fsencode(path), IN_OPEN)
        assert wd >= 0, os.strerror(ctypes.get_errno())

    def opens(self) -> list[str]:
        """The opens reported since the last call: the name opened ('' for a watched file)."""
        found = []
        while True:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                return found
            offset = 0
            while offset < len(data):
                _wd, mask, _cookie, length = struct.unpack_from("iIII", data, offset)
                name = data[offset + 16: offset + 16 + length].rstrip(b"\0").decode()
                if mask & IN_OPEN:
                    found.append(name)
                offset += 16 + length

    def close(self) -> None:
        os.close(self.fd)


def hostile_page(remote: str, bait: Path) -> str:
    """A page of our own text whose markup tries every way of loading something."""
    bait_url = bait.as_uri()
    links = " ".join(f'<a href="{href}">link {i}</a>' for i, href in enumerate(HOSTILE_LINKS))
    return f"""<!doctype html>
<html><head><title>The harbour office notices</title>
<meta http-equiv="refresh" content="0; url={remote}/refresh">
<link rel="stylesheet" href="{remote}/sheet.css">
<link rel="icon" href="{remote}/favicon.ico">
<link rel="preload" as="image" href="{remote}/preload.png">
<style>@import url("{remote}/import.css"); body {{ background: url({remote}/bg.png); }}
@font-face {{ font-family: X; src: url({remote}/font.woff2); }}</style>
</head><body style="background-image: url('{remote}/body-bg.png')">
<article>
<h1>The harbour office notices</h1>
<p style="background: url({remote}/p-bg.png)">{PARAGRAPH}</p>
<p><img src="{remote}/remote.png" alt="remote image"></p>
<p><img src="{remote}/fallback.png" srcset="{remote}/one.png 1x, {remote}/two.png 2x"
   alt="srcset image"></p>
<picture><source srcset="{remote}/source.webp" type="image/webp">
<img src="{remote}/picture.png" alt="picture image"></picture>
<p>{PARAGRAPH}</p>
<p><img src="{bait_url}" alt="file image"> <img src="{bait}" alt="absolute path image">
<img src="bait.png" alt="relative image"> <img src="../bait.png" alt="parent image">
<img src="\\\\127.0.0.1\\share\\bait.png" alt="unc image">
<img src="//127.0.0.1/share/bait.png" alt="protocol relative image"></p>
<iframe src="{remote}/frame.html"></iframe>
<object data="{remote}/object.swf"></object>
<embed src="{remote}/embed.swf">
<svg width="10" height="10"><image href="{remote}/svg.png" width="10" height="10"/>
<image xlink:href="{bait_url}" width="10" height="10"/></svg>
<video poster="{remote}/poster.png" src="{remote}/video.mp4"></video>
<audio src="{remote}/audio.mp3"></audio>
<p>{PARAGRAPH} Read more: {links} and <a href="{remote}/web">a web link</a>.</p>
<p>{PARAGRAPH}</p>
<script src="{remote}/script.js"></script>
</article></body></html>"""


@pytest.fixture
def counting_server(httpserver: HTTPServer) -> HTTPServer:
    """The local server answers any path with a small image (and logs every request)."""
    httpserver.expect_request(re.compile(".*")).respond_with_data(PNG, content_type="image/png")
    return httpserver


def anchors(reader) -> list[tuple[int, str]]:
    """(document position, href) of each link fragment on the reader's page."""
    found = []
    block = reader.document().begin()
    while block.isValid():
        for fragment in (item.fragment() for item in block):
            char_format = fragment.charFormat()
            if char_format.isAnchor():
                found.append((fragment.position() + fragment.length() // 2,
                              char_format.anchorHref()))
        block = block.next()
    return found


def hover_and_click_every_link(qtbot, reader) -> list[str]:
    """Move over every link and click it, as a user would; the hrefs clicked."""
    clicked = []
    viewport = reader.viewport()
    for position, href in anchors(reader):
        cursor = reader.textCursor()
        cursor.setPosition(position)
        reader.setTextCursor(cursor)
        reader.ensureCursorVisible()
        point = reader.cursorRect(cursor).center() - QPoint(2, 0)
        qtbot.mouseMove(viewport, point)
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=point)
        clicked.append(href)
    return clicked


def settle(qtbot, window) -> None:
    """Let the page paint and its images arrive, then scroll to its end and paint again."""
    reader = window.reader
    qtbot.waitUntil(lambda: reader.loading_images() == 0, timeout=5000)
    reader.viewport().repaint()
    bar = reader.verticalScrollBar()
    bar.setValue(bar.maximum())
    reader.viewport().repaint()
    qtbot.wait(200)


def test_hostile_page_is_read_without_a_request_or_an_open(open_window, archive, qtbot,
                                                             tmp_path: Path, counting_server,
                                                             monkeypatch) -> None:
    # The reader's surroundings, apart from the archive's folder: the archive process opens
    # that folder itself (SQLite syncs it after copying its log into the file).
    reading = tmp_path / "reading"
    pages = reading / "pages"
    pages.mkdir(parents=True)
    bait = reading / "bait.png"
    bait.write_bytes(PNG)
    (pages / "bait.png").write_bytes(PNG)  # what the relative path names beside the page
    remote = counting_server.url_for("").rstrip("/")
    page = pages / "harbour.html"
    page.write_text(hostile_page(remote, bait), encoding="utf-8")
    article_id, _ = operations.save_article(archive, capture(str(page))).value

    stored = archive.get_article(article_id).html
    for marker in FORBIDDEN_IN_STORED_HTML:
        assert marker not in stored.lower(), marker

    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    monkeypatch.chdir(reading)  # a relative path the reader resolved would name the bait
    window = open_window(archive)
    requests_before = len(counting_server.log)
    watch = Inotify()
    try:
        for path in (bait, pages / "bait.png", pages, reading):
            watch.watch(path)
        window.show_article(article_id)
        settle(qtbot, window)
        clicked = hover_and_click_every_link(qtbot, window.reader)
        qtbot.wait(100)
        assert watch.opens() == []
    finally:
        watch.close()
    assert len(counting_server.log) == requests_before
    assert "web link" in window.reader.toPlainText()
    # Only the http(s) links open, each in the system browser, and only when clicked.
    assert clicked, "the page kept no links to click"
    assert {url.scheme() for url in opened} <= {"http", "https"}
    assert len(opened) == sum(href.startswith(("http:", "https:")) for href in clicked)
    assert [url.toString() for url in opened if url.path() == "/web"], opened


def test_hostile_links_and_images_in_stored_blocks_stay_inert(open_window, archive, qtbot,
                                                                tmp_path: Path, counting_server,
                                                                monkeypatch) -> None:
    """Stored data is untrusted again when shown: blocks naming hostile links and images as
    if they were the archive's own (as a tampered or older archive could) load and open
    nothing."""
    reading = tmp_path / "reading"  # apart from the archive's folder, as above
    reading.mkdir()
    bait = reading / "bait.png"
    bait.write_bytes(PNG)
    remote = counting_server.url_for("").rstrip("/")
    page = reading / "plain.html"
    page.write_text(f"<html><head><title>Plain</title></head><body><article><h1>Plain</h1>"
                    f"<p>{PARAGRAPH}</p><p>{PARAGRAPH}</p></article></body></html>",
                    encoding="utf-8")
    article_id, _ = operations.save_article(archive, capture(str(page))).value
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    monkeypatch.chdir(reading)
    window = open_window(archive)
    window.show_article(article_id)
    article = window.reader.article
    names = [bait.as_uri(), str(bait), "bait.png", f"{remote}/remote.png",
             "\\\\127.0.0.1\\share\\bait.png"]
    pictures = tuple(Picture(name=name, src=name, alt=name) for name in names)
    runs = tuple(Run(text=f"hostile {i} ", href=href) for i, href in enumerate(HOSTILE_LINKS))
    blocks = (*article.blocks, Block(kind="paragraph", runs=runs, images=pictures))
    tampered = dataclasses.replace(article, blocks=list(blocks), text=article.text + "\n"
                                   + "".join(run.text for run in runs))
    requests_before = len(counting_server.log)
    watch = Inotify()
    try:
        for path in (bait, reading):
            watch.watch(path)
        window.reader.show_article(tampered, [], [])
        settle(qtbot, window)
        clicked = hover_and_click_every_link(qtbot, window.reader)
        qtbot.wait(100)
        assert watch.opens() == []
    finally:
        watch.close()
    assert len(counting_server.log) == requests_before
    assert set(HOSTILE_LINKS) <= set(clicked)
    assert opened == []
    # Each named image is a "not saved" placeholder: none was read from disk or network.
    assert window.reader.shown_images() == dict.fromkeys(names, False)
    assert point_of(window.reader, 0) is not None


def test_the_watch_sees_a_plain_text_browser_read_the_bait(qapp, qtbot, tmp_path: Path) -> None:
    """The check above is not vacuous: Qt's own QTextBrowser, given the stored HTML of a page
    naming the bait by path, opens it, and the inotify watch reports that."""
    bait = tmp_path / "bait.png"
    bait.write_bytes(PNG)
    watch = Inotify()
    try:
        watch.watch(bait)
        assert watch.opens() == []
        browser = QTextBrowser()
        qtbot.addWidget(browser)
        browser.setHtml(f'<p>text</p><img src="{bait}">')
        browser.show()
        qtbot.waitExposed(browser)
        assert watch.opens() != []
    finally:
        watch.close()
