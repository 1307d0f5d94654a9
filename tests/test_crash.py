"""Crash safety: an import killed with SIGKILL at a random moment loses nothing.

Each round copies an archive that already holds highlights (made through operations, with
themes in a tree), starts `python -m gleaner --archive A import LIST` on PAGES pages with images
served by a local 127.0.0.1 server, and kills the whole process group with SIGKILL once the
import is under way, after a random delay (seeded per round, so a failing round can be run
again). After each kill: `gleaner check` exits 0; every article is complete (its contents,
its keys, and every image its blocks name, which the server served, kept with it) or absent;
every highlight made before is there with its themes; running the import again saves every
page exactly once.

The default run has CRASH_ROUNDS rounds of 60 pages (a few seconds; GLEANER_CRASH_ROUNDS and
GLEANER_CRASH_PAGES change them). The slow run the acceptance asks for, 20 rounds of 200
articles (about 4 s a round), is marked `slow` and runs on demand:

    uv run pytest -q -m slow tests/test_crash.py
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pytest_httpserver import HTTPServer

from gleaner.core import operations
from gleaner.core.archive import Archive
from gleaner.core.capture import capture
from gleaner.core.document import pictures
from import_site import Site

CRASH_ROUNDS = 3
ROUNDS = int(os.environ.get("GLEANER_CRASH_ROUNDS", CRASH_ROUNDS))
PAGES = int(os.environ.get("GLEANER_CRASH_PAGES", 60))
BEFORE = (1000, 1001)  # site pages saved and coded before any import (not in the list)
SEED = 8_2026
SLOW_ROUNDS, SLOW_PAGES = 20, 200
EARLY = 0.25  # the share of rounds killed at a moment counted from the start instead


@pytest.fixture(scope="module")
def server():
    """A threaded local server (an import downloads several pages at once)."""
    running = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    running.start()
    yield running
    running.clear()
    running.stop()


@pytest.fixture(scope="module")
def site(server: HTTPServer) -> Site:
    return Site(server, delay=0.005)


def _gleaner(archive_path: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "gleaner", "--archive", str(archive_path),
                             *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def _imported(path: Path) -> int:
    """Articles in the archive besides those saved before (seen by a separate reader)."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as connection:
            return connection.execute("SELECT count(*) FROM articles").fetchone()[0] - len(
                BEFORE)
    except sqlite3.Error:
        return 0


def _wait_for_a_saved_article(path: Path, child: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while _imported(path) == 0 and child.poll() is None:
        assert time.monotonic() < deadline, "the import saved nothing in 30 s"
        time.sleep(0.005)


def _kill_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # the CLI and its workers: no tidying up
    process.communicate(timeout=10)


def _coded_archive(path: Path, site: Site) -> dict:
    """An archive with two saved articles, a theme tree and highlights coded through
    operations; what must survive: {highlight id: (article, range, quote, theme ids)} and
    the themes."""
    with Archive.open(path) as archive:
        first, _ = operations.save_article(archive, capture(site.url(BEFORE[0]))).value
        second, _ = operations.save_article(archive, capture(site.url(BEFORE[1]))).value
        parent = operations.create_theme(archive, "Consultation").value
        child = operations.create_theme(archive, "Being heard", parent_id=parent.id).value
        other = operations.create_theme(archive, "Money").value
        operations.code_passage(archive, first, 0, 30, [parent.id, other.id], note="opening")
        operations.code_passage(archive, first, 40, 90, [child.id])
        operations.code_passage(archive, second, 10, 60, [other.id])
        operations.code_with_new_theme(archive, second, 70, 120, "Travel", parent_id=parent.id)
        return _coding(archive)


def _coding(archive: Archive) -> dict:
    return {"highlights": {h.id: (h.article_id, h.start, h.end, h.exact, h.note,
                                  tuple(sorted(h.theme_ids)))
                           for h in archive.list_highlights()},
            "themes": [(t.id, t.name, t.parent_id, t.highlight_count)
                       for t in archive.list_themes()]}


def _copy(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's backup API (never a file copy)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def _assert_intact(path: Path, site: Site, coding: dict) -> int:
    """gleaner check passes, each article is whole, the coding made before is all there.
    Returns how many pages of the list the archive holds."""
    check = subprocess.run([sys.executable, "-m", "gleaner", "--archive", str(path), "check"],
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    with Archive.open(path) as archive:
        db = archive.db
        articles = archive.list_articles()
        assert len({a.url for a in articles}) == len(articles)  # no page saved twice
        for summary in articles:
            article_id = summary.id
            assert db.execute("SELECT count(*) FROM article_contents WHERE article_id = ?",
                              [article_id]).fetchone()[0] == 1, summary.url
            assert db.execute("SELECT count(*) FROM article_keys WHERE article_id = ?",
                              [article_id]).fetchone()[0] >= 1, summary.url
            article = archive.get_article(article_id)
            named = pictures(article.blocks)
            assert named, f"the page's image is missing from {summary.url}"
            kept = set(archive.article_asset_names(article_id))
            for picture in named:
                assert site.requests[urlsplit(picture.src).path] > 0, picture.src
                assert picture.name in kept, f"{summary.url} saved without {picture.src}"
        assert _coding(archive) == coding
        return len(articles) - len(BEFORE)


def _import_completes(path: Path, source: Path, saved_before: int, pages: int) -> None:
    again = _gleaner(path, "import", "--json", str(source))
    try:
        out, err = again.communicate(timeout=60)
    finally:
        _kill_group(again)
    assert again.returncode == 0, err
    report = json.loads(out)
    assert (report["saved"], report["already_saved"], report["failed"]) == (
        pages - saved_before, saved_before, 0)


def test_import_killed_at_random_moments_loses_nothing(server: HTTPServer, site: Site,
                                                       tmp_path: Path) -> None:
    _kill_imports(site, tmp_path, ROUNDS, PAGES)


@pytest.mark.slow
def test_twenty_imports_of_200_articles_killed_at_random_moments_lose_nothing(
        server: HTTPServer, site: Site, tmp_path: Path) -> None:
    _kill_imports(site, tmp_path, SLOW_ROUNDS, SLOW_PAGES)


def _kill_imports(site: Site, tmp_path: Path, rounds: int, pages: int) -> None:
    """`rounds` imports of `pages` pages, each killed at a random moment, then checked and
    completed."""
    max_delay = 0.25 * pages / 60  # after the first saved article (60 pages take ~0.6 s)
    base = tmp_path / "base.gleaner"
    coding = _coded_archive(base, site)
    assert len(coding["highlights"]) == 4
    source = tmp_path / "reading-list.txt"
    source.write_text("\n".join(site.url(n) for n in range(pages)) + "\n")
    interrupted = 0
    for round_ in range(rounds):
        rng = random.Random(SEED + round_)
        path = tmp_path / f"round-{round_}.gleaner"
        _copy(base, path)
        child = _gleaner(path, "import", str(source))
        try:
            if rng.random() < EARLY:  # while it starts: opening the archive, first downloads
                time.sleep(rng.uniform(0, 0.5))
            else:
                _wait_for_a_saved_article(path, child)
                time.sleep(rng.uniform(0, max_delay))
        finally:
            _kill_group(child)
        assert child.returncode in (0, -signal.SIGKILL)  # killed, or it had just finished
        saved = _assert_intact(path, site, coding)
        interrupted += saved < pages
        _import_completes(path, source, saved, pages)
        assert _assert_intact(path, site, coding) == pages
    # The kills landed mid-import (not all after the import had finished).
    assert interrupted >= max(1, rounds // 2)
