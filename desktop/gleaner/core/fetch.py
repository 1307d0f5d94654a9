"""Fetching a page's bytes and decoding them: http(s) URLs and local .html files.

Nothing here touches the archive; a failure raises CaptureError with a one-line reason a person
can act on ("could not connect to example.org: connection refused", not "[Errno 111]").

Every download is bounded: a deadline for the whole page (redirects, name lookup and a server
that trickles one byte a second included), a timeout for each wait, a cap on the page's size
counted after decompression (so a small gzip "bomb" cannot fill memory), and a limit on
redirects, with loops named as such.
"""

from __future__ import annotations

import codecs
import errno
import functools
import ipaddress
import re
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit

import charset_normalizer
import httpcore
import httpx

from .errors import CaptureError
from .tasks import Progress

__all__ = ["CaptureError", "RawPage", "fetch_url", "fetch_image", "normalise_url", "read_file",
           "decode_html", "MAX_BYTES", "TIMEOUT_SECONDS", "DEADLINE_SECONDS", "MAX_REDIRECTS"]

MAX_BYTES = 25 * 1024 * 1024  # the page as decoded: what would be parsed and stored
TIMEOUT_SECONDS = 20.0  # for connecting, and for each wait for more data
DEADLINE_SECONDS = 30.0  # for the whole page, however the time is spent
MAX_REDIRECTS = 10
USER_AGENT = "Mozilla/5.0 (compatible; Gleaner/0.1; offline research archive)"
HTML_TYPES = {"text/html", "application/xhtml+xml", "application/xml", "text/xml", ""}
# Only what we can decompress with a bound on the output; brotli is not a dependency.
ACCEPT_ENCODING = "gzip, deflate"
PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
# The raster formats the reader can show (no AVIF or JPEG XL: a server picking by Accept would
# send what could not be displayed).
IMAGE_ACCEPT = "image/webp,image/png,image/jpeg,image/gif;q=0.9,image/*;q=0.5"
_SLICE = 0.25  # longest single wait on the network, so cancelling and the deadline act promptly
_PIECE = 64 * 1024  # largest piece of decompressed output produced at once


@dataclass(frozen=True)
class RawPage:
    """A page's bytes, where they came from, and how to read them."""

    url_requested: str
    url: str  # after redirects; a file:// URI for local files
    content: bytes
    html: str
    charset: str
    content_language: str = ""


# --- addresses ---------------------------------------------------------------------------------

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]+):")
_HOST_AND_PORT = re.compile(r"^(localhost|[\w-]+(\.[\w-]+)+):\d+(/|$)")
_BARE_DOMAIN = re.compile(r"^[\w-]+(\.[\w-]+)+(/|$)")
_HOST_NAME = re.compile(r"^[\w.\-:\[\]]+$")  # letters of any script, digits, IPv6 brackets


def url_scheme(text: str) -> str:
    """The scheme of an address ('ftp', 'javascript'), or '' for none, a drive letter (C:) or
    a host and port (example.org:8080)."""
    match = _SCHEME.match(text.strip())
    if not match or _HOST_AND_PORT.match(text.strip()):
        return ""
    return match.group(1).lower()


def normalise_url(text: str) -> str:
    """Validate an http(s) URL typed by a user, adding https:// to a bare domain (http:// to a
    host with a port, the usual form of a local test server)."""
    text = text.strip()
    scheme = url_scheme(text)
    if scheme and scheme not in ("http", "https"):
        raise CaptureError(_scheme_refusal(text, scheme))
    if not scheme:
        if _HOST_AND_PORT.match(text):
            port = text.split(":", 1)[1].split("/", 1)[0]
            text = ("https://" if port == "443" else "http://") + text
        elif _BARE_DOMAIN.match(text):
            text = "https://" + text
        else:
            raise CaptureError(f"“{_shorten(text, 60)}” is neither a web address nor a file")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 (raises ValueError for a malformed port)
    except ValueError as error:
        raise CaptureError(f"the address is not valid ({_first_line(error)})") from None
    if not parts.hostname:
        raise CaptureError("the address has no host name")
    if not _HOST_NAME.match(parts.hostname):
        raise CaptureError(f"the address is not valid (the server name "
                           f"“{_shorten(parts.hostname, 60)}” has characters no name can have)")
    return text


