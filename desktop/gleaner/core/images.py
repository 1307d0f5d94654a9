"""An article's images, kept offline with it.

Finding them happens during extraction (`resolve_images` on the parsed page, before readability
and the sanitizer see it): each <img> gets, as its `src`, the address a browser would show,
whatever lazy-loading script or responsive markup the page uses (`data-src`, `srcset`,
`<picture><source>`, a <noscript> copy), and the page's lead image (og:image, JSON-LD) is
offered for the top of the article. The reading structure then names each picture by its asset
name (`core.document.image_name`).

Keeping them is `collect_images`, after extraction: the pictures are downloaded a few at a time,
each bounded in size, all together in number, size and time, and kept only if their bytes are
a raster image the reader can show (PNG, JPEG, GIF, WebP; never SVG, which can carry scripts
and fetch other files). A page saved on disk has its images read from its own folder only, at
that moment; nothing outside that folder is ever opened. An image that cannot be kept is simply
not kept: the reader shows a placeholder, and the article is saved all the same.

No archive or Qt access here: bulk import runs this in worker threads.
"""

from __future__ import annotations

import dataclasses
import html as html_text
import json
import os
import posixpath
import re
import stat
import struct
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import url2pathname

import lxml.etree
import lxml.html

from .document import Block, Picture, image_name, pictures
from .errors import CaptureError
from .fetch import RawPage, fetch_image
from .models import CapturedArticle, ImageAsset
from .tasks import Cancelled, Progress

__all__ = ["collect_images", "resolve_images", "lead_image", "add_lead_image",
           "local_image_paths", "sniff_image", "MAX_IMAGES", "IMAGE_DEADLINE"]

MAX_IMAGES = 40  # per article; pictures beyond these show as placeholders
MAX_IMAGE_BYTES = 8 * 1024 * 1024  # one image, as decoded
MAX_TOTAL_BYTES = 40 * 1024 * 1024  # all of an article's images together
MAX_PIXELS = 50_000_000  # a small file can declare a huge canvas that would fill memory
IMAGE_DEADLINE = 20.0  # seconds for all of an article's images
IMAGE_TIMEOUT = 10.0  # for connecting, and each wait for data
IMAGE_WORKERS = 6  # downloads at once
TARGET_WIDTH = 1000  # the column is 700 px: a little more stays sharp on dense screens
VIEWPORT_WIDTH = 1280  # the screen width <source media="…"> queries are judged against

# Where lazy-loading scripts keep the real address until the image scrolls into view.
_LAZY_SOURCES = ("data-src", "data-lazy-src", "data-original", "data-lazy", "data-url",
                 "data-hi-res-src", "data-full-src", "data-orig-src", "data-echo",
                 "data-image-src")
_LAZY_SRCSETS = ("data-srcset", "data-lazy-srcset", "data-original-set")
_SHOWN_TYPES = {"", "image/jpeg", "image/jpg", "image/png", "image/webp", "image/gif"}
_PLACEHOLDER = re.compile(r"(blank|spacer|placeholder|transparent|pixel|lazy|loading|loader|"
                          r"empty|grey|gray|1x1)[^/]*\.(gif|png|svg|jpe?g|webp)$", re.IGNORECASE)
_DECORATIVE = re.compile(r"\b(emoji|wp-smiley|smiley)\b", re.IGNORECASE)
_TINY = 2  # a declared width or height this small is a spacer or a tracking pixel
_MEDIA_WIDTH = re.compile(r"\(\s*(min|max)-width\s*:\s*([\d.]+)\s*(px|em|rem)?\s*\)",
                          re.IGNORECASE)


# --- finding: in the page, before extraction ----------------------------------------------------

def resolve_images(root: lxml.html.HtmlElement, page_url: str) -> None:
    """Give every <img> of the page the absolute address of the image a browser would show,
    in `src`, or no `src` at all when it has none worth keeping (a spacer, an emoji, a
    tracking pixel, an inline data: placeholder). Only attributes change, so the extractor
    sees the same elements and finds the same text."""
    base = _base_url(root, page_url)
    saved = page_url.lower().startswith("file:")
    for img in root.iter("img"):
        found = [] if _decorative(img) else _resolved(base, _candidates(img))
        if saved:
            # A saved page's own copy (in its folder) before an address on the web that
            # would not be fetched: browsers save `src` but often leave `srcset` remote.
            found.sort(key=lambda url: not url.lower().startswith("file:"))
        if found:
            img.set("src", found[0])
        else:
            img.attrib.pop("src", None)


