"""The engine under every action: stable ids and GUIDs, the 0003 migration of an existing
archive, and operations that record their undo and say what they changed."""

from __future__ import annotations

import json
import sqlite3
import uuid
import zlib
from pathlib import Path

import pytest
from sqlite_utils import Database

from gleaner.core import operations as ops
from gleaner.core.archive import Archive, ArchiveError
from gleaner.core.archive.history import HISTORY_LIMIT
from gleaner.core.capture import capture
from gleaner.core.document import blocks_from_html, blocks_to_json
from gleaner.core.schema import migrations
from test_archive import make_article


def old_archive(path: Path) -> None:
    """An archive as Gleaner wrote it before migration 0003, with one coded article."""
    db = Database(path)
    migrations.apply(db, stop_before="0003_stable_ids_content_apart_history")
    structure = blocks_to_json(blocks_from_html("<p>Hello world</p>"))
    db.execute(
        "INSERT INTO articles (id, url_requested, url, title, saved_at, html, structure, text, "
        "original_html) VALUES (7, 'https://a.example/x', 'https://a.example/x', 'Old one', "
        "'2024-01-01T00:00:00+00:00', '<p>Hello world</p>', ?, 'Hello world', ?)",
        [json.dumps(structure), zlib.compress(b"<html>old</html>")])
    db.execute('INSERT INTO highlights (id, article_id, start, "end", exact, note, created_at, '
               "updated_at) VALUES (42, 7, 0, 5, 'Hello', 'kept', 't0', 't1')")
    db.execute("INSERT INTO highlight_themes VALUES (42, 2)")
    db.conn.commit()
    db.close()


def stored_counts_agree(archive: Archive) -> bool:
    """The codebook's stored counts equal the links actually there."""
    stored = dict(archive.db.execute("SELECT theme_id, highlights FROM theme_counts"))
    actual = dict(archive.db.execute(
        "SELECT t.id, (SELECT count(*) FROM highlight_themes WHERE theme_id = t.id) "
        "FROM themes t"))
    stored_articles = dict(archive.db.execute("SELECT theme_id, articles FROM theme_counts"))
    actual_articles = dict(archive.db.execute(
        "SELECT t.id, (SELECT count(DISTINCT h.article_id) FROM highlight_themes ht "
        "JOIN highlights h ON h.id = ht.highlight_id WHERE ht.theme_id = t.id) FROM themes t"))
    per_article = archive.db.execute(
        "SELECT count(*) FROM (SELECT ht.theme_id, h.article_id, count(*) AS n "
        "FROM highlight_themes ht JOIN highlights h ON h.id = ht.highlight_id "
        "GROUP BY 1, 2 EXCEPT SELECT theme_id, article_id, passages FROM theme_articles)"
    ).fetchone()[0]
    articles = archive.db.execute("SELECT count(*) FROM articles").fetchone()[0]
    return (stored == actual and stored_articles == actual_articles and per_article == 0
            and archive.article_count() == articles and totals_agree(archive))


def totals_agree(archive: Archive) -> bool:
    """Every live theme's totals with sub-themes equal a count made from scratch."""
    from gleaner.core.codebook import descendants

    themes = archive.list_themes()
    for theme in themes:
        ids = [theme.id, *descendants(themes, theme.id)]
        marks = ",".join("?" * len(ids))
        highlights, articles = archive.db.execute(
            "SELECT count(DISTINCT ht.highlight_id), count(DISTINCT h.article_id) "
            "FROM highlight_themes ht JOIN highlights h ON h.id = ht.highlight_id "
            f"WHERE ht.theme_id IN ({marks})", ids).fetchone()
        if (theme.total_highlights, theme.total_articles) != (highlights, articles):
            return False
    return True


