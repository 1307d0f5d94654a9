"""`gleaner` commands for coding: the codebook tree, article tags, flags, memo and details,
notes, and deleting. Each runs through gleaner.__main__.main against a temporary archive, and
the database is checked after (a failure must leave it exactly as it was; Undo must restore
it exactly)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from gleaner.__main__ import main
from gleaner.core.archive import Archive

# Tables whose content a command (or its undo) may legitimately leave different: the history
# itself, and SQLite's record of the largest id handed out.
NOT_COMPARED = {"history_steps", "history_rows", "sqlite_sequence"}


@pytest.fixture
def run(capsys, archive_path: Path):
    """run(*args) -> (exit status, stdout, stderr), against a temporary archive."""

    def invoke(*args: str) -> tuple[int, str, str]:
        status = main(["--archive", str(archive_path), *args])
        out, err = capsys.readouterr()
        return status, out, err

    return invoke


@pytest.fixture
def ok(run):
    """ok(*args) -> stdout of a command that must succeed without a word on stderr."""

    def invoke(*args: str) -> str:
        status, out, err = run(*args)
        assert (status, err) == (0, ""), (args, out, err)
        return out

    return invoke


def add_article(ok, path: Path) -> int:
    return int(ok("add", str(path)).split("\t")[0])


@pytest.fixture
def article_ids(ok, sample_article_path: Path, tmp_path: Path) -> tuple[int, int]:
    """The sample article, and a copy of it that names another canonical address."""
    copy = tmp_path / "copy.html"
    copy.write_bytes(sample_article_path.read_bytes().replace(b"port-security-pact",
                                                              b"port-security-pact-update"))
    return add_article(ok, sample_article_path), add_article(ok, copy)


@pytest.fixture
def coded(ok, article_ids) -> dict[str, int]:
    """A small tree (Security measures > Fences > Cameras) and four coded passages:
    A "thermal cameras" (Cameras), B "joint police patrols" (Fences, Security measures),
    C "smuggling networks" (Security measures, Humanitarian concerns), all in the first
    article, and D "thermal cameras" in the second (Humanitarian concerns)."""
    first, second = article_ids
    ok("theme", "add", "Fences", "--parent", "security measures")
    ok("theme", "add", "Cameras", "--parent", "FENCES")

    def code(article_id: int, quote: str, *themes: str) -> int:
        args = ["highlight", str(article_id), "--quote", quote]
        for theme in themes:
            args += ["--theme", theme]
        return int(ok(*args))

    return {"A": code(first, "thermal cameras", "Cameras"),
            "B": code(first, "joint police patrols", "Fences", "Security measures"),
            "C": code(first, "smuggling networks", "Security measures",
                      "Humanitarian concerns"),
            "D": code(second, "thermal cameras", "Humanitarian concerns"),
            "first": first, "second": second}


# The counts of a deleted theme are not shown anywhere (they are counted again when Undo brings
# it back), so only live themes' counts are compared.
SELECT = {"theme_counts": "SELECT c.* FROM theme_counts c JOIN themes t ON t.id = c.theme_id "
                          "WHERE t.deleted = 0"}


def db_state(path: Path) -> dict[str, list]:
    """Every row of every table but the history's, read through a separate connection."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {name: sorted(connection.execute(
                    SELECT.get(name, f'SELECT * FROM "{name}"')).fetchall(), key=repr)
                for name in names if name not in NOT_COMPARED}
    finally:
        connection.close()


def history_labels(path: Path) -> list[tuple[str, bool]]:
    with Archive.open(path) as archive:
        return [(step.label, step.undone) for step in archive.history()]


def themes_json(ok) -> dict[str, dict]:
    return {row["name"]: row for row in json.loads(ok("themes", "--json"))}


def tree(path: Path) -> list[tuple[str, str | None, int]]:
    """(name, parent's name, position) of each live theme, in the codebook's order."""
    with Archive.open(path) as archive:
        themes = archive.list_themes()
    names = {t.id: t.name for t in themes}
    return [(t.name, names.get(t.parent_id), t.position) for t in themes]


def theme_names_of(path: Path, highlight_id: int) -> list[str]:
    with Archive.open(path) as archive:
        return [archive.get_theme(t).name
                for t in archive.get_highlight(highlight_id).theme_ids]


