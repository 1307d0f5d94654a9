"""Errors the archive reports to front ends; str() is a one-line reason for the user."""


class ArchiveError(Exception):
    """Something the user asked of the archive that cannot be done; str() is the reason."""


class NotFound(ArchiveError):
    """No article, theme or highlight with that id or name."""
