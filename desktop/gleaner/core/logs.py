"""Gleaner's log file: where an unexpected error's traceback goes while the user is shown
one line pointing at it.

The file is in the platform's log folder ($GLEANER_LOG_DIR overrides it, for tests and for
users who want it elsewhere), bounded in size by rotation: three files of at most 1 MB.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import traceback
from pathlib import Path

LOG_ENV = "GLEANER_LOG_DIR"
LOG_BYTES = 1 << 20
LOG_FILES = 3

log = logging.getLogger("gleaner")


def log_path() -> Path:
    """The log file's path (its folder may not exist yet)."""
    if os.environ.get(LOG_ENV):
        return Path(os.environ[LOG_ENV]).expanduser() / "gleaner.log"
    import platformdirs

    return Path(platformdirs.user_log_dir("Gleaner", appauthor=False)) / "gleaner.log"


def configure_logging(level: int = logging.INFO) -> Path | None:
    """Send Gleaner's log records to the log file; returns its path, or None if the file
    cannot be written (then records go nowhere rather than into the user's terminal)."""
    path = log_path()
    for handler in list(log.handlers):
        if isinstance(handler, logging.handlers.RotatingFileHandler):
            if Path(handler.baseFilename) == path.absolute():
                return path
            log.removeHandler(handler)  # the log folder was moved ($GLEANER_LOG_DIR)
            handler.close()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=LOG_BYTES, backupCount=LOG_FILES - 1, encoding="utf-8")
    except OSError:
        log.addHandler(logging.NullHandler())
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(level)
    log.propagate = False
    return path


def report_unexpected(error: BaseException) -> str:
    """Log an unexpected error with its traceback; returns the one line to show the user."""
    path = configure_logging()
    details = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    log.error("unexpected error:\n%s", details)
    where = f"; details are in {path}" if path else ""
    return f"something went wrong ({type(error).__name__}: {_first_line(error)}){where}"


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return (text.splitlines() or [""])[0][:200]