def assert_refused(run, archive_path: Path, row_counts, args: list[str], message: str) -> None:
    """The command fails with one line `error: …MESSAGE…`, exit status 1, and leaves every
    row (and the history) as it was."""
    counts, state = row_counts(archive_path), db_state(archive_path)
    status, out, err = run(*args)
    assert (status, out) == (1, "")
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err, err
    assert row_counts(archive_path) == counts
    assert db_state(archive_path) == state


def assert_undo_restores(ok, archive_path: Path, args: list[str], label: str) -> str:
    """Run a command, undo it (the whole database is as before), redo it (as after)."""
    before = db_state(archive_path)
    out = ok(*args)
    after = db_state(archive_path)
    assert after != before
    assert ok("undo") == f"Undid: {label}\n"
    assert db_state(archive_path) == before
    assert ok("redo") == f"Redid: {label}\n"
    assert db_state(archive_path) == after
    return out


# --- theme add, rename, recolor, describe --------------------------------------------------

def test_theme_add_under_a_parent(ok, archive_path: Path) -> None:
    out = ok("theme", "add", "Fences", "--parent", "security MEASURES", "--color", "#00aa11")
    theme_id = int(out.split("\t")[0])
    assert out == f"{theme_id}\tFences\n"
    ok("theme", "add", "Walls", "--parent", "Security measures")
    with Archive.open(archive_path) as archive:
        fences = archive.get_theme(theme_id)
        parent = archive.theme_by_name("Security measures")
        walls = archive.theme_by_name("walls")
    assert (fences.parent_id, fences.color) == (parent.id, "#00AA11")
    assert walls.parent_id == parent.id and walls.position > fences.position
    assert tree(archive_path)[:3] == [("Security measures", None, 0),
                                      ("Fences", "Security measures", 0),
                                      ("Walls", "Security measures", 1)]


def test_theme_add_under_an_unknown_parent_is_refused(run, ok, archive_path: Path,
                                                      row_counts) -> None:
    ok("themes")  # creates the archive
    assert_refused(run, archive_path, row_counts,
                   ["theme", "add", "Fences", "--parent", "Walls"],
                   "there is no theme called 'Walls'")


def test_theme_rename_and_recolor_and_describe(ok, archive_path: Path) -> None:
    assert ok("theme", "rename", "legal FRAMEWORK", "Law") == (
        "Renamed “Legal framework” to “Law”\n")
    assert ok("theme", "recolor", "law", "#a1b2c3") == (
        "Recoloured “Law” from #FF9114 to #A1B2C3\n")
    assert ok("theme", "describe", "Law", "  Statutes and treaties ") == (
        "Described “Law”: Statutes and treaties\n")
    with Archive.open(archive_path) as archive:
        law = archive.theme_by_name("LAW")
        assert (law.name, law.color, law.description) == (
            "Law", "#A1B2C3", "Statutes and treaties")
        assert "Legal framework" not in [t.name for t in archive.list_themes()]
    assert ok("theme", "describe", "Law", "") == "Cleared the description of “Law”\n"
    assert themes_json(ok)["Law"]["description"] == ""
    assert [label for label, _ in history_labels(archive_path)] == [
        "Describe theme", "Describe theme", "Recolour theme", "Rename theme"]


@pytest.mark.parametrize("args, message", [
    (["theme", "rename", "Nope", "Anything"], "there is no theme called 'Nope'"),
    (["theme", "rename", "Legal framework", "security measures"], "already exists"),
    (["theme", "rename", "Legal framework", "   "], "needs a name"),
    (["theme", "recolor", "Legal framework", "crimson"], "#RRGGBB"),
    (["theme", "recolor", "Legal framework", "#12345"], "#RRGGBB"),
    (["theme", "describe", "Nope", "text"], "no theme called 'Nope'"),
    (["theme", "pin", "Nope", "3"], "no theme called 'Nope'"),
], ids=["unknown", "taken-name", "empty-name", "colour-word", "short-colour",
        "describe-unknown", "pin-unknown"])
def test_theme_edits_refused(run, ok, archive_path: Path, row_counts, args: list[str],
                             message: str) -> None:
    ok("themes")  # creates the archive
    assert_refused(run, archive_path, row_counts, args, message)


# --- theme merge ---------------------------------------------------------------------------

