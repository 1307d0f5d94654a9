"""A corpus of bad inputs for saving an article, and of awkward pages that must still be saved.

Every bad input goes through the app's own path (`capture`, then `operations.save_article`) and
must be refused with one line a person understands (its whole wording is checked, with no
Python exception names in it), within a bounded time, leaving every table of the archive as it
was (compared as an SQL dump). Pages are served on 127.0.0.1 by pytest-httpserver, or by a raw
socket server for what a well-behaved HTTP server cannot send: a trickle, a broken answer.
Large inputs (a 60 MB page, compression bombs) are made on the fly, never stored.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import random
import re
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

from gleaner.core import fetch, operations
from gleaner.core.archive import Archive
from gleaner.core.capture import capture
from gleaner.core.fetch import CaptureError

BAD = Path(__file__).resolve().parent / "fixtures" / "bad"
HTML = "text/html"
HTML_UTF8 = "text/html; charset=utf-8"
QUICK = 3.0  # seconds any refusal may take, apart from the deliberately slow servers
# What a message for people must not contain: exception names, errno codes, library names.
TECHNICAL = re.compile(r"Errno|Traceback|Exception|[a-z]Error\b|[A-Z]{2}Error\b|\[\d+\]"
                       r"|httpx|httpcore|h11|lxml|<class|\bNone\b")
ACCENTED_WORDS = ["café", "naïve", "Zürich", "crème brûlée", "résumé", "São Paulo",
                  "piñata shop in Málaga", "3 € a cup", "council’s figures"]
WORDS = " ".join(["The council met on Tuesday to discuss the night shelter."] * 6)


# --- the archive and how a save is judged -------------------------------------------------------

@pytest.fixture(scope="module")
def shared(tmp_path_factory, ) -> Archive:
    """One archive for the module (opening one per test would cost seconds), holding an
    article so that 'unchanged' means something."""
    from gleaner.core.resources import resource_path

    archive = Archive.open(tmp_path_factory.mktemp("bad") / "test.gleaner")
    operations.save_article(archive, capture(str(resource_path("sample-article.html"))))
    yield archive
    archive.close()


def dump(archive: Archive) -> str:
    """Every table's schema and rows, as SQL text."""
    return "\n".join(archive.db.iterdump())


def refuse(archive: Archive, source: str, reason: str, within: float = QUICK,
           **limits) -> str:
    """Save source as the app does; assert it is refused with a message that fully matches the
    reason pattern, quickly, and that the archive did not change."""
    before = dump(archive)
    assert "INSERT INTO" in before
    started = time.monotonic()
    with pytest.raises(CaptureError) as caught:
        operations.save_article(archive, capture(source, **limits))
    elapsed = time.monotonic() - started
    message = str(caught.value)
    assert re.fullmatch(reason, message), message
    assert message == message.strip() and "\n" not in message and len(message) < 300
    assert not TECHNICAL.search(message), message
    assert elapsed < within, f"took {elapsed:.1f} s: {message}"
    assert dump(archive) == before
    return message


def save(archive: Archive, source: str, **limits):
    """Save source as the app does; the stored article."""
    article_id, created = operations.save_article(archive, capture(source, **limits)).value
    assert created
    return archive.get_article(article_id)


def assert_accents(text: str) -> None:
    for words in ACCENTED_WORDS:
        assert words in text
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffd]", text)


# --- a raw socket server, for answers no proper HTTP server gives ------------------------------

Handler = Callable[[socket.socket, threading.Event], None]


class RawServer:
    """A TCP server on 127.0.0.1 running handler(connection, stop) for each connection."""

    def __init__(self, handler: Handler, stop: threading.Event) -> None:
        self.handler = handler
        self.stop = stop
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, path: str = "/page", scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()
        self.sock.close()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            connection.settimeout(5)
            with contextlib.suppress(OSError):  # the client hung up, as it should if it gives up
                self.handler(connection, self.stop)


