"""A full disk during an import: a clear one-line message, the archive sound and usable, and
the same import run again finishes the job.

Two ways to fill the disk: a real one (a small tmpfs mounted in a private mount namespace,
where SQLite gets ENOSPC from the kernel, through the command line as a user runs it), and
SQLite's `max_page_count`, which gives the same "database or disk is full" on any machine,
in-process.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path

from gleaner.core.archive import Archive
from gleaner.core.archive.checks import check_file
from gleaner.core.importing import ALREADY, NOT_DONE, SAVED, for_archive, read_sources, run_import
from gleaner.core.tasks import Progress
from other_programs import can_mount_privately

PAGES = 30
WORDS = ("border", "crossing", "lorry", "ferry", "port", "police", "fence", "camp", "asylum",
         "tunnel", "night", "delay", "freight", "shelter", "minister", "charity", "queue")


def _write_pages(folder: Path, count: int = PAGES, paragraphs: int = 60) -> Path:
    """Saved pages of distinct text (~40 KB each), so each takes room of its own."""
    folder.mkdir()
    words = random.Random(3)
    for number in range(count):
        body = "".join(
            "<p>" + " ".join(words.choice(WORDS) for _ in range(80)) + ".</p>\n"
            for _ in range(paragraphs))
        (folder / f"report-{number:02}.html").write_text(
            f"<html><head><title>Report {number}</title></head><body><article>"
            f"<h1>Report {number}</h1>{body}</article></body></html>", "utf-8")
    return folder


def _article_rows_are_whole(path: Path) -> None:
    """Every article has its text, its blocks and its saved page: none is half stored."""
    with Archive.open(path) as archive:
        for summary in archive.list_articles():
            article = archive.get_article(summary.id)
            assert article.text and article.blocks, summary.id
            assert archive.saved_page(summary.id)[0], summary.id


def test_a_full_disk_stops_the_import_cleanly_and_running_it_again_finishes(tmp_path: Path):
    pages = _write_pages(tmp_path / "pages")
    path = tmp_path / "study.gleaner"
    items = read_sources([pages])
    archive = Archive.open(path)
    try:
        used = archive.db.execute("PRAGMA page_count").fetchone()[0]
        # Room for a few articles only: SQLite answers "database or disk is full" after.
        archive.db.execute(f"PRAGMA max_page_count = {used + 400}")
        report = run_import(for_archive(archive), items, Progress())
    finally:
        archive.close()

    assert "the disk is full" in report.stopped and "\n" not in report.summary()
    assert "run it again" in report.summary()
    saved = report.count(SAVED)
    assert 0 < saved < PAGES
    assert report.count(NOT_DONE) == PAGES - saved and report.failed == 0
    assert all(check.ok for check in check_file(path))
    _article_rows_are_whole(path)

    with Archive.open(path) as archive:  # room again: the same import finishes the job
        again = run_import(for_archive(archive), items, Progress())
        assert again.count(ALREADY) == saved and again.count(SAVED) == PAGES - saved
        assert archive.article_count() == PAGES
    assert all(check.ok for check in check_file(path))


SCENARIO = textwrap.dedent("""
    import json, subprocess, sys
    disk, pages = sys.argv[1], sys.argv[2]
    archive = disk + "/study.gleaner"

    def gleaner(*args):
        done = subprocess.run([sys.executable, "-m", "gleaner", "--archive", archive, *args],
                              capture_output=True, text=True)
        return {"status": done.returncode, "out": done.stdout, "err": done.stderr}

    def mount(size, *options):
        subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join([*options, "size=" + size]),
                        "tmpfs", disk], check=True)

    subprocess.run(["mount", "--make-rprivate", "/"], check=True)
    mount("2m")
    seen = {"full": gleaner("import", pages)}
    seen["check_after_full"] = gleaner("check", "--json")
    seen["list_after_full"] = gleaner("list", "--json")
    import os
    filler = os.open(disk + "/filler", os.O_WRONLY | os.O_CREAT)  # what room is left, taken
    try:
        while True:
            os.write(filler, b"x" * 4096)
    except OSError:
        os.close(filler)
    seen["backup_when_full"] = gleaner("backup")
    seen["backups_left"] = os.listdir(disk + "/backups") if os.path.isdir(disk + "/backups") \
        else []
    mount("64m", "remount")
    seen["again"] = gleaner("import", "--json", pages)
    seen["check_after_again"] = gleaner("check", "--json")
    seen["list_after_again"] = gleaner("list", "--json")
    print(json.dumps(seen))