def _resolved(base: str, candidates: list[str]) -> list[str]:
    out = []
    for candidate in candidates:
        try:
            out.append(urljoin(base, candidate))
        except ValueError:  # a malformed address (an unclosed IPv6 bracket)
            continue
    return out


def _base_url(root, page_url: str) -> str:
    for base in root.iter("base"):
        href = (base.get("href") or "").strip()
        if href:
            try:
                joined = urljoin(page_url, href)
            except ValueError:
                break
            # A saved page keeps the <base> of the site it came from; its own files are local.
            if page_url.startswith("file:") and not joined.startswith("file:"):
                break
            return joined
    return page_url


def _decorative(img) -> bool:
    if _DECORATIVE.search(img.get("class", "")):
        return True
    for attribute in ("width", "height"):
        size = re.match(r"\s*(\d+)", img.get(attribute, ""))
        if size and int(size.group(1)) <= _TINY:
            return True
    return False


def _candidates(img) -> list[str]:
    """The addresses img could show, best first, as a browser would choose: its <picture>'s
    first usable <source>, its srcset (lazy-loaded or not), its lazy-loaded src, its src
    (unless a placeholder), its <noscript> copy."""
    found = [_best_candidate(candidates) for candidates in (
        _picture_candidates(img),
        *(_parse_srcset(img.get(name, "")) for name in _LAZY_SRCSETS),
        _parse_srcset(img.get("srcset", "")))]
    found.extend((img.get(name) or "").strip() for name in _LAZY_SOURCES)
    src = (img.get("src") or "").strip()
    if not _PLACEHOLDER.search(_url_path(src) if "://" in src else src):
        found.append(src)
    found.append(_noscript_copy(img))
    return [url for url in found if url and _usable(url)]


def _picture_candidates(img) -> list[tuple[str, float | None, str]]:
    picture = next((a for a in img.iterancestors() if a.tag == "picture"), None)
    if picture is None:
        return []
    for source in picture.iter("source"):
        if (source.get("type") or "").strip().lower() not in _SHOWN_TYPES:
            continue
        if not _media_matches(source.get("media") or ""):
            continue
        found = _parse_srcset(source.get("srcset") or source.get("data-srcset") or "")
        if any(_usable(url) for url, _, _ in found):
            return found  # a browser takes the first <source> that applies
    return []


def _media_matches(media: str) -> bool:
    """Whether a <source media="…"> query holds on a desktop screen."""
    if "prefers-color-scheme" in media and "dark" in media:
        return False
    for kind, number, unit in _MEDIA_WIDTH.findall(media):
        width = float(number) * (16 if unit and unit.lower() in ("em", "rem") else 1)
        if (kind.lower() == "max" and width < VIEWPORT_WIDTH) or \
                (kind.lower() == "min" and width > VIEWPORT_WIDTH):
            return False
    return True


def _parse_srcset(value: str) -> list[tuple[str, float | None, str]]:
    """srcset's candidates as (url, number, 'w' or 'x' or ''), following the HTML standard's
    splitting: a URL is a run of non-spaces (commas inside it are its own), and its
    descriptors run to the next comma."""
    out = []
    i, n = 0, len(value)
    while i < n:
        while i < n and (value[i].isspace() or value[i] == ","):
            i += 1
        start = i
        while i < n and not value[i].isspace():
            i += 1
        url = value[start:i]
        descriptor = ""
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            start = i
            depth = 0
            while i < n and (value[i] != "," or depth):
                depth += {"(": 1, ")": -1}.get(value[i], 0)
                i += 1
            descriptor = value[start:i].strip()
        if url:
            out.append((url, *_descriptor(descriptor)))
    return out


def _descriptor(text: str) -> tuple[float | None, str]:
    match = re.fullmatch(r"([\d.]+)\s*([wx])", text.strip().lower()) if text else None
    if not match:
        return None, ""
    try:
        return float(match.group(1)), match.group(2)
    except ValueError:
        return None, ""


def _best_candidate(candidates: list[tuple[str, float | None, str]]) -> str | None:
    """The smallest image at least TARGET_WIDTH wide (or twice the density), else the
    largest; without descriptors, the first."""
    usable = [c for c in candidates if _usable(c[0])]
    if not usable:
        return None
    widths = [(number, url) for url, number, kind in usable if kind == "w" and number]
    densities = [(number, url) for url, number, kind in usable if kind == "x" and number]
    for sized, enough in ((widths, TARGET_WIDTH), (densities, 2.0)):
        if sized:
            wide = sorted(c for c in sized if c[0] >= enough)
            return (wide[0] if wide else max(sized))[1]
    return usable[0][0]


