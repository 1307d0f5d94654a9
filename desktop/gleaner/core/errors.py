"""The errors the core reports to front ends; str() is a one-line reason for the user.

Kept in a module of their own, free of heavy imports, so the window can catch them without
loading the archive's or the capture's libraries at start-up.
"""


class ArchiveError(Exception):
    """Something the user asked of the archive that cannot be done; str() is the reason."""


class NotFound(ArchiveError):
    """No article, theme or highlight with that id or name."""


class CaptureError(Exception):
    """A page that could not be fetched or read; str() is a one-line reason for the user."""
