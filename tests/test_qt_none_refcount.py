"""Guard against the PySide6 6.12.0 regression on Python 3.11.

6.12.0 drops a reference to None on every call of a wrapped method that returns nothing; after
some thousands of calls the interpreter aborts with "Fatal Python error: none_dealloc".
pyproject.toml pins PySide6-Essentials below 6.12 for that reason.
"""

from __future__ import annotations

import sys
from importlib.metadata import version

CALLS = 20_000


def release(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".")[:3] if part.isdigit())


def test_installed_pyside6_is_below_6_12() -> None:
    installed = version("PySide6-Essentials")
    assert release(installed) < (6, 12), installed
    assert release(version("shiboken6")) < (6, 12)


def test_void_methods_do_not_leak_references_to_none(qapp) -> None:
    from PySide6.QtCore import QObject
    from PySide6.QtWidgets import QLabel

    label = QLabel()
    obj = QObject()
    before = sys.getrefcount(None)
    for _ in range(CALLS):
        label.setText("x")
        obj.setObjectName("n")
    after = sys.getrefcount(None)
    assert label.text() == "x"
    assert obj.objectName() == "n"
    assert after >= before - 10, f"None lost {before - after} references in {2 * CALLS} calls"