def read_head(connection: socket.socket) -> bytes:
    """The request's line and headers (a GET has no body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        more = connection.recv(4096)
        if not more:
            break
        data += more
    return data


def answer(head: bytes, body: bytes = b"", close: bool = True) -> Handler:
    """A handler that sends a fixed answer, then (by default) closes the connection."""

    def handle(connection: socket.socket, stop: threading.Event) -> None:
        read_head(connection)
        connection.sendall(head + body)
        if not close:
            stop.wait(10)

    return handle


def answer_bytes(body: bytes) -> bytes:
    return (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n"
            % len(body)) + body


def trickle(prefix: bytes, drip: bytes, every: float = 1.0) -> Handler:
    """Send prefix, then one byte of drip each `every` seconds: never idle long enough for a
    read timeout, never finished."""

    def handle(connection: socket.socket, stop: threading.Event) -> None:
        read_head(connection)
        connection.sendall(prefix)
        for byte in drip:
            if stop.wait(every):
                return
            connection.sendall(bytes([byte]))

    return handle


def stream_forever(head: bytes, block: bytes, total: int) -> Handler:
    """Send head, then block again and again up to total bytes (or until the client leaves)."""

    def handle(connection: socket.socket, stop: threading.Event) -> None:
        read_head(connection)
        connection.sendall(head)
        sent = 0
        while sent < total and not stop.is_set():
            connection.sendall(block)
            sent += len(block)

    return handle


# --- the corpus ----------------------------------------------------------------------------------

@dataclass
class Bad:
    """A bad input: the source to save, the pattern its refusal must match, limits to pass."""

    source: str
    reason: str
    limits: dict = field(default_factory=dict)
    within: float = QUICK


@dataclass
class Servers:
    """What a corpus entry may set up: the HTTP server, raw servers, files, patches."""

    http: object
    tmp_path: Path
    monkeypatch: pytest.MonkeyPatch
    stop: threading.Event

    def raw(self, handler: Handler) -> RawServer:
        return RawServer(handler, self.stop)

    def page(self, path: str, body: bytes | str, content_type: str = HTML_UTF8,
             status: int = 200, headers: dict | None = None) -> str:
        self.http.expect_request(path).respond_with_data(
            body, status=status, content_type=content_type, headers=headers)
        return self.http.url_for(path)


CORPUS: dict[str, Callable[[Servers], Bad]] = {}


def bad(name: str):
    def register(make: Callable[[Servers], Bad]) -> Callable[[Servers], Bad]:
        assert name not in CORPUS
        CORPUS[name] = make
        return make

    return register


@cache
def bomb(megabytes: int, wbits: int) -> bytes:
    """megabytes of zeros, compressed (wbits 31: gzip, 15: zlib-wrapped deflate)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = bytes(1 << 20)
    return b"".join([*(compressor.compress(block) for _ in range(megabytes)),
                     compressor.flush()])


def article_html(title: str = "Night shelter") -> bytes:
    return (f"<html><head><title>{title}</title></head><body><article><p>{WORDS}</p>"
            "</article></body></html>").encode()


# HTTP error statuses, named in words.

for _status, _words in [
    (404, r"404 Not Found \(check the address\)"),
    (410, r"410 Gone \(the page was removed\)"),
    (403, r"403 Forbidden \(the site refuses to show this page, perhaps without a login\)"),
    (401, r"401 Unauthorized \(the page needs a login\)"),
    (429, r"429 Too Many Requests \(too many requests; try again later\)"),
    (500, r"500 Internal Server Error \(a problem on the website's side; try again later\)"),
    (503, r"503 Service Unavailable \(a problem on the website's side; try again later\)"),
]:
    @bad(f"http-{_status}")
    def _status_case(s: Servers, status=_status, words=_words) -> Bad:
        return Bad(s.page(f"/status{status}", b"<html><body><p>Sorry</p></body></html>",
                          status=status), f"the server answered {words}")


@bad("redirect-status-without-location")
def _(s: Servers) -> Bad:
    return Bad(s.page("/moved", b"", status=302),
               r"the server answered 302 Found \(a redirect without a new address\)")


# What is not a web page, by its Content-Type.

for _type, _body in [("application/pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"),
                     ("image/png", (BAD / "really_a_png.html").read_bytes()),
                     ("image/jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"),
                     ("application/json", b'{"title": "Night shelter", "body": "..."}'),
                     ("application/octet-stream", bytes(range(256))),
                     ("text/plain", b"Just some notes, not a page.")]:
    @bad(f"type-{_type}")
    def _type_case(s: Servers, media_type=_type, body=_body) -> Bad:
        return Bad(s.page("/thing", body, content_type=media_type),
                   rf"not a web page \({re.escape(media_type)}\)")


# What is not a web page although it is labelled text/html: the bytes are sniffed.

