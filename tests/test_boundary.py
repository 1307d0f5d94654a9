"""The core/UI boundary: gleaner.core and the command line never load Qt.

Each check runs in a fresh interpreter, because this test process has PySide6 loaded already
(pytest-qt imports it when the plugin starts).
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import gleaner.core

QT_MODULES = ("PySide6", "shiboken6")
CORE_DIR = Path(gleaner.core.__path__[0])
CORE_MODULES = sorted(
    info.name for info in pkgutil.walk_packages(gleaner.core.__path__, prefix="gleaner.core."))


def run_python(code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)


def test_core_modules_were_found() -> None:
    expected = {"anchoring", "archive", "capture", "document", "extract", "fetch", "metadata",
                "models", "resources", "schema", "tasks"}
    assert {name.rsplit(".", 1)[1] for name in CORE_MODULES} >= expected


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_imports_without_qt(module: str, tmp_path: Path) -> None:
    result = run_python(f"""
        import importlib, sys
        importlib.import_module({module!r})
        loaded = [name for name in sys.modules if name.split(".")[0] in {QT_MODULES!r}]
        assert not loaded, loaded
        print("ok")
    """, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


@pytest.mark.parametrize("path", sorted(CORE_DIR.rglob("*.py")), ids=lambda p: p.name)
def test_core_source_does_not_mention_qt_imports(path: Path) -> None:
    source = path.read_text("utf-8")
    for forbidden in ("import PySide6", "from PySide6", "import shiboken6", "from shiboken6"):
        assert forbidden not in source, f"{path.name} contains {forbidden!r}"


def test_cli_command_runs_without_qt(tmp_path: Path) -> None:
    archive = tmp_path / "boundary.gleaner"
    result = run_python(f"""
        import sys
        from gleaner.__main__ import main
        status = main(["--archive", {str(archive)!r}, "themes"])
        loaded = [name for name in sys.modules if name.split(".")[0] in {QT_MODULES!r}]
        assert not loaded, loaded
        sys.exit(status)
    """, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Security measures" in result.stdout
    assert archive.is_file()