def test_migrating_an_existing_archive_keeps_every_row_and_id(tmp_path):
    path = tmp_path / "old.gleaner"
    old_archive(path)
    with Archive.open(path) as archive:
        [highlight] = archive.list_highlights()
        assert (highlight.id, highlight.article_id, highlight.exact, highlight.note,
                highlight.theme_ids) == (42, 7, "Hello", "kept", (2,))
        assert archive.original_html(7) == b"<html>old</html>"
        assert archive.article_text(7) == "Hello world"
        guids = [archive.get_article(7).guid, highlight.guid,
                 *(t.guid for t in archive.list_themes())]
        assert all(uuid.UUID(g) for g in guids) and len(set(guids)) == len(guids)
        assert archive.db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert archive.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert archive.get_theme(2).highlight_count == 1 and stored_counts_agree(archive)
        # Large columns left the library's table.
        columns = {c.name for c in archive.db["articles"].columns}
        assert not columns & {"html", "text", "structure", "original_html"}


def test_ids_are_never_reused(archive: Archive):
    article_id = ops.save_article(archive, make_article()).value[0]
    first = ops.code_passage(archive, article_id, 0, 6, [1]).value
    ops.delete_highlight(archive, first.id)
    second = ops.code_passage(archive, article_id, 0, 6, [1]).value
    assert second.id > first.id and second.guid != first.guid


def test_each_operation_is_one_step_that_undoes_and_redoes_exactly(archive: Archive):
    def state():
        return (archive.list_articles(), archive.list_themes(), archive.list_highlights())

    article_id = ops.save_article(archive, make_article()).value[0]
    text = archive.article_text(article_id)
    highlight = ops.code_passage(archive, article_id, 4, 11, [1, 2], note="n").value
    theme = ops.create_theme(archive, "Media framing", "#336699").value
    actions = [
        lambda: ops.add_theme_to_highlight(archive, highlight.id, theme.id),
        lambda: ops.remove_theme_from_highlight(archive, highlight.id, 1),
        lambda: ops.set_note(archive, highlight.id, "changed"),
        lambda: ops.update_theme(archive, theme.id, name="Framing", color="#112233"),
        lambda: ops.move_theme(archive, theme.id, 0),
        lambda: ops.delete_theme(archive, 2),
        lambda: ops.delete_highlight(archive, highlight.id),
        lambda: ops.delete_article(archive, article_id),
    ]
    for action in actions:
        before = state()
        steps = len(archive.history())
        result = action()
        after = state()
        assert after != before and len(archive.history()) == steps + 1
        assert result.changes  # something is reported as changed
        undone = ops.undo(archive)
        assert undone.label == result.label and state() == before
        assert stored_counts_agree(archive)
        ops.redo(archive)
        assert state() == after
        assert stored_counts_agree(archive)
    assert text  # the article had text to code


def test_changes_name_what_to_refresh(archive: Archive):
    article_id = ops.save_article(archive, make_article()).value[0]
    coded = ops.code_passage(archive, article_id, 4, 11, [3])
    assert coded.changes.articles == {article_id}
    assert coded.changes.highlights == {coded.value.id}
    assert coded.changes.themes == {3}
    assert not coded.changes.library and not coded.changes.codebook
    note = ops.set_note(archive, coded.value.id, "x").changes
    assert note.themes == frozenset() and not note.library
    renamed = ops.update_theme(archive, 3, name="Politics").changes
    assert renamed.themes == {3} and not renamed.codebook
    assert ops.move_theme(archive, 3, 0).changes.codebook
    assert ops.delete_article(archive, article_id).changes.library


def test_a_step_changed_since_is_refused_not_overwritten(archive: Archive, archive_path):
    article_id = ops.save_article(archive, make_article()).value[0]
    highlight = ops.code_passage(archive, article_id, 4, 11, [1]).value
    ops.set_note(archive, highlight.id, "mine")
    with Archive.open(archive_path) as other:  # another process edits the same note
        other.set_note(highlight.id, "theirs")
    with pytest.raises(ArchiveError, match="can no longer be undone"):
        ops.undo(archive)
    assert archive.get_highlight(highlight.id).note == "theirs"
    # Coding the passage cannot be undone either: its highlight now carries their note.
    with pytest.raises(ArchiveError, match="can no longer be undone"):
        ops.undo(archive)
    # Nor saving the article: removing it would take their highlight with it.
    with pytest.raises(ArchiveError, match="can no longer be undone"):
        ops.undo(archive)
    assert archive.get_highlight(highlight.id).note == "theirs"
    assert archive.undo_label() is None