def _usable(url: str) -> bool:
    url = url.strip()
    return bool(url) and not url.lower().startswith(("data:", "javascript:", "about:", "blob:")) \
        and not url.startswith("#") and "{" not in url  # an unfilled template: {width}


def _noscript_copy(img) -> str | None:
    """The src of the <img> inside a <noscript> right after img (or after its wrapper): the
    page's own fallback for browsers without scripts."""
    for element in (img, img.getparent()):
        if element is None:
            continue
        following = element.getnext()
        if following is not None and following.tag == "noscript":
            inner = _noscript_img(following)
            if inner is not None and _usable(inner.get("src", "")):
                return inner.get("src").strip()
    return None


def _noscript_img(noscript):
    found = next(noscript.iter("img"), None)
    if found is not None or not (noscript.text or "").strip():
        return found
    try:  # some parsers keep <noscript> content as text
        fragment = lxml.html.fragment_fromstring(noscript.text, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return None
    return next(fragment.iter("img"), None)


def lead_image(root: lxml.html.HtmlElement, page_url: str) -> str | None:
    """The page's lead image as an absolute http(s) address: og:image, twitter:image, the
    JSON-LD article's image, or <link rel=image_src>."""
    candidates = []
    for element in root.iter("meta"):
        key = (element.get("property") or element.get("name") or "").strip().lower()
        if key in ("og:image", "og:image:url", "og:image:secure_url", "twitter:image",
                   "twitter:image:src"):
            candidates.append((0 if key.startswith("og:") else 1, element.get("content")))
    candidates.sort(key=lambda c: c[0])
    urls = [url for _, url in candidates]
    urls.extend(_json_ld_images(root))
    urls.extend(link.get("href") for link in root.iter("link")
                if (link.get("rel") or "").strip().lower() == "image_src")
    base = _base_url(root, page_url)
    for url in urls:
        if url and _usable(url):
            try:
                absolute = urljoin(base, url.strip())
            except ValueError:
                continue
            if absolute.startswith(("http://", "https://")) and \
                    not urlsplit(absolute).path.lower().endswith((".svg", ".svgz")):
                return absolute
    return None


_ARTICLE_TYPES = re.compile(r"article|posting|report|review|webpage|story", re.IGNORECASE)


def _json_ld_images(root) -> list[str]:
    found = []
    for script in root.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):
            continue
        for item in _ld_items(data):
            kinds = item.get("@type", "")
            kinds = " ".join(kinds) if isinstance(kinds, list) else str(kinds)
            if _ARTICLE_TYPES.search(kinds):
                found.extend(_ld_urls(item.get("image") or item.get("thumbnailUrl")))
    return found


def _ld_items(data, depth: int = 0):
    if depth > 4:
        return
    if isinstance(data, list):
        for entry in data:
            yield from _ld_items(entry, depth + 1)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _ld_items(data["@graph"], depth + 1)


