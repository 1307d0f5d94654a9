"""What a bulk import reads: the pages named by the files and folders the user chose.

A source is a folder of saved pages (searched recursively), a saved page itself, or a list of
pages: a text file of web addresses, a CSV file with a column of them, a browser's bookmarks
export (Netscape bookmark HTML, Chrome's, Edge's or Brave's ``Bookmarks`` JSON file, or a
Firefox JSON backup; its folders become tags), a Pocket export (HTML or CSV, with its tags) or
an Instapaper CSV export (its folders become tags). A zip file (Pocket's last export was one)
is read as the lists inside it, in memory. The kind is told from the file's content, not its
name.

Files are not trusted: sizes, zip entries, compression ratios and JSON nesting are bounded;
a zip entry named to escape its folder refuses the whole file; bookmark HTML is read with
lxml's HTML parser, which does not expand DTD entities or load external ones.

Nothing here touches the network or the archive. A source that cannot be used at all (missing,
unreadable, binary, a list with no address in it) raises `SourceError`, whose text is one line
naming the file, before anything is imported. A single entry that cannot be imported (a
``javascript:`` bookmark, a line that is not an address) becomes an item with a `problem`,
reported with the others.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .errors import CaptureError

__all__ = ["ImportItem", "SourceError", "read_sources", "PAGE_SUFFIXES"]

PAGE_SUFFIXES = (".html", ".htm", ".xhtml")
MAX_SOURCE_BYTES = 50 * 1024 * 1024  # a bookmarks export of 100,000 links is ~30 MB
MAX_ITEMS = 100_000
MAX_ADDRESS = 8_000  # characters; longer "addresses" are data, not pages
MAX_TAGS = 12
TAG_LIMIT = 60  # the archive's longest tag name
TITLE_LIMIT = 300
# Folders of Instapaper that are states of an article, not a subject: not kept as tags.
INSTAPAPER_STATES = {"unread", "archive"}
# CSV headers naming the column of addresses, its titles and its tags.
URL_HEADERS = ("url", "link", "href", "address", "web address", "uri", "website", "page url")
TITLE_HEADERS = ("title", "name")
TAG_HEADERS = ("tags", "tag", "labels", "label", "folder", "folders")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_BARE_ADDRESS = re.compile(r"^[\w-]+(\.[\w-]+)+(:\d+)?/\S*$")
_DRIVE = re.compile(r"^[a-zA-Z]:")
_SPACE = re.compile(r"\s")
# JSON begins with an object, or an array of values (not "[Reading list]", a list's heading).
_JSON_START = re.compile(r'\{|\[\s*(?:[\[{"\d\]-]|true\b|false\b|null\b)')
_NAME_CONTROL = re.compile("[\x00-\x1f\x7f]")
_XML_DECLARATION = re.compile(r"\s*<\?xml\s[^>]{0,200}\?>")
# Zip files: what is read of them, and what refuses them.
ZIP_MARKS = (b"PK\x03\x04", b"PK\x05\x06")  # a zip's first entry; an empty zip
ZIP_LIST_SUFFIXES = {"csv", "tsv", "txt", "html", "htm", "xhtml", "json", ""}
MAX_ZIP_ENTRIES = 1_000
ZIP_CHUNK = 256 * 1024
ZIP_MAX_RATIO = 100  # text packs 3-15 times; a zip bomb ~1,000 times
ZIP_RATIO_ALLOWANCE = 2 * 1024 * 1024  # any entry may unpack this far, whatever its ratio
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError,
              ValueError, NotImplementedError, RuntimeError, struct.error)
MAX_JSON_MARKS = 25 * MAX_ITEMS  # "{", "[" and "," in a JSON file; ~10 per bookmark
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")


class SourceError(CaptureError):
    """A chosen file or folder that cannot be imported from; str() names it, in one line."""


@dataclass(frozen=True)
class ImportItem:
    """One page to import: a web address or a saved file, with the tags it gets."""

    source: str  # an http(s) address, or the absolute path of a saved page
    tags: tuple[str, ...] = ()
    title: str = ""  # what the list called it (a bookmark's name), shown until it is saved
    problem: str = ""  # why it cannot be imported at all; set, the item is reported failed
    is_file: bool = False

    @property
    def label(self) -> str:
        """How the item is named in progress and reports."""
        return self.source


@dataclass
class _Collected:
    items: list[ImportItem] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)  # same page -> its place in items

    def add(self, item: ImportItem) -> None:
        """Add an item; the same page listed twice is imported once, with both tag sets."""
        key = _item_key(item)
        if key and key in self.index:
            place = self.index[key]
            first = self.items[place]
            tags = tuple(dict.fromkeys((*first.tags, *item.tags)))[:MAX_TAGS]
            self.items[place] = replace(first, tags=tags, title=first.title or item.title)
            return
        if len(self.items) >= MAX_ITEMS:
            raise SourceError(f"too many pages for one import (the limit is {MAX_ITEMS:,}); "
                              "import them in parts")
        if key:
            self.index[key] = len(self.items)
        self.items.append(item)


def read_sources(paths: Iterable[str | Path]) -> list[ImportItem]:
    """The pages to import from these files and folders, in order, each page once.

    Raises SourceError (one line naming the file) if any source cannot be used, so a mistake
    in the selection changes nothing.
    """
    collected = _Collected()
    for path in paths:
        for item in _read_source(Path(path).expanduser()):
            collected.add(item)
    return collected.items


def _read_source(path: Path) -> Iterator[ImportItem]:
    try:
        if path.is_dir():
            yield from _folder_pages(path)
            return
        if not path.exists():
            raise SourceError(f"{path}: no such file or folder")
        if not path.is_file():
            raise SourceError(f"{path}: not a file (a device or a pipe)")
        data = _read_bytes(path)
    except OSError as error:
        raise SourceError(f"{path}: could not be read ({_os_words(error)})") from None
    yield from _items_in_file(path, data)


def _read_bytes(path: Path) -> bytes:
    size = path.stat().st_size
    if size > MAX_SOURCE_BYTES:
        raise SourceError(f"{path}: too large to be a list of pages ({size / 2**20:.0f} MB; "
                          f"the limit is {MAX_SOURCE_BYTES // 2**20} MB)")
    with path.open("rb") as file:
        # As much as stat() said, not the limit: read(n) sets n bytes aside first.
        data = file.read(size + 1)
        if len(data) > size:  # the file has grown since stat(): read on, to the limit
            data += file.read(MAX_SOURCE_BYTES + 1 - len(data))
    if len(data) > MAX_SOURCE_BYTES:
        raise SourceError(f"{path}: too large to be a list of pages")
    if not data.strip():
        raise SourceError(f"{path}: the file is empty")
    return data


def _os_words(error: OSError) -> str:
    return (error.strerror or type(error).__name__).lower()


# --- folders -----------------------------------------------------------------------------------

def _folder_pages(folder: Path) -> Iterator[ImportItem]:
    """Every saved page under folder, in name order, depth first; the ``NAME_files`` folder
    of a page saved "complete" holds its images and scripts, not pages, and is passed over, as
    are hidden files and folders. Symbolic links to folders are not followed (no loops)."""
    found = 0
    stack = [folder.resolve()]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as entries:
                listed = sorted(entries, key=lambda entry: entry.name.casefold())
        except OSError as error:
            if current == folder.resolve():
                raise SourceError(f"{folder}: could not be read ({_os_words(error)})") from None
            yield ImportItem(str(current), problem=f"the folder could not be read "
                                                   f"({_os_words(error)})", is_file=True)
            continue
        pages = [e for e in listed if not e.name.startswith(".") and _is_page_file(e)]
        stems = {Path(e.name).stem for e in pages}
        for entry in pages:
            found += 1
            yield from _folder_file(Path(entry.path))
        subfolders = [e for e in listed if not e.name.startswith(".")
                      and _is_real_folder(e) and not _is_resource_folder(e.name, stems)]
        stack.extend(Path(e.path) for e in reversed(subfolders))
    if not found:
        raise SourceError(f"{folder}: no saved web pages ({', '.join(PAGE_SUFFIXES)}) in it")


def _folder_file(path: Path) -> Iterator[ImportItem]:
    """A page found in a folder; a bookmarks, Pocket or Instapaper export kept among the saved
    pages is read as the list of pages it is, not saved as an article of links."""
    try:
        with path.open("rb") as file:
            head = file.read(4096).decode("utf-8", "replace")
    except OSError:
        head = ""  # the save reports why the file cannot be read
    lowered = head.lstrip().lower()
    if not (_looks_like_html(lowered) and _link_list_kind(head, lowered)):
        yield ImportItem(str(path), is_file=True)
        return
    try:
        yield from _items_in_file(path, _read_bytes(path))
    except (SourceError, OSError) as error:
        yield ImportItem(str(path), problem=str(error).removeprefix(f"{path}: "),
                         is_file=True)


def _is_page_file(entry: os.DirEntry) -> bool:
    try:
        return entry.name.lower().endswith(PAGE_SUFFIXES) and entry.is_file()
    except OSError:
        return False


def _is_real_folder(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _is_resource_folder(name: str, page_stems: set[str]) -> bool:
    """A browser's "Page_files" folder beside "Page.html"."""
    return name.endswith("_files") and name[:-len("_files")] in page_stems


