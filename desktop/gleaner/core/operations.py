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
from .archive.codebook import CHILDREN_MOVE_UP, KEEP
from .archive.highlights import ORPHANED
from .archive.history import changes_of
from .models import CapturedArticle, Changes, OpResult

__all__ = [
    "add_theme_to_highlight", "code_passage", "code_with_new_theme", "create_theme",
    "delete_article", "delete_highlight", "delete_theme", "edit_article", "import_articles",
    "merge_theme", "move_theme", "reattach_highlight", "redo", "reextract_article",
    "remove_theme_from_highlight", "save_article", "set_article_memo", "set_note", "set_read",
    "set_starred", "tag_article", "undo", "untag_article", "update_theme",
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


def import_articles(archive: Archive, items: Iterable[tuple[CapturedArticle, Iterable[str]]]
                    ) -> OpResult:
    """Save a batch of imported articles, each with its tags (a bookmark folder, say), in one
    transaction. Value: [(article id, created)] in the order given; an article already in the
    archive is left as it is (created False, no tags added), so running an import again
    changes nothing.

    Imports are not undone with Undo: a bulk import of hundreds of articles would push the
    user's coding steps out of the history. Its report lists what was saved instead.
    """
    results, created_ids = [], []
    with archive.write_transaction():
        for article, tags in items:
            article_id, created = archive.save_article(article)
            if created:
                created_ids.append(article_id)
                if tags := [tag for tag in tags if tag.strip()]:
                    archive.tag_article(article_id, tags)
            results.append((article_id, created))
    changes = Changes(articles=frozenset(created_ids), details=frozenset(created_ids),
                      library=bool(created_ids))
    return _result(archive, "Import articles", changes, results)


def delete_article(archive: Archive, article_id: int) -> OpResult:
    """Remove an article with its highlights (Undo brings both back)."""
    return _run(archive, "Delete article", lambda: archive.delete_article(article_id))


def reextract_article(archive: Archive, article_id: int) -> OpResult:
    """Rebuild an article from its saved page with today's extractor (no network); its
    highlights are re-anchored and none is dropped. Value: {"placed": n, "orphaned": [ids],
    "how": {highlight id: how it was placed}}. Undo puts the previous text back."""
    from .reextract import rebuild_article

    article = rebuild_article(*archive.saved_page(article_id),
                              kept_images=archive.article_asset_sources(article_id))

    def action():
        report = archive.replace_content(article_id, article)
        orphaned = [item.highlight_id for item in report if item.how == ORPHANED]
        return {"placed": len(report) - len(orphaned), "orphaned": orphaned,
                "how": {item.highlight_id: item.how for item in report}}

    return _run(archive, "Re-extract article", action)


def set_starred(archive: Archive, article_id: int, starred: bool = True) -> OpResult:
    """Star or unstar an article."""
    return _run(archive, "Star article" if starred else "Unstar article",
                lambda: archive.set_article_flags(article_id, starred=starred))


def set_read(archive: Archive, article_id: int, read: bool = True) -> OpResult:
    """Mark an article read or unread."""
    return _run(archive, "Mark read" if read else "Mark unread",
                lambda: archive.set_article_flags(article_id, read=read))


def set_article_memo(archive: Archive, article_id: int, memo: str) -> OpResult:
    """Replace the memo on an article."""
    return _run(archive, "Edit article memo",
                lambda: archive.set_article_memo(article_id, memo))


def edit_article(archive: Archive, article_id: int, **values) -> OpResult:
    """Correct an article's title, authors, site_name or published date; what extraction
    found is kept (see `Archive.edit_article`)."""
    return _run(archive, "Edit article details",
                lambda: archive.edit_article(article_id, **values))


def tag_article(archive: Archive, article_id: int, names: Iterable[str]) -> OpResult:
    """Put tags on an article."""
    names = list(names)
    return _run(archive, "Tag article", lambda: archive.tag_article(article_id, names))


def untag_article(archive: Archive, article_id: int, names: Iterable[str]) -> OpResult:
    """Take tags off an article."""
    names = list(names)
    return _run(archive, "Untag article", lambda: archive.untag_article(article_id, names))


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


def reattach_highlight(archive: Archive, highlight_id: int, start: int, end: int) -> OpResult:
    """Put a highlight (an orphaned one, say) on text[start:end] of its article; its previous
    quote is kept in its history. Value: the Highlight."""
    return _run(archive, "Re-attach highlight",
                lambda: archive.reattach_highlight(highlight_id, start, end))


# --- codebook ------------------------------------------------------------------------------

def create_theme(archive: Archive, name: str, color: str | None = None,
                 description: str = "", parent_id: int | None = None) -> OpResult:
    """Add a theme at the end of the codebook, or of a parent's sub-themes. Value: the
    Theme."""
    return _run(archive, "New theme",
                lambda: archive.add_theme(name, color, description, parent_id))


def code_with_new_theme(archive: Archive, article_id: int, start: int, end: int,
                        name: str, color: str | None = None,
                        parent_id: int | None = None) -> OpResult:
    """Create a theme and code text[start:end] with it, as one step. Value: the
    Highlight."""
    def action():
        theme = archive.add_theme(name, color, "", parent_id)
        return archive.add_highlight(article_id, start, end, [theme.id])
    return _run(archive, "New theme from selection", action)


def update_theme(archive: Archive, theme_id: int, *, name: str | None = None,
                 color: str | None = None, description: str | None = None,
                 shortcut=KEEP) -> OpResult:
    """Rename, recolour or redescribe a theme, or pin it to a number key (None unpins).
    Value: the Theme."""
    before = archive.get_theme(theme_id)
    changed = {what for what, new, old in (
        ("name", name and " ".join(name.split()), before.name),
        ("color", color and color.strip().upper(), before.color),
        ("description", description and description.strip(), before.description),
        ("shortcut", before.shortcut if shortcut == KEEP else shortcut, before.shortcut),
    ) if new is not None and new != old or (what == "shortcut" and new != old)}
    label = {frozenset({"name"}): "Rename theme", frozenset({"color"}): "Recolour theme",
             frozenset({"description"}): "Describe theme",
             frozenset({"shortcut"}): "Pin theme to key"}.get(frozenset(changed), "Edit theme")
    return _run(archive, label, lambda: archive.update_theme(
        theme_id, name=name, color=color, description=description, shortcut=shortcut))


def move_theme(archive: Archive, theme_id: int, new_index: int, parent_id=KEEP) -> OpResult:
    """Move a theme (with its sub-themes) to place `new_index` under `parent_id` (None: top
    level; left out: where it is). Value: the new codebook."""
    return _run(archive, "Move theme",
                lambda: archive.move_theme(theme_id, new_index, parent_id))


def merge_theme(archive: Archive, source_id: int, target_id: int) -> OpResult:
    """Merge one theme into another (see `Archive.merge_theme`). Value: the merged-into
    Theme."""
    return _run(archive, "Merge themes", lambda: archive.merge_theme(source_id, target_id))


def delete_theme(archive: Archive, theme_id: int, children: str = CHILDREN_MOVE_UP) -> OpResult:
    """Remove a theme from the codebook and from its highlights (they stay); its sub-themes
    move up, or go with it (`children="delete"`)."""
    return _run(archive, "Delete theme", lambda: archive.delete_theme(theme_id, children))


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