def _ld_urls(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return _ld_urls(value.get("url") or value.get("contentUrl"))
    if isinstance(value, list):
        return [url for entry in value[:3] for url in _ld_urls(entry)]
    return []


_NEAR_TOP = 3  # blocks: an article with a picture this early shows its own lead image
_SIZE_SUFFIX = re.compile(r"([-_@](\d+x\d+|\d+w|\d+x|scaled|large|medium|small|thumb))+$")


def add_lead_image(blocks: list[Block], html: str, lead: str | None) -> tuple[list[Block], str]:
    """The blocks and HTML with the lead image put before the first block, unless the article
    already shows a picture near its top or shows the same image (another size of it)."""
    if not lead or not blocks:
        return blocks, html
    shown = pictures(blocks[:_NEAR_TOP])
    if shown or any(_same_image(lead, p.src) for p in pictures(blocks)):
        return blocks, html
    picture = Picture(image_name(lead), lead, "")
    first = dataclasses.replace(blocks[0], images=(picture, *blocks[0].images))
    figure = f'<figure><img src="{html_text.escape(lead)}" alt=""></figure>'
    return [first, *blocks[1:]], figure + html


def _url_path(url: str) -> str:
    """The path of an address; the whole text when it is malformed (an unclosed IPv6 bracket
    makes urlsplit raise)."""
    try:
        return urlsplit(url).path
    except ValueError:
        return url


def _same_image(a: str, b: str) -> bool:
    return bool(b) and _image_stem(a) == _image_stem(b)


def _image_stem(url: str) -> str:
    name = posixpath.basename(_url_path(url)).lower()
    name = name.split(".", 1)[0]
    return _SIZE_SUFFIX.sub("", name)


_FILE_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")(file:[^"]*)(")', re.IGNORECASE)


def local_image_paths(html: str, page_url: str) -> str:
    """For a page saved on disk: its images' file: addresses written relative to the page's
    folder, as the saved page had them (the sanitizer keeps only web addresses, and a path
    relative to the page is what `collect_images` will look for there)."""
    folder = posixpath.dirname(urlsplit(page_url).path)

    def relative(match: re.Match) -> str:
        address = html_text.unescape(match.group(2))
        parts = urlsplit(address)
        if parts.netloc not in ("", "localhost"):
            return match.group(1) + match.group(3)
        path = posixpath.relpath(parts.path, folder or "/")
        return match.group(1) + html_text.escape(path) + match.group(3)

    return _FILE_SRC.sub(relative, html)


# --- keeping: after extraction -------------------------------------------------------------------

@dataclasses.dataclass
class _Budget:
    """What all of an article's downloads share: the deadline, the bytes kept so far."""

    end: float
    max_total: int
    kept: int = 0
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    def remaining(self) -> float:
        return self.end - time.monotonic()

    def take(self, size: int) -> bool:
        """Reserve size bytes of the total; False once it would overflow."""
        with self.lock:
            if self.kept + size > self.max_total:
                return False
            self.kept += size
            return True


def collect_images(article: CapturedArticle, page: RawPage, progress: Progress | None = None,
                   *, deadline: float = IMAGE_DEADLINE, timeout: float = IMAGE_TIMEOUT,
                   max_images: int = MAX_IMAGES, max_bytes: int = MAX_IMAGE_BYTES,
                   max_total: int = MAX_TOTAL_BYTES, workers: int = IMAGE_WORKERS
                   ) -> CapturedArticle:
    """The article with its images kept: downloaded (a web page) or read from the saved
    page's folder (a file), at most max_images of them, each at most max_bytes, together at
    most max_total, within deadline seconds. An image that fails is left out and never fails
    the save. Blocks already name the pictures; the stored HTML is rewritten to name the ones
    kept. Raises Cancelled if progress is cancelled."""
    progress = progress or Progress()
    wanted: dict[str, Picture] = {}
    for picture in pictures(article.blocks):
        wanted.setdefault(picture.name, picture)
    if not wanted:
        return article
    chosen = list(wanted.values())[:max_images]
    fetch = _reader_for(page, timeout, max_bytes)
    budget = _Budget(time.monotonic() + deadline, max_total)
    kept = _gather(chosen, fetch, budget, progress, workers)
    assets = tuple(kept[p.name] for p in chosen if p.name in kept)
    return dataclasses.replace(article, images=assets,
                               html=name_images(article.html, {a.url: a.name for a in assets}))


def _gather(wanted: list[Picture], fetch, budget: _Budget, progress: Progress,
            workers: int) -> dict[str, ImageAsset]:
    """Run fetch over the pictures a few at a time; the images kept, by name."""
    kept: dict[str, ImageAsset] = {}
    done = 0
    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="gleaner-image")
    try:
        futures = {pool.submit(_keep_one, p, fetch, budget, progress): p for p in wanted}
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
            progress.raise_if_cancelled()
            for future in finished:
                done += 1
                asset = future.result()
                if asset is not None:
                    kept[asset.name] = asset
            if finished:
                progress.report(f"Saving images: {done} of {len(wanted)}", None)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return kept


def _keep_one(picture: Picture, fetch, budget: _Budget, progress: Progress
              ) -> ImageAsset | None:
    """One picture's image if it can be had in time and is a raster image; else None."""
    if progress.cancelled or budget.remaining() <= 0 or budget.kept >= budget.max_total:
        return None
    try:
        data, _source = fetch(picture.src, budget.remaining(), progress)
    except Cancelled:
        return None  # the caller sees the cancel and stops
    except Exception:  # noqa: BLE001 - whatever goes wrong, an image never fails the save
        return None
    found = sniff_image(data)
    if found is None or not budget.take(len(data)):
        return None
    return ImageAsset(name=picture.name, url=picture.src, media_type=found[0], data=data,
                      width=found[1], height=found[2])


class _Quiet(Progress):
    """Passes the cancel button on, but not a thread's byte counts (the caller reports)."""

    def __init__(self, outer: Progress) -> None:
        super().__init__()
        self._outer = outer

    def report(self, message: str, fraction: float | None = None) -> None:
        self._outer.raise_if_cancelled()

    def raise_if_cancelled(self) -> None:
        self._outer.raise_if_cancelled()


