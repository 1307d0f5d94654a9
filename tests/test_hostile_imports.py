"""Bulk import from hostile files: JSON bookmarks, zip files (Pocket's last export), entity
expansion in bookmark HTML, and huge files. Each bad source is refused in one line, in bounded
time and memory, and leaves the archive as it was; the good ones give the right pages and tags.
Every fixture is made here, by the test, not kept as a binary file."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from gleaner.__main__ import main
from gleaner.core.archive import Archive
from gleaner.core.import_sources import SourceError, read_sources

MB = 2**20


def refused(path: Path, seconds: float = 2.0) -> str:
    """The one-line refusal of path, which must come within seconds."""
    started = time.monotonic()
    with pytest.raises(SourceError) as error:
        read_sources([path])
    assert time.monotonic() - started < seconds
    message = str(error.value)
    assert message.startswith(str(path)) and "\n" not in message
    assert "Traceback" not in message
    return message


def pairs(path: Path) -> list[tuple[str, tuple[str, ...]]]:
    return [(item.source, item.tags) for item in read_sources([path])]


def zipped(entries: dict[str, bytes | str], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip file (its bytes) holding these entries."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, content in entries.items():
            archive.writestr(zipfile.ZipInfo(name), content, compress_type=method)
    return buffer.getvalue()


def patched(data: bytes, field: int, local_offset: int, central_offset: int) -> bytes:
    """data with a 4-byte field of its first entry set in the local and central headers."""
    value = struct.pack("<L", field)
    central = data.index(b"PK\x01\x02")
    data = data[:local_offset] + value + data[local_offset + 4:]
    return data[:central + central_offset] + value + data[central + central_offset + 4:]


# --- JSON bookmarks ----------------------------------------------------------------------------

def chrome_bookmarks() -> dict:
    """A Chrome (Edge, Brave) "Bookmarks" file: roots, folders and url nodes."""
    def url(name: str, address: str) -> dict:
        return {"date_added": "13350000000000000", "guid": name, "id": "1", "name": name,
                "type": "url", "url": address}

    def folder(name: str, *children: dict) -> dict:
        return {"children": list(children), "date_added": "13350000000000000",
                "guid": name, "id": "2", "name": name, "type": "folder"}

    return {"checksum": "0f1e2d", "version": 1, "roots": {
        "bookmark_bar": folder("Bookmarks bar",
                               folder("Thesis", folder("Chapter 2 — housing",
                                                       url("Rents", "https://a.example/rents")),
                                      url("Heat pumps", "https://a.example/heat")),
                               url("Flood", "https://a.example/flood")),
        "other": folder("Other bookmarks", url("Ferry", "https://a.example/ferry"),
                        url("Settings", "chrome://settings/")),
        "synced": folder("Mobile bookmarks", folder("Read later",
                                                    url("Salt", "https://b.example/salt"))),
    }, "sync_metadata": "c29tZQ=="}


def test_chrome_bookmarks_json_keeps_folders_as_tags(tmp_path: Path) -> None:
    path = tmp_path / "Bookmarks"  # the file's real name, with no suffix
    path.write_text(json.dumps(chrome_bookmarks(), indent=3), "utf-8")
    items = read_sources([path])
    assert [(i.source, i.tags, i.problem[:9]) for i in items] == [
        ("https://a.example/rents", ("Thesis", "Chapter 2 — housing"), ""),
        ("https://a.example/heat", ("Thesis",), ""),
        ("https://a.example/flood", (), ""),  # the bookmarks bar is not a subject
        ("https://a.example/ferry", (), ""),
        ("chrome://settings/", (), "chrome://"),  # reported, never fetched
        ("https://b.example/salt", ("Read later",), ""),
    ]
    assert items[1].title == "Heat pumps"


def firefox_backup() -> dict:
    """A Firefox bookmarks backup (Bookmarks ▸ Manage ▸ Backup…)."""
    def place(title: str, uri: str, **more) -> dict:
        return {"guid": title[:12], "title": title, "index": 0, "dateAdded": 1, "id": 9,
                "typeCode": 1, "type": "text/x-moz-place", "uri": uri, **more}

    def container(title: str, *children: dict, root: str | None = None) -> dict:
        node = {"guid": title[:12], "title": title, "index": 0, "id": 3, "typeCode": 2,
                "type": "text/x-moz-place-container", "children": list(children)}
        return {**node, "root": root} if root else node

    return container(
        "", container("menu", place("Harbour", "https://a.example/harbour"),
                      container("Fieldwork", place("Soil", "https://a.example/soil",
                                                   tags="soil,spring"),
                                container("Interviews", place("Walk", "https://a.example/walk"))),
                      {"type": "text/x-moz-place-separator", "title": ""},
                      root="bookmarksMenuFolder"),
        container("toolbar", place("Most Visited", "place:sort=8&maxResults=10"),
                  place("Ferry", "https://a.example/ferry"),
                  container("Policy", place("Refunds", "https://gov.example/refunds")),
                  root="toolbarFolder"),
        container("unfiled", place("Salt", "https://b.example/salt"),
                  root="unfiledBookmarksFolder"),
        container("mobile", root="mobileFolder"), root="placesRoot")


def test_firefox_backup_json_keeps_folders_and_tags(tmp_path: Path) -> None:
    path = tmp_path / "bookmarks-2024-03-01_120_abc.json"
    path.write_text(json.dumps(firefox_backup()), "utf-8")
    assert pairs(path) == [
        ("https://a.example/harbour", ()),
        ("https://a.example/soil", ("Fieldwork", "soil", "spring")),  # folder, then tags
        ("https://a.example/walk", ("Fieldwork", "Interviews")),
        ("https://a.example/ferry", ()),  # "place:" queries are not pages
        ("https://gov.example/refunds", ("Policy",)),
        ("https://b.example/salt", ()),
    ]


def test_a_list_with_a_bracketed_heading_is_not_taken_for_json(tmp_path: Path) -> None:
    path = tmp_path / "reading.txt"
    path.write_text("[Reading list]\nhttps://a.example/1\nhttps://a.example/2\n")
    assert [(i.source, i.problem) for i in read_sources([path])] == [
        ("[Reading list]", "line 1 of reading.txt is not a web address"),
        ("https://a.example/1", ""), ("https://a.example/2", "")]


def test_json_bookmark_folders_give_at_most_twelve_tags(tmp_path: Path) -> None:
    node: dict = {"type": "url", "name": "deep", "url": "https://a.example/deep"}
    for n in reversed(range(40)):
        node = {"type": "folder", "name": f"folder {n}", "children": [node]}
    path = tmp_path / "Bookmarks"
    path.write_text(json.dumps({"roots": {"bookmark_bar": {"type": "folder", "children": [node]}}}))
    assert pairs(path) == [("https://a.example/deep", tuple(f"folder {n}" for n in range(12)))]


HOSTILE_JSON = {
    "not bookmarks": ('{"name": "my notes", "links": ["https://a.example/"]}',
                      "a JSON file, but not a bookmarks file"),
    "a list": ('["https://a.example/1", "https://a.example/2"]', "not a bookmarks file"),
    "truncated": (json.dumps(chrome_bookmarks())[:300], "not a readable JSON file (line 1"),
    "deeply nested": ("[" * 100_000, "nested too deeply"),
    "deep objects": ('{"a":' * 100_000, "nested too deeply"),
    "millions of values": ("[" + "[]," * 3_000_000 + "[]]", "too many entries"),
    "no links": (json.dumps({"roots": {"other": {"type": "folder", "children": []}}}),
                 "holds no links"),
    "bad types": (json.dumps({"roots": {"bookmark_bar": {"children": [
        {"type": "url", "url": 5}, "text", {"type": "folder", "children": "x"}]}}}),
        "holds no links"),
}


@pytest.mark.parametrize("case", list(HOSTILE_JSON))
def test_hostile_json_is_refused_in_one_line(tmp_path: Path, case: str) -> None:
    content, reason = HOSTILE_JSON[case]
    path = tmp_path / "Bookmarks.json"
    path.write_text(content)
    assert reason in refused(path)


# --- zip files ---------------------------------------------------------------------------------

POCKET_HEADER = "title,url,time_added,tags,status\n"


def test_pocket_zip_export_reads_every_part(tmp_path: Path) -> None:
    path = tmp_path / "pocket.zip"
    path.write_bytes(zipped({
        "part_000000.csv": POCKET_HEADER
        + "Cinema,https://a.example/cinema,1704067200,culture|local news,unread\n"
        + '"Half-term, Harwick",https://a.example/half-term,1704067300,,unread\n',
        "part_000001.csv": POCKET_HEADER
        + "Aero 3,https://a.example/aero,1704067400,reviews,archive\n"
        + "Cinema again,https://a.example/cinema,1704067500,film,unread\n",
        "__MACOSX/._part_000000.csv": b"\x00\x05\x16\x07" + bytes(200),  # Finder's leftovers
        "images/cover.png": b"\x89PNG\r\n\x1a\n" + bytes(100),
    }))
    items = read_sources([path])
    assert [(i.source, i.tags) for i in items] == [
        ("https://a.example/cinema", ("culture", "local news", "film")),
        ("https://a.example/half-term", ()),
        ("https://a.example/aero", ("reviews",)),
    ]
    assert items[1].title == "Half-term, Harwick"


def test_lists_of_every_kind_are_read_inside_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "exports.zip"
    path.write_bytes(zipped({
        "chrome/Bookmarks": json.dumps(chrome_bookmarks()),
        "firefox.json": json.dumps(firefox_backup()),
        "reading.txt": "https://c.example/one\nhttps://c.example/two\n",
        "bookmarks.html": '<!DOCTYPE NETSCAPE-Bookmark-file-1><DL><p><DT><H3>Sea</H3><DL><p>'
                          '<DT><A HREF="https://c.example/sea">Sea</A></DL><p></DL>',
        "saved-page.html": "<html><head><title>A page</title></head><body><p>Text</p></html>",
        "nested.zip": zipped({"more.txt": "https://c.example/hidden\n"}),
    }))
    items = {i.source: (i.tags, i.problem) for i in read_sources([path])}
    assert items["https://a.example/rents"] == (("Thesis", "Chapter 2 — housing"), "")
    assert items["https://a.example/soil"] == (("Fieldwork", "soil", "spring"), "")
    assert items["https://c.example/two"] == ((), "")
    assert items["https://c.example/sea"] == (("Sea",), "")
    # A saved page cannot be imported from inside the zip: it is reported, not saved.
    page = str(path / "saved-page.html")
    assert items[page][1].startswith("a saved page inside a zip file is not imported")
    assert "https://c.example/hidden" not in items  # zips inside are not opened
    assert not any(Path(source).exists() for source in items if source.startswith("/"))


def zip_bomb_entry(size: int = 10 * MB) -> bytes:
    """A zip of one "CSV" entry of size zero bytes, packed about a thousand times."""
    return zipped({"bomb.csv": bytes(size)})


def lying_zip_bomb() -> bytes:
    """The same bomb with its unpacked size declared as 100 bytes in both headers."""
    return patched(zip_bomb_entry(), 100, 22, 24)


def nested_zip_bomb() -> bytes:
    """A "42.zip" in small: zips of zips, the innermost a bomb (each layer 4 copies)."""
    layer = zip_bomb_entry()
    for depth in range(3):
        layer = zipped({f"layer{depth}_{n}.zip": layer for n in range(4)})
    return layer


def encrypted_zip() -> bytes:
    """A zip whose entry has the "encrypted" flag (Python cannot write real encryption; the
    flag alone must refuse it)."""
    data = zipped({"part_000000.csv": POCKET_HEADER + "a,https://a.example/,1,,unread\n"},
                  zipfile.ZIP_STORED)
    central = data.index(b"PK\x01\x02")
    flags = struct.pack("<H", 1)
    data = data[:6] + flags + data[8:]
    return data[:central + 8] + flags + data[central + 10:]


def many_entries_zip() -> bytes:
    return zipped({f"part_{n:06d}.csv": "" for n in range(1_001)}, zipfile.ZIP_STORED)


def _method_99() -> bytes:
    """A zip whose entry says it is packed with AES (method 99), which cannot be read."""
    data = zipped({"a.txt": "https://a.example/"}, zipfile.ZIP_STORED)
    method = struct.pack("<H", 99)
    central = data.index(b"PK\x01\x02")
    data = data[:8] + method + data[10:]
    return data[:central + 10] + method + data[central + 12:]


HOSTILE_ZIPS = {
    "parent folder": (lambda: zipped({"../../.bashrc.csv": "https://a.example/"}),
                      "'../../.bashrc.csv', which points outside its folder"),
    "parent inside a path": (lambda: zipped({"part/../../x.txt": "https://a.example/"}),
                             "points outside its folder"),
    "absolute path": (lambda: zipped({"/etc/cron.d/x.txt": "https://a.example/"}),
                      "'/etc/cron.d/x.txt', which points outside"),
    "backslashes": (lambda: zipped({"..\\..\\windows\\x.txt": "https://a.example/"}),
                    "points outside its folder"),
    "drive letter": (lambda: zipped({"C:/Users/x.txt": "https://a.example/"}),
                     "'C:/Users/x.txt'"),
    "traversal among good entries": (lambda: zipped({
        "part_000000.csv": POCKET_HEADER + "a,https://a.example/,1,,unread\n",
        "notes/../../../escape.png": b"\x89PNG"}), "points outside its folder"),
    "zip bomb": (zip_bomb_entry, "unpacks to over 100 times its packed size"),
    "zip bomb declaring a small size": (lying_zip_bomb, "a damaged or unsupported zip file"),
    "nested zip bomb": (nested_zip_bomb, "zip files inside it are not opened"),
    "encrypted": (encrypted_zip, "password-protected"),
    "too many entries": (many_entries_zip, "too many files in the zip file"),
    "truncated": (lambda: nested_zip_bomb()[:2000], "a damaged zip file"),
    "damaged data": (lambda: patched(zipped({"list.txt": "https://a.example/\n" * 500}),
                                     0xDEADBEEF, 14, 16), "a damaged or unsupported zip file"),
    "unsupported compression": (lambda: _method_99(), "a damaged or unsupported zip file"),
    "a newline in a name": (lambda: zipped({"a\nerror: forged.txt": "notes, no address"}),
                            "'a\\nerror: forged.txt', which holds control characters"),
    "lists that are zips": (lambda: zipped({"part.csv": zipped({"x.csv": "https://a.example/"}),
                                            "empty.txt": "  \n"}),
                            "they are empty, or are zip files, which are not opened"),
    "nothing but pictures": (lambda: zipped({"a.png": b"\x89PNG", "b.jpg": b"\xff\xd8"}),
                             "no lists of pages in the zip file"),
    "empty zip": (lambda: zipped({}), "no lists of pages in the zip file"),
    "a list that is not one": (lambda: zipped({"notes.txt": "my notes, with no address\n"}),
                               "notes.txt: no column of web addresses"),
}


@pytest.mark.parametrize("case", list(HOSTILE_ZIPS))
def test_hostile_zip_is_refused_in_one_line(tmp_path: Path, case: str) -> None:
    make, reason = HOSTILE_ZIPS[case]
    path = tmp_path / "export.zip"
    path.write_bytes(make())
    tracemalloc.start()
    try:
        message = refused(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert reason in message, message
    assert peak < 16 * MB  # the bombs unpack 10 MB each; none is unpacked whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.zip"]  # nothing extracted


def test_the_entries_of_a_zip_share_one_size_budget(tmp_path: Path, monkeypatch) -> None:
    # Each entry alone is under the limit; together they unpack to more: refused at the
    # second, before it is read.
    from gleaner.core import import_sources

    monkeypatch.setattr(import_sources, "MAX_SOURCE_BYTES", 64 * 1024)
    path = tmp_path / "big.zip"
    path.write_bytes(zipped({"a.txt": "https://a.example/x\n" * 2000,
                             "b.txt": "https://a.example/y\n" * 2000}))
    assert "'b.txt' in the zip file is too large" in refused(path)


# --- entities in bookmark HTML -----------------------------------------------------------------

def laughs(references: str, extra: str = "") -> str:
    """A bookmarks export whose DOCTYPE defines "billion laughs" entities (lol9 would be
    3 GB) and extra ones, used by the link's address and title."""
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
        for n in range(1, 10)]
    return ("<!DOCTYPE NETSCAPE-Bookmark-file-1 [\n" + "\n".join(entities) + extra + "\n]>\n"
            "<TITLE>Bookmarks</TITLE><DL><p><DT><H3>&lol9;</H3><DL><p>"
            f'<DT><A HREF="https://a.example/{references}">{references}</A>'
            "</DL><p></DL>")


