"""Bulk import: reading every kind of source, the pipeline run against a local server, the
command line, cancelling, and the acceptance run (500 pages, killed halfway, run again)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from gleaner.__main__ import main
from gleaner.core.archive import Archive
from gleaner.core.errors import ArchiveError
from gleaner.core.import_sources import SourceError, read_sources
from gleaner.core.importing import (
    ALREADY,
    FAILED,
    NOT_DONE,
    SAVED,
    ImportOptions,
    for_archive,
    run_import,
)
from gleaner.core.tasks import Progress
from import_site import Site, article_html, article_title, png

IMPORT = Path(__file__).resolve().parent / "fixtures" / "import"
FAST = ImportOptions(timeout=5, deadline=10)


def sources(*names: str) -> list[tuple[str, tuple[str, ...], str]]:
    """(source, tags, problem) of every item read from these fixture files."""
    return [(item.source, item.tags, item.problem)
            for item in read_sources([IMPORT / name for name in names])]


# --- reading sources -------------------------------------------------------------------------

def test_firefox_bookmarks_keep_their_folders_as_tags() -> None:
    items = {source: (tags, problem) for source, tags, problem in
             sources("bookmarks_firefox.html")}
    assert items["https://news.example.org/2024/harbour-closure"] == ((), "")
    # Nested folders: each folder on the way is a tag, outermost first.
    assert items["https://blog.example.com/posts/walking-to-work"] == (
        ("Fieldwork", "Interviews & transcripts"), "")
    # After an empty sub-folder, a bookmark is still in its own folder.
    assert items["https://www.example.org/reports/reception-centres#findings"][0] == (
        "Fieldwork", "Interviews & transcripts")
    # The toolbar is the browser's folder, not a subject; a folder inside it is.
    assert items["https://news.example.org/2024/ferry-queues"] == ((), "")
    assert items["https://gov.example.org/guidance/refunds"] == (("Policy",), "")
    # The same page in two folders is imported once, with both.
    soil = [s for s in items if "soil-moisture" in s]
    assert soil == ["https://journal.example.net/articles/soil-moisture?utm_source=feed"]
    assert items[soil[0]] == (("Fieldwork", "Policy"), "")
    # Firefox's own queries are not bookmarks; a bookmarklet is reported, not fetched.
    assert not any(s.startswith("place:") for s in items)
    bookmarklet = next(s for s in items if s.startswith("javascript:"))
    assert items[bookmarklet][1].startswith("javascript: addresses cannot be saved")
    assert items["ftp://files.example.org/report.html"][1].startswith("ftp:// addresses")


def test_chrome_bookmarks_nested_folders() -> None:
    assert sources("bookmarks_chrome.html") == [
        ("https://news.example.org/2024/rents-outer-suburbs", ("Thesis", "Chapter 2 — housing"),
         ""),
        ("https://news.example.org/2024/heat-pumps", ("Thesis",), ""),
        ("https://news.example.org/2024/flood-barrier", (), ""),
    ]


def test_bookmark_titles_are_kept_for_the_report() -> None:
    titles = {item.source: item.title for item in read_sources([IMPORT / "bookmarks_chrome.html"])}
    assert titles["https://news.example.org/2024/heat-pumps"] == "Heat pumps cut winter bills"


def test_pocket_html_export_with_tags() -> None:
    assert sources("pocket_export.html") == [
        ("https://news.example.org/2024/cinema-fight", ("culture", "local news"), ""),
        ("https://magazine.example.com/salt-makers", (), ""),
        ("https://reviews.example.com/air-purifier-aero-3", ("reviews",), ""),
    ]


def test_pocket_csv_export_with_tags() -> None:
    items = read_sources([IMPORT / "pocket_export.csv"])
    assert [(i.source, i.tags) for i in items] == [
        ("https://news.example.org/2024/cinema-fight", ("culture", "local news")),
        ("https://listings.example.org/harwick/half-term", ()),
        ("https://reviews.example.com/air-purifier-aero-3", ("reviews",)),
    ]
    assert items[1].title == "Seven free things to do in Harwick, half-term edition"


def test_instapaper_csv_folder_becomes_a_tag() -> None:
    # Unread and Archive are where Instapaper keeps every article, not subjects.
    assert sources("instapaper_export.csv") == [
        ("https://news.example.org/2024/harbour-closure", (), ""),
        ("https://journal.example.net/articles/soil-moisture", ("Fieldwork",), ""),
        ("https://blog.example.com/posts/walking-to-work", (), ""),
        ("https://news.example.org/2024/ferry-queues", ("Starred",), ""),
    ]


def test_csv_url_column_found_by_header() -> None:
    # Semicolons, a header naming the column "Link", a quoted cell holding the delimiter.
    assert [s for s, _, _ in sources("links_by_header.csv")] == [
        "https://news.example.org/2024/rents-outer-suburbs",
        "https://news.example.org/2024/heat-pumps",
        "https://gov.example.org/guidance/refunds",
    ]


def test_csv_url_column_found_by_content() -> None:
    found = sources("links_by_content.csv")
    assert [s for s, _, problem in found if not problem] == [
        "https://news.example.org/2024/flood-barrier",
        "https://news.example.org/2024/cinema-fight",
        "https://magazine.example.com/salt-makers",
    ]
    # The row whose cell is not an address is reported, not dropped silently.
    assert [(s, p) for s, _, p in found if p] == [
        ("not yet found", "“not yet found” is neither a web address nor a file")]


def test_url_list_with_comments_and_blank_lines() -> None:
    assert sources("urls.txt") == [
        ("https://news.example.org/2024/harbour-closure", (), ""),
        ("https://news.example.org/2024/ferry-queues?utm_source=newsletter&utm_medium=email",
         (), ""),
        ("https://news.example.org/2024/night-shelter", (), ""),  # https:// added
        ("ftp://files.example.org/report.html", (),
         "ftp:// addresses cannot be saved (only http:// and https:// web pages can)"),
        ("http://127.0.0.1:8080/local-copy", (), ""),
        ("ask Sam about the missing issue", (), "line 11 of urls.txt is not a web address"),
    ]


def test_the_kind_of_file_is_told_by_its_content(tmp_path: Path) -> None:
    renamed = {"bookmarks.txt": "bookmarks_firefox.html", "pocket.html": "pocket_export.csv",
               "reading.csv": "urls.txt", "export.dat": "instapaper_export.csv"}
    for new, original in renamed.items():
        shutil.copy(IMPORT / original, tmp_path / new)
        assert [(i.source, i.tags, i.title) for i in read_sources([tmp_path / new])] == [
            (i.source, i.tags, i.title) for i in read_sources([IMPORT / original])], new
    page = tmp_path / "article.txt"
    page.write_text(article_html(1), "utf-8")
    assert [(i.source, i.is_file) for i in read_sources([page])] == [(str(page), True)]


def test_utf16_url_list(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_bytes("https://example.org/caf\u00e9\nhttps://example.org/b\n".encode("utf-16"))
    assert [i.source for i in read_sources([path])] == ["https://example.org/caf\u00e9",
                                                          "https://example.org/b"]


def test_same_page_in_two_lists_is_imported_once(tmp_path: Path) -> None:
    # The Pocket CSV and HTML exports list the cinema page with the same tags; the URL list
    # has the ferry page with tracking parameters that the bookmarks file lacks.
    items = read_sources([IMPORT / "pocket_export.csv", IMPORT / "pocket_export.html",
                          IMPORT / "bookmarks_firefox.html", IMPORT / "urls.txt"])
    cinema = [i for i in items if "cinema-fight" in i.source]
    ferry = [i for i in items if "ferry-queues" in i.source]
    assert len(cinema) == 1 and cinema[0].tags == ("culture", "local news")
    assert len(ferry) == 1


def make_folder(root: Path) -> Path:
    """Saved pages in nested folders, with a "Save page as, complete" folder beside one."""
    folder = root / "saved"
    (folder / "2024" / "March").mkdir(parents=True)
    (folder / "first.html").write_text(article_html(1), "utf-8")
    (folder / "2024" / "second.htm").write_text(article_html(2), "utf-8")
    (folder / "2024" / "March" / "third.xhtml").write_text(article_html(3), "utf-8")
    (folder / "2024" / "March" / "notes.txt").write_text("not a page", "utf-8")
    complete = folder / "2024" / "March" / "fourth_files"
    complete.mkdir()
    # Saved "complete": the page's picture is in its own folder.
    (folder / "2024" / "March" / "fourth.html").write_text(
        article_html(4).replace('src="/img/4.png"', 'src="fourth_files/4.png"'), "utf-8")
    (complete / "frame.html").write_text("<html><body>an embedded frame</body></html>")
    (complete / "4.png").write_bytes(png())
    (folder / ".cache").mkdir()
    (folder / ".cache" / "hidden.html").write_text(article_html(5), "utf-8")
    return folder


def test_folder_is_searched_for_pages_but_not_their_resources(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    found = [Path(i.source).relative_to(folder.resolve()).as_posix()
             for i in read_sources([folder])]
    assert found == ["first.html", "2024/second.htm", "2024/March/fourth.html",
                     "2024/March/third.xhtml"]


# --- sources that cannot be used -------------------------------------------------------------

def _deep_bookmarks(depth: int) -> str:
    folders = "".join(f"<DT><H3>folder {n}</H3><DL><p>" for n in range(depth))
    return ("<!DOCTYPE NETSCAPE-Bookmark-file-1>\n<DL><p>" + folders
            + '<DT><A HREF="https://example.org/deep">deep</A>' + "</DL><p>" * depth + "</DL>")


HOSTILE = {
    "empty": (b"  \n\n", "the file is empty"),
    "png named html": (png() + bytes(range(256)) * 4, "not a text file"),
    "binary noise": (bytes((i * 37 + 11) % 256 for i in range(5000)), "not a text file"),
    "prose": ("These are my notes on the workshop, and there is no address in them.\n" * 20,
              "no column of web addresses"),
    "bookmarks without links": ("<!DOCTYPE NETSCAPE-Bookmark-file-1><DL><p><DT><H3>Empty"
                                "</H3><DL><p></DL><p></DL>", "holds no links"),
    "csv with a huge field": ("url,notes\nhttps://example.org/a,\"" + "x" * 200_000 + "\"\n",
                              "not a readable CSV file"),
    "csv without addresses": ("name,year\nAda,1843\nGrace,1952\n",
                              "no column of web addresses"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_unusable_source_is_refused_in_one_line(tmp_path: Path, case: str) -> None:
    content, reason = HOSTILE[case]
    path = tmp_path / "source.html"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(SourceError) as refused:
        read_sources([IMPORT / "urls.txt", path])  # one bad source: nothing is read
    message = str(refused.value)
    assert message.startswith(str(path)) and reason in message and "\n" not in message


def test_missing_and_empty_folders_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file or folder"):
        read_sources([tmp_path / "nowhere.csv"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceError, match=r"no saved web pages \(.html, .htm, .xhtml\) in it"):
        read_sources([tmp_path / "empty"])


def test_oversized_source_is_refused_without_reading_it(tmp_path: Path, monkeypatch) -> None:
    from gleaner.core import import_sources

    monkeypatch.setattr(import_sources, "MAX_SOURCE_BYTES", 1024)
    path = tmp_path / "big.txt"
    path.write_text("https://example.org/a\n" * 100)
    with pytest.raises(SourceError, match="too large to be a list of pages"):
        read_sources([path])


def test_nested_bookmark_folders_give_at_most_twelve_tags(tmp_path: Path) -> None:
    path = tmp_path / "deep.html"
    path.write_text(_deep_bookmarks(40))
    [item] = read_sources([path])
    assert item.source == "https://example.org/deep"
    assert item.tags == tuple(f"folder {n}" for n in range(12))


def test_absurdly_nested_bookmarks_are_refused_cleanly(tmp_path: Path) -> None:
    # The HTML parser stops nesting at its depth limit, which loses the link: a clear
    # refusal, not a crash or a stack overflow.
    path = tmp_path / "deep.html"
    path.write_text(_deep_bookmarks(20_000))
    started = time.monotonic()
    with pytest.raises(SourceError, match="the bookmarks export holds no links"):
        read_sources([path])
    assert time.monotonic() - started < 5


def test_cli_refuses_a_bad_source_and_changes_nothing(tmp_path: Path, archive_path: Path,
                                                      sample_article_path: Path, capsys,
                                                      snapshot) -> None:
    assert main(["--archive", str(archive_path), "add", str(sample_article_path)]) == 0
    bad = tmp_path / "export.csv"
    bad.write_bytes(bytes((i * 37 + 11) % 256 for i in range(5000)))
    capsys.readouterr()
    with Archive.open(archive_path) as archive:
        before = snapshot(archive)
    status = main(["--archive", str(archive_path), "import", str(IMPORT / "urls.txt"),
                   str(bad)])
    out, err = capsys.readouterr()
    assert status == 1 and out == ""
    assert err == f"error: {bad}: not a text file (it looks like binary data)\n"
    with Archive.open(archive_path) as archive:
        assert snapshot(archive) == before


# --- running an import -----------------------------------------------------------------------

def broken_pages(server: HTTPServer) -> dict[str, str]:
    """Pages that fail, by address, with the reason each must be reported with."""
    server.expect_request("/gone").respond_with_data("no", status=404)
    server.expect_request("/error").respond_with_data("oops", status=500)
    server.expect_request("/report.pdf").respond_with_data(
        b"%PDF-1.4 ...", content_type="application/pdf")
    server.expect_request("/empty-shell").respond_with_data(
        "<html><head><script src='/app.js'></script></head><body><div id='app'></div>"
        "</body></html>", content_type="text/html")
    return {server.url_for("/gone"): "404",
            server.url_for("/error"): "500",
            server.url_for("/report.pdf"): "not a web page (application/pdf)",
            server.url_for("/empty-shell"): "no readable article text"}


def bookmarks_for(urls: dict[str, list[str]]) -> str:
    """A Netscape bookmarks export with the given pages in folders (a path of names)."""
    lines = ["<!DOCTYPE NETSCAPE-Bookmark-file-1>", "<TITLE>Bookmarks</TITLE>",
             "<H1>Bookmarks</H1>", "<DL><p>"]
    for url, folders in urls.items():
        lines += [f"<DT><H3>{name}</H3><DL><p>" for name in folders]
        lines.append(f'<DT><A HREF="{url}">a page</A>')
        lines += ["</DL><p>"] * len(folders)
    return "\n".join([*lines, "</DL>"])


def test_run_reports_each_page(tmp_path: Path, server: HTTPServer, archive: Archive) -> None:
    site = Site(server)
    broken = broken_pages(server)
    good = {site.url(n): [["Fieldwork"], ["Fieldwork", "Ferries"], []][n % 3]
            for n in range(12)}
    source = tmp_path / "bookmarks.html"
    source.write_text(bookmarks_for({**good, **dict.fromkeys(broken, [])}))
    statuses = []
    report = run_import(for_archive(archive), read_sources([source]), Progress(),
                        statuses.append, FAST)

    by_source = {r.source: r for r in report.results}
    assert len(report.results) == 16 and not report.cancelled
    for n, url in enumerate(good):
        result = by_source[url]
        assert result.status == SAVED, result
        article = archive.get_article(result.article_id)
        assert article.title == result.title == article_title(n)
        assert set(article.tags) == set(good[url])
    for url, reason in broken.items():
        assert by_source[url].status == FAILED and reason in by_source[url].reason, url
    assert report.failed == 4 and report.count(SAVED) == 12
    assert archive.article_count() == 12
    # Every page fetched once; the status ended with every item done.
    assert set(site.page_requests().values()) == {1}
    assert statuses[-1].finished and statuses[-1].done == statuses[-1].total == 16
    assert statuses[-1].failed == 4
    assert sorted(i for s in statuses for i in s.new_ids) == sorted(
        r.article_id for r in report.results if r.status == SAVED)


def test_second_run_skips_saved_pages_without_fetching_them(server: HTTPServer,
                                                            archive: Archive,
                                                            tmp_path: Path) -> None:
    site = Site(server)
    source = tmp_path / "list.txt"
    source.write_text("\n".join(site.url(n) for n in range(6)))
    first = run_import(for_archive(archive), read_sources([source]), options=FAST)
    second = run_import(for_archive(archive), read_sources([source]), options=FAST)
    assert [r.status for r in first.results] == [SAVED] * 6
    assert [(r.status, r.article_id) for r in second.results] == [
        (ALREADY, r.article_id) for r in first.results]
    assert set(site.page_requests().values()) == {1}  # none fetched a second time
    assert second.lines()[0] == f"{site.url(0)}\talready saved as #{first.results[0].article_id}"


def test_saved_pages_are_imported_from_a_folder(tmp_path: Path, archive: Archive) -> None:
    folder = make_folder(tmp_path)
    report = run_import(for_archive(archive), read_sources([folder]), options=FAST)
    assert [r.status for r in report.results] == [SAVED] * 4
    titles = {archive.get_article(r.article_id).title: r.article_id for r in report.results}
    assert set(titles) == {article_title(n) for n in (1, 2, 3, 4)}
    # The "complete" page keeps the picture from its folder; the others' are not on disk.
    fourth = titles[article_title(4)]
    [name] = archive.article_asset_names(fourth)
    assert archive.article_asset(fourth, name) == ("image/png", png())
    assert archive.article_asset_names(titles[article_title(1)]) == []
    again = run_import(for_archive(archive), read_sources([folder]), options=FAST)
    assert [r.status for r in again.results] == [ALREADY] * 4


def test_a_batch_the_archive_refuses_is_saved_one_by_one(tmp_path: Path,
                                                         archive: Archive) -> None:
    """One article the archive refuses fails alone; the rest of its batch is saved."""
    folder = make_folder(tmp_path)
    real = for_archive(archive)

    class Refusing:
        def find_article_by_url(self, *urls):
            return real.find_article_by_url(*urls)

        def import_articles(self, items):
            if any(article.title == article_title(2) for article, _ in items):
                raise ArchiveError("the disk is full")
            return real.import_articles(items)

    report = run_import(Refusing(), read_sources([folder]),
                        options=ImportOptions(batch_size=10, batch_seconds=5))
    outcome = {archive.get_article(r.article_id).title if r.article_id else r.source:
               (r.status, r.reason) for r in report.results}
    second = str(folder.resolve() / "2024" / "second.htm")
    assert outcome[second] == (FAILED, "could not be stored (the disk is full)")
    assert sorted(s for s, _ in outcome.values()) == [FAILED, SAVED, SAVED, SAVED]


def test_report_text_and_json() -> None:
    from gleaner.core.importing import ImportReport, ItemResult

    report = ImportReport((
        ItemResult("https://a.example/1", SAVED, 12, "Ferry queues", tags=("Ferries",)),
        ItemResult("https://a.example/2", ALREADY, 3),
        ItemResult("https://a.example/3", FAILED, reason="the server answered 404"),
        ItemResult("https://a.example/4", NOT_DONE, reason="the import was cancelled"),
    ), cancelled=True)
    assert report.text() == (
        "Import cancelled: 4 pages: 1 saved, 1 already saved, 1 failed, 1 not imported\n\n"
        "https://a.example/1\tsaved #12 “Ferry queues”\n"
        "https://a.example/2\talready saved as #3\n"
        "https://a.example/3\tfailed: the server answered 404\n"
        "https://a.example/4\tnot imported (the import was cancelled)\n")
    data = report.as_json()
    assert (data["saved"], data["already_saved"], data["failed"], data["not_imported"]) == (
        1, 1, 1, 1)
    assert data["items"][0] == {"source": "https://a.example/1", "status": "saved", "id": 12,
                                "title": "Ferry queues", "reason": None, "tags": ["Ferries"]}


def test_cancel_stops_promptly_and_keeps_what_was_saved(server: HTTPServer, archive: Archive,
                                                        tmp_path: Path) -> None:
    site = Site(server, delay=0.4)
    source = tmp_path / "list.txt"
    source.write_text("\n".join(site.url(n) for n in range(60)))
    stop = Progress()
    cancelled_at = []

    def on_status(status):
        if status.saved and not stop.cancelled:  # as the Cancel button would, mid-run
            stop.cancel()
            cancelled_at.append(time.monotonic())

    report = run_import(for_archive(archive), read_sources([source]), stop, on_status,
                        ImportOptions(batch_seconds=0.1))
    assert cancelled_at and time.monotonic() - cancelled_at[0] < 2
    assert report.cancelled and report.summary().startswith("Import cancelled: 60 pages")
    saved_ids = [r.article_id for r in report.results if r.status == SAVED]
    assert 0 < len(saved_ids) < 60 and report.count(NOT_DONE) > 0
    assert all(r.reason == "the import was cancelled"
               for r in report.results if r.status == NOT_DONE)
    assert archive.article_count() == len(saved_ids)
    assert sum(site.page_requests().values()) < 60  # the rest were never fetched
    # The download threads end too (each within one network wait of the cancel).
    end = time.monotonic() + 3
    while any(t.name.startswith("gleaner-import") for t in threading.enumerate()):
        assert time.monotonic() < end, "download threads outlived the import"
        time.sleep(0.05)


# --- the command line ------------------------------------------------------------------------

def test_cli_import_prints_the_report(server: HTTPServer, tmp_path: Path, archive_path: Path,
                                      capsys) -> None:
    site = Site(server)
    broken = broken_pages(server)
    source = tmp_path / "reading.csv"
    source.write_text("title,url\n" + "\n".join(
        [f"page {n},{site.url(n)}" for n in range(3)] + [f"gone,{next(iter(broken))}"]))
    status = main(["--archive", str(archive_path), "import", str(source)])
    out, err = capsys.readouterr()
    assert status == 1  # one page failed
    lines = out.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith(f"{site.url(0)}\tsaved #") and article_title(0) in lines[0]
    assert lines[3].startswith(f"{next(iter(broken))}\tfailed: ") and "404" in lines[3]
    assert err.splitlines()[-1] == "Imported: 4 pages: 3 saved, 0 already saved, 1 failed"

    status = main(["--archive", str(archive_path), "import", "--json", str(source)])
    out, _ = capsys.readouterr()
    data = json.loads(out)
    assert status == 1 and (data["saved"], data["already_saved"], data["failed"]) == (0, 3, 1)
    assert [item["status"] for item in data["items"]] == ["already_saved"] * 3 + ["failed"]


def test_cli_import_exit_status_zero_when_nothing_failed(tmp_path: Path, archive_path: Path,
                                                         capsys) -> None:
    folder = make_folder(tmp_path)
    assert main(["--archive", str(archive_path), "import", str(folder)]) == 0
    out, _ = capsys.readouterr()
    assert len(out.splitlines()) == 4 and all("\tsaved #" in line for line in out.splitlines())


def test_ctrl_c_stops_the_cli_and_keeps_what_was_saved(server: HTTPServer,
                                                       tmp_path: Path) -> None:
    site = Site(server, delay=0.3)
    source = tmp_path / "list.txt"
    source.write_text("\n".join(site.url(n) for n in range(40)))
    archive_path = tmp_path / "import.gleaner"
    process = _gleaner(archive_path, "import", str(source))
    try:
        deadline = time.monotonic() + 30
        while _count_articles(archive_path) == 0:
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)
        interrupted = time.monotonic()
        out, err = process.communicate(timeout=10)
        assert time.monotonic() - interrupted < 3
        assert _group_gone(process.pid, within=5)
    finally:
        with_group_killed(process)
    assert process.returncode == 130, err
    assert "Traceback" not in err and err.splitlines()[-1].startswith("Import cancelled: 40 pages")
    lines = out.splitlines()
    assert len(lines) == 40
    saved = [line for line in lines if "\tsaved #" in line]
    assert saved and any(line.endswith("\tnot imported (the import was cancelled)")
                         for line in lines)
    assert _count_articles(archive_path) == len(saved)


# --- acceptance: 500 pages with images, killed halfway, run again -------------------------

PAGES = 500


def _count_articles(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as connection:
            return connection.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return 0  # the archive is still being created


def _gleaner(archive_path: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "gleaner", "--archive", str(archive_path),
                             *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def _group_gone(group: int, within: float) -> bool:
    end = time.monotonic() + within
    while time.monotonic() < end:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_500_pages_killed_halfway_then_run_again_saves_each_once(server: HTTPServer,
                                                                 tmp_path: Path) -> None:
    site = Site(server)
    source = tmp_path / "reading-list.txt"
    source.write_text("# 500 articles from the local site\n"
                      + "\n".join(site.url(n) for n in range(PAGES)) + "\n")
    archive_path = tmp_path / "import.gleaner"

    first = _gleaner(archive_path, "import", str(source))
    try:
        deadline = time.monotonic() + 60
        while _count_articles(archive_path) < PAGES // 3 and first.poll() is None:
            assert time.monotonic() < deadline, "the import saved too little in 60 s"
            time.sleep(0.02)
        first.send_signal(signal.SIGKILL)  # the CLI itself, no chance to tidy up
        first.wait(10)
        # Its extraction processes notice and end by themselves.
        assert _group_gone(first.pid, within=5), "worker processes outlived the import"
    finally:
        with_group_killed(first)
    saved_before = _count_articles(archive_path)
    assert PAGES // 3 <= saved_before < PAGES, "the kill came too late to test a resume"
    fetched_before = site.page_requests()

    second = _gleaner(archive_path, "import", "--json", str(source))
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    report = json.loads(out)
    assert (report["saved"] + report["already_saved"], report["failed"]) == (PAGES, 0)
    assert report["already_saved"] == saved_before
    assert len(report["items"]) == PAGES

    with Archive.open(archive_path) as archive:
        articles = archive.list_articles()
        assert len(articles) == PAGES
        assert len({a.url for a in articles}) == PAGES  # no page twice
        assert {a.title for a in articles} == {article_title(n) for n in range(PAGES)}
        assets = archive.db.execute("SELECT count(DISTINCT article_id) FROM article_assets"
                                    ).fetchone()[0]
    assert assets == PAGES  # every article kept its image
    # The second run fetched none of the pages the first had saved.
    fetched_after = site.page_requests()
    saved_urls = {item["source"] for item in report["items"]
                  if item["status"] == "already_saved"}
    for n in range(PAGES):
        if site.url(n) in saved_urls:
            assert fetched_after[n] == fetched_before[n], n


def with_group_killed(process: subprocess.Popen) -> None:
    """Leave nothing running: the process group is killed (if a test failed midway)."""
    with __import__("contextlib").suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)


def test_exports_kept_in_a_folder_of_pages_are_read_as_lists(tmp_path: Path) -> None:
    """A bookmarks or Pocket export saved among the pages is a list of pages to import,
    not an article made of links."""
    fixtures = Path(__file__).resolve().parent / "fixtures"
    shutil.copy(fixtures / "sites" / "wordpress.html", tmp_path / "page.html")
    shutil.copy(fixtures / "import" / "bookmarks_firefox.html", tmp_path / "bookmarks.html")
    shutil.copy(fixtures / "import" / "pocket_export.html", tmp_path / "ril_export.html")
    items = read_sources([tmp_path])
    files = [item.source for item in items if item.is_file]
    assert files == [str(tmp_path / "page.html")]
    addresses = [item for item in items if not item.is_file]
    expected = (read_sources([tmp_path / "bookmarks.html"])
                + read_sources([tmp_path / "ril_export.html"]))
    assert {(i.source, i.tags) for i in addresses} == {(i.source, i.tags) for i in expected}
    assert len(addresses) > 3