def _reader_for(page: RawPage, timeout: float, max_bytes: int) -> Callable:
    """fetch(src, seconds left, progress) -> (bytes, where): from the web for a web page,
    from the saved page's own folder for a file."""
    if page.url.lower().startswith("file:"):
        folder = _page_folder(page.url)
        return lambda src, _left, _progress: (_read_local(folder, src, max_bytes), src)
    referer = page.url if page.url.startswith(("http://", "https://")) else ""

    def download(src: str, left: float, progress: Progress) -> tuple[bytes, str]:
        if not src.lower().startswith(("http://", "https://")):
            raise CaptureError("not a web address")
        data, _final = fetch_image(src, _Quiet(progress), max_bytes=max_bytes,
                                   timeout=min(timeout, left), deadline=left, referer=referer)
        return data, src

    return download


def _page_folder(page_url: str) -> Path:
    parts = urlsplit(page_url)
    if parts.netloc not in ("", "localhost"):
        raise CaptureError("a file on another computer")
    return Path(url2pathname(parts.path)).parent.resolve()


def _read_local(folder: Path, src: str, max_bytes: int) -> bytes:
    """The bytes of the file src names inside folder. Anything that could lead elsewhere is
    refused before the disk is touched: an address with a scheme, an absolute path, a drive,
    a '..' step; a symbolic link is followed only if it stays inside the folder; only a
    regular file is opened (a pipe would block)."""
    try:
        parts = urlsplit(src)
    except ValueError:  # a malformed address names no file
        raise CaptureError("not a file in the page's folder") from None
    if parts.scheme or parts.netloc:
        raise CaptureError("not a file in the page's folder")
    path = unquote(parts.path).replace("\\", "/")
    steps = [step for step in path.split("/") if step not in ("", ".")]
    if not steps or path.startswith("/") or "\x00" in path or ".." in steps or \
            re.match(r"^[A-Za-z]:", path):
        raise CaptureError("outside the page's folder")
    target = folder.joinpath(*steps).resolve(strict=True)
    if not target.is_relative_to(folder):
        raise CaptureError("outside the page's folder")  # a symbolic link leading out
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(target, flags)
    with os.fdopen(descriptor, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise CaptureError("not a regular file")
        data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise CaptureError("too large")
    return data


def name_images(html: str, names: dict[str, str]) -> str:
    """The stored HTML with each kept image's src replaced by its asset name."""
    if not names or "<img" not in html:
        return html
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return html
    changed = False
    for img in root.iter("img"):
        name = names.get((img.get("src") or "").strip())
        if name:
            img.set("src", name)
            changed = True
    if not changed:
        return html
    inner = "".join(lxml.html.tostring(child, encoding="unicode") for child in root)
    return html_text.escape(root.text or "", quote=False) + inner


# --- what the bytes are ---------------------------------------------------------------------------

def sniff_image(data: bytes) -> tuple[str, int, int] | None:
    """(media type, width, height) of a PNG, JPEG, GIF or WebP image read from its own bytes,
    or None for anything else (SVG, HTML, a truncated or absurdly large image)."""
    for check in (_png, _gif, _jpeg, _webp):
        try:
            found = check(data)
        except (struct.error, IndexError, ValueError):
            found = None
        if found is not None:
            _media_type, width, height = found
            if width > 0 and height > 0 and width * height <= MAX_PIXELS:
                return found
            return None
    return None


def _png(data: bytes):
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR" or b"IEND" not in data[-4096:]:
        return None
    width, height = struct.unpack(">II", data[16:24])
    return "image/png", width, height


def _gif(data: bytes):
    if data[:6] not in (b"GIF87a", b"GIF89a") or len(data) < 14:
        return None
    width, height = struct.unpack("<HH", data[6:10])
    return "image/gif", width, height


_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg(data: bytes):
    if data[:3] != b"\xff\xd8\xff":
        return None
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker in _SOF:
            height, width = struct.unpack(">HH", data[i + 5:i + 9])
            return "image/jpeg", width, height
        if marker == 0xDA or length < 2:
            return None
        i += 2 + length
    return None


def _webp(data: bytes):
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return None
    chunk = data[12:16]
    if chunk == b"VP8X":
        width = 1 + int.from_bytes(data[24:27], "little")
        height = 1 + int.from_bytes(data[27:30], "little")
    elif chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        width, height = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    elif chunk == b"VP8 ":
        if data[23:26] != b"\x9d\x01\x2a":
            return None
        width, height = struct.unpack("<HH", data[26:30])
        width, height = width & 0x3FFF, height & 0x3FFF
    else:
        return None
    return "image/webp", width, height