def test_billion_laughs_are_not_expanded(tmp_path: Path) -> None:
    path = tmp_path / "bookmarks.html"
    path.write_text(laughs("&lol9;"))
    started = time.monotonic()
    [item] = read_sources([path])
    assert time.monotonic() - started < 2
    assert item.source.startswith("https://a.example/") and len(item.source) < 100
    assert len(item.title) < 100 and all(len(tag) < 100 for tag in item.tags)
    assert "lollollol" not in item.source + item.title + "".join(item.tags)


@pytest.mark.parametrize("xhtml", [False, True])
def test_external_entities_are_not_read(tmp_path: Path, xhtml: bool) -> None:
    bait = tmp_path / "bait.txt"
    bait.write_text("BAIT-4f2a the secret contents")
    extra = (f'\n<!ENTITY bait SYSTEM "{bait.as_uri()}">'
             '\n<!ENTITY passwd SYSTEM "file:///etc/passwd">'
             f'\n<!ENTITY % remote SYSTEM "{bait.as_uri()}"> %remote;')
    text = laughs("&bait;&passwd;", extra)
    if xhtml:  # an XML prolog and an XHTML namespace do not make it parsed as XML
        text = ('<?xml version="1.0" encoding="utf-8"?>\n' + text.replace(
            "<TITLE>", '<html xmlns="http://www.w3.org/1999/xhtml"><TITLE>') + "</html>")
    path = tmp_path / ("bookmarks.xhtml" if xhtml else "bookmarks.html")
    path.write_text(text)
    started = time.monotonic()
    items = read_sources([path])
    assert time.monotonic() - started < 2
    assert len(items) == 1
    seen = repr(items)
    assert "BAIT-4f2a" not in seen and "root:" not in seen