def test_theme_merge(ok, coded: dict[str, int], archive_path: Path) -> None:
    before = themes_json(ok)
    assert (before["Humanitarian concerns"]["highlight_count"],
            before["Security measures"]["highlight_count"]) == (2, 2)

    out = ok("theme", "merge", "humanitarian CONCERNS", "Security measures")
    # C had both themes: it is counted once. B, C and D are coded "Security measures" now.
    assert out == ("Merged “Humanitarian concerns” into “Security measures” "
                   "(3 passages now coded “Security measures”)\n")
    after = themes_json(ok)
    assert "Humanitarian concerns" not in after
    merged = after["Security measures"]
    assert (merged["highlight_count"], merged["article_count"]) == (3, 2)
    assert (merged["total_highlights"], merged["total_articles"]) == (4, 2)
    assert theme_names_of(archive_path, coded["C"]) == ["Security measures"]
    assert theme_names_of(archive_path, coded["D"]) == ["Security measures"]
    assert theme_names_of(archive_path, coded["A"]) == ["Cameras"]
    assert history_labels(archive_path)[0] == ("Merge themes", False)


def test_theme_merge_moves_sub_themes(ok, coded: dict[str, int], archive_path: Path) -> None:
    out = ok("theme", "merge", "Fences", "Legal framework")
    assert out == ("Merged “Fences” into “Legal framework” (1 passage now coded "
                   "“Legal framework”); 1 sub-theme moved under it\n")
    assert ("Cameras", "Legal framework", 0) in tree(archive_path)
    assert theme_names_of(archive_path, coded["B"]) == ["Security measures",
                                                        "Legal framework"]


def test_undo_theme_merge(ok, coded: dict[str, int], archive_path: Path) -> None:
    assert_undo_restores(ok, archive_path, ["theme", "merge", "Fences", "Humanitarian concerns"],
                         "Merge themes")
    assert theme_names_of(archive_path, coded["B"]) == ["Security measures",
                                                        "Humanitarian concerns"]
    assert ok("undo") == "Undid: Merge themes\n"
    assert theme_names_of(archive_path, coded["B"]) == ["Security measures", "Fences"]
    assert tree(archive_path)[:3] == [("Security measures", None, 0),
                                      ("Fences", "Security measures", 0),
                                      ("Cameras", "Fences", 0)]


@pytest.mark.parametrize("args, message", [
    (["theme", "merge", "Security measures", "Cameras"],
     "“Security measures” cannot be merged into its own sub-theme “Cameras”"),
    (["theme", "merge", "Fences", "fences"], "cannot be merged into itself"),
    (["theme", "merge", "Fences", "Walls"], "there is no theme called 'Walls'"),
    (["theme", "merge", "Walls", "Fences"], "there is no theme called 'Walls'"),
], ids=["into-descendant", "into-itself", "unknown-target", "unknown-source"])
def test_theme_merge_refused(run, coded: dict[str, int], archive_path: Path, row_counts,
                             args: list[str], message: str) -> None:
    assert_refused(run, archive_path, row_counts, args, message)


# --- theme delete --------------------------------------------------------------------------

def test_theme_delete_moves_sub_themes_up(ok, coded: dict[str, int],
                                          archive_path: Path) -> None:
    out = assert_undo_restores(ok, archive_path, ["theme", "delete", "Fences"], "Delete theme")
    assert out == ("Deleted theme “Fences” (taken off 1 passage, which stay); its 1 sub-theme "
                   "moved up to its place\n")
    assert tree(archive_path)[:3] == [("Security measures", None, 0),
                                      ("Cameras", "Security measures", 0),
                                      ("Humanitarian concerns", None, 1)]
    assert theme_names_of(archive_path, coded["B"]) == ["Security measures"]
    with Archive.open(archive_path) as archive:
        assert len(archive.list_highlights()) == 4


def test_theme_delete_with_its_sub_themes(ok, coded: dict[str, int],
                                          archive_path: Path) -> None:
    out = assert_undo_restores(ok, archive_path,
                               ["theme", "delete", "security measures", "--children", "delete"],
                               "Delete theme")
    assert out == ("Deleted theme “Security measures” with its 2 sub-themes "
                   "(taken off 3 passages, which stay)\n")  # A, B and C
    names = [name for name, _, _ in tree(archive_path)]
    assert not {"Security measures", "Fences", "Cameras"} & set(names)
    assert len(names) == 7
    assert theme_names_of(archive_path, coded["A"]) == []  # an uncoded highlight now
    assert theme_names_of(archive_path, coded["C"]) == ["Humanitarian concerns"]
    with Archive.open(archive_path) as archive:
        assert len(archive.list_highlights()) == 4