@bad("png-labelled-html")
def _(s: Servers) -> Bad:
    return Bad(s.page("/photo", (BAD / "really_a_png.html").read_bytes(), HTML),
               r"not a web page \(a PNG image\)")


@bad("pdf-labelled-html")
def _(s: Servers) -> Bad:
    return Bad(s.page("/report", b"%PDF-1.4\n" + bytes(range(256)) * 4, HTML),
               r"not a web page \(a PDF document\)")


@bad("gzip-file-labelled-html")
def _(s: Servers) -> Bad:
    return Bad(s.page("/archive", gzip.compress(article_html()), HTML),
               r"not a web page \(gzip-compressed data\)")


@bad("binary-noise-labelled-html")
def _(s: Servers) -> Bad:
    return Bad(s.page("/noise", random.Random(7).randbytes(8192), HTML),
               r"not a web page \(the content is binary data, not text\)")


@bad("binary-noise-inside-html-tags")
def _(s: Servers) -> Bad:
    noise = random.Random(8).randbytes(8192)
    return Bad(s.page("/noise2", b"<html><body><p>" + noise + b"</p></body></html>", HTML),
               r"not a web page \(the content is binary data, not text\)")


# Too big: declared, streamed, or small but expanding (compression bombs).

SIXTY_MB = 60 * 1024 * 1024


@bad("60-MB-page-declared")
def _(s: Servers) -> Bad:
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
            b"Content-Length: %d\r\n\r\n" % SIXTY_MB)
    server = s.raw(stream_forever(head, b"<p>" + b"word " * 200_000 + b"</p>", SIXTY_MB))
    return Bad(server.url(), r"the page is too large \(60 MB; the limit is 25 MB\)")


@bad("60-MB-page-streamed-without-length")
def _(s: Servers) -> Bad:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n"
    server = s.raw(stream_forever(head, b"<p>" + b"word " * 200_000 + b"</p>", SIXTY_MB))
    return Bad(server.url(), r"the page is larger than the 25 MB limit")


@bad("gzip-bomb")
def _(s: Servers) -> Bad:
    body = bomb(64, 31)
    assert len(body) < 100_000  # 64 MB once decompressed
    return Bad(s.page("/bomb", body, headers={"Content-Encoding": "gzip"}),
               r"the page is larger than the 25 MB limit")


@bad("deflate-bomb")
def _(s: Servers) -> Bad:
    return Bad(s.page("/bomb", bomb(64, 15), headers={"Content-Encoding": "deflate"}),
               r"the page is larger than the 25 MB limit")


@bad("gzip-bomb-compressed-twice")
def _(s: Servers) -> Bad:
    body = gzip.compress(bomb(64, 31))
    assert len(body) < 2_000
    return Bad(s.page("/bomb", body, headers={"Content-Encoding": "gzip, gzip"}),
               r"the page is larger than the 25 MB limit")


@bad("brotli-which-cannot-be-read")
def _(s: Servers) -> Bad:
    return Bad(s.page("/br", b"\x1b\x03\x00\xf8\xa5\x02", headers={"Content-Encoding": "br"}),
               r"the server sent the page compressed as “br”, which cannot be read")


@bad("bad-gzip-stream")
def _(s: Servers) -> Bad:
    return Bad(s.page("/gz", b"\x1f\x8b\x08\x00garbage, not deflate data" * 4,
                      headers={"Content-Encoding": "gzip"}),
               r"the page's compressed data is damaged \(gzip stream not valid\)")