def _scheme_refusal(text: str, scheme: str) -> str:
    shown = f"{scheme}://" if text.strip()[len(scheme) + 1:].startswith("//") else f"{scheme}:"
    return f"{shown} addresses cannot be saved (only http:// and https:// web pages can)"


# --- downloading -------------------------------------------------------------------------------

def fetch_url(url: str, progress: Progress | None = None, *, max_bytes: int = MAX_BYTES,
              timeout: float = TIMEOUT_SECONDS, deadline: float = DEADLINE_SECONDS,
              max_redirects: int = MAX_REDIRECTS) -> RawPage:
    """Download an HTML page, following redirects, within a size cap and time limits.

    timeout bounds connecting and each wait for data; deadline bounds the whole download;
    max_bytes bounds the page's decoded size.
    """
    url = normalise_url(url)
    progress = progress or Progress()
    download = _Download(url, progress, max_bytes, timeout, _Clock(deadline, progress))
    content, final_url, header_charset, language = download.run(max_redirects)
    html, charset = decode_html(content, header_charset)
    _check_looks_like_html(html, content, charset)
    return RawPage(url, final_url, content, html, charset, language.split(",")[0].strip())


def fetch_image(url: str, progress: Progress | None = None, *, max_bytes: int,
                timeout: float = TIMEOUT_SECONDS, deadline: float = DEADLINE_SECONDS,
                referer: str = "", max_redirects: int = MAX_REDIRECTS) -> tuple[bytes, str]:
    """Download an image's bytes: (content, final url). The same bounds as `fetch_url`
    (deadline, per-wait timeout, decoded size cap, redirects); what the bytes are is for the
    caller to check, since servers mislabel images. Raises CaptureError."""
    if url_scheme(url) not in ("http", "https"):
        raise CaptureError(_scheme_refusal(url, url_scheme(url) or "relative"))
    progress = progress or Progress()
    headers = {"Accept": IMAGE_ACCEPT, **({"Referer": referer} if referer else {})}
    download = _Download(url, progress, max_bytes, timeout, _Clock(deadline, progress),
                         headers=headers, check=_check_resource)
    content, final_url, _charset, _language = download.run(max_redirects)
    return content, final_url


class _OutOfTime(Exception):
    """The page's overall deadline passed (raised inside the network layer, caught here)."""


class _BrokenCompression(Exception):
    """The body's gzip or deflate data cannot be decompressed."""


class _Clock:
    """The page's overall deadline and the user's cancel button, checked at every network step."""

    def __init__(self, seconds: float, progress: Progress) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds
        self._progress = progress

    def remaining(self) -> float:
        """Seconds left; raises Cancelled or _OutOfTime when there is no point going on."""
        self._progress.raise_if_cancelled()
        left = self._end - time.monotonic()
        if left <= 0:
            raise _OutOfTime()
        return left

    def expired(self) -> bool:
        return time.monotonic() >= self._end

    def clamp(self, timeout: float | None) -> float:
        left = self.remaining()
        return left if timeout is None else min(timeout, left)


