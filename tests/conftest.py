"""Shared fixtures for Gleaner's test suite.

`gleaner` is installed editable by uv, so no sys.path juggling is needed here. This file must not
import PySide6: the core/UI boundary tests check that the core runs without Qt.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Qt widgets in the UI tests need no display. Set before any test module can import PySide6.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from gleaner.core.archive import Archive  # noqa: E402
from gleaner.core.resources import resource_path  # noqa: E402

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"


def pytest_sessionstart(session) -> None:
    """Compile Gleaner's own modules once: the suite starts hundreds of Python processes
    (archive processes, commands), and where PYTHONDONTWRITEBYTECODE is set each would compile
    them again (compileall writes the .pyc files regardless; Python still reads them)."""
    import compileall

    import gleaner

    compileall.compile_dir(Path(gleaner.__file__).parent, quiet=1)


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES_DIR


@pytest.fixture
def news_page_html(fixtures_dir: Path) -> bytes:
    return (fixtures_dir / "news_page.html").read_bytes()


@pytest.fixture
def sample_article_path() -> Path:
    return resource_path("sample-article.html")


@pytest.fixture
def archive_path(tmp_path: Path) -> Path:
    return tmp_path / "test.gleaner"


@pytest.fixture
def archive(archive_path: Path):
    opened = Archive.open(archive_path)
    try:
        yield opened
    finally:
        opened.close()


def table_counts(path: Path) -> dict[str, int]:
    """Row count of every table in an SQLite file, read through a separate connection."""
    import sqlite3

    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
                for name in names}
    finally:
        connection.close()


@pytest.fixture
def row_counts():
    """row_counts(path) -> {table: number of committed rows}."""
    return table_counts


@pytest.fixture
def snapshot():
    """snapshot(archive) -> what a failed capture must leave unchanged: the library list and
    the row count of every table (seen by a second connection, so only committed rows count)."""

    def take(opened: Archive) -> tuple[list, dict[str, int]]:
        return opened.list_articles(), table_counts(opened.path)

    return take


@pytest.fixture
def server():
    """A threaded local server on 127.0.0.1: an import downloads several pages at once, so
    its answers must come concurrently too."""
    from pytest_httpserver import HTTPServer

    running = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    running.start()
    yield running
    running.clear()
    if running.is_running():
        running.stop()
