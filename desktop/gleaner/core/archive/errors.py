"""The archive's errors (defined in `core.errors`, which loads nothing heavy)."""

from ..errors import ArchiveError, NotFound

__all__ = ["ArchiveError", "NotFound"]
