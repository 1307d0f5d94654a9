"""The archive: one SQLite file holding articles, the codebook, highlights and the undo history.

All of Gleaner's SQL lives in this package, one module per subject:

- `store`: opening, closing, migrations, the step (transaction + undo record) machinery
- `articles`: saved articles and their content
- `codebook`: themes
- `merges`: merging a theme into another, its links moved when the archive is idle
- `highlights`: coded passages and their theme links
- `history`: the undo/redo history and how a step is reversed or replayed
- `checks`: integrity checks and Gleaner's invariants (`gleaner check`)

`Archive` brings them together. Its mutating methods are building blocks for
`core.operations`, which wraps each user action in one step; front ends call operations, never
these methods directly.
"""

from __future__ import annotations

from ..errors import ArchiveError, NotFound
from ..paths import ARCHIVE_ENV, ARCHIVE_FILENAME, default_archive_path
from .articles import ArticlesMixin
from .checks import ChecksMixin
from .codebook import THEME_PALETTE, CodebookMixin, theme_key
from .highlights import HighlightsMixin
from .history import HistoryMixin
from .merges import MergesMixin
from .store import ArchiveStore, utc_now

__all__ = ["ARCHIVE_ENV", "ARCHIVE_FILENAME", "THEME_PALETTE", "Archive", "ArchiveError",
           "NotFound", "default_archive_path", "theme_key", "utc_now"]


class Archive(ArticlesMixin, CodebookMixin, MergesMixin, HighlightsMixin, HistoryMixin,
              ChecksMixin, ArchiveStore):
    """An open archive. Use `Archive.open(path)`; close it (or use `with`) when done."""
