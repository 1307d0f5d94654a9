"""Where the bundled resources (codebook, sample article, icons, stylesheets) live."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def resource_path(name: str) -> Path:
    """Path of a bundled resource, in an installed wheel or in a source checkout."""
    for folder in (_PACKAGE / "resources", _PACKAGE.parent.parent / "resources"):
        candidate = folder / name
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"bundled resource {name!r} is missing from this installation")