@bad("gzip-stream-cut-short")
def _(s: Servers) -> Bad:
    body = gzip.compress(article_html() * 20)
    return Bad(s.page("/gz", body[:len(body) // 2], headers={"Content-Encoding": "gzip"}),
               r"the page's compressed data is damaged \(gzip stream cut short\)")


# Redirects.

@bad("redirect-to-itself")
def _(s: Servers) -> Bad:
    return Bad(s.page("/loop", b"", status=301, headers={"Location": "/loop"}),
               r"the address redirects in a loop \(it leads back to itself\)")


@bad("redirect-loop-of-two")
def _(s: Servers) -> Bad:
    s.page("/b", b"", status=302, headers={"Location": "/a"})
    return Bad(s.page("/a", b"", status=307, headers={"Location": s.http.url_for("/b")}),
               r"the address redirects in a loop \(it leads back to itself\)")


@bad("redirect-chain-too-long")
def _(s: Servers) -> Bad:
    for step in range(1, 15):
        s.page(f"/hop{step}", b"", status=302, headers={"Location": f"/hop{step + 1}"})
    return Bad(s.http.url_for("/hop1"), r"the address redirects more than 10 times")


@bad("redirect-to-ftp")
def _(s: Servers) -> Bad:
    return Bad(s.page("/ftp", b"", status=302,
                      headers={"Location": "ftp://files.example.org/page.html"}),
               r"the address redirects to a non-web address \(ftp:\), which cannot be saved")


@bad("redirect-to-javascript")
def _(s: Servers) -> Bad:
    return Bad(s.page("/js", b"", status=302, headers={"Location": "javascript:alert(1)"}),
               r"the address redirects to a non-web address \(javascript:\), which cannot "
               r"be saved")


# Slow servers: the overall deadline holds although no single wait is long.

@bad("trickling-body-1-byte-per-second")
def _(s: Servers) -> Bad:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5000\r\n\r\n<p>"
    server = s.raw(trickle(head, b"x" * 5000))
    return Bad(server.url(), r"the page took longer than 2 seconds to download",
               {"deadline": 2.0}, within=3.5)


@bad("trickling-headers")
def _(s: Servers) -> Bad:
    server = s.raw(trickle(b"", b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n", 0.5))
    return Bad(server.url(), r"the page took longer than 1.5 seconds to download",
               {"deadline": 1.5, "timeout": 1.0}, within=3.0)


@bad("silent-server")
def _(s: Servers) -> Bad:
    server = s.raw(answer(b"", close=False))
    return Bad(server.url(), r"the server did not answer within 0.5 seconds",
               {"timeout": 0.5}, within=2.0)


@bad("name-lookup-that-hangs")
def _(s: Servers) -> Bad:
    s.monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: s.stop.wait(30))
    return Bad("https://slow-dns.example/story", r"the page took longer than 1 second to download",
               {"deadline": 1.0}, within=2.5)


# Failed connections and broken HTTP.

@bad("connection-refused")
def _(s: Servers) -> Bad:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens once the probe is closed
    return Bad(f"http://127.0.0.1:{port}/story",
               r"could not connect to 127\.0\.0\.1: connection refused")


@bad("no-such-host-name")
def _(s: Servers) -> Bad:
    def no_such_name(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    s.monkeypatch.setattr(socket, "getaddrinfo", no_such_name)
    return Bad("https://no-such-paper.example/story",
               r"could not find no-such-paper\.example: no server has that name "
               r"\(check the address\)")


@bad("offline-name-lookup")
def _(s: Servers) -> Bad:
    def offline(*args, **kwargs):
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    s.monkeypatch.setattr(socket, "getaddrinfo", offline)
    return Bad("https://paper.example/story",
               r"could not look up paper\.example: no answer from the name server "
               r"\(is the computer online\?\)")


@bad("tls-to-a-plain-http-port")
def _(s: Servers) -> Bad:
    def plain(connection: socket.socket, stop: threading.Event) -> None:
        connection.recv(4096)  # a TLS hello, answered in plain HTTP
        connection.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    return Bad(s.raw(plain).url(scheme="https"),
               r"could not connect securely to 127\.0\.0\.1: "
               r"the server does not speak https on this port")


@bad("untrusted-certificate")
def _(s: Servers) -> Bad:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(BAD / "self_signed_cert.pem", BAD / "self_signed_key.pem")

    def secure(connection: socket.socket, stop: threading.Event) -> None:
        with context.wrap_socket(connection, server_side=True) as tls:
            tls.sendall(answer_bytes(article_html()))

    return Bad(s.raw(secure).url(scheme="https"),
               r"could not connect securely to 127\.0\.0\.1: its certificate is not trusted "
               r"\(self.signed certificate\)")


@bad("closed-without-answering")
def _(s: Servers) -> Bad:
    return Bad(s.raw(answer(b"")).url(),
               r"127\.0\.0\.1 closed the connection without answering")


@bad("closed-mid-body")
def _(s: Servers) -> Bad:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 20000\r\n\r\n"
    return Bad(s.raw(answer(head, article_html())).url(),
               r"127\.0\.0\.1 closed the connection before the page was complete")


@bad("closed-mid-chunk")
def _(s: Servers) -> Bad:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
    return Bad(s.raw(answer(head, b"2000\r\n" + article_html())).url(),
               r"127\.0\.0\.1 closed the connection before the page was complete")


@bad("invalid-content-length")
def _(s: Servers) -> Bad:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: lots\r\n\r\n"
    return Bad(s.raw(answer(head, article_html())).url(),
               r"127\.0\.0\.1 sent an answer with an invalid length")


@bad("huge-header")
def _(s: Servers) -> Bad:
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Filler: "
            + b"a" * 400_000 + b"\r\n\r\n")
    return Bad(s.raw(answer(head, article_html())).url(),
               r"127\.0\.0\.1 sent an answer whose headers are too large")


@bad("not-http-at-all")
def _(s: Servers) -> Bad:
    return Bad(s.raw(answer(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")).url(),
               r"127\.0\.0\.1 sent an answer that is not valid HTTP")


# Pages with nothing to save.

@bad("empty-body")
def _(s: Servers) -> Bad:
    return Bad(s.page("/empty", b""), r"the page is empty")


@bad("whitespace-body")
def _(s: Servers) -> Bad:
    return Bad(s.page("/blank", b" \r\n\t \n"), r"the page is empty")


@bad("login-wall")
def _(s: Servers) -> Bad:
    return Bad(s.page("/login", (BAD / "login_wall.html").read_bytes()),
               r"no readable article text was found on the page \(it asks for a login\)")


@bad("empty-app-shell")
def _(s: Servers) -> Bad:
    return Bad(s.page("/app", (BAD / "app_shell.html").read_bytes()),
               r"no readable article text was found on the page \(it is an empty page "
               r"that a browser would fill in by running its scripts\)")


@bad("text-without-markup")
def _(s: Servers) -> Bad:
    return Bad(s.page("/notes", (BAD / "plain_text.html").read_bytes()),
               r"this is not an HTML page \(no HTML markup was found\)")


# Addresses that are not web pages.

@bad("ftp-address-ending-in-html")
def _(s: Servers) -> Bad:
    return Bad("ftp://files.example.org/pub/story.html",
               r"ftp:// addresses cannot be saved \(only http:// and https:// web pages can\)")


@bad("javascript-address")
def _(s: Servers) -> Bad:
    return Bad("javascript:alert(document.cookie)",
               r"javascript: addresses cannot be saved "
               r"\(only http:// and https:// web pages can\)")


@bad("data-address")
def _(s: Servers) -> Bad:
    return Bad("data:text/html,<p>hello</p>",
               r"data: addresses cannot be saved \(only http:// and https:// web pages can\)")


@bad("not-an-address")
def _(s: Servers) -> Bad:
    return Bad("night shelter vote", r"“night shelter vote” is neither a web address nor a file")


@bad("malformed-host-name")
def _(s: Servers) -> Bad:
    return Bad("http://a..b/story",
               r"the address is not valid \(the server name “a\.\.b” is malformed\)")


@bad("space-in-host-name")
def _(s: Servers) -> Bad:
    return Bad("https://night shelter.example/story",
               r"the address is not valid \(the server name “night shelter\.example” has "
               r"characters no name can have\)")


@bad("invalid-international-name")
def _(s: Servers) -> Bad:
    return Bad("https://xn--a.example/",
               r"the address is not valid \(the server name is not a valid international name\)")


@bad("unclosed-ipv6-bracket")
def _(s: Servers) -> Bad:
    return Bad("https://[::1/story", r"the address is not valid \(Invalid IPv6 URL\)")


@bad("port-out-of-range")
def _(s: Servers) -> Bad:
    return Bad("http://127.0.0.1:99999/story", r"the address is not valid \(.*\)")


@bad("file-address-of-a-missing-file")
def _(s: Servers) -> Bad:
    return Bad((s.tmp_path / "missing.html").as_uri(), r"no such file")


@bad("file-address-on-another-computer")
def _(s: Servers) -> Bad:
    return Bad("file://fileserver/share/story.html",
               r"files on another computer \(fileserver\) cannot be saved; "
               r"copy the file to this one first")


# Local files.

@bad("missing-local-file")
def _(s: Servers) -> Bad:
    return Bad(str(s.tmp_path / "saved pages" / "story.html"), r"no such file")


@bad("folder-instead-of-a-file")
def _(s: Servers) -> Bad:
    folder = s.tmp_path / "story.html"
    folder.mkdir()
    return Bad(str(folder), rf"{re.escape(str(folder))} is not a file \(it is a folder\)")


@bad("pipe-instead-of-a-file")
def _(s: Servers) -> Bad:
    pipe = s.tmp_path / "story.html"
    os.mkfifo(pipe)  # reading it would wait forever
    return Bad(str(pipe), rf"{re.escape(str(pipe))} is not a file \(it is a device or a pipe\)")


@bad("html-file-that-is-really-a-png")
def _(s: Servers) -> Bad:
    return Bad(str(BAD / "really_a_png.html"), r"not a web page \(a PNG image\)")


@bad("html-file-of-binary-noise")
def _(s: Servers) -> Bad:
    path = s.tmp_path / "noise.html"
    path.write_bytes(random.Random(9).randbytes(4096))
    return Bad(str(path), r"not a web page \(the content is binary data, not text\)")


@bad("empty-html-file")
def _(s: Servers) -> Bad:
    path = s.tmp_path / "empty.html"
    path.write_bytes(b"")
    return Bad(path.as_uri(), r"the page is empty")


@bad("html-file-over-the-limit")
def _(s: Servers) -> Bad:
    path = s.tmp_path / "big.html"
    path.write_bytes(article_html() * 100)
    return Bad(str(path), r"the file is too large \(\d+ KB; the limit is 10 KB\)",
               {"max_bytes": 10 * 1024})


@bad("text-file-with-an-html-name")
def _(s: Servers) -> Bad:
    return Bad(str(BAD / "plain_text.html"),
               r"this is not an HTML page \(no HTML markup was found\)")


@pytest.fixture
def servers(httpserver, tmp_path, monkeypatch):
    stop = threading.Event()
    yield Servers(httpserver, tmp_path, monkeypatch, stop)
    stop.set()  # ends trickles, silent servers and a hung name lookup


@pytest.mark.parametrize("name", list(CORPUS))
def test_bad_input_is_refused(shared: Archive, servers: Servers, name: str) -> None:
    case = CORPUS[name](servers)
    refuse(shared, case.source, case.reason, case.within, **case.limits)


def test_the_corpus_is_large() -> None:
    assert len(CORPUS) >= 40


def test_a_bomb_is_decompressed_a_bounded_piece_at_a_time() -> None:
    """Memory stays bounded while a bomb expands: no piece is larger than 64 KB, and reading
    the first megabyte consumes only a little of the compressed input."""
    body = bomb(64, 31)
    fed = []

    def chunks():
        for start in range(0, len(body), 4096):
            fed.append(4096)
            yield body[start:start + 4096]

    total = 0
    for piece in fetch._decompressed(chunks(), "gzip"):
        assert len(piece) <= 64 * 1024
        total += len(piece)
        if total >= 1 << 20:
            break
    assert sum(fed) <= 8192


# --- awkward but legitimate pages are saved with the right text ---------------------------------

def test_nul_characters_are_dropped(shared: Archive, httpserver) -> None:
    content = (BAD / "nul_characters.html").read_bytes()
    assert content.count(b"\x00") == 4
    httpserver.expect_request("/nul").respond_with_data(content, content_type=HTML_UTF8)
    article = save(shared, httpserver.url_for("/nul"))
    assert article.title == "Café prices"
    assert_accents(article.text)
    assert "coffee" in article.text and "council’s" in article.text
    assert shared.original_html(article.id) == content  # the bytes are kept as received


def test_lone_surrogates_are_dropped(shared: Archive, httpserver) -> None:
    content = (BAD / "lone_surrogate.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    httpserver.expect_request("/surrogate").respond_with_data(content, content_type=HTML_UTF8)
    article = save(shared, httpserver.url_for("/surrogate"))
    assert_accents(article.text)
    assert "on Tuesday" in article.text
    assert article.html.count("é") >= 3


def test_surrogate_character_references_do_not_break_saving(shared: Archive) -> None:
    article = save(shared, str(BAD / "surrogate_references.html"))
    assert "Broken emoji:" in article.text and "end." in article.text
    assert not re.search("[\ud800-\udfff]", article.text + article.html + article.title)
    assert_accents(article.text.replace("Broken emoji: \ufffd\ufffd end.", ""))


def test_ten_thousand_character_title_is_shortened(shared: Archive, httpserver) -> None:
    title = " ".join(f"Zürich{i}" for i in range(1250))
    assert len(title) >= 10_000
    html = (f"<html><head><title>{title}</title></head><body><article><p>{WORDS}</p>"
            "</article></body></html>")
    httpserver.expect_request("/title").respond_with_data(html.encode(), content_type=HTML_UTF8)
    article = save(shared, httpserver.url_for("/title"))
    assert 100 <= len(article.title) <= 300
    assert article.title.startswith("Zürich0 Zürich1 Zürich2")
    assert article.title.endswith("…") and title.startswith(article.title[:-1])
    assert "council met on Tuesday" in article.text


@pytest.mark.parametrize("content_type", ["text/html; charset=utf8x", HTML])
def test_misspelled_utf8_label(shared: Archive, httpserver, content_type: str) -> None:
    """'utf8x' in the header or in the page (charset_utf8x.html declares it too)."""
    content = (BAD / "charset_utf8x.html").read_bytes()
    httpserver.expect_request("/utf8x").respond_with_data(content, content_type=content_type)
    article = save(shared, httpserver.url_for("/utf8x") + f"?{len(content_type)}")
    assert article.title == "Café prices"
    assert_accents(article.text)


def test_misspelled_latin1_label(shared: Archive) -> None:
    """windows-1252 bytes with 'iso-8859-1x' in the page: read as windows-1252."""
    path = BAD / "charset_iso_8859_1x.html"
    assert b"charset=iso-8859-1x" in path.read_bytes()
    article = save(shared, str(path))
    assert article.title == "Café prices"
    assert_accents(article.text)


def test_misspelled_latin1_label_in_the_header(shared: Archive, httpserver) -> None:
    content = (BAD / "charset_iso_8859_1x.html").read_bytes()
    httpserver.expect_request("/latin").respond_with_data(
        content, content_type="text/html; charset=iso-8859-1x")
    assert_accents(save(shared, httpserver.url_for("/latin")).text)


def test_windows_1252_page_declared_as_utf8(shared: Archive, httpserver) -> None:
    """Declared UTF-8 both in the header and in the page; the bytes are windows-1252."""
    content = (BAD / "cp1252_declared_utf8.html").read_bytes()
    assert b'charset="utf-8"' in content
    httpserver.expect_request("/cp1252").respond_with_data(content, content_type=HTML_UTF8)
    article = save(shared, httpserver.url_for("/cp1252"))
    assert article.title == "Café prices"
    assert_accents(article.text)


def test_utf8_page_with_one_stray_byte_stays_utf8(shared: Archive, httpserver) -> None:
    """One invalid byte must not send a UTF-8 page to charset detection (which would garble
    every accented letter); it becomes one replacement character."""
    content = (BAD / "charset_utf8x.html").read_bytes().replace(b"Residents", b"Resid\xffents")
    httpserver.expect_request("/stray").respond_with_data(content, content_type=HTML)
    article = save(shared, httpserver.url_for("/stray"))
    assert "Resid\ufffdents" in article.text
    assert_accents(article.text.replace("Resid\ufffdents", "Residents"))


def test_xhtml_with_an_xml_declaration(shared: Archive, httpserver) -> None:
    content = (BAD / "xhtml_with_declaration.xhtml").read_bytes()
    assert content.startswith(b"<?xml")
    httpserver.expect_request("/xhtml").respond_with_data(
        content, content_type="application/xhtml+xml")
    article = save(shared, httpserver.url_for("/xhtml"))
    assert article.title == "Café prices"
    assert_accents(article.text)


def test_xhtml_file(tmp_path) -> None:
    # Its own archive: the same bytes served over HTTP by another test are a saved duplicate.
    with Archive.open(tmp_path / "xhtml.gleaner") as archive:
        assert_accents(save(archive, str(BAD / "xhtml_with_declaration.xhtml")).text)


def test_utf16_without_byte_order_mark(shared: Archive, httpserver) -> None:
    content = (BAD / "charset_utf8x.html").read_text("utf-8").replace(
        'charset="utf8x"', 'charset="utf-16"').encode("utf-16-le")
    httpserver.expect_request("/utf16").respond_with_data(content, content_type=HTML)
    assert_accents(save(shared, httpserver.url_for("/utf16")).text)


@pytest.mark.parametrize("encoding, compress", [
    ("gzip", gzip.compress),
    ("deflate", zlib.compress),  # zlib-wrapped, as the standard says
    ("deflate", lambda data: zlib.compress(data, wbits=-15)),  # raw, as some servers send
    ("x-gzip", gzip.compress),
])
def test_compressed_page(shared: Archive, httpserver, encoding: str, compress) -> None:
    content = (BAD / "charset_utf8x.html").read_bytes()
    httpserver.expect_request("/zipped").respond_with_data(
        compress(content), content_type=HTML_UTF8, headers={"Content-Encoding": encoding})
    url = httpserver.url_for("/zipped") + f"?{encoding}{len(compress(b'x'))}"
    article = save(shared, url)
    assert_accents(article.text)
    assert shared.original_html(article.id) == content  # stored decompressed


def test_page_followed_by_deep_nesting(shared: Archive, httpserver) -> None:
    """5,000 nested divs after the article: no crash, no recursion error, the article kept."""
    html = (f"<html><head><title>Deep page</title></head><body><article><p>{WORDS}</p>"
            "</article>" + "<div>" * 5000 + "x" + "</div>" * 5000 + "</body></html>")
    httpserver.expect_request("/deep-after").respond_with_data(html, content_type=HTML_UTF8)
    started = time.monotonic()
    article = save(shared, httpserver.url_for("/deep-after"))
    assert time.monotonic() - started < QUICK
    assert "council met on Tuesday" in article.text


def test_text_inside_deep_nesting_is_saved(shared: Archive, httpserver) -> None:
    """An article inside 5,000 nested divs (deeper than the HTML parser goes) is saved with
    its text, quickly, rather than refused."""
    html = ("<html><head><title>Deep</title></head><body>" + "<div>" * 5000
            + f"<p>{WORDS}</p>" + "</div>" * 5000 + "</body></html>")
    httpserver.expect_request("/deep").respond_with_data(html, content_type=HTML_UTF8)
    started = time.monotonic()
    article = save(shared, httpserver.url_for("/deep"))
    assert time.monotonic() - started < QUICK
    assert "council met on Tuesday" in article.text


def test_redirects_within_the_limit(shared: Archive, httpserver) -> None:
    for step in range(1, 10):
        httpserver.expect_request(f"/r{step}").respond_with_data(
            "", status=301, headers={"Location": f"/r{step + 1}"})
    httpserver.expect_request("/r10").respond_with_data(article_html("Ten hops"),
                                                        content_type=HTML_UTF8)
    article = save(shared, httpserver.url_for("/r1"))
    assert article.url == httpserver.url_for("/r10")
    assert article.title == "Ten hops"


def test_redirect_back_with_a_cookie_is_not_a_loop(shared: Archive, httpserver) -> None:
    """A → B (sets a cookie) → A (now answers): the second visit differs, so it is followed."""

    def story(request):
        from werkzeug import Response

        if request.cookies.get("consent") == "yes":
            return Response(article_html("After consent"), content_type=HTML_UTF8)
        return Response("", status=302, headers={"Location": "/consent"})

    httpserver.expect_request("/story").respond_with_handler(story)
    httpserver.expect_request("/consent").respond_with_data(
        "", status=302, headers={"Location": "/story", "Set-Cookie": "consent=yes; Path=/"})
    assert save(shared, httpserver.url_for("/story")).title == "After consent"


def test_host_and_port_without_scheme(shared: Archive, httpserver) -> None:
    httpserver.expect_request("/plain").respond_with_data(article_html("Local server"),
                                                          content_type=HTML_UTF8)
    source = f"127.0.0.1:{httpserver.port}/plain"
    assert save(shared, source).title == "Local server"


def test_cancel_stops_a_trickling_download(servers: Servers) -> None:
    """The cancel button acts within a fraction of a second, even mid-trickle."""
    from gleaner.core.tasks import Cancelled, Progress

    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 900\r\n\r\n"
    server = servers.raw(trickle(head, b"x" * 900, every=0.2))
    progress = Progress()
    threading.Timer(0.5, progress.cancel).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        capture(server.url(), progress)
    assert time.monotonic() - started < 1.5


def test_an_unclosed_script_before_many_angle_brackets_is_judged_quickly() -> None:
    import time

    from gleaner.core.capture import _why_no_article

    page = "<html><body><script>var a = 1;" + "<" * 200_000
    started = time.monotonic()
    assert _why_no_article(page) == ("it is an empty page that a browser would fill in by "
                                     "running its scripts")
    assert _why_no_article("<input " * 30_000) is None
    assert time.monotonic() - started < 1.0  # was 12 s: each "<" scanned to the end