# --- files: what kind of source is it? ---------------------------------------------------------

def _items_in_file(path: Path, data: bytes, in_zip: bool = False) -> Iterator[ImportItem]:
    """The items of one file's content; in_zip: it is an entry of a zip file, named path."""
    if data.startswith(ZIP_MARKS):
        if in_zip:
            return  # zips inside a zip are not opened (a "42.zip" bomb nests them)
        yield from _zip_items(path, data)
        return
    text = _decode(path, data)
    if _JSON_START.match(text[:4096].lstrip()):
        yield from _json_items(path, text)
        return
    head = text[:4096].lstrip().lower()
    if _looks_like_html(head):
        kind = _link_list_kind(text, head)
        if kind is None and in_zip:
            yield ImportItem(str(path), problem="a saved page inside a zip file is not "
                                                "imported (unzip it, then import the folder)")
            return
        if kind is None:
            yield ImportItem(str(path.resolve()), is_file=True)  # a saved page
            return
        items = list(_html_list_items(path, text, kind))
        if not items:
            raise SourceError(f"{path}: the {kind} export holds no links")
        yield from items
        return
    lines = text.splitlines()
    content = _content_lines(lines)
    first = content[0][1] if content else ""
    delimiter = _csv_delimiter(first)
    # A first line with commas (or tabs, semicolons) that is not an address is a CSV header.
    csv_header = delimiter and not _looks_like_address(first) \
        and first.casefold() not in URL_HEADERS
    if not csv_header and _is_address_list(content):
        yield from _address_list_items(path, content)
        return
    if delimiter:
        yield from _csv_items(path, text, delimiter)
        return
    raise SourceError(f"{path}: not a web page, a list of web addresses or a bookmarks export")


