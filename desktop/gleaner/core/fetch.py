"""Fetching a page's bytes and decoding them: http(s) URLs and local .html files.

Nothing here touches the archive; a failure raises CaptureError with a one-line reason.
"""

from __future__ import annotations

import codecs
import re
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import charset_normalizer
import httpx

from .errors import CaptureError
from .tasks import Progress

__all__ = ["CaptureError", "RawPage", "fetch_url", "normalise_url", "read_file",
           "decode_html"]

MAX_BYTES = 15 * 1024 * 1024
TIMEOUT_SECONDS = 20.0  # for connecting, and for each wait for more data
TOTAL_SECONDS = 90.0  # for the whole download
USER_AGENT = "Mozilla/5.0 (compatible; Gleaner/0.1; offline research archive)"
HTML_TYPES = {"text/html", "application/xhtml+xml", "application/xml", "text/xml", ""}


@dataclass(frozen=True)
class RawPage:
    """A page's bytes, where they came from, and how to read them."""

    url_requested: str
    url: str  # after redirects; a file:// URI for local files
    content: bytes
    html: str
    charset: str
    content_language: str = ""


def normalise_url(text: str) -> str:
    """Validate an http(s) URL typed by a user, adding https:// to a bare domain."""
    text = text.strip()
    try:
        if not urlsplit(text).scheme and re.match(r"^[\w-]+(\.[\w-]+)+(/|$)", text):
            text = "https://" + text
        parts = urlsplit(text)
        parts.port  # noqa: B018 (raises ValueError for a malformed port)
    except ValueError as error:
        raise CaptureError(f"the address is not valid ({_first_line(error)})") from None
    if parts.scheme not in ("http", "https"):
        raise CaptureError("only http and https addresses can be saved, "
                           f"not {parts.scheme or 'this'}")
    if not parts.hostname:
        raise CaptureError("the address has no host name")
    return text


def fetch_url(url: str, progress: Progress | None = None, *, max_bytes: int = MAX_BYTES,
              timeout: float = TIMEOUT_SECONDS) -> RawPage:
    """Download an HTML page, following redirects, within a size cap and timeouts."""
    url = normalise_url(url)
    progress = progress or Progress()
    headers = {"User-Agent": USER_AGENT,
               "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"}
    try:
        with httpx.Client(follow_redirects=True, max_redirects=10, timeout=timeout,
                          headers=headers) as client, client.stream("GET", url) as response:
            if response.status_code >= 400:
                raise CaptureError(f"the server answered {response.status_code} "
                                   f"{response.reason_phrase}".rstrip())
            media_type = _media_type(response.headers.get("content-type", ""))
            if media_type not in HTML_TYPES:
                raise CaptureError(f"not a web page: the server sent {media_type}")
            declared = _content_length(response)
            if declared > max_bytes:
                raise CaptureError(f"the page is too large ({_megabytes(declared)}; "
                                   f"the limit is {_megabytes(max_bytes)})")
            content = _read_capped(response, max_bytes, declared, progress)
            final_url = str(response.url)
            header_charset = response.charset_encoding or ""
            language = response.headers.get("content-language", "")
    except (httpx.InvalidURL, httpx.UnsupportedProtocol, UnicodeError, ValueError) as error:
        raise CaptureError(f"the address is not valid ({_first_line(error)})") from None
    except httpx.TooManyRedirects:
        raise CaptureError("the address redirects too many times") from None
    except httpx.TimeoutException:
        raise CaptureError(f"the server did not answer within {timeout:g} seconds") from None
    except httpx.ConnectError as error:
        raise CaptureError(f"could not connect ({_first_line(error)})") from None
    except httpx.HTTPError as error:
        raise CaptureError(f"the download failed ({_first_line(error)})") from None
    html, charset = decode_html(content, header_charset)
    _check_looks_like_html(html, content)
    return RawPage(url, final_url, content, html, charset, language.split(",")[0].strip())


