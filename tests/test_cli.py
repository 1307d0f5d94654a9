"""`gleaner <command>`: the command line over the core, driven through gleaner.__main__.main."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from gleaner.__main__ import main
from gleaner.core.anchoring import find_occurrences
from gleaner.core.archive import Archive

SAMPLE_TITLE = ("France and Belgium sign port security pact as aid groups warn of camp "
                "conditions")


@pytest.fixture
def run(capsys, archive_path: Path):
    """run(*args) -> (exit status, stdout, stderr), against a temporary archive."""

    def invoke(*args: str, archive: Path | None = archive_path) -> tuple[int, str, str]:
        argv = (["--archive", str(archive)] if archive else []) + list(args)
        status = main(argv)
        out, err = capsys.readouterr()
        return status, out, err

    return invoke


@pytest.fixture
def sample_id(run, sample_article_path: Path) -> int:
    status, out, err = run("add", str(sample_article_path))
    assert (status, err) == (0, "")
    return int(out.split("\t")[0])


def load(out: str):
    return json.loads(out)


def article_text(archive_path: Path, article_id: int) -> str:
    with Archive.open(archive_path) as archive:
        return archive.get_article(article_id).text


# --- add ---------------------------------------------------------------------------------------

def test_add_local_file(run, sample_article_path: Path, archive_path: Path) -> None:
    status, out, err = run("add", str(sample_article_path))
    assert status == 0
    assert err == ""
    assert re.fullmatch(r"\d+\t" + re.escape(SAMPLE_TITLE) + "\n", out)
    article_id = int(out.split("\t")[0])
    with Archive.open(archive_path) as archive:
        article = archive.get_article(article_id)
        assert article.title == SAMPLE_TITLE
        assert article.url == "https://harbour-ledger.example/world/2024/port-security-pact"
        assert article.url_requested == sample_article_path.resolve().as_uri()
        assert archive.original_html(article_id) == sample_article_path.read_bytes()


def test_add_twice_notes_the_existing_article(run, sample_id: int,
                                              sample_article_path: Path, row_counts,
                                              archive_path: Path) -> None:
    status, out, err = run("add", str(sample_article_path))
    assert status == 0
    assert out == f"{sample_id}\t{SAMPLE_TITLE}\n"
    assert f"already saved as #{sample_id}" in err
    assert row_counts(archive_path)["articles"] == 1


def test_add_json(run, sample_article_path: Path) -> None:
    status, out, _ = run("add", "--json", str(sample_article_path))
    assert status == 0
    assert load(out) == [{"id": 1, "title": SAMPLE_TITLE, "created": True}]


def test_add_missing_file(run, sample_id: int, tmp_path: Path, archive_path: Path,
                          snapshot) -> None:
    missing = str(tmp_path / "missing.html")
    with Archive.open(archive_path) as archive:
        before = snapshot(archive)
    status, out, err = run("add", missing)
    assert status == 1
    assert out == ""
    assert err == f"error: {missing}: no such file\n"
    with Archive.open(archive_path) as archive:
        assert snapshot(archive) == before


def test_add_keeps_going_after_a_failure(run, sample_article_path: Path, tmp_path: Path,
                                         archive_path: Path) -> None:
    missing = str(tmp_path / "missing.html")
    status, out, err = run("add", missing, str(sample_article_path))
    assert status == 1
    assert out.endswith(f"\t{SAMPLE_TITLE}\n")
    assert err.startswith(f"error: {missing}:")
    with Archive.open(archive_path) as archive:
        assert len(archive.list_articles()) == 1


@pytest.mark.parametrize("content", [
    random.Random(5).randbytes(4096),
    b"<html><head><title>Moved</title><meta http-equiv='refresh' content='0;url=/x'></head>"
    b"</html>",
    b"<html><body><nav>menu</nav></body></html>",
], ids=["random-bytes", "head-only", "menu-only"])
def test_add_broken_file_is_a_clean_error(run, tmp_path: Path, archive_path: Path,
                                          content: bytes) -> None:
    """A page with no article is reported as `error: …` with status 1, not a traceback."""
    path = tmp_path / "broken.html"
    path.write_bytes(content)
    status, out, err = run("add", str(path))
    assert status == 1
    assert out == ""
    assert err.startswith(f"error: {path}: ")
    with Archive.open(archive_path) as archive:
        assert archive.is_empty()


def test_archive_from_environment(run, monkeypatch, tmp_path: Path,
                                  sample_article_path: Path) -> None:
    env_path = tmp_path / "from-env.gleaner"
    monkeypatch.setenv("GLEANER_ARCHIVE", str(env_path))
    status, out, _ = run("add", str(sample_article_path), archive=None)
    assert status == 0
    assert out.endswith(f"\t{SAMPLE_TITLE}\n")
    with Archive.open(env_path) as archive:
        assert [a.title for a in archive.list_articles()] == [SAMPLE_TITLE]
    status, out, _ = run("list", "--json", archive=None)
    assert [row["title"] for row in load(out)] == [SAMPLE_TITLE]


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == "gleaner 0.1.0"


# --- list and show -----------------------------------------------------------------------------

def test_list_json(run, sample_id: int, archive_path: Path) -> None:
    status, out, _ = run("list", "--json")
    assert status == 0
    rows = load(out)
    assert len(rows) == 1
    row = rows[0]
    assert set(row) == {"id", "url", "title", "byline", "site_name", "published", "saved_at",
                        "word_count", "highlight_count", "tags", "starred", "read"}
    assert row["id"] == sample_id
    assert row["url"] == "https://harbour-ledger.example/world/2024/port-security-pact"
    assert row["title"] == SAMPLE_TITLE
    assert row["byline"] == "Margot Delacroix-Hale"
    assert row["site_name"] == "The Harbour Ledger"
    assert row["published"] == "2024-03-14"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", row["saved_at"])
    assert row["word_count"] == len(article_text(archive_path, sample_id).split())
    assert row["highlight_count"] == 0


def test_list_text(run, sample_id: int) -> None:
    status, out, _ = run("list")
    assert status == 0
    assert out == (f"{sample_id}\t2024-03-14\tThe Harbour Ledger\t{SAMPLE_TITLE}\t"
                   "0 highlights\n")


def test_list_empty_archive(run) -> None:
    assert run("list", "--json")[:2] == (0, "[]\n")
    assert run("list")[:2] == (0, "")


def test_show_json_text_is_the_archived_text(run, sample_id: int, archive_path: Path) -> None:
    status, out, _ = run("show", str(sample_id), "--json")
    assert status == 0
    info = load(out)
    assert info["text"] == article_text(archive_path, sample_id)
    assert info["id"] == sample_id
    assert info["title"] == SAMPLE_TITLE
    assert info["published"] == "2024-03-14"
    assert info["authors"] == ["Margot Delacroix-Hale"]
    assert info["highlight_count"] == 0


def test_show_text(run, sample_id: int, archive_path: Path) -> None:
    status, out, _ = run("show", str(sample_id))
    assert status == 0
    assert out.startswith(f"title: {SAMPLE_TITLE}\n")
    assert "\npublished: 2024-03-14\n" in out
    assert out.endswith("\n\n" + article_text(archive_path, sample_id) + "\n")


def test_show_unknown_article(run, sample_id: int) -> None:
    status, out, err = run("show", "999")
    assert (status, out) == (1, "")
    assert err == "error: there is no article 999\n"


# --- themes ------------------------------------------------------------------------------------

def test_themes_json(run) -> None:
    status, out, _ = run("themes", "--json")
    assert status == 0
    themes = load(out)
    assert len(themes) == 8
    assert [t["name"] for t in themes[:2]] == ["Security measures", "Humanitarian concerns"]
    for theme in themes:
        assert set(theme) == {"id", "name", "color", "description", "parent", "key", "pinned",
                              "highlight_count", "article_count", "total_highlights",
                              "total_articles"}
        assert theme["parent"] is None and theme["pinned"] is False
        assert re.fullmatch(r"#[0-9A-F]{6}", theme["color"])
        assert theme["description"]


def test_theme_add(run) -> None:
    status, out, err = run("theme", "add", "Media framing", "--color", "#12ab9f",
                           "--description", "How the story is told")
    assert (status, err) == (0, "")
    theme_id, name = out.rstrip("\n").split("\t")
    assert name == "Media framing"
    themes = load(run("themes", "--json")[1])
    assert themes[-1] == {"id": int(theme_id), "name": "Media framing", "color": "#12AB9F",
                          "description": "How the story is told", "parent": None,
                          "key": 9, "pinned": False, "highlight_count": 0,
                          "article_count": 0, "total_highlights": 0, "total_articles": 0}


@pytest.mark.parametrize("args, message", [
    (["theme", "add", "SECURITY measures"], "already exists"),
    (["theme", "add", "Crimson", "--color", "crimson"], "#RRGGBB"),
])
def test_theme_add_refused(run, args: list[str], message: str) -> None:
    status, out, err = run(*args)
    assert (status, out) == (1, "")
    assert err.startswith("error: ") and message in err
    assert len(load(run("themes", "--json")[1])) == 8


# --- highlight and highlights ------------------------------------------------------------------

QUOTE = "promising new fencing, thermal cameras and joint police patrols"


def test_highlight_and_list(run, sample_id: int, archive_path: Path) -> None:
    status, out, err = run("highlight", str(sample_id), "--quote", QUOTE,
                           "--theme", "security measures", "--theme", "Humanitarian concerns",
                           "--note", "Three measures in one line")
    assert (status, err) == (0, "")
    highlight_id = int(out)

    status, out, _ = run("highlights", "--json")
    assert status == 0
    rows = load(out)
    assert len(rows) == 1
    row = rows[0]
    assert row["id"] == highlight_id
    assert row["article_id"] == sample_id
    assert row["quote"] == QUOTE
    assert row["themes"] == ["Security measures", "Humanitarian concerns"]
    assert row["note"] == "Three measures in one line"
    text = article_text(archive_path, sample_id)
    assert text[row["start"]:row["end"]] == QUOTE
    assert row["start"] == text.index(QUOTE)

    listed = load(run("list", "--json")[1])
    assert listed[0]["highlight_count"] == 1
    themes = {t["name"]: t for t in load(run("themes", "--json")[1])}
    assert themes["Security measures"]["highlight_count"] == 1


def test_highlight_json(run, sample_id: int) -> None:
    status, out, _ = run("highlight", str(sample_id), "--quote", "  " + QUOTE + " ",
                         "--theme", "Legal framework", "--json")
    assert status == 0
    row = load(out)
    assert row["quote"] == QUOTE
    assert row["themes"] == ["Legal framework"]


def test_ambiguous_quote(run, sample_id: int, archive_path: Path) -> None:
    text = article_text(archive_path, sample_id)
    occurrences = find_occurrences(text, "the port")
    assert len(occurrences) > 2
    status, out, err = run("highlight", str(sample_id), "--quote", "the port",
                           "--theme", "Security measures")
    assert (status, out) == (1, "")
    assert "--occurrence" in err
    assert f"occurs {len(occurrences)} times" in err
    assert load(run("highlights", "--json")[1]) == []

    status, out, _ = run("highlight", str(sample_id), "--quote", "the port",
                         "--theme", "Security measures", "--occurrence", "2")
    assert status == 0
    row = load(run("highlights", "--json")[1])[0]
    assert (row["start"], row["end"]) == (occurrences[1], occurrences[1] + len("the port"))

    status, _, err = run("highlight", str(sample_id), "--quote", "the port",
                         "--theme", "Security measures", "--occurrence", "99")
    assert status == 1
    assert "no occurrence 99" in err
    assert len(load(run("highlights", "--json")[1])) == 1


@pytest.mark.parametrize("args, message", [
    (["--quote", "a sentence that is not there", "--theme", "Security measures"],
     "does not occur"),
    (["--quote", QUOTE, "--theme", "No such theme"], "no theme called 'No such theme'"),
    (["--quote", QUOTE, "--theme", "Security measures", "--theme", "Nope"], "Nope"),
])
def test_highlight_refused(run, sample_id: int, args: list[str], message: str) -> None:
    status, out, err = run("highlight", str(sample_id), *args)
    assert (status, out) == (1, "")
    assert err.startswith("error: ") and message in err
    assert load(run("highlights", "--json")[1]) == []


def test_highlight_unknown_article(run, sample_id: int) -> None:
    status, _, err = run("highlight", "42", "--quote", QUOTE, "--theme", "Security measures")
    assert status == 1
    assert "no article 42" in err


def test_highlights_filters(run, sample_id: int, tmp_path: Path,
                            sample_article_path: Path) -> None:
    # A second article: a copy of the sample that names a different canonical address.
    copy = tmp_path / "copy.html"
    copy.write_bytes(sample_article_path.read_bytes().replace(b"port-security-pact",
                                                              b"port-security-pact-update"))
    status, out, _ = run("add", str(copy))
    other_id = int(out.split("\t")[0])
    assert other_id != sample_id

    def highlight(article_id: int, quote: str, theme: str) -> int:
        status, out, err = run("highlight", str(article_id), "--quote", quote, "--theme", theme)
        assert (status, err) == (0, "")
        return int(out)

    first = highlight(sample_id, QUOTE, "Security measures")
    second = highlight(sample_id, "Life in the dunes", "Humanitarian concerns")
    third = highlight(other_id, QUOTE, "Humanitarian concerns")

    def ids(*args: str) -> list[int]:
        status, out, _ = run("highlights", *args, "--json")
        assert status == 0
        return [row["id"] for row in load(out)]

    assert ids() == [first, second, third]
    assert ids("--theme", "security MEASURES") == [first]
    assert ids("--theme", "Humanitarian concerns") == [second, third]
    assert ids("--theme", "Legal framework") == []
    assert ids("--article", str(sample_id)) == [first, second]  # reading order
    assert ids("--article", str(other_id)) == [third]
    assert ids("--article", str(other_id), "--theme", "Security measures") == []

    status, out, _ = run("highlights", "--article", str(other_id))
    assert status == 0
    assert out.split("\t")[:2] == [str(third), str(other_id)]
    assert out.rstrip("\n").split("\t")[3:] == ["Humanitarian concerns", QUOTE]

    status, _, err = run("highlights", "--article", "77")
    assert status == 1 and "no article 77" in err
    status, _, err = run("highlights", "--theme", "Unheard of")
    assert status == 1 and "no theme called" in err


@pytest.mark.parametrize("bad", ["http://a..b/x", "https://[::1/x", "https://xn--a.com/",
                                 "http://example.org:99999/x"])
def test_add_invalid_address_is_a_clean_error_and_the_rest_is_saved(
        run, bad: str, sample_article_path: Path, archive_path: Path) -> None:
    status, out, err = run("add", bad, str(sample_article_path))
    assert status == 1
    assert err.startswith(f"error: {bad}: ")
    assert "Traceback" not in err and err.count("\n") == 1
    assert out.endswith(f"\t{SAMPLE_TITLE}\n")
    with Archive.open(archive_path) as archive:
        assert len(archive.list_articles()) == 1


def test_unusable_archive_location_is_a_clean_error(run, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    status, out, err = run("list", archive=blocker / "sub" / "archive.gleaner")
    assert status == 1
    assert err.startswith("error: ") and "could not be opened" in err
    assert "Traceback" not in err


# --- undo, redo and history --------------------------------------------------------------------

def db_highlights(archive_path: Path) -> list:
    with Archive.open(archive_path) as archive:
        return archive.list_highlights()


def db_history(archive_path: Path) -> list:
    with Archive.open(archive_path) as archive:
        return archive.history()


def code_quote(run, article_id: int, *themes: str, note: str = "") -> int:
    args = ["highlight", str(article_id), "--quote", QUOTE, "--note", note]
    for theme in themes:
        args += ["--theme", theme]
    status, out, err = run(*args)
    assert (status, err) == (0, "")
    return int(out)


def test_undo_and_redo_a_highlight(run, sample_id: int, archive_path: Path,
                                   row_counts) -> None:
    highlight_id = code_quote(run, sample_id, "Security measures", "Legal framework",
                              note="Three measures in one line")
    [coded] = db_highlights(archive_path)
    assert coded.id == highlight_id
    assert row_counts(archive_path)["highlight_themes"] == 2

    status, out, err = run("undo")
    assert (status, out, err) == (0, "Undid: Code passage\n", "")
    assert db_highlights(archive_path) == []
    assert row_counts(archive_path)["highlight_themes"] == 0
    latest = db_history(archive_path)[0]
    assert (latest.label, latest.undone) == ("Code passage", True)
    assert load(run("list", "--json")[1])[0]["highlight_count"] == 0

    status, out, err = run("redo")
    assert (status, out, err) == (0, "Redid: Code passage\n", "")
    [restored] = db_highlights(archive_path)
    assert restored == coded  # the same id, offsets, themes, note, GUID and times
    with Archive.open(archive_path) as archive:
        assert [archive.get_theme(t).name for t in restored.theme_ids] == [
            "Security measures", "Legal framework"]
        assert restored.note == "Three measures in one line"
        assert [(s.label, s.undone) for s in archive.history()] == [
            ("Code passage", False), ("Save article", False)]


def test_undo_and_redo_json(run, sample_id: int) -> None:
    code_quote(run, sample_id, "Security measures")
    status, out, _ = run("undo", "--json")
    assert status == 0
    assert load(out) == {"undone": "Code passage", "undo": "Save article",
                         "redo": "Code passage"}
    status, out, _ = run("redo", "--json")
    assert status == 0
    assert load(out) == {"redone": "Code passage", "undo": "Code passage", "redo": None}
    run("undo")
    status, out, _ = run("undo", "--json")
    assert load(out) == {"undone": "Save article", "undo": None, "redo": "Save article"}


def test_undo_theme_add(run, archive_path: Path, row_counts) -> None:
    status, out, _ = run("theme", "add", "Media framing", "--color", "#12ab9f")
    assert status == 0
    theme_id = int(out.split("\t")[0])
    with Archive.open(archive_path) as archive:
        assert archive.theme_by_name("Media framing").id == theme_id
    assert row_counts(archive_path)["themes"] == 9

    status, out, err = run("undo")
    assert (status, out, err) == (0, "Undid: New theme\n", "")
    assert row_counts(archive_path)["themes"] == 8
    with Archive.open(archive_path) as archive:
        assert "Media framing" not in [t.name for t in archive.list_themes()]
    status, _, err = run("highlights", "--theme", "Media framing")
    assert status == 1 and "no theme called" in err


def test_undo_add_removes_the_article(run, sample_id: int, sample_article_path: Path,
                                      archive_path: Path) -> None:
    # Saving a page already in the archive changes nothing, so it is no step of its own.
    assert run("add", str(sample_article_path))[0] == 0
    assert [s.label for s in db_history(archive_path)] == ["Save article"]
    status, out, _ = run("undo")
    assert (status, out) == (0, "Undid: Save article\n")
    with Archive.open(archive_path) as archive:
        assert archive.list_articles() == []


@pytest.mark.parametrize("command", ["undo", "redo"])
def test_undo_or_redo_with_nothing_to_take_is_a_clean_error(run, archive_path: Path,
                                                            row_counts, command: str) -> None:
    assert run("themes")[0] == 0  # creates the archive, with an empty history
    counts = row_counts(archive_path)
    content = archive_path.read_bytes()
    status, out, err = run(command)
    assert (status, out) == (1, "")
    assert err == f"error: there is nothing to {command}\n"
    assert row_counts(archive_path) == counts
    assert archive_path.read_bytes() == content
    assert db_history(archive_path) == []


def test_undo_past_the_oldest_step_fails_and_changes_nothing(run, sample_id: int,
                                                             archive_path: Path,
                                                             row_counts) -> None:
    assert run("undo")[0] == 0
    counts = row_counts(archive_path)
    status, out, err = run("undo")
    assert (status, out, err) == (1, "", "error: there is nothing to undo\n")
    assert row_counts(archive_path) == counts
    assert [(s.label, s.undone) for s in db_history(archive_path)] == [("Save article", True)]


def test_history_json_and_text(run, sample_id: int, archive_path: Path) -> None:
    assert load(run("history", "--json")[1]) == [
        {"id": s.id, "label": "Save article", "made_at": s.made_at, "undone": False}
        for s in db_history(archive_path)]
    code_quote(run, sample_id, "Security measures")
    assert run("theme", "add", "Media framing")[0] == 0
    assert run("undo")[0] == 0

    status, out, _ = run("history", "--json")
    assert status == 0
    steps = load(out)
    assert [(s["label"], s["undone"]) for s in steps] == [
        ("New theme", True), ("Code passage", False), ("Save article", False)]
    assert all(set(s) == {"id", "label", "made_at", "undone"} for s in steps)
    ids = [s["id"] for s in steps]
    assert ids == sorted(ids, reverse=True)
    for step in steps:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", step["made_at"])
    assert steps == [{"id": s.id, "label": s.label, "made_at": s.made_at, "undone": s.undone}
                     for s in db_history(archive_path)]

    status, out, _ = run("history")
    assert status == 0
    assert out == "".join(f"{s['id']}\t{s['made_at']}\t{s['label']}"
                          + ("  (undone)" if s["undone"] else "") + "\n" for s in steps)
    assert out.splitlines()[0].endswith("\tNew theme  (undone)")

    status, out, _ = run("history", "--limit", "2", "--json")
    assert (status, load(out)) == (0, steps[:2])


def test_history_of_an_empty_archive(run) -> None:
    assert run("history")[:2] == (0, "")
    assert run("history", "--json")[:2] == (0, "[]\n")


def test_history_limit_must_be_positive(capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["history", "--limit", "0"])
    assert exited.value.code == 2
    assert "--limit" in capsys.readouterr().err


def test_new_action_after_undo_clears_the_redo_branch(run, sample_id: int,
                                                      archive_path: Path,
                                                      row_counts) -> None:
    code_quote(run, sample_id, "Security measures")
    assert run("undo")[:2] == (0, "Undid: Code passage\n")
    assert run("theme", "add", "Media framing")[0] == 0
    assert [(s.label, s.undone) for s in db_history(archive_path)] == [
        ("New theme", False), ("Save article", False)]

    counts = row_counts(archive_path)
    status, out, err = run("redo")
    assert (status, out, err) == (1, "", "error: there is nothing to redo\n")
    assert row_counts(archive_path) == counts
    assert db_highlights(archive_path) == []
    assert load(run("undo", "--json")[1]) == {"undone": "New theme", "undo": "Save article",
                                              "redo": "New theme"}


def test_history_is_shared_across_processes(sample_article_path: Path,
                                            archive_path: Path) -> None:
    """Each command is its own process; undo in one takes back what another did."""

    def gleaner(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "gleaner", "--archive", str(archive_path), *args],
            capture_output=True, text=True, timeout=120, check=False)

    added = gleaner("add", str(sample_article_path))
    assert (added.returncode, added.stderr) == (0, "")
    article_id = int(added.stdout.split("\t")[0])
    coded = gleaner("highlight", str(article_id), "--quote", QUOTE,
                    "--theme", "Security measures", "--note", "from process one")
    assert (coded.returncode, coded.stderr) == (0, "")
    highlight_id = int(coded.stdout)
    [highlight] = db_highlights(archive_path)
    assert (highlight.id, highlight.note) == (highlight_id, "from process one")

    undone = gleaner("undo")
    assert (undone.returncode, undone.stdout, undone.stderr) == (0, "Undid: Code passage\n", "")
    assert db_highlights(archive_path) == []
    with Archive.open(archive_path) as archive:
        assert [a.id for a in archive.list_articles()] == [article_id]
        assert [(s.label, s.undone) for s in archive.history()] == [
            ("Code passage", True), ("Save article", False)]

    redone = gleaner("redo", "--json")
    assert redone.returncode == 0
    assert json.loads(redone.stdout)["redone"] == "Code passage"
    assert db_highlights(archive_path) == [highlight]
