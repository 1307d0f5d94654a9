"""The window changes the archive only through core operations.

Every `ui/` module is read as Python syntax: no SQL, no database handles, no archive method
that writes. The checker is also run on a few lines that break the rule, to show it would fail.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import gleaner.ui
from gleaner.core.archive import Archive
from gleaner.core.service import READS

UI_DIR = Path(gleaner.ui.__file__).parent
SQL = re.compile(r"\bSELECT\b.+\bFROM\b|\bINSERT\s+(OR\s+\w+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\b"
                 r"|\bDELETE\s+FROM\b|\b(CREATE|DROP|ALTER)\s+(TABLE|INDEX|TRIGGER|VIEW)\b"
                 r"|^\s*PRAGMA\s+\w+|^\s*BEGIN\b", re.IGNORECASE | re.DOTALL)
DATABASE_MODULES = {"sqlite3", "sqlite_utils", "apsw"}
DATABASE_CALLS = {"execute", "executemany", "executescript", "query", "atomic"}
# Every public archive method that is not one of the reads the archive process serves.
WRITES = {name for name in dir(Archive) if not name.startswith("_")
          and callable(getattr(Archive, name)) and name not in READS} - {"open", "close"}


def violations(source: str) -> list[str]:
    """What in this module's source goes around the operations."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [alias.name for alias in node.names]
            module = getattr(node, "module", None) or ""
            if {module.split(".")[0], *(n.split(".")[0] for n in names)} & DATABASE_MODULES:
                found.append(f"line {node.lineno}: imports a database module")
            if module.endswith("core.archive") and "Archive" in names:
                found.append(f"line {node.lineno}: imports Archive (use the archive client)")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and SQL.search(node.value):
            found.append(f"line {node.lineno}: SQL {node.value[:30]!r}")
        elif isinstance(node, ast.Attribute):
            if node.attr == "db" or node.attr in DATABASE_CALLS:
                found.append(f"line {node.lineno}: database access .{node.attr}")
            elif node.attr in WRITES and _names_an_archive(node.value):
                found.append(f"line {node.lineno}: calls archive.{node.attr} directly")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "read" and node.args \
                and isinstance(node.args[0], ast.Constant) and node.args[0].value in WRITES:
            found.append(f"line {node.lineno}: reads with a writing method")
    return found


def _names_an_archive(node: ast.expr) -> bool:
    name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")
    return "archive" in name.lower() or name in {"client", "db"}


@pytest.mark.parametrize("module", sorted(p.name for p in UI_DIR.glob("*.py")))
def test_ui_module_changes_the_archive_only_through_operations(module):
    assert violations((UI_DIR / module).read_text("utf-8")) == []


def test_the_window_does_use_operations():
    source = (UI_DIR / "main_window.py").read_text("utf-8")
    assert ".ops." in source and 'run_op("code_passage"' in source


@pytest.mark.parametrize("line", [
    "self.archive.delete_highlight(3)",
    "window.archive.set_note(1, 'x')",
    "archive.save_article(article)",
    "self.archive.db.execute('SELECT 1')",
    "rows = connection.query('DELETE FROM highlights')",
    "import sqlite3",
    "from ..core.archive import Archive",
    "self.archive.read('move_theme', 1, 2)",
])
def test_the_checker_catches_a_way_around(line):
    assert violations(line) != []


def test_reads_served_to_the_window_do_not_write():
    assert not READS & WRITES
    assert {"save_article", "add_highlight", "set_note", "delete_article", "undo_step",
            "clear_history", "update_theme"} <= WRITES
