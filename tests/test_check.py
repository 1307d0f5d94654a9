"""`gleaner check`: a clean archive passes; each kind of damage is named and exits 1; the
archive is only read."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from gleaner.__main__ import main
from gleaner.core import operations as ops
from gleaner.core.archive import Archive
from test_archive import make_article


@pytest.fixture
def coded(archive_path: Path) -> dict:
    """A closed archive with one article and three highlights coded with themes 1 and 2."""
    with Archive.open(archive_path) as archive:
        article_id = ops.save_article(archive, make_article()).value[0]
        ids = [ops.code_passage(archive, article_id, start, start + 5, themes).value.id
               for start, themes in ((0, [1]), (10, [1, 2]), (20, [2]))]
    return {"article": article_id, "highlights": ids}


@pytest.fixture
def check(capsys, archive_path: Path):
    """check(*flags) -> (exit status, stdout lines, stderr)."""

    def invoke(*flags: str) -> tuple[int, list[str], str]:
        status = main(["--archive", str(archive_path), "check", *flags])
        out, err = capsys.readouterr()
        return status, out.splitlines(), err

    return invoke


def damage(path: Path, *statements: str) -> None:
    """Run raw SQL on the archive with foreign keys off (as a careless tool would)."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA foreign_keys = OFF")
    for statement in statements:
        connection.execute(statement)
    connection.commit()
    connection.close()


def line(lines: list[str], name: str) -> str:
    return next(text for text in lines if text.startswith(f"{name}:"))


def test_a_clean_archive_passes_and_is_left_byte_for_byte(coded, check, archive_path,
                                                          row_counts):
    before, counts = archive_path.read_bytes(), row_counts(archive_path)
    status, lines, err = check()
    assert (status, err) == (0, "")
    assert [text.split(":")[0] for text in lines] == [
        "integrity", "foreign keys", "schema", "links", "quotes", "counts"]
    assert all(text.endswith(": ok") for text in lines)
    assert archive_path.read_bytes() == before and row_counts(archive_path) == counts


def test_a_wrong_count_is_named(coded, check, archive_path):
    damage(archive_path, "UPDATE theme_counts SET highlights = highlights + 3 "
                         "WHERE theme_id = 2",
           "UPDATE library_count SET articles = 5")
    status, lines, _ = check()
    assert status == 1
    counts = line(lines, "counts")
    assert "theme 2: stored 5 highlights, 2 linked" in counts
    assert "library: stored 5 articles, 1 saved" in counts
    assert line(lines, "quotes") == "quotes: ok"


def test_a_highlight_whose_range_no_longer_matches_is_named(coded, check, archive_path):
    moved, orphan = coded["highlights"][1], coded["highlights"][2]
    with Archive.open(archive_path) as archive:
        start, end = archive.get_highlight(moved).start, archive.get_highlight(moved).end
    damage(archive_path,
           f'UPDATE highlights SET start = start + 1, "end" = "end" + 1 WHERE id = {moved}',
           # An orphaned highlight keeps its old quote on purpose: not a problem.
           f"UPDATE highlights SET exact = 'gone', orphaned = 1 WHERE id = {orphan}")
    status, lines, _ = check()
    assert status == 1
    assert line(lines, "quotes") == (f"quotes: highlight {moved} no longer matches its "
                                     f"article's text at {start + 1}-{end + 1}")


def test_a_text_edited_under_its_highlights_is_caught_by_code_points(coded, check,
                                                                     archive_path):
    # An accented letter before the ranges: one code point, two UTF-8 bytes.
    damage(archive_path, "UPDATE article_contents SET text = 'é' || substr(text, 2)")
    status, lines, _ = check()
    assert status == 1
    assert line(lines, "quotes").startswith(f"quotes: highlight {coded['highlights'][0]} ")
    assert str(coded["highlights"][1]) not in line(lines, "quotes")