class _Download:
    """One page's download: redirects, checks on the answer, and the capped body."""

    def __init__(self, url: str, progress: Progress, max_bytes: int, timeout: float,
                 clock: _Clock, headers: dict[str, str] | None = None, check=None) -> None:
        self.url = url  # the address being fetched now (changes with redirects)
        self.progress = progress
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.clock = clock
        self.headers = {"User-Agent": USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING,
                        "Accept": PAGE_ACCEPT, **(headers or {})}
        self.check = check or _check_answer  # refuses an answer before its body is read

    def run(self, max_redirects: int) -> tuple[bytes, str, str, str]:
        """(content, final url, charset from the header, Content-Language)."""
        try:
            with httpx.Client(follow_redirects=False, timeout=self.timeout, headers=self.headers,
                              verify=_tls_context(),
                              event_hooks={"response": [_check_location]}) as client:
                _bound_by(client, _BoundedBackend(self.clock, self.timeout))
                response = self._open(client, max_redirects)
                try:
                    self.check(response, self.max_bytes)
                    content = self._read_body(response)
                finally:
                    response.close()
                return (content, str(response.url), response.charset_encoding or "",
                        response.headers.get("content-language", ""))
        except _OutOfTime:
            raise CaptureError(self._too_slow()) from None
        except _BrokenCompression as error:
            raise CaptureError(f"the page's compressed data is damaged ({error})") from None
        except httpx.HTTPError as error:
            raise CaptureError(self._describe(error)) from None
        except UnicodeError:  # from the IDNA codec
            raise CaptureError("the address is not valid (the server name is not a valid "
                               "international name)") from None
        except httpx.InvalidURL as error:
            raise CaptureError(f"the address is not valid ({_first_line(error)})") from None

    def _open(self, client: httpx.Client, max_redirects: int) -> httpx.Response:
        """Send the request and follow redirects by hand, to name loops and bad targets."""
        request = client.build_request("GET", self.url)
        seen: set[tuple[str, tuple]] = set()
        for _ in range(max_redirects + 1):
            # The same address with the same cookies can only give the same redirect again.
            key = (str(request.url), tuple(sorted((c.name, c.value) for c in client.cookies.jar)))
            if key in seen:
                raise CaptureError("the address redirects in a loop (it leads back to itself)")
            seen.add(key)
            self.url = str(request.url)
            self.clock.remaining()
            response = client.send(request, stream=True)
            if response.next_request is None:
                return response
            response.close()
            request = response.next_request
        raise CaptureError(f"the address redirects more than {max_redirects} times")

    def _read_body(self, response: httpx.Response) -> bytes:
        declared = _content_length(response)
        pieces: Iterable[bytes] = response.iter_raw()
        for encoding in reversed(_content_encodings(response)):
            pieces = _decompressed(pieces, encoding)
        chunks, received = [], 0
        for piece in pieces:
            self.clock.remaining()
            received += len(piece)
            if received > self.max_bytes:
                raise CaptureError(f"the page is larger than the {_megabytes(self.max_bytes)} "
                                   "limit")
            chunks.append(piece)
            self.progress.report(f"Downloaded {received // 1024} KB",
                                 min(0.99, response.num_bytes_downloaded / declared)
                                 if declared else None)
        return b"".join(chunks)

    def _too_slow(self) -> str:
        return f"the page took longer than {_seconds(self.clock.seconds)} to download"

    def _describe(self, error: httpx.HTTPError) -> str:
        """One line a person understands, for a failure of the HTTP library."""
        host = urlsplit(self.url).hostname or self.url
        if isinstance(error, httpx.TimeoutException):
            if self.clock.expired():
                return self._too_slow()
            return f"the server did not answer within {_seconds(self.timeout)}"
        if isinstance(error, httpx.ConnectError):
            return _connect_failure(host, error)
        if isinstance(error, httpx.RemoteProtocolError):
            return _protocol_failure(host, str(error))
        if isinstance(error, httpx.ReadError):
            return f"the connection to {host} broke before the page was complete"
        if isinstance(error, httpx.UnsupportedProtocol):
            return f"the address is not valid ({_first_line(error)})"
        return f"the download from {host} failed ({_first_line(error)})"


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One TLS context (certificate checks on) for every download. Building one loads the
    certificate store: ~17 ms of CPU that a bulk import would pay for every page and image."""
    return httpx.create_ssl_context()


def _check_location(response: httpx.Response) -> None:
    """Refuse a redirect to ftp:, javascript: and the like before httpx tries to follow it
    (and fails with a message about URL syntax)."""
    if not response.has_redirect_location:
        return
    scheme = url_scheme(response.headers["location"])
    if scheme and scheme not in ("http", "https"):
        raise CaptureError(f"the address redirects to a non-web address "
                           f"({_shorten(scheme, 20)}:), which cannot be saved")


def _check_answer(response: httpx.Response, max_bytes: int) -> None:
    """Refuse error statuses, what is not a web page, and pages declared too large."""
    media_type = _media_type(response.headers.get("content-type", ""))
    if 200 <= response.status_code < 300 and media_type not in HTML_TYPES:
        raise CaptureError(f"not a web page ({_shorten(media_type, 60)})")
    _check_resource(response, max_bytes)


def _check_resource(response: httpx.Response, max_bytes: int) -> None:
    """Refuse error statuses, bodies declared too large and encodings that cannot be read."""
    status = response.status_code
    if not 200 <= status < 300:
        raise CaptureError(_status_message(status, response.reason_phrase))
    declared = _content_length(response)
    if declared > max_bytes:
        raise CaptureError(f"the page is too large ({_megabytes(declared)}; "
                           f"the limit is {_megabytes(max_bytes)})")
    for encoding in _content_encodings(response):
        if encoding not in ("gzip", "x-gzip", "deflate"):
            raise CaptureError(f"the server sent the page compressed as "
                               f"“{_shorten(encoding, 20)}”, which cannot be read")


_STATUS_HINTS = {
    401: "the page needs a login",
    403: "the site refuses to show this page, perhaps without a login",
    404: "check the address",
    410: "the page was removed",
    429: "too many requests; try again later",
}


def _status_message(status: int, reason: str) -> str:
    """'the server answered 404 Not Found (check the address)'."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = _shorten(" ".join(reason.split()), 40)
    message = f"the server answered {status} {phrase}".rstrip()
    hint = _STATUS_HINTS.get(status)
    if hint is None and 500 <= status < 600:
        hint = "a problem on the website's side; try again later"
    if hint is None and 300 <= status < 400:
        hint = "a redirect without a new address"
    return f"{message} ({hint})" if hint else message


