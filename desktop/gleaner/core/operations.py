"""Every user action as one operation: validated, one transaction, undoable, reporting what
changed.

The window and the command line call these and nothing else to change an archive. Each takes
the open `Archive` first and returns an `OpResult`: the action's name (shown as Edit ▸ Undo
"Code passage"), the `Changes` a front end refreshes, the action's value, and what Undo and Redo
would now do. `undo` and `redo` are operations too, so they report their changes the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .archive import Archive, ArchiveError
from .archive.history import changes_of
from .models import CapturedArticle, Changes, OpResult

__all__ = [
    "add_theme_to_highlight", "code_passage", "create_theme", "delete_article",
    "delete_highlight", "delete_theme", "move_theme", "redo", "remove_theme_from_highlight",
    "save_article", "set_note", "undo", "update_theme",
]


def _run(archive: Archive, label: str, action: Callable[[], object]) -> OpResult:
    with archive.step(label) as recorder:
        value = action()
    return _result(archive, label, recorder.changes(), value)


def _result(archive: Archive, label: str, changes: Changes, value=None) -> OpResult:
    return OpResult(label, changes, value, archive.undo_label(), archive.redo_label())


# --- articles ------------------------------------------------------------------------------

def save_article(archive: Archive, article: CapturedArticle) -> OpResult:
    """Store a captured article. Value: (article id, created); created is False when the
    page was already in the archive (then nothing changes)."""
    return _run(archive, "Save article", lambda: archive.save_article(article))


def delete_article(archive: Archive, article_id: int) -> OpResult:
    """Remove an article with its highlights (Undo brings both back)."""
    return _run(archive, "Delete article", lambda: archive.delete_article(article_id))


# --- highlights ----------------------------------------------------------------------------

def code_passage(archive: Archive, article_id: int, start: int, end: int,
                 theme_ids: Iterable[int], note: str = "") -> OpResult:
    """Highlight text[start:end] of an article with these themes. Value: the Highlight."""
    theme_ids = list(theme_ids)
    return _run(archive, "Code passage",
                lambda: archive.add_highlight(article_id, start, end, theme_ids, note))


def add_theme_to_highlight(archive: Archive, highlight_id: int, theme_id: int) -> OpResult:
    """Give an existing highlight one more theme. Value: the Highlight."""
    return _run(archive, "Add theme to highlight",
                lambda: archive.add_highlight_theme(highlight_id, theme_id))


def remove_theme_from_highlight(archive: Archive, highlight_id: int,
                                theme_id: int) -> OpResult:
    """Take a theme off a highlight; the highlight stays. Value: the Highlight."""
    return _run(archive, "Remove theme from highlight",
                lambda: archive.remove_highlight_theme(highlight_id, theme_id))


def set_note(archive: Archive, highlight_id: int, note: str) -> OpResult:
    """Replace a highlight's note. Value: the Highlight."""
    return _run(archive, "Edit note", lambda: archive.set_note(highlight_id, note))


def delete_highlight(archive: Archive, highlight_id: int) -> OpResult:
    """Remove a highlight (Undo brings it back with its id, themes and note)."""
    return _run(archive, "Delete highlight", lambda: archive.delete_highlight(highlight_id))


# --- codebook ------------------------------------------------------------------------------

def create_theme(archive: Archive, name: str, color: str | None = None,
                 description: str = "") -> OpResult:
    """Add a theme at the end of the codebook. Value: the Theme."""
    return _run(archive, "New theme", lambda: archive.add_theme(name, color, description))


def update_theme(archive: Archive, theme_id: int, *, name: str | None = None,
                 color: str | None = None, description: str | None = None) -> OpResult:
    """Rename, recolour or redescribe a theme. Value: the Theme."""
    before = archive.get_theme(theme_id)
    label = "Edit theme"
    if name is not None and " ".join(name.split()) != before.name and color in (
            None, before.color) and description in (None, before.description):
        label = "Rename theme"
    elif name in (None, before.name) and color is not None and color.upper() != before.color \
            and description in (None, before.description):
        label = "Recolour theme"
    return _run(archive, label, lambda: archive.update_theme(
        theme_id, name=name, color=color, description=description))


def move_theme(archive: Archive, theme_id: int, new_index: int) -> OpResult:
    """Move a theme to another place in the codebook. Value: the new codebook."""
    return _run(archive, "Move theme", lambda: archive.move_theme(theme_id, new_index))


def delete_theme(archive: Archive, theme_id: int) -> OpResult:
    """Remove a theme from the codebook and from its highlights (they stay)."""
    return _run(archive, "Delete theme", lambda: archive.delete_theme(theme_id))


# --- history -------------------------------------------------------------------------------

def undo(archive: Archive) -> OpResult:
    """Take back the latest step. The result's label names the step undone."""
    label, records = archive.undo_step()
    return _result(archive, label, changes_of(archive.db, records))


def redo(archive: Archive) -> OpResult:
    """Do again the step most recently undone."""
    label, records = archive.redo_step()
    return _result(archive, label, changes_of(archive.db, records))


def run(archive: Archive, operation: str, /, *args, **kwargs) -> OpResult:
    """Run the operation called `operation` (how the archive process receives requests)."""
    if operation not in __all__:
        raise ArchiveError(f"there is no operation {operation!r}")
    return globals()[operation](archive, *args, **kwargs)
