"""Where the archive lives when none is named."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ARCHIVE_ENV = "GLEANER_ARCHIVE"
ARCHIVE_FILENAME = "archive.gleaner"


def default_archive_path() -> Path:
    """The archive used when none is named: $GLEANER_ARCHIVE, else the platform's data folder."""
    if os.environ.get(ARCHIVE_ENV):
        return Path(os.environ[ARCHIVE_ENV]).expanduser()
    return Path(platformdirs.user_data_dir("Gleaner", appauthor=False)) / ARCHIVE_FILENAME