def _connect_failure(host: str, error: Exception) -> str:
    cause = _root_cause(error)
    if isinstance(cause, socket.gaierror):
        if cause.errno == socket.EAI_AGAIN:
            return f"could not look up {host}: no answer from the name server (is the " \
                   "computer online?)"
        return f"could not find {host}: no server has that name (check the address)"
    if isinstance(cause, ssl.SSLCertVerificationError):
        return f"could not connect securely to {host}: its certificate is not trusted " \
               f"({cause.verify_message or 'verification failed'})"
    if isinstance(cause, ssl.SSLError):
        reason = (cause.reason or "").replace("_", " ").lower()
        if reason in ("wrong version number", "record layer failure", "http request"):
            reason = "the server does not speak https on this port"
        return f"could not connect securely to {host}: {reason or 'the secure handshake failed'}"
    words = _ERRNO_WORDS.get(getattr(cause, "errno", None))
    if words is None:
        strerror = getattr(cause, "strerror", None) or ""
        words = strerror.lower() or "the connection failed"
    return f"could not connect to {host}: {words}"


_ERRNO_WORDS = {
    errno.ECONNREFUSED: "connection refused",
    errno.ECONNRESET: "the connection was reset",
    errno.ECONNABORTED: "the connection was aborted",
    errno.ENETUNREACH: "the network is unreachable",
    errno.EHOSTUNREACH: "the server cannot be reached",
    errno.ETIMEDOUT: "the connection timed out",
    errno.EADDRNOTAVAIL: "the address is not available",
}


def _protocol_failure(host: str, text: str) -> str:
    lowered = text.lower()
    if "location header" in lowered:
        return f"{host} redirected to an address that is not valid"
    if "without sending a response" in lowered:
        return f"{host} closed the connection without answering"
    if "complete message body" in lowered or "incomplete" in lowered:
        return f"{host} closed the connection before the page was complete"
    if "content-length" in lowered:
        return f"{host} sent an answer with an invalid length"
    if "too long" in lowered or "too large" in lowered:
        return f"{host} sent an answer whose headers are too large"
    return f"{host} sent an answer that is not valid HTTP"