def test_theme_delete_refused(run, coded: dict[str, int], archive_path: Path,
                              row_counts) -> None:
    assert_refused(run, archive_path, row_counts, ["theme", "delete", "Walls"],
                   "there is no theme called 'Walls'")


def test_theme_delete_children_must_be_a_known_choice(capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["theme", "delete", "Fences", "--children", "keep"])
    assert exited.value.code == 2
    assert "--children" in capsys.readouterr().err


# --- theme move ----------------------------------------------------------------------------

def test_theme_move(ok, coded: dict[str, int], archive_path: Path) -> None:
    out = assert_undo_restores(ok, archive_path,
                               ["theme", "move", "Cameras", "--top", "--position", "2"],
                               "Move theme")
    assert out == "Moved “Cameras” to the top level, position 2 of 9\n"
    top = [name for name, parent, _ in tree(archive_path) if parent is None]
    assert top[:3] == ["Security measures", "Cameras", "Humanitarian concerns"]

    # Without --position it goes last among its new siblings; its sub-themes go with it.
    assert ok("theme", "move", "Security measures", "--parent", "legal framework") == (
        "Moved “Security measures” under “Legal framework”, position 1 of 1\n")
    assert ok("theme", "move", "Economic impact", "--parent", "Legal framework") == (
        "Moved “Economic impact” under “Legal framework”, position 2 of 2\n")
    assert ok("theme", "move", "economic impact", "--parent", "Legal framework",
              "--position", "1") == (
        "Moved “Economic impact” under “Legal framework”, position 1 of 2\n")
    assert ok("theme", "move", "Humanitarian concerns", "--top", "--position", "99") == (
        "Moved “Humanitarian concerns” to the top level, position 7 of 7\n")
    assert tree(archive_path) == [
        ("Cameras", None, 0), ("Political responsibility", None, 1),
        ("Legal framework", None, 2), ("Economic impact", "Legal framework", 0),
        ("Security measures", "Legal framework", 1), ("Fences", "Security measures", 0),
        ("Personal testimony", None, 3), ("Numbers and statistics", None, 4),
        ("Public opinion and protest", None, 5), ("Humanitarian concerns", None, 6)]
    totals = themes_json(ok)["Legal framework"]
    assert (totals["highlight_count"], totals["total_highlights"]) == (0, 2)


def test_undo_theme_move_under_a_parent(ok, coded: dict[str, int], archive_path: Path) -> None:
    assert_undo_restores(ok, archive_path, ["theme", "move", "Fences", "--parent",
                                            "Humanitarian concerns"], "Move theme")
    assert ("Fences", "Humanitarian concerns", 0) in tree(archive_path)
    assert themes_json(ok)["Humanitarian concerns"]["total_highlights"] == 4


@pytest.mark.parametrize("args, message", [
    (["theme", "move", "Security measures", "--parent", "Cameras"],
     "“Security measures” cannot go under one of its own sub-themes"),
    (["theme", "move", "Fences", "--parent", "Fences"], "cannot go under one of its own"),
    (["theme", "move", "Fences", "--parent", "Walls"], "there is no theme called 'Walls'"),
    (["theme", "move", "Walls", "--top"], "there is no theme called 'Walls'"),
], ids=["under-descendant", "under-itself", "unknown-parent", "unknown-theme"])
def test_theme_move_refused(run, coded: dict[str, int], archive_path: Path, row_counts,
                            args: list[str], message: str) -> None:
    assert_refused(run, archive_path, row_counts, args, message)


