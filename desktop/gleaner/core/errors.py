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


class StorageError(ArchiveError):
    """The archive's file or disk failed (full, read-only, busy, damaged, unreadable): no
    change can be stored until the user acts, so a long task stops rather than going on."""


class ArchiveLocked(StorageError):
    """Another program holds the archive (or is writing to it) and did not let go in time."""


class ArchiveReadOnly(StorageError):
    """The archive cannot be written: a read-only file, folder or disk, or opened read-only."""


class ArchiveDamaged(StorageError):
    """The file is damaged: truncated, corrupted pages, or not a database at all."""


class NotAnArchive(ArchiveError):
    """A sound SQLite database, but someone else's."""


class ArchiveTooNew(ArchiveError):
    """An archive written by a newer Gleaner, whose schema this version does not know."""


# SQLite's primary result codes (https://www.sqlite.org/rescode.html) for the failures a
# user can do something about, with what to tell them. Every one ends in "nothing was
# changed": SQLite rolls the statement (or transaction) back.
_PROBLEMS = {
    3: "permission to the archive file was denied",  # SQLITE_PERM
    5: "the archive is busy: another program is writing to it; try again in a moment, or "
       "close the other program",  # SQLITE_BUSY
    6: "the archive is locked by another connection; try again in a moment",  # SQLITE_LOCKED
    8: "the archive cannot be written: the file, its folder or its disk is read-only",
    10: "the disk holding the archive could not be read or written (input/output error); "
        "check the disk, then check the archive",  # SQLITE_IOERR
    11: "the archive is damaged; check it (gleaner check, or Help ▸ Check Archive) or "
        "restore a backup",  # SQLITE_CORRUPT
    13: "the disk is full: free some space and try again",  # SQLITE_FULL
    14: "the archive file could not be opened (it is missing, or not allowed)",  # CANTOPEN
    26: "the file is not an archive, or it is badly damaged",  # SQLITE_NOTADB
}


_KINDS = {5: ArchiveLocked, 6: ArchiveLocked, 8: ArchiveReadOnly, 11: ArchiveDamaged,
          26: ArchiveDamaged}


def storage_error(error: BaseException) -> ArchiveError:
    """An SQLite error as the one-line error a user is shown.

    Failures of the file or disk become a `StorageError` (or the subclass for the case)
    saying what to do; anything else (a constraint, a bug) an `ArchiveError` quoting SQLite.
    """
    if isinstance(error, ArchiveError):
        return error
    code = sqlite_code(error)
    if code not in _PROBLEMS:
        return ArchiveError(f"the archive reported an error: {error}")
    return _KINDS.get(code, StorageError)(f"{_PROBLEMS[code]}; nothing was changed")


def sqlite_code(error: BaseException) -> int | None:
    """SQLite's primary result code for an error (from its code, or else its words)."""
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF
    words = {"disk is full": 13, "database is locked": 5, "readonly database": 8,
             "disk I/O error": 10, "malformed": 11, "not a database": 26,
             "unable to open database file": 14}
    message = str(error)
    return next((number for text, number in words.items() if text in message), None)