def _decode(path: Path, data: bytes) -> str:
    """The file's text: UTF-8 (or UTF-16 with its mark), else the encoding it looks like."""
    for mark, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                           (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(mark):
            try:
                return _text_only(path, data.decode(encoding))
            except UnicodeDecodeError:
                break
    try:
        return _text_only(path, data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:65536]:
        raise SourceError(f"{path}: not a text file (it looks like binary data)")
    import charset_normalizer

    best = charset_normalizer.from_bytes(data[:200_000]).best()
    encoding = best.encoding if best else "cp1252"
    try:
        return _text_only(path, data.decode(encoding, errors="replace"))
    except LookupError:
        return _text_only(path, data.decode("cp1252", errors="replace"))


def _text_only(path: Path, text: str) -> str:
    """text, refused if it is really binary data (many control characters)."""
    sample = text[:65536]
    if "\x00" in sample or len(_CONTROL.findall(sample)) > max(8, len(sample) // 100):
        raise SourceError(f"{path}: not a text file (it looks like binary data)")
    return _CONTROL.sub("", text)


def _looks_like_html(head: str) -> bool:
    return head.startswith("<") or "<html" in head or "<!doctype" in head


def _link_list_kind(text: str, head: str) -> str | None:
    """Which export a page is ("bookmarks", "Pocket", "Instapaper"), or None for a page to
    save. Only explicit markers count: an ordinary saved page has many links too."""
    if re.search(r"<title>\s*instapaper:?\s*export", head):
        return "Instapaper"
    if "netscape-bookmark-file" in head:
        return "bookmarks"
    if re.search(r"<title>\s*pocket export\s*</title>", head) or \
            re.search(r"<a\s[^>]*\btime_added\s*=", text[:200_000], re.IGNORECASE):
        return "Pocket"
    return None


# --- link lists in HTML ------------------------------------------------------------------------

def _html_list_items(path: Path, text: str, kind: str) -> Iterator[ImportItem]:
    """The links of a bookmarks, Pocket or Instapaper HTML export, with their tags: a
    bookmark's folders (from the outermost; the browser's own toolbar and "other bookmarks"
    folders are not subjects), a Pocket link's tags attribute, an Instapaper heading."""
    import lxml.etree
    import lxml.html

    parser = lxml.html.HTMLParser(recover=True, no_network=True, huge_tree=False,
                                  remove_comments=True, remove_pis=True)
    # The text is decoded already; lxml refuses a str that still declares its encoding.
    declaration = _XML_DECLARATION.match(text)
    if declaration:
        text = text[declaration.end():]
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (lxml.etree.LxmlError, ValueError) as error:
        raise SourceError(f"{path}: the {kind} export could not be read ({error})") from None
    folders: list[str | None] = []  # one entry per open <DL>: its folder's name, if a tag
    pending: str | None = None  # the folder heading just read, waiting for its <DL>
    section = ""  # Instapaper: the folder heading above the links
    for event, element in lxml.etree.iterwalk(root, events=("start", "end")):
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if event == "start" and tag == "dl":
            folders.append(pending)
            pending = None
        elif event == "end" and tag == "dl" and folders:
            folders.pop()
        elif event == "start" and tag in ("a", "h3"):
            pending = None
        elif event == "end" and tag == "h3":
            pending = _folder_name(element)
        elif event == "end" and tag == "h1":
            section = _clean_text(element.text_content())
        elif event == "end" and tag == "a" and element.get("href") is not None:
            if kind == "bookmarks":
                tags = [name for name in folders if name]
            elif kind == "Pocket":
                tags = (element.get("tags") or "").split(",")
            else:
                tags = [] if section.casefold() in INSTAPAPER_STATES else [section]
            item = _address_item(element.get("href"), tags, element.text_content())
            if item:
                yield item


def _folder_name(heading) -> str | None:
    if heading.get("personal_toolbar_folder") or heading.get("unfiled_bookmarks_folder"):
        return None
    return _clean_text(heading.text_content()) or None


# --- bookmarks in JSON: Chrome (Edge, Brave) and Firefox backups ------------------------------

def _json_items(path: Path, text: str) -> Iterator[ImportItem]:
    """The bookmarks of a Chrome-family ``Bookmarks`` file or a Firefox bookmarks backup; their
    folders become tags, outermost first, as in an HTML export (the browser's own root folders
    -- bookmarks bar, other, menu, toolbar, unfiled -- are not subjects)."""
    data = _parse_json(path, text)
    if isinstance(data, dict) and isinstance(data.get("roots"), dict):
        tops = [node for node in data["roots"].values() if isinstance(node, dict)]
        nodes = _chrome_nodes(tops)
    elif isinstance(data, dict) and _is_firefox_node(data):
        nodes = _firefox_nodes(data)
    else:
        raise SourceError(f"{path}: a JSON file, but not a bookmarks file from Chrome, Edge, "
                          "Brave or Firefox")
    found = False
    for url, title, tags in nodes:
        item = _address_item(url, tags, title)
        if item:
            found = True
            yield item
    if not found:
        raise SourceError(f"{path}: the bookmarks export holds no links")


def _parse_json(path: Path, text: str) -> object:
    # Many small containers cost far more memory than their text: a file of "[[],[],…]" is
    # refused before it is parsed (a bookmark takes about ten of these marks).
    marks = text.count("{") + text.count("[") + text.count(",")
    if marks > MAX_JSON_MARKS:
        raise SourceError(f"{path}: too many entries to be a bookmarks file "
                          f"({marks:,} JSON values)")
    try:
        return json.loads(text)
    except RecursionError:
        raise SourceError(f"{path}: the JSON is nested too deeply to be a bookmarks "
                          "file") from None
    except ValueError as error:
        where = f" (line {error.lineno}, column {error.colno})" \
            if isinstance(error, json.JSONDecodeError) else ""
        raise SourceError(f"{path}: not a readable JSON file{where}") from None


def _chrome_nodes(tops: list[dict]) -> Iterator[tuple[str, str, list[str]]]:
    """(url, title, folders) of every "url" node under Chrome's roots, in file order; walked
    with a stack, not recursion, so no nesting can overflow it."""
    stack: list[tuple[dict, list[str]]] = []
    for top in reversed(tops):  # the roots themselves are not tags
        stack.extend(_children(top, []))
    while stack:
        node, folders = stack.pop()
        if node.get("type") == "url" and isinstance(node.get("url"), str):
            yield node["url"], _json_text(node.get("name")), folders
        else:
            stack.extend(_children(node, [*folders, _json_text(node.get("name"))]))


def _is_firefox_node(node: dict) -> bool:
    return str(node.get("type", "")).startswith("text/x-moz-place") \
        or (isinstance(node.get("children"), list) and "root" in node)


def _firefox_nodes(top: dict) -> Iterator[tuple[str, str, list[str]]]:
    """(url, title, folders and tags) of every place in a Firefox backup, in file order. A
    container with a "root" (menu, toolbar, unfiled, mobile) is the browser's, not a subject;
    a bookmark's own Firefox tags follow its folders."""
    stack: list[tuple[dict, list[str]]] = [(top, [])]
    while stack:
        node, folders = stack.pop()
        uri = node.get("uri")
        if isinstance(uri, str):
            own = node.get("tags")
            tags = [*folders, *own.split(",")] if isinstance(own, str) else folders
            yield uri, _json_text(node.get("title")), tags
        else:
            inner = folders if "root" in node else [*folders, _json_text(node.get("title"))]
            stack.extend(_children(node, inner))


def _children(node: dict, folders: list[str]) -> list[tuple[dict, list[str]]]:
    """A folder's children, last first (to be popped from a stack in order), with folders."""
    children = node.get("children")
    if not isinstance(children, list):
        return []
    return [(child, folders) for child in reversed(children) if isinstance(child, dict)]


def _json_text(value: object) -> str:
    return value if isinstance(value, str) else ""


# --- zip files (Pocket's last export) ----------------------------------------------------------

def _zip_items(path: Path, data: bytes) -> Iterator[ImportItem]:
    """The items of every list inside a zip file, read in memory as if each were chosen
    directly. Nothing is extracted to disk; entry counts, sizes and compression ratios are
    bounded, and a name that would escape a folder refuses the whole file."""
    _check_zip_directory(path, data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            _check_zip_entries(path, entries)
            lists = [entry for entry in entries if _is_list_entry(entry)]
            if not lists:
                nested = any(entry.filename.lower().endswith(".zip") for entry in entries)
                raise SourceError(f"{path}: no lists of pages in the zip file (CSV, text, "
                                  "bookmarks HTML or JSON)"
                                  + ("; zip files inside it are not opened" if nested else ""))
            budget = MAX_SOURCE_BYTES
            found = []
            for entry in lists:
                content = _read_zip_entry(path, archive, entry, budget)
                budget -= len(content)
                if content.strip():  # Pocket's last part may hold nothing
                    found.extend(_items_in_file(path / entry.filename, content, in_zip=True))
    except SourceError:
        raise
    except ZIP_ERRORS as error:
        raise SourceError(f"{path}: a damaged or unsupported zip file "
                          f"({_one_line(str(error) or type(error).__name__)})") from None
    if not found:
        raise SourceError(f"{path}: no web addresses in the lists of the zip file (they are "
                          "empty, or are zip files, which are not opened)")
    yield from found


def _check_zip_directory(path: Path, data: bytes) -> None:
    """Refuse a zip whose directory lists too many entries before Python reads it (reading a
    directory of a million entries takes seconds and hundreds of megabytes)."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or len(data) < end + 22:
        raise SourceError(f"{path}: a damaged zip file (its list of contents is missing; "
                          "was it downloaded completely?)")
    count, size = struct.unpack("<HL", data[end + 10:end + 16])
    locator = end - 20
    if locator >= 56 and data[locator:locator + 4] == b"PK\x06\x07":  # Zip64 sizes
        record = data[locator - 56:locator]
        if record[:4] == b"PK\x06\x06":
            count, size = struct.unpack("<QQ", record[32:48])
    if count > MAX_ZIP_ENTRIES or size > MAX_ZIP_ENTRIES * 1024:
        raise SourceError(f"{path}: too many files in the zip file (the limit is "
                          f"{MAX_ZIP_ENTRIES:,})")


def _check_zip_entries(path: Path, entries: list[zipfile.ZipInfo]) -> None:
    if len(entries) > MAX_ZIP_ENTRIES:
        raise SourceError(f"{path}: too many files in the zip file (the limit is "
                          f"{MAX_ZIP_ENTRIES:,})")
    for entry in entries:
        name = entry.orig_filename
        unsafe = _unsafe_name(name)
        if unsafe:
            raise SourceError(f"{path}: refused: the zip file holds an entry named "
                              f"{_one_line(repr(name))}, which {unsafe}")
        if entry.flag_bits & 0x1:
            raise SourceError(f"{path}: the zip file is password-protected "
                              f"({_one_line(repr(name))}); unzip it first")


def _unsafe_name(name: str) -> str | None:
    """Why an entry's name is an attack sign (None if it is not): unzipped, it would land
    outside its folder; or control characters (a newline could forge a message line)."""
    parts = name.replace("\\", "/").split("/")
    if "\\" in name or name.startswith("/") or ".." in parts or _DRIVE.match(name):
        return "points outside its folder"
    if _NAME_CONTROL.search(name):
        return "holds control characters"
    return None


def _is_list_entry(entry: zipfile.ZipInfo) -> bool:
    """A file in a zip that may be a list of pages (by its name: what is read is then told
    by its content, as for a file chosen directly)."""
    name = entry.filename
    base = name.rsplit("/", 1)[-1]
    if entry.is_dir() or not base or base.startswith(".") or name.startswith("__MACOSX/"):
        return False
    suffix = base.rsplit(".", 1)[-1].lower() if "." in base else ""
    return suffix in ZIP_LIST_SUFFIXES


def _read_zip_entry(path: Path, archive: zipfile.ZipFile, entry: zipfile.ZipInfo,
                    budget: int) -> bytes:
    """An entry's bytes, read in chunks and stopped at the limits: its declared sizes may
    lie, so what is actually decompressed is counted too."""
    name = _one_line(repr(entry.filename))
    if entry.file_size > budget:
        raise SourceError(f"{path}: {name} in the zip file is too large "
                          f"({entry.file_size / 2**20:.0f} MB unpacked; the limit for the "
                          f"whole zip is {MAX_SOURCE_BYTES // 2**20} MB)")
    if entry.file_size > ZIP_RATIO_ALLOWANCE \
            and entry.file_size > ZIP_MAX_RATIO * max(entry.compress_size, 1):
        raise SourceError(f"{path}: refused: {name} unpacks to over {ZIP_MAX_RATIO} times its "
                          "packed size, as a zip bomb does")
    chunks = []
    read = 0
    with archive.open(entry) as file:
        while chunk := file.read(ZIP_CHUNK):
            read += len(chunk)
            if read > budget:
                raise SourceError(f"{path}: {name} unpacks to more than the "
                                  f"{MAX_SOURCE_BYTES // 2**20} MB limit for a zip file")
            if read > ZIP_RATIO_ALLOWANCE and read > ZIP_MAX_RATIO * max(entry.compress_size, 1):
                raise SourceError(f"{path}: refused: {name} unpacks to over {ZIP_MAX_RATIO} "
                                  "times its packed size, as a zip bomb does")
            chunks.append(chunk)
    return b"".join(chunks)


def _one_line(text: str) -> str:
    return _shorten(" ".join(text.split()), 200)


# --- lists of addresses ------------------------------------------------------------------------

def _content_lines(lines: list[str]) -> list[tuple[int, str]]:
    return [(number, line.strip()) for number, line in enumerate(lines, 1)
            if line.strip() and not line.strip().startswith("#")]


def _is_address_list(content: list[tuple[int, str]]) -> bool:
    """At least half of the lines (comments and blank lines aside) are one address each."""
    content = content[:2000]
    if content and content[0][1].casefold() in URL_HEADERS:
        content = content[1:]
    addresses = sum(1 for _, line in content if _looks_like_address(line))
    return bool(content) and addresses * 2 >= len(content)


def _looks_like_address(text: str) -> bool:
    text = text.strip()
    if not text or _SPACE.search(text):  # a regex: a 40 MB line is searched in C
        return False
    return bool(_SCHEME.match(text) and "://" in text[:20]) or bool(_BARE_ADDRESS.match(text))


def _address_list_items(path: Path, content: list[tuple[int, str]]) -> Iterator[ImportItem]:
    if content and content[0][1].casefold() in URL_HEADERS:
        content = content[1:]
    for number, line in content:
        if _looks_like_address(line):
            item = _address_item(line, [], "")
            if item:
                yield item
        else:
            yield ImportItem(_shorten(line, 120),
                             problem=f"line {number} of {path.name} is not a web address")


def _address_item(href: str, tags: Iterable[str], title: str) -> ImportItem | None:
    """An item for an address found in a list; None for what names no page at all (Firefox's
    "place:" queries, an empty link)."""
    from .fetch import normalise_url

    href = href.strip()
    if not href or href.lower().startswith("place:"):
        return None
    tags = _clean_tags(tags)
    title = _shorten(_clean_text(title), TITLE_LIMIT)
    if len(href) > MAX_ADDRESS:
        return ImportItem(_shorten(href, 120), tags, title,
                          problem=f"the address is too long ({len(href):,} characters)")
    if href.lower().startswith("file:"):
        local = _file_url_path(href)
        if local is None:
            return ImportItem(href, tags, title, problem="the file: address names no file "
                                                        "on this computer")
        return ImportItem(local, tags, title, is_file=True)
    try:
        return ImportItem(normalise_url(href), tags, title)
    except CaptureError as error:
        return ImportItem(_shorten(href, 200), tags, title, problem=str(error))


def _file_url_path(url: str) -> str | None:
    from urllib.request import url2pathname

    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost") or not parts.path:
        return None
    return str(Path(url2pathname(unquote(parts.path))).expanduser().absolute())


# --- CSV ---------------------------------------------------------------------------------------

def _csv_delimiter(first: str) -> str | None:
    """The delimiter of a CSV file (comma, tab or semicolon), judged on its first line."""
    counts = {d: first.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=counts.get)
    return best if counts[best] else None


@dataclass(frozen=True)
class _Columns:
    url: int
    title: int | None = None
    tags: tuple[int, ...] = ()
    kind: str = "CSV"  # or "Pocket", "Instapaper": how tags are written


def _csv_items(path: Path, text: str, delimiter: str) -> Iterator[ImportItem]:
    try:
        rows = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
                if any(cell.strip() for cell in row)]
    except csv.Error as error:
        raise SourceError(f"{path}: not a readable CSV file ({error})") from None
    columns, body = _csv_columns(rows)
    if columns is None:
        raise SourceError(f"{path}: no column of web addresses found (name it “url”)")
    found = False
    for row in body:
        if columns.url >= len(row) or not row[columns.url].strip():
            continue
        title = row[columns.title] if columns.title is not None and columns.title < len(row) \
            else ""
        tags = [tag for index in columns.tags if index < len(row)
                for tag in _csv_tags(row[index], columns.kind, index == columns.tags[0])]
        item = _address_item(row[columns.url], tags, title)
        if item:
            found = True
            yield item
    if not found:
        raise SourceError(f"{path}: no web addresses in the “url” column")


def _csv_columns(rows: list[list[str]]) -> tuple[_Columns | None, list[list[str]]]:
    """Where the addresses, titles and tags are, and the rows holding pages: found by the
    header (Pocket's, Instapaper's, or a column called url/link/…), else by content."""
    if not rows:
        return None, []
    header = [cell.strip().casefold() for cell in rows[0]]
    if {"url", "time_added"} <= set(header):
        return _Columns(header.index("url"), _find(header, ("title",)),
                        _present(header, ("tags",)), "Pocket"), rows[1:]
    if {"url", "title", "folder"} <= set(header):
        return _Columns(header.index("url"), header.index("title"),
                        _present(header, ("folder", "tags")), "Instapaper"), rows[1:]
    url = _find(header, URL_HEADERS)
    if url is not None:
        return _Columns(url, _find(header, TITLE_HEADERS), _present(header, TAG_HEADERS)), \
            rows[1:]
    url = _address_column(rows[1:201] or rows)
    if url is None:
        return None, []
    has_header = url < len(rows[0]) and not _looks_like_address(rows[0][url])
    return _Columns(url), rows[1:] if has_header else rows


def _find(header: list[str], names: tuple[str, ...]) -> int | None:
    return next((header.index(name) for name in names if name in header), None)


def _present(header: list[str], names: tuple[str, ...]) -> tuple[int, ...]:
    return tuple(header.index(name) for name in names if name in header)


def _address_column(rows: list[list[str]]) -> int | None:
    """The column where at least half of the rows hold an address."""
    width = max(len(row) for row in rows)
    counts = [sum(1 for row in rows if i < len(row) and _looks_like_address(row[i]))
              for i in range(width)]
    best = max(range(width), key=lambda i: counts[i])
    return best if counts[best] * 2 >= len(rows) and counts[best] else None


def _csv_tags(cell: str, kind: str, first: bool) -> list[str]:
    """Tags written in a cell: Pocket separates them with '|'; Instapaper's Folder is one
    tag (not its Unread and Archive states) and its Tags a JSON list; elsewhere '|', ';' or
    ','."""
    cell = cell.strip()
    if not cell:
        return []
    if kind == "Instapaper" and first:
        return [] if cell.casefold() in INSTAPAPER_STATES else [cell]
    if cell.startswith("["):
        try:
            listed = json.loads(cell)
        except ValueError:
            listed = None
        if isinstance(listed, list):
            return [str(t.get("name", "") if isinstance(t, dict) else t) for t in listed]
    separator = "|" if kind == "Pocket" or "|" in cell else ";" if ";" in cell else ","
    return cell.split(separator)


# --- small helpers -----------------------------------------------------------------------------

def _clean_text(text: str) -> str:
    return " ".join(str(text).split())


def _clean_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Tags as the archive takes them: spacing collapsed, at most 60 characters, each once."""
    clean = (_shorten(_clean_text(tag), TAG_LIMIT) for tag in tags)
    return tuple(dict.fromkeys(tag for tag in clean if tag))[:MAX_TAGS]


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _item_key(item: ImportItem) -> str:
    """What makes two items the same page ('' for an item that will only be reported)."""
    if item.problem:
        return ""
    if item.is_file:
        return "file:" + os.path.normcase(str(Path(item.source).absolute()))
    from .urls import url_key

    return url_key(item.source) or item.source