def test_nothing_changed_records_no_step(archive: Archive):
    ops.save_article(archive, make_article())
    steps = len(archive.history())
    assert ops.save_article(archive, make_article()).value[1] is False
    assert len(archive.history()) == steps


def test_the_history_is_bounded(archive: Archive):
    article_id = ops.save_article(archive, make_article()).value[0]
    highlight = ops.code_passage(archive, article_id, 4, 11, [1]).value
    for n in range(HISTORY_LIMIT + 20):
        ops.set_note(archive, highlight.id, f"note {n}")
    assert len(archive.history(limit=10_000)) == HISTORY_LIMIT
    assert archive.tidy_history() == 22  # run when idle: the oldest steps go then
    rows = archive.db.execute("SELECT count(DISTINCT step_id) FROM history_rows").fetchone()[0]
    assert rows == HISTORY_LIMIT


def test_a_failed_operation_leaves_no_step_and_no_rows(archive: Archive, row_counts):
    article_id = ops.save_article(archive, make_article()).value[0]
    before = row_counts(archive.path)
    with pytest.raises(ArchiveError):
        ops.code_passage(archive, article_id, 4, 11, [1, 999])
    with pytest.raises(ArchiveError):
        ops.create_theme(archive, "security MEASURES")
    assert row_counts(archive.path) == before


def test_undo_survives_closing_the_archive(archive_path, sample_article_path):
    with Archive.open(archive_path) as archive:
        article_id = ops.save_article(archive, capture(str(sample_article_path))).value[0]
        highlight = ops.code_passage(archive, article_id, 10, 30, [1], note="n").value
    with Archive.open(archive_path) as archive:
        assert archive.undo_label() == "Code passage"
        ops.undo(archive)
    with Archive.open(archive_path) as archive:
        ops.redo(archive)
        assert archive.get_highlight(highlight.id) == highlight