def test_dangling_links_are_named(coded, check, archive_path):
    first = coded["highlights"][0]
    damage(archive_path, "INSERT INTO highlight_themes VALUES "
                         f"({coded['highlights'][2]}, 999)",
           f"UPDATE highlight_themes SET highlight_id = 998 WHERE highlight_id = {first}")
    status, lines, _ = check()
    assert status == 1
    links = line(lines, "links")
    assert "link of highlight 998 to theme 1: highlight 998 does not exist" in links
    assert f"link of highlight {coded['highlights'][2]} to theme 999: theme 999 does not " \
           "exist" in links
    assert "highlight_themes" in line(lines, "foreign keys")


def test_totals_being_recounted_are_not_a_problem(coded, check, archive_path):
    damage(archive_path, "UPDATE theme_counts SET total_highlights = -1, total_articles = -1")
    status, lines, _ = check()
    assert status == 0 and line(lines, "counts") == "counts: ok"


def test_json_lists_every_check_with_its_details(coded, check, archive_path):
    damage(archive_path, "UPDATE theme_counts SET articles = 7 WHERE theme_id = 1")
    status, lines, _ = check("--json")
    results = {r["check"]: r for r in json.loads("\n".join(lines))}
    assert status == 1 and results["integrity"]["ok"] and not results["counts"]["ok"]
    assert results["counts"]["details"] == ["theme 1: stored 7 articles, 1 with links"]


def test_an_open_archive_checks_itself(coded, archive_path):
    with Archive.open(archive_path) as archive:
        assert all(result.ok for result in archive.check())
        archive.db.execute("UPDATE library_count SET articles = 0")
        assert [r.name for r in archive.check() if not r.ok] == ["counts"]


def test_a_missing_or_foreign_file_is_refused_and_not_created(capsys, tmp_path):
    missing = tmp_path / "none.gleaner"
    assert main(["--archive", str(missing), "check"]) == 1
    assert "does not exist" in capsys.readouterr().err and not missing.exists()
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    assert main(["--archive", str(other), "check"]) == 1
    assert capsys.readouterr().err.strip().endswith("is not a Gleaner archive")


def test_repair_backs_up_then_recounts_and_orphans_without_deleting(coded, check,
                                                                   archive_path, row_counts):
    moved = coded["highlights"][1]
    damage(archive_path,
           f'UPDATE highlights SET start = start + 1, "end" = "end" + 1 WHERE id = {moved}',
           "UPDATE theme_counts SET highlights = 9, total_highlights = 9 WHERE theme_id = 1",
           "DELETE FROM theme_articles WHERE theme_id = 2",
           "UPDATE library_count SET articles = 4")
    before = row_counts(archive_path)
    status, lines, err = check("--repair")
    assert status == 0 and all(text.endswith(": ok") for text in lines)
    assert f"repaired: marked orphaned: highlight {moved}" in err
    backups = list((archive_path.parent / "backups").iterdir())
    assert len(backups) == 1 and f"backed up to {backups[0]}" in err
    # The backup holds the archive as it was, damage and all.
    assert sqlite3.connect(backups[0]).execute(
        "SELECT articles FROM library_count").fetchone() == (4,)
    after = row_counts(archive_path)
    for table in ("articles", "highlights", "highlight_themes", "themes", "history_steps"):
        assert after[table] == before[table]
    with Archive.open(archive_path) as archive:
        highlight = archive.get_highlight(moved)
        assert highlight.orphaned and list(highlight.theme_ids) == [1, 2]
        assert not archive.get_highlight(coded["highlights"][0]).orphaned


def test_repair_leaves_what_it_cannot_fix_safely(coded, check, archive_path, row_counts):
    damage(archive_path, f"INSERT INTO highlight_themes VALUES ({coded['highlights'][0]}, 999)")
    links = row_counts(archive_path)["highlight_themes"]
    status, lines, _ = check("--repair")
    assert status == 1 and "theme 999 does not exist" in line(lines, "links")
    assert row_counts(archive_path)["highlight_themes"] == links  # no link was deleted


def test_repair_of_a_sound_archive_does_nothing(coded, check, archive_path):
    before = archive_path.read_bytes()
    status, _, err = check("--repair")
    assert (status, err) == (0, "") and archive_path.read_bytes() == before
    assert not (archive_path.parent / "backups").exists()