def _root_cause(error: BaseException) -> BaseException:
    """The innermost exception: httpx wraps httpcore's, which wraps the OSError. The context
    is followed too, since httpcore's pool re-raises its error `from None`."""
    seen = set()
    while id(error) not in seen:
        seen.add(id(error))
        inner = error.__cause__ or error.__context__
        if inner is None:
            break
        error = inner
    return error


# --- the bounded network layer -----------------------------------------------------------------

def _bound_by(client: httpx.Client, backend: httpcore.NetworkBackend) -> None:
    """Make the client's connection pools (proxies from the environment included) open their
    connections through backend. httpx exposes no public hook for this; if its internals ever
    change, only the deadline's grip on a stalled server loosens (the body loop still checks
    it), and the trickling-server tests say so."""
    transports = [getattr(client, "_transport", None),
                  *getattr(client, "_mounts", {}).values()]
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        if pool is not None and hasattr(pool, "_network_backend"):
            pool._network_backend = backend


class _BoundedBackend(httpcore.NetworkBackend):
    """httpcore's blocking sockets, with every wait cut to the page's remaining time and the
    name lookup bounded too (getaddrinfo has no timeout of its own)."""

    def __init__(self, clock: _Clock, timeout: float) -> None:
        self._inner = httpcore.SyncBackend()
        self._clock = clock
        self._timeout = timeout

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable | None = None) -> httpcore.NetworkStream:
        failure: Exception | None = None
        for address in _resolve(host, port, self._clock, timeout or self._timeout):
            try:
                stream = self._inner.connect_tcp(address, port, self._clock.clamp(timeout),
                                                 local_address, socket_options)
            except httpcore.ConnectError as error:
                failure = error  # try the server's next address, as socket.create_connection
                continue
            return _BoundedStream(stream, self._clock)
        assert failure is not None  # _resolve returns at least one address
        raise failure

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable | None = None) -> httpcore.NetworkStream:
        stream = self._inner.connect_unix_socket(path, self._clock.clamp(timeout),
                                                 socket_options)
        return _BoundedStream(stream, self._clock)

    def sleep(self, seconds: float) -> None:
        time.sleep(min(seconds, self._clock.remaining()))