@pytest.mark.parametrize("args", [
    ["theme", "move", "Fences"],
    ["theme", "move", "Fences", "--top", "--parent", "Legal framework"],
    ["theme", "move", "Fences", "--top", "--position", "0"],
], ids=["no-destination", "two-destinations", "position-zero"])
def test_theme_move_usage_errors(capsys, args: list[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 2
    assert "error:" in capsys.readouterr().err


# --- theme pin and unpin -------------------------------------------------------------------

def test_theme_pin_and_unpin(ok, archive_path: Path) -> None:
    keys = {name: row["key"] for name, row in themes_json(ok).items()}
    assert keys["Security measures"] == 1 and keys["Legal framework"] == 5

    assert ok("theme", "pin", "legal framework", "1") == "Pinned “Legal framework” to key 1\n"
    after = themes_json(ok)
    assert (after["Legal framework"]["key"], after["Legal framework"]["pinned"]) == (1, True)
    assert (after["Security measures"]["key"], after["Security measures"]["pinned"]) == (
        2, False)

    assert ok("theme", "pin", "Economic impact", "1") == (
        "Pinned “Economic impact” to key 1 (taken from “Legal framework”)\n")
    with Archive.open(archive_path) as archive:
        assert archive.theme_by_name("Economic impact").shortcut == 1
        assert archive.theme_by_name("Legal framework").shortcut is None

    assert ok("theme", "unpin", "Economic impact") == "Unpinned “Economic impact” from key 1\n"
    with Archive.open(archive_path) as archive:
        assert all(t.shortcut is None for t in archive.list_themes())
    assert themes_json(ok)["Security measures"]["key"] == 1

    steps = len(history_labels(archive_path))
    assert ok("theme", "unpin", "Economic impact") == (
        "“Economic impact” was not pinned to a key\n")
    assert len(history_labels(archive_path)) == steps  # nothing changed, no step
    assert history_labels(archive_path)[0] == ("Pin theme to key", False)


@pytest.mark.parametrize("key", ["0", "10", "x"])
def test_theme_pin_takes_keys_1_to_9(capsys, key: str) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["theme", "pin", "Legal framework", key])
    assert exited.value.code == 2
    assert "KEY" in capsys.readouterr().err


# --- themes (the listing) ------------------------------------------------------------------

def test_themes_json_has_parents_and_counts(ok, coded: dict[str, int]) -> None:
    rows = json.loads(ok("themes", "--json"))
    assert [r["name"] for r in rows[:4]] == ["Security measures", "Fences", "Cameras",
                                             "Humanitarian concerns"]
    for row in rows:
        assert set(row) == {"id", "name", "color", "description", "parent", "key", "pinned",
                            "highlight_count", "article_count", "total_highlights",
                            "total_articles"}
    counts = {r["name"]: (r["parent"], r["highlight_count"], r["article_count"],
                          r["total_highlights"], r["total_articles"]) for r in rows}
    assert counts["Security measures"] == (None, 2, 1, 3, 1)  # B, C; with A below
    assert counts["Fences"] == ("Security measures", 1, 1, 2, 1)
    assert counts["Cameras"] == ("Fences", 1, 1, 1, 1)
    assert counts["Humanitarian concerns"] == (None, 2, 2, 2, 2)
    assert counts["Legal framework"] == (None, 0, 0, 0, 0)


def test_themes_text_is_an_indented_tree(ok, coded: dict[str, int],
                                         archive_path: Path) -> None:
    lines = ok("themes").splitlines()
    assert len(lines) == 10
    with Archive.open(archive_path) as archive:
        ids = {t.name: t.id for t in archive.list_themes()}
    assert lines[0].split("\t")[:6] == [
        str(ids["Security measures"]), "#FFDC46", "1", "2 (3 with sub-themes)",
        "1 (1 with sub-themes)", "Security measures"]
    assert lines[1].split("\t")[2:] == ["2", "1 (2 with sub-themes)", "1 (1 with sub-themes)",
                                        "  Fences", ""]
    assert lines[2].split("\t")[2:] == ["3", "1", "1", "    Cameras", ""]
    assert lines[3].split("\t")[2:6] == ["4", "2", "2", "Humanitarian concerns"]
    assert lines[9].split("\t")[2:6] == ["-", "0", "0", "Public opinion and protest"]


# --- article tags and flags ----------------------------------------------------------------

def article_row(ok, article_id: int) -> dict:
    return next(row for row in json.loads(ok("list", "--json")) if row["id"] == article_id)


def test_tag_and_untag(ok, article_ids: tuple[int, int], archive_path: Path) -> None:
    first, second = article_ids
    assert ok("tag", str(first), "Border  policy", "ports", "PORTS") == (
        f"Tagged article {first} with “Border policy”, “ports” (tags: Border policy, ports)\n")
    assert ok("tag", str(second), "Ports") == (
        f"Tagged article {second} with “ports” (tags: ports)\n")
    assert article_row(ok, first)["tags"] == ["Border policy", "ports"]
    with Archive.open(archive_path) as archive:
        assert archive.get_article(second).tags == ("ports",)
        assert archive.list_tags() == [("Border policy", 1), ("ports", 2)]
    assert ok("tag", str(first), "PORTS") == (
        f"Article {first} already had “PORTS” (tags: Border policy, ports)\n")

    assert ok("untag", str(first), "border policy", "unknown") == (
        f"Untagged article {first}: “Border policy” (tags: ports)\n")
    assert ok("untag", str(second), "ports") == (
        f"Untagged article {second}: “ports” (tags: none)\n")
    assert ok("untag", str(second), "ports") == (
        f"Article {second} had no tag “ports” (tags: none)\n")
    with Archive.open(archive_path) as archive:
        assert archive.list_tags() == [("ports", 1)]  # "Border policy" is on no article now
    assert article_row(ok, second)["tags"] == []


def test_undo_tag_and_untag(ok, article_ids: tuple[int, int], archive_path: Path) -> None:
    first, second = article_ids
    ok("tag", str(first), "ports")
    ok("tag", str(second), "ports")
    # A new tag name ("Fresh") comes and goes with the step.
    assert_undo_restores(ok, archive_path, ["tag", str(first), "Fresh", "ports"],
                         "Tag article")
    # "ports" stays on the second article. (Redoing an untag that takes a tag off its last
    # article is refused by the core's replay: see the report on this change.)
    assert_undo_restores(ok, archive_path, ["untag", str(first), "ports"], "Untag article")
    with Archive.open(archive_path) as archive:
        assert archive.list_tags() == [("Fresh", 1), ("ports", 1)]
        assert archive.get_article(first).tags == ("Fresh",)
    assert ok("undo") == "Undid: Untag article\n"
    assert ok("undo") == "Undid: Tag article\n"
    with Archive.open(archive_path) as archive:
        assert archive.list_tags() == [("ports", 2)]


@pytest.mark.parametrize("command, field, value, message", [
    ("star", "starred", True, "Starred article {}"),
    ("read", "read", True, "Marked article {} as read"),
])
def test_star_and_read(ok, article_ids: tuple[int, int], archive_path: Path, command: str,
                       field: str, value: bool, message: str) -> None:
    first, second = article_ids
    title = article_row(ok, first)["title"]
    named = f"{first} “{title}”"
    assert ok(command, str(first)) == message.format(named) + "\n"
    assert (article_row(ok, first)[field], article_row(ok, second)[field]) == (True, False)
    with Archive.open(archive_path) as archive:
        assert getattr(archive.get_article(first), field) is True

    steps = history_labels(archive_path)
    state = "starred" if command == "star" else "read"
    assert ok(command, str(first)) == f"Article {named} was already {state}\n"
    assert history_labels(archive_path) == steps

    opposite = "un" + command
    done = "Unstarred article {}" if command == "star" else "Marked article {} as unread"
    assert ok(opposite, str(first)) == done.format(named) + "\n"
    assert article_row(ok, first)[field] is False
    already = "not starred" if command == "star" else "unread"
    assert ok(opposite, str(first)) == f"Article {named} was already {already}\n"
    assert ok("undo") == f"Undid: {'Unstar article' if command == 'star' else 'Mark unread'}\n"
    assert article_row(ok, first)[field] is True


@pytest.mark.parametrize("args", [
    ["tag", "42", "ports"], ["untag", "42", "ports"], ["star", "42"], ["unstar", "42"],
    ["read", "42"], ["unread", "42"], ["delete", "42"], ["edit", "42", "--title", "T"],
    ["edit", "42", "--memo", "M"],
])
def test_unknown_article_is_refused(run, article_ids: tuple[int, int], archive_path: Path,
                                    row_counts, args: list[str]) -> None:
    assert_refused(run, archive_path, row_counts, args, "there is no article 42")


def test_tag_refused(run, article_ids: tuple[int, int], archive_path: Path,
                     row_counts) -> None:
    first, _ = article_ids
    assert_refused(run, archive_path, row_counts, ["tag", str(first), "ok", "x" * 61],
                   "at most 60 characters")
    assert_refused(run, archive_path, row_counts, ["tag", str(first), "  "], "needs a name")


# --- notes and highlights ------------------------------------------------------------------

def test_note_and_unhighlight(ok, coded: dict[str, int], archive_path: Path) -> None:
    assert ok("note", str(coded["B"]), "Three patrols a day") == (
        f"Set the note of highlight {coded['B']} (“joint police patrols”)\n")
    with Archive.open(archive_path) as archive:
        assert archive.get_highlight(coded["B"]).note == "Three patrols a day"
    assert ok("note", str(coded["B"]), "") == (
        f"Cleared the note of highlight {coded['B']} (“joint police patrols”)\n")
    with Archive.open(archive_path) as archive:
        assert archive.get_highlight(coded["B"]).note == ""

    out = assert_undo_restores(ok, archive_path, ["unhighlight", str(coded["C"])],
                               "Delete highlight")
    assert out == (f"Deleted highlight {coded['C']} of article {coded['first']} "
                   "(“smuggling networks”)\n")
    with Archive.open(archive_path) as archive:
        assert [h.id for h in archive.list_highlights()] == [coded["A"], coded["B"],
                                                             coded["D"]]
    themes = themes_json(ok)
    assert themes["Humanitarian concerns"]["highlight_count"] == 1
    assert themes["Security measures"]["total_highlights"] == 2


@pytest.mark.parametrize("args", [["note", "99", "text"], ["unhighlight", "99"]])
def test_unknown_highlight_is_refused(run, coded: dict[str, int], archive_path: Path,
                                      row_counts, args: list[str]) -> None:
    assert_refused(run, archive_path, row_counts, args, "there is no highlight 99")


def test_highlights_json_says_which_are_orphaned(ok, coded: dict[str, int],
                                                 archive_path: Path) -> None:
    rows = json.loads(ok("highlights", "--json"))
    assert [row["orphaned"] for row in rows] == [False] * 4
    # Only re-extraction orphans a highlight; mark one directly, as it would.
    connection = sqlite3.connect(archive_path)
    with connection:
        connection.execute("UPDATE highlights SET orphaned = 1 WHERE id = ?", [coded["B"]])
    connection.close()
    rows = {row["id"]: row["orphaned"] for row in json.loads(ok("highlights", "--json"))}
    assert rows == {coded["A"]: False, coded["B"]: True, coded["C"]: False, coded["D"]: False}
    lines = ok("highlights", "--article", str(coded["first"])).splitlines()
    assert lines[1].split("\t")[0] == str(coded["B"])
    assert lines[1].endswith("\tjoint police patrols\t(orphaned)")
    assert lines[0].endswith("\tthermal cameras")


# --- delete and edit articles --------------------------------------------------------------

def test_delete_article(ok, coded: dict[str, int], archive_path: Path) -> None:
    title = article_row(ok, coded["first"])["title"]
    out = assert_undo_restores(ok, archive_path, ["delete", str(coded["first"])],
                               "Delete article")
    assert out == f"Deleted article {coded['first']} “{title}” and its 3 highlights\n"
    assert [row["id"] for row in json.loads(ok("list", "--json"))] == [coded["second"]]
    with Archive.open(archive_path) as archive:
        assert [h.id for h in archive.list_highlights()] == [coded["D"]]
    themes = themes_json(ok)
    assert themes["Security measures"]["total_highlights"] == 0
    assert themes["Humanitarian concerns"]["highlight_count"] == 1


def test_edit_article(ok, article_ids: tuple[int, int], archive_path: Path) -> None:
    first, _ = article_ids
    original = json.loads(ok("show", str(first), "--json"))
    out = ok("edit", str(first), "--title", " Port pact  signed ", "--author", "A. Writer",
             "--author", "B. Writer", "--site-name", "Ledger", "--published", "2024-03-15",
             "--memo", "Check the figures")
    assert out == (f"Edited article {first} “Port pact signed”: title, authors, site name, "
                   "published, memo\n")
    shown = json.loads(ok("show", str(first), "--json"))
    assert (shown["title"], shown["authors"], shown["site_name"], shown["published"],
            shown["memo"]) == ("Port pact signed", ["A. Writer", "B. Writer"], "Ledger",
                               "2024-03-15", "Check the figures")
    assert shown["extracted"]["title"] == original["title"]
    assert shown["extracted"]["authors"] == original["authors"]
    assert shown["text"] == original["text"]
    assert [label for label, _ in history_labels(archive_path)[:2]] == [
        "Edit article memo", "Edit article details"]

    assert ok("edit", str(first), "--title", "Port pact signed") == (
        f"Article {first} “Port pact signed” already had these details; nothing changed\n")
    assert ok("edit", str(first), "--author", "", "--published", "") == (
        f"Edited article {first} “Port pact signed”: authors, published\n")
    shown = json.loads(ok("show", str(first), "--json"))
    assert (shown["authors"], shown["published"]) == ([], None)


def test_undo_edit_article(ok, article_ids: tuple[int, int], archive_path: Path) -> None:
    first, _ = article_ids
    before = db_state(archive_path)
    ok("edit", str(first), "--memo", "First memo")
    with_memo = db_state(archive_path)
    assert_undo_restores(ok, archive_path, ["edit", str(first), "--title", "Corrected",
                                            "--published", "2020-02-02"],
                         "Edit article details")
    assert ok("undo") == "Undid: Edit article details\n"
    assert db_state(archive_path) == with_memo
    assert ok("undo") == "Undid: Edit article memo\n"
    assert db_state(archive_path) == before


@pytest.mark.parametrize("args, message", [
    (["--published", "2024-13-01"], "'2024-13-01' is not a date of the form YYYY-MM-DD"),
    (["--published", "14 March 2024", "--memo", "not saved either"], "YYYY-MM-DD"),
    (["--title", "  "], "an article needs a title"),
    ([], "nothing to edit"),
], ids=["bad-date", "bad-date-with-memo", "empty-title", "nothing"])
def test_edit_refused(run, article_ids: tuple[int, int], archive_path: Path, row_counts,
                      args: list[str], message: str) -> None:
    assert_refused(run, archive_path, row_counts, ["edit", str(article_ids[0]), *args],
                   message)


def test_show_reports_tags_flags_and_memo(ok, article_ids: tuple[int, int]) -> None:
    first, _ = article_ids
    ok("tag", str(first), "ports", "Border policy")
    ok("star", str(first))
    ok("edit", str(first), "--memo", "Compare with the 2023 pact")
    shown = json.loads(ok("show", str(first), "--json"))
    assert (shown["tags"], shown["starred"], shown["read"], shown["memo"]) == (
        ["Border policy", "ports"], True, False, "Compare with the 2023 pact")
    text = ok("show", str(first))
    header = text.split("\n\n")[0].splitlines()
    assert header[-4:] == ["tags: Border policy, ports", "starred: yes", "read: no",
                           "memo: Compare with the 2023 pact"]


def test_reextract_reanchors_and_reports(ok, run, coded, archive_path: Path) -> None:
    # An older extraction: a line of furniture before the text moves every offset.
    with Archive.open(archive_path) as archive:
        text = archive.article_text(1)
        archive.db.execute("UPDATE article_contents SET text = ? WHERE article_id = 1",
                           ["Subscribe for more\n" + text])
        archive.db.execute("UPDATE highlights SET start = start + 19, \"end\" = \"end\" + 19 "
                           "WHERE article_id = 1")
        archive.db.conn.commit()
    out = ok("reextract", "1")
    assert out.startswith("1\tre-extracted, 3 highlights in place")
    with Archive.open(archive_path) as archive:
        assert archive.article_text(1) == text
        highlight = archive.get_highlight(coded["A"])
        assert text[highlight.start:highlight.end] == "thermal cameras"
    report = json.loads(ok("reextract", "--all", "--json"))
    assert [(item["id"], item["orphaned"]) for item in report] == [(2, []), (1, [])]
    assert ok("undo") == "Undid: Re-extract article\n"


@pytest.mark.parametrize("args, message", [
    ((), "name the articles"), (("1", "--all"), "name the articles"),
    (("99",), "no article 99")])
def test_reextract_refused(run, article_ids, args, message) -> None:
    status, out, err = run("reextract", *args)
    assert status == 1 and message in err and out == ""