def read_file(path: str | Path, *, max_bytes: int = MAX_BYTES) -> RawPage:
    """Read a saved .html file from disk."""
    path = Path(path).expanduser()
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise CaptureError(f"{path} is not a file")
        if size > max_bytes:
            raise CaptureError(f"the file is too large ({_megabytes(size)}; "
                               f"the limit is {_megabytes(max_bytes)})")
        content = path.read_bytes()
    except FileNotFoundError:
        raise CaptureError("no such file") from None
    except OSError as error:
        raise CaptureError(f"the file could not be read ({error.strerror or error})") from None
    html, charset = decode_html(content)
    _check_looks_like_html(html, content)
    uri = path.resolve().as_uri()
    return RawPage(uri, uri, content, html, charset)


def decode_html(content: bytes, header_charset: str = "") -> tuple[str, str]:
    """Decode page bytes the way a browser would: BOM, then HTTP header, then <meta>, then a guess.

    A declared charset that cannot decode the bytes is ignored in favour of detection, since
    mislabelled pages are common and a wrong guess garbles every highlight's quote. Control
    characters, which HTML forbids and lxml refuses, are dropped.
    """
    text, charset = _decode(content, header_charset)
    return text.translate(_CONTROL_CHARACTERS), charset


def _pass_c1(error: UnicodeDecodeError) -> tuple[str, int]:
    """Browsers decode the five bytes windows-1252 leaves undefined as C1 code points."""
    return chr(error.object[error.start]), error.start + 1


codecs.register_error("gleaner-c1", _pass_c1)
_ERRORS = {"cp1252": "gleaner-c1"}

# C0 controls except tab, newline and carriage return.
_CONTROL_CHARACTERS = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))


def _decode(content: bytes, header_charset: str) -> tuple[str, str]:
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                      (codecs.BOM_UTF16_BE, "utf-16-be")):
        if content.startswith(bom):
            return content[len(bom):].decode(name, errors="replace"), name
    meta_name = _codec_name(_meta_charset(content))
    if meta_name and meta_name.startswith("utf-16"):
        meta_name = "utf-8"  # the HTML standard: a <meta> can only be read if it is not UTF-16
    for name in (_codec_name(header_charset), meta_name):
        if name:
            try:
                return content.decode(name, errors=_ERRORS.get(name, "strict")), name
            except UnicodeDecodeError:
                continue
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(content[:512 * 1024]).best()
    name = _codec_name(best.encoding) if best else None
    name = name or "windows-1252"
    return content.decode(name, errors="replace"), name


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
        return codecs.lookup(label).name
    except LookupError:
        return None


def _media_type(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def _content_length(response: httpx.Response) -> int:
    try:
        return max(0, int(response.headers.get("content-length") or 0))
    except ValueError:
        return 0


def _read_capped(response: httpx.Response, max_bytes: int, declared: int,
                 progress: Progress) -> bytes:
    chunks, received = [], 0
    deadline = time.monotonic() + TOTAL_SECONDS
    # No chunk size: each piece is handed over as it arrives, so a slow server still lets
    # cancellation and the overall deadline be checked.
    for chunk in response.iter_bytes():
        if time.monotonic() > deadline:
            raise CaptureError(f"the download took longer than {TOTAL_SECONDS:g} seconds")
        received += len(chunk)
        if received > max_bytes:
            raise CaptureError(f"the page is larger than the {_megabytes(max_bytes)} limit")
        chunks.append(chunk)
        progress.report(f"Downloaded {received // 1024} KB",
                        received / declared if declared else None)
    return b"".join(chunks)


_HTML_TAG = re.compile(r"<(!doctype\s+html|html|head|body|title|p|div|article|main|h1|meta)[\s>/]",
                       re.IGNORECASE)


def _check_looks_like_html(html: str, content: bytes) -> None:
    if not html.strip():
        raise CaptureError("the page is empty")
    if _looks_binary(content) or not _HTML_TAG.search(html[:262144]):
        raise CaptureError("this is not an HTML page")


def _looks_binary(content: bytes) -> bool:
    """NUL bytes or many control bytes: an image, PDF, archive… (UTF-16 has a BOM here)."""
    sample = content[:8192]
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    # ESC (27) is normal in ISO-2022 encodings such as ISO-2022-JP.
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13, 27))
    return b"\x00" in sample or controls > len(sample) // 100


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