class _BoundedStream(httpcore.NetworkStream):
    """A connection whose reads wait in short slices, checking the deadline and cancel button
    between them: a server that sends a byte a second never lets a plain read timeout fire."""

    def __init__(self, stream: httpcore.NetworkStream, clock: _Clock) -> None:
        self._stream = stream
        self._clock = clock

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        give_up = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = self._clock.clamp(_SLICE)
            if give_up is not None:
                wait = min(wait, give_up - time.monotonic())
                if wait <= 0:
                    raise httpcore.ReadTimeout("timed out")
            try:
                return self._stream.read(max_bytes, wait)
            except httpcore.ReadTimeout:
                continue  # only this slice ran out; the checks above decide whether to go on

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._clock.clamp(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        stream = self._stream.start_tls(ssl_context, server_hostname, self._clock.clamp(timeout))
        return _BoundedStream(stream, self._clock)

    def get_extra_info(self, info: str):
        return self._stream.get_extra_info(info)


def _resolve(host: str, port: int, clock: _Clock, timeout: float) -> list[str]:
    """The host's addresses, looked up in a helper thread so that a hung name server is cut
    off by the timeout, the deadline or the cancel button."""
    try:
        ipaddress.ip_address(host)
        return [host]
    except ValueError:
        pass
    found: dict[str, object] = {}

    def look_up() -> None:
        try:
            found["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except Exception as error:  # noqa: BLE001 (UnicodeError for a malformed name, too)
            found["error"] = error

    worker = threading.Thread(target=look_up, name="gleaner-name-lookup", daemon=True)
    worker.start()
    give_up = time.monotonic() + timeout
    while worker.is_alive():
        if time.monotonic() >= give_up:
            raise httpcore.ConnectTimeout("the name lookup timed out")
        worker.join(min(_SLICE, clock.remaining()))
    error = found.get("error") or (None if found["infos"] else
                                   socket.gaierror(socket.EAI_NONAME, "no address"))
    if error is not None and not isinstance(error, OSError):
        raise CaptureError(f"the address is not valid (the server name “{_shorten(host, 60)}” "
                           "is malformed)")
    if isinstance(error, OSError):
        # Raised while handling the lookup's error, so that it stays the context: httpcore's
        # pool re-raises `from None`, which drops the cause but keeps the context.
        try:
            raise error
        except OSError:
            raise httpcore.ConnectError(str(error)) from error
    return list(dict.fromkeys(info[4][0] for info in found["infos"]))  # type: ignore[union-attr]


# --- compressed bodies -------------------------------------------------------------------------

def _content_encodings(response: httpx.Response) -> list[str]:
    header = response.headers.get("content-encoding", "")
    return [part.strip().lower() for part in header.split(",")
            if part.strip() and part.strip().lower() != "identity"]


def _decompressed(chunks: Iterable[bytes], encoding: str) -> Iterator[bytes]:
    """Undo one Content-Encoding, yielding at most _PIECE bytes at a time: a few kilobytes that
    expand to gigabytes (a "zip bomb") are stopped by the size cap after the first pieces,
    never held in memory at once."""
    decoder = None
    head = b""
    for chunk in chunks:
        if decoder is None:
            head += chunk
            if len(head) < 2:
                continue  # the first two bytes tell a zlib-wrapped deflate from a raw one
            decoder = zlib.decompressobj(_window_bits(encoding, head))
            chunk, head = head, b""
        try:
            while chunk and not decoder.eof:
                piece = decoder.decompress(chunk, _PIECE)
                chunk = decoder.unconsumed_tail
                if piece:
                    yield piece
        except zlib.error:
            raise _BrokenCompression(f"{encoding} stream not valid") from None
    if decoder is None and head:
        raise _BrokenCompression(f"{encoding} stream too short")
    if decoder is not None and not decoder.eof:
        raise _BrokenCompression(f"{encoding} stream cut short")


def _window_bits(encoding: str, head: bytes) -> int:
    if encoding in ("gzip", "x-gzip"):
        return 32 + zlib.MAX_WBITS  # gzip, or zlib mislabelled as gzip
    # "deflate" is meant to be zlib-wrapped, but some servers send raw deflate.
    is_zlib = head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0
    return zlib.MAX_WBITS if is_zlib else -zlib.MAX_WBITS


def _media_type(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def _content_length(response: httpx.Response) -> int:
    try:
        return max(0, int(response.headers.get("content-length") or 0))
    except ValueError:
        return 0


# --- local files -------------------------------------------------------------------------------

def read_file(path: str | Path, *, max_bytes: int = MAX_BYTES) -> RawPage:
    """Read a saved .html file from disk."""
    try:
        path = Path(path).expanduser()
        size = path.stat().st_size
    except (FileNotFoundError, NotADirectoryError, RuntimeError):
        raise CaptureError("no such file") from None
    except OSError as error:
        raise CaptureError(f"the file could not be read ({_os_words(error)})") from None
    if path.is_dir():
        raise CaptureError(f"{path} is not a file (it is a folder)")
    if not path.is_file():
        raise CaptureError(f"{path} is not a file (it is a device or a pipe)")
    if size > max_bytes:
        raise CaptureError(f"the file is too large ({_megabytes(size)}; "
                           f"the limit is {_megabytes(max_bytes)})")
    try:
        content = path.read_bytes()
    except OSError as error:
        raise CaptureError(f"the file could not be read ({_os_words(error)})") from None
    html, charset = decode_html(content)
    _check_looks_like_html(html, content, charset)
    uri = path.resolve().as_uri()
    return RawPage(uri, uri, content, html, charset)


def _os_words(error: OSError) -> str:
    return (error.strerror or "unknown error").lower()


# --- decoding ----------------------------------------------------------------------------------

def decode_html(content: bytes, header_charset: str = "") -> tuple[str, str]:
    """Decode page bytes the way a browser would: BOM, then HTTP header, then <meta>, then a guess.

    A declared charset that cannot decode the bytes is ignored in favour of detection, since
    mislabelled pages are common and a wrong guess garbles every highlight's quote. Control
    characters, which HTML forbids and lxml refuses, are dropped, as are lone surrogates
    (which nothing downstream can store) and an XML declaration (lxml refuses one in text).
    """
    text, charset = _decode(content, header_charset)
    text = _XML_DECLARATION.sub("", _CONTROL_CHARACTERS.sub("", text), count=1)
    return _SURROGATES.sub("", text), charset


def _pass_c1(error: UnicodeDecodeError) -> tuple[str, int]:
    """Browsers decode the five bytes windows-1252 leaves undefined as C1 code points."""
    return chr(error.object[error.start]), error.start + 1


codecs.register_error("gleaner-c1", _pass_c1)
# utf-8 with surrogatepass: a lone surrogate (ED A0 80) must not send the page to detection.
_ERRORS = {"cp1252": "gleaner-c1", "utf-8": "surrogatepass"}

# C0 controls except tab, newline and carriage return. A regular expression, not
# str.translate with a table: on a 200 KB page that has none it takes 0.2 ms instead of 6 ms.
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SURROGATES = re.compile("[\ud800-\udfff\ufffe\uffff]")  # and two noncharacters lxml refuses
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def _decode(content: bytes, header_charset: str) -> tuple[str, str]:
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                      (codecs.BOM_UTF16_BE, "utf-16-be")):
        if content.startswith(bom):
            return content[len(bom):].decode(name, errors="replace"), name
    utf16 = _utf16_without_bom(content)
    if utf16:
        return content.decode(utf16, errors="replace"), utf16
    meta_label = _meta_charset(content)
    meta_name = _codec_name(meta_label)
    if meta_name and meta_name.startswith("utf-16"):
        meta_name = "utf-8"  # the HTML standard: a <meta> can only be read if it is not UTF-16
    # Misspelled labels ("utf8x", "iso-8859-1x") are trusted less than the UTF-8 test below.
    near_names = [_near_codec_name(label) for label in (header_charset, meta_label)
                  if not _codec_name(label)]
    for name in (_codec_name(header_charset), meta_name, "utf-8", *near_names):
        if name:
            try:
                return content.decode(name, errors=_ERRORS.get(name, "strict")), name
            except UnicodeError:  # punycode, idna and 'undefined' refuse with its parent class
                continue
    if _mostly_utf8(content):
        return content.decode("utf-8", errors="replace"), "utf-8"
    best = charset_normalizer.from_bytes(content[:512 * 1024]).best()
    name = _codec_name(best.encoding) if best else None
    name = name or "windows-1252"
    return content.decode(name, errors="replace"), name


def _utf16_without_bom(content: bytes) -> str | None:
    """UTF-16 with no byte order mark: HTML's markup is ASCII, so every other byte is NUL."""
    sample = content[:1024]
    if len(sample) < 32:
        return None
    half = len(sample) // 2
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd >= half // 2 and even <= half // 50:
        return "utf-16-le"
    if even >= half // 2 and odd <= half // 50:
        return "utf-16-be"
    return None


def _mostly_utf8(content: bytes) -> bool:
    """UTF-8 with a few broken bytes (a page pasted together from several sources): many
    well-formed multi-byte characters for each bad byte. A page in a legacy charset has
    almost none, so it goes to detection instead. Judged on the first megabyte; a page whose
    first megabyte is flawless UTF-8 is UTF-8."""
    text = content[:_UTF8_SAMPLE].decode("utf-8", errors="surrogateescape")
    if len(content) > _UTF8_SAMPLE:
        text = text[:-4]  # the sample may end inside a character
    bad = len(text) - len(_ESCAPED_BYTES.sub("", text))
    good = len(text) - len(text.encode("ascii", errors="ignore")) - bad
    return good >= 4 * bad


_UTF8_SAMPLE = 1024 * 1024
_ESCAPED_BYTES = re.compile("[\udc80-\udcff]")  # undecodable bytes, as surrogateescape shows them


_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.\-]+)""", re.IGNORECASE)


def _meta_charset(content: bytes) -> str:
    match = _META_CHARSET.search(content[:4096])
    return match.group(1).decode("ascii") if match else ""


def _codec_name(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    # The HTML standard reads these labels as windows-1252, a superset.
    if label in ("iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii", "iso8859-1"):
        label = "windows-1252"
    try:
        codec = codecs.lookup(label)
    except (LookupError, ValueError):  # unknown, or a NUL in the label
        return None
    # base64, rot13, zlib, uu… are codecs too, but not charsets: bytes.decode refuses them;
    # 'undefined' is a charset that can write nothing.
    if not codec._is_text_encoding:
        return None
    try:
        "<p>".encode(codec.name)
    except UnicodeError:
        return None
    return codec.name


def _near_codec_name(label: str) -> str | None:
    """The charset a misspelled label most likely means: the longest known name it starts
    with ('iso-8859-1x' → windows-1252, 'utf8x' → utf-8)."""
    label = label.strip().lower()
    for end in range(len(label) - 1, 3, -1):
        name = _codec_name(label[:end])
        if name:
            return name
    return None


# --- is it a web page? -------------------------------------------------------------------------

_HTML_TAG = re.compile(r"<(!doctype\s+html|html|head|body|title|p|div|article|main|h1|meta)[\s>/]",
                       re.IGNORECASE)

# How files that are not web pages begin.
_SIGNATURES = [
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"PK\x03\x04", "a ZIP archive or office document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-style office document"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x7fELF", "a program"),
    (b"OggS", "an audio or video file"),
    (b"ID3", "an MP3 audio file"),
    (b"fLaC", "a FLAC audio file"),
    (b"\x1aE\xdf\xa3", "a video file"),
    (b"SQLite format 3\x00", "a database file"),
    (b"wOFF", "a web font"),
    (b"wOF2", "a web font"),
]


def _sniff(content: bytes) -> str | None:
    """What a file that is not a web page is, from its first bytes (None: no known format)."""
    for signature, kind in _SIGNATURES:
        if content.startswith(signature):
            return kind
    if content[:4] == b"RIFF" and content[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        return {b"WEBP": "a WebP image", b"WAVE": "a WAV audio file",
                b"AVI ": "a video file"}[content[8:12]]
    if content[4:8] == b"ftyp":
        return "an image or video file (MP4/HEIC)"
    return None


def _check_looks_like_html(html: str, content: bytes, charset: str = "") -> None:
    if not html.strip():
        raise CaptureError("the page is empty")
    kind = _sniff(content)
    if kind:
        raise CaptureError(f"not a web page ({kind})")
    if _looks_binary(content, charset):
        raise CaptureError("not a web page (the content is binary data, not text)")
    if not _HTML_TAG.search(html[:262144]):
        raise CaptureError("this is not an HTML page (no HTML markup was found)")


def _looks_binary(content: bytes, charset: str = "") -> bool:
    """Many control bytes: compressed or random data. A few stray NULs in a real page are
    tolerated (they are dropped), and UTF-16 is full of NULs by nature."""
    if charset.startswith("utf-16"):
        return False
    sample = content[:8192]
    # ESC (27) is normal in ISO-2022 encodings such as ISO-2022-JP.
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13, 27))
    return controls > max(8, len(sample) // 20)


# --- wording -----------------------------------------------------------------------------------

def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def _seconds(n: float) -> str:
    return "1 second" if n == 1 else f"{n:g} seconds"


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _first_line(error: Exception) -> str:
    """The first line of an error's text, without characters a message cannot show."""
    lines = str(error).strip().splitlines()
    text = "".join(ch if ch.isprintable() else "?" for ch in lines[0]) if lines else ""
    return _shorten(text, 120) or "unknown error"