""")


def test_a_real_full_disk_during_a_command_line_import(tmp_path: Path):
    if not can_mount_privately():
        # Without mount namespaces (not root), the same failure in-process instead.
        test_a_full_disk_stops_the_import_cleanly_and_running_it_again_finishes(
            tmp_path / "stand-in")
        return
    pages = _write_pages(tmp_path / "pages")
    disk = tmp_path / "disk"
    disk.mkdir()
    env = {**os.environ, "GLEANER_LOG_DIR": str(tmp_path / "logs")}
    done = subprocess.run(["unshare", "--mount", sys.executable, "-c", SCENARIO, str(disk),
                           str(pages)], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])

    full = seen["full"]
    assert full["status"] == 1
    assert "Traceback" not in full["err"]
    summary = full["err"].strip().splitlines()[-1]
    assert "the disk is full" in summary and "run it again" in summary
    saved_first = len(json.loads(seen["list_after_full"]["out"]))
    assert 0 < saved_first < PAGES  # some were saved before the disk filled
    assert seen["check_after_full"]["status"] == 0, seen["check_after_full"]
    assert all(check["ok"] for check in json.loads(seen["check_after_full"]["out"]))
    refused = seen["backup_when_full"]
    assert refused["status"] == 1 and "Traceback" not in refused["err"], refused
    assert len(refused["err"].strip().splitlines()) == 1, refused["err"]
    assert "room" in refused["err"] or "space" in refused["err"]
    assert seen["backups_left"] == []  # no partial backup file

    again = json.loads(seen["again"]["out"])
    assert seen["again"]["status"] == 0, seen["again"]["err"]
    assert again["already_saved"] == saved_first and again["saved"] == PAGES - saved_first
    assert len(json.loads(seen["list_after_again"]["out"])) == PAGES
    assert seen["check_after_again"]["status"] == 0
    assert not (tmp_path / "logs").exists()  # a full disk is not a bug: nothing was logged


def test_items_left_by_a_full_disk_are_listed_as_not_imported(tmp_path: Path):
    folder = _write_pages(tmp_path / "pages", PAGES, paragraphs=20)
    path = tmp_path / "study.gleaner"
    archive = Archive.open(path)
    try:
        used = archive.db.execute("PRAGMA page_count").fetchone()[0]
        archive.db.execute(f"PRAGMA max_page_count = {used + 40}")
        report = run_import(for_archive(archive), read_sources([folder]), Progress())
    finally:
        archive.close()
    left = [result for result in report.results if result.status == NOT_DONE]
    assert left and all("disk is full" in result.reason for result in left)
    assert report.as_json()["stopped"].startswith("the disk is full")


def test_a_save_on_a_full_disk_is_refused_in_one_line_and_changes_nothing(tmp_path: Path):
    from gleaner.core import operations
    from gleaner.core.capture import capture
    from gleaner.core.errors import StorageError

    page = _write_pages(tmp_path / "pages", 1) / "report-00.html"
    path = tmp_path / "study.gleaner"
    with Archive.open(path) as archive:
        article = capture(str(page))
        before = list(archive.db.conn.iterdump())
        used = archive.db.execute("PRAGMA page_count").fetchone()[0]
        archive.db.execute(f"PRAGMA max_page_count = {used + 2}")
        try:
            operations.save_article(archive, article)
        except StorageError as error:
            refusal = str(error)
        assert refusal == "the disk is full: free some space and try again; nothing was changed"
        assert list(archive.db.conn.iterdump()) == before
        assert archive.undo_label() is None  # no step was recorded
        archive.db.execute(f"PRAGMA max_page_count = {used + 10_000}")
        article_id, created = operations.save_article(archive, article).value  # room again
        assert created and archive.get_article(article_id).text == article.text