def test_writes_wait_for_another_writer_instead_of_failing(archive: Archive, archive_path):
    article_id = ops.save_article(archive, make_article()).value[0]
    other = sqlite3.connect(archive_path, timeout=0, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process is in the middle of a write
    import threading
    import time

    threading.Timer(0.3, other.commit).start()
    started = time.monotonic()
    ops.code_passage(archive, article_id, 4, 11, [1])
    assert time.monotonic() - started >= 0.25
    other.close()


def test_a_replay_that_fails_at_commit_leaves_nothing_open(archive: Archive, archive_path):
    """Undo restores a link to a theme that another process has deleted since: the keys are
    checked at COMMIT, which fails. Nothing may stay open, or later steps would be
    acknowledged and then lost."""
    article_id = ops.save_article(archive, make_article()).value[0]
    highlight = ops.code_passage(archive, article_id, 4, 11, [2]).value
    ops.delete_highlight(archive, highlight.id)
    outside = sqlite3.connect(archive_path)
    outside.execute("PRAGMA foreign_keys = ON")
    outside.execute("DELETE FROM themes WHERE id = 2")
    outside.commit()
    outside.close()
    with pytest.raises(ArchiveError, match="can no longer be undone"):
        ops.undo(archive)
    assert not archive.db.conn.in_transaction
    later = ops.code_passage(archive, article_id, 0, 3, [1]).value
    with Archive.open(archive_path) as reopened:  # really stored, seen from elsewhere
        assert [h.id for h in reopened.list_highlights()] == [later.id]
        assert reopened.db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_an_undo_blocked_by_a_name_taken_since_is_dropped(archive: Archive, archive_path):
    theme = ops.create_theme(archive, "Zed").value
    ops.delete_theme(archive, theme.id)
    with Archive.open(archive_path) as other:
        other.add_theme("zed")  # the name is taken again, outside the history
    with pytest.raises(ArchiveError, match="can no longer be undone"):
        ops.undo(archive)
    assert archive.undo_label() == "New theme"  # dropped: the step before is reachable
    assert not archive.db.conn.in_transaction


def test_a_migration_that_finds_broken_links_leaves_the_file_as_it_was(tmp_path):
    path = tmp_path / "broken.gleaner"
    old_archive(path)
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA foreign_keys = OFF")
    raw.execute("INSERT INTO highlight_themes VALUES (42, 999)")  # a theme that never was
    raw.commit()
    raw.close()
    for _ in range(2):  # refused every time, not only the first
        with pytest.raises(ArchiveError, match="missing rows"):
            Archive.open(path)
    check = sqlite3.connect(path)
    applied = [row[0] for row in check.execute("SELECT name FROM _sqlite_migrations")]
    check.close()
    assert "0003_stable_ids_content_apart_history" not in applied


def test_a_themes_links_are_one_record_and_replay_exactly(archive: Archive, archive_path):
    article_id = ops.save_article(archive, make_article()).value[0]
    coded = [ops.code_passage(archive, article_id, n, n + 3, [1, 2]).value.id
             for n in range(0, 40, 4)]
    result = ops.merge_theme(archive, 1, 3)
    rows = archive.db.execute(
        "SELECT table_name, count(*) FROM history_rows WHERE step_id = "
        "(SELECT max(id) FROM history_steps) GROUP BY table_name").fetchall()
    # Not one row per link: the theme, the merge's record, the links as one.
    assert dict(rows) == {"themes": 1, "theme_merges": 1, "theme_links_added": 1}
    assert result.changes.highlights == set(coded) and 3 in result.changes.themes
    assert archive.step_size(undo=True) == len(coded) + 2
    assert all(archive.get_highlight(h).theme_ids == (2, 3) for h in coded)
    ops.undo(archive)
    assert all(archive.get_highlight(h).theme_ids == (1, 2) for h in coded)
    assert stored_counts_agree(archive)
    # Another process codes one more passage with the merged-into theme: redoing the merge
    # adds back exactly the links it added, and leaves the new one alone.
    with Archive.open(archive_path) as other:
        extra = other.add_highlight(article_id, 50, 55, [3])
    ops.redo(archive)
    assert all(archive.get_highlight(h).theme_ids == (2, 3) for h in coded)
    assert archive.get_highlight(extra.id).theme_ids == (3,)
    assert archive.get_theme(3).highlight_count == len(coded) + 1
    assert stored_counts_agree(archive)
    # Another process takes one of those links off: undoing the merge now would put back
    # a state nobody made, so it is refused, and nothing changes.
    with Archive.open(archive_path) as other:
        other.remove_highlight_theme(coded[0], 3)
    with pytest.raises(ArchiveError, match="can no longer be undone"):
        ops.undo(archive)
    assert archive.get_highlight(coded[1]).theme_ids == (2, 3)
    assert stored_counts_agree(archive)


def test_deleting_a_theme_changes_one_row_and_is_purged_once_no_step_can_undo_it(
        archive: Archive, archive_path):
    article_id = ops.save_article(archive, make_article()).value[0]
    coded = [ops.code_passage(archive, article_id, n, n + 3, [1, 2]).value.id
             for n in range(0, 40, 4)]
    result = ops.delete_theme(archive, 1)
    assert archive.step_size(undo=True) == 1
    assert result.changes.codebook and 1 in result.changes.themes
    assert all(archive.get_highlight(h).theme_ids == (2,) for h in coded)
    assert 1 not in [t.id for t in archive.list_themes()]
    assert archive.list_highlights(theme_id=1) == []
    # Its name is free again while the deletion can still be undone; once another process
    # takes it, the undo is refused and changes nothing.
    name = archive.db.execute("SELECT name FROM themes WHERE id = 1").fetchone()[0]
    with Archive.open(archive_path) as elsewhere:
        other = elsewhere.add_theme(name)
    with pytest.raises(ArchiveError, match="can no longer be undone"):
        ops.undo(archive)
    assert 1 not in [t.id for t in archive.list_themes()]
    assert archive.theme_by_name(name).id == other.id
    # No step refers to theme 1 any more once the history is cleared: tidying removes it
    # with its links for good, a slice at a time.
    archive.clear_history()
    while archive.purge_deleted_themes(max_links=3):
        pass
    assert archive.db.execute("SELECT count(*) FROM themes WHERE deleted = 1").fetchone() == (0,)
    assert archive.db.execute(
        "SELECT count(*) FROM highlight_themes WHERE theme_id = 1").fetchone() == (0,)
    assert all(archive.get_highlight(h).theme_ids == (2,) for h in coded)
    assert stored_counts_agree(archive)