def test_entities_in_a_pocket_export_are_not_expanded(tmp_path: Path) -> None:
    bait = tmp_path / "bait.txt"
    bait.write_text("BAIT-77c1")
    path = tmp_path / "ril_export.html"
    path.write_text(f'<!DOCTYPE html [<!ENTITY bait SYSTEM "{bait.as_uri()}">'
                    '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
                    "<html><head><title>Pocket Export</title></head><body><ul><li>"
                    '<a href="https://a.example/p" time_added="1" tags="&b;,&bait;">&b;</a>'
                    "</li></ul></body></html>")
    [item] = read_sources([path])
    assert item.source == "https://a.example/p"
    assert "BAIT" not in repr(item) and "aaaaaaaaaaaaaaaaaaaa" not in repr(item)


# --- huge files --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["Bookmarks", "bookmarks.json", "pocket.zip", "list.txt"])
def test_a_60_mb_file_is_refused_without_reading_it(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    with path.open("wb") as file:  # sparse: 60 MB on paper, nothing on disk
        file.write(b"PK\x03\x04" if name.endswith(".zip") else b'{"roots": {')
        file.truncate(60 * MB)
    tracemalloc.start()
    try:
        message = refused(path, seconds=0.5)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "too large to be a list of pages (60 MB; the limit is 50 MB)" in message
    assert peak < 2 * MB


def test_a_zip_over_the_limit_is_refused_by_its_size_first(tmp_path: Path,
                                                           monkeypatch) -> None:
    from gleaner.core import import_sources

    monkeypatch.setattr(import_sources, "MAX_SOURCE_BYTES", 1024)
    path = tmp_path / "pocket.zip"
    path.write_bytes(zipped({"part.csv": POCKET_HEADER + "a,https://a.example/,1,,unread\n"
                             * 100}, zipfile.ZIP_STORED))
    assert "too large to be a list of pages" in refused(path)


def test_one_40_mb_line_is_handled_in_bounded_time(tmp_path: Path) -> None:
    path = tmp_path / "line.txt"
    path.write_bytes(b"x" * (40 * MB))
    assert "not a web page, a list of web addresses or a bookmarks export" in refused(
        path, seconds=4)
    path.write_bytes(b"https://a.example/" + b"a" * (40 * MB))
    started = time.monotonic()
    [item] = read_sources([path])
    assert time.monotonic() - started < 4
    assert item.problem.startswith("the address is too long") and len(item.source) <= 120


# --- the command line --------------------------------------------------------------------------

CLI_CASES = {
    "zip bomb": (zip_bomb_entry, "export.zip"),
    "path traversal": (HOSTILE_ZIPS["parent folder"][0], "export.zip"),
    "nested JSON": (lambda: b"[" * 100_000, "Bookmarks"),
    "not bookmarks": (lambda: b'{"name": "notes"}', "notes.json"),
}


@pytest.mark.parametrize("case", list(CLI_CASES))
def test_cli_refuses_hostile_files_and_changes_nothing(tmp_path: Path, archive_path: Path,
                                                       sample_article_path: Path, capsys,
                                                       snapshot, case: str) -> None:
    make, name = CLI_CASES[case]
    assert main(["--archive", str(archive_path), "add", str(sample_article_path)]) == 0
    bad = tmp_path / name
    bad.write_bytes(make())
    good = tmp_path / "list.txt"
    good.write_text("https://a.example/fine\n")
    with Archive.open(archive_path) as archive:
        before = snapshot(archive)
    stored = archive_path.read_bytes()
    capsys.readouterr()
    status = main(["--archive", str(archive_path), "import", str(good), str(bad)])
    out, err = capsys.readouterr()
    assert status == 1 and out == ""
    assert err.startswith(f"error: {bad}: ") and err.count("\n") == 1
    assert archive_path.read_bytes() == stored
    with Archive.open(archive_path) as archive:
        assert snapshot(archive) == before


def test_cli_process_refuses_a_zip_bomb_without_a_traceback(tmp_path: Path) -> None:
    bomb = tmp_path / "pocket.zip"
    bomb.write_bytes(nested_zip_bomb())
    archive_path = tmp_path / "import.gleaner"
    done = subprocess.run([sys.executable, "-m", "gleaner", "--archive", str(archive_path),
                           "import", str(bomb)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == (f"error: {bomb}: no lists of pages in the zip file (CSV, text, "
                           "bookmarks HTML or JSON); zip files inside it are not opened\n")
