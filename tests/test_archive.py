"""The archive: one SQLite file with articles, the codebook and highlights."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest

from gleaner.core import archive as archive_module
from gleaner.core.anchoring import AnchorError
from gleaner.core.archive import Archive, ArchiveError, NotFound, default_archive_path
from gleaner.core.document import blocks_from_html, canonical_text
from gleaner.core.models import CapturedArticle
from gleaner.core.resources import resource_path
from gleaner.core.schema import MIGRATION_SET, migrations

BODY = ("<h2>Budget</h2><p>The council will spend £1.4 million on the shelter.</p>"
        "<p>Opponents said the site was too close to the station.</p>"
        "<ul><li>Forty beds</li><li>Open before winter</li></ul>")


def make_article(url: str = "https://news.example/a", body: str = BODY, *,
                 url_requested: str | None = None, title: str = "Shelter plan",
                 original: bytes = b"<html>original \xe2\x82\xac</html>") -> CapturedArticle:
    blocks = blocks_from_html(body)
    return CapturedArticle(
        url_requested=url_requested or url, url=url, title=title, byline="A. Writer",
        authors=["A. Writer", "B. Writer"], site_name="News", published="2023-11-02",
        language="en", excerpt="The council will spend", html=body, blocks=blocks,
        text=canonical_text(blocks), original_html=original, original_charset="utf-8")


def span(text: str, quote: str, occurrence: int = 1) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence):
        start = text.index(quote, start + 1)
    return start, start + len(quote)


def starter_names() -> list[str]:
    data = json.loads(resource_path("codebook.json").read_text("utf-8"))
    return [theme["name"] for theme in data["themes"]]


@pytest.fixture
def article_id(archive: Archive) -> int:
    return archive.save_article(make_article())[0]


# --- opening -----------------------------------------------------------------------------------

def test_open_creates_a_wal_archive_with_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "dir" / "new.gleaner"
    with Archive.open(path) as archive:
        assert path.is_file()
        assert archive.path == path
        assert archive.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert archive.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert archive.is_empty()
    assert path.read_bytes().startswith(b"SQLite format 3\x00")


def test_migrations_are_recorded(archive: Archive) -> None:
    rows = list(archive.db.query(
        "SELECT migration_set, name FROM _sqlite_migrations ORDER BY id"))
    assert [row["name"] for row in rows] == [m.name for m in migrations._migrations]
    assert [row["name"] for row in rows] == ["0001_articles_themes_highlights",
                                             "0002_starter_codebook",
                                             "0003_stable_ids_content_apart_history",
                                             "0004_codebook_tree_article_tags_memos_edits",
                                             "0005_article_assets_and_keys",
                                             "0006_theme_articles_without_article_index",
                                             "0007_theme_merges"]
    assert {row["migration_set"] for row in rows} == {MIGRATION_SET}
    assert {"articles", "themes", "highlights", "highlight_themes"} <= set(
        archive.db.table_names())


def test_reopening_does_not_duplicate_the_codebook(archive_path: Path, row_counts) -> None:
    with Archive.open(archive_path) as first:
        themes = first.list_themes()
    for _ in range(2):
        with Archive.open(archive_path) as again:
            assert again.list_themes() == themes
    counts = row_counts(archive_path)
    assert counts["themes"] == 8
    assert counts["_sqlite_migrations"] == 7


def test_starter_codebook(archive: Archive) -> None:
    themes = archive.list_themes()
    assert len(themes) == 8
    assert [t.name for t in themes[:2]] == ["Security measures", "Humanitarian concerns"]
    assert [t.name for t in themes] == starter_names()
    assert [t.position for t in themes] == sorted(t.position for t in themes)
    for theme in themes:
        assert archive_module.codebook._COLOR.fullmatch(theme.color), theme.color
        assert theme.color == theme.color.upper()
        assert theme.description.strip()
        assert theme.highlight_count == 0
    assert len({t.color for t in themes}) == 8


def test_empty_file_becomes_an_archive(tmp_path: Path) -> None:
    path = tmp_path / "empty.gleaner"
    path.touch()
    with Archive.open(path) as archive:
        assert len(archive.list_themes()) == 8


def test_random_bytes_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.gleaner"
    content = random.Random(7).randbytes(8192)
    path.write_bytes(content)
    with pytest.raises(ArchiveError, match="not a Gleaner archive"):
        Archive.open(path)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corrupt.gleaner"]


def test_sqlite_header_with_garbage_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "damaged.gleaner"
    content = b"SQLite format 3\x00" + random.Random(8).randbytes(8192)
    path.write_bytes(content)
    with pytest.raises(ArchiveError, match="could not be opened|not a Gleaner archive"):
        Archive.open(path)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["damaged.gleaner"]


def test_foreign_sqlite_database_is_refused_untouched(tmp_path: Path, row_counts) -> None:
    path = tmp_path / "people.db"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE people (name TEXT)")
    connection.execute("INSERT INTO people VALUES ('Ada')")
    connection.commit()
    connection.close()
    content = path.read_bytes()
    with pytest.raises(ArchiveError, match="not a Gleaner archive"):
        Archive.open(path)
    assert path.read_bytes() == content
    assert row_counts(path) == {"people": 1}


def test_archive_from_a_newer_gleaner_is_refused(archive_path: Path) -> None:
    with Archive.open(archive_path) as archive:
        archive.db.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, ?, ?)",
            [MIGRATION_SET, "0099_from_the_future", "2030-01-01 00:00:00+00:00"])
    content = archive_path.read_bytes()
    with pytest.raises(ArchiveError, match="newer version"):
        Archive.open(archive_path)
    assert archive_path.read_bytes() == content


def test_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="folder"):
        Archive.open(tmp_path)


def test_default_archive_path_honours_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GLEANER_ARCHIVE", str(tmp_path / "env.gleaner"))
    assert default_archive_path() == tmp_path / "env.gleaner"
    with Archive.open() as archive:
        assert archive.path == tmp_path / "env.gleaner"
    assert (tmp_path / "env.gleaner").is_file()

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GLEANER_ARCHIVE", "~/tilde.gleaner")
    assert default_archive_path() == tmp_path / "tilde.gleaner"

    monkeypatch.delenv("GLEANER_ARCHIVE")
    fallback = default_archive_path()
    assert fallback.name == "archive.gleaner"
    assert fallback != tmp_path / "env.gleaner"


# --- articles ----------------------------------------------------------------------------------

def test_save_and_get_article(archive: Archive) -> None:
    captured = make_article()
    article_id, created = archive.save_article(captured)
    assert created
    article = archive.get_article(article_id)
    assert article.text == captured.text
    assert article.blocks == captured.blocks
    assert article.authors == ["A. Writer", "B. Writer"]
    assert article.word_count == len(captured.text.split())
    assert article.saved_at.endswith("+00:00")
    assert archive.original_html(article_id) == captured.original_html
    assert not archive.is_empty()


def test_unknown_article(archive: Archive) -> None:
    for call in (archive.get_article, archive.original_html, archive.delete_article):
        with pytest.raises(NotFound):
            call(404)


def test_saving_the_same_url_twice(archive: Archive, row_counts) -> None:
    first = archive.save_article(make_article())
    assert first[1] is True
    assert archive.save_article(make_article(title="Changed")) == (first[0], False)
    redirected = make_article("https://news.example/final", url_requested="https://news.example/a")
    assert archive.save_article(redirected) == (first[0], False)
    assert row_counts(archive.path)["articles"] == 1
    assert archive.get_article(first[0]).title == "Shelter plan"


def test_list_articles_newest_first_with_highlight_counts(archive: Archive) -> None:
    a = archive.save_article(make_article("https://news.example/1"))[0]
    b = archive.save_article(make_article("https://news.example/2"))[0]
    text = archive.get_article(a).text
    archive.add_highlight(a, *span(text, "Forty beds"))
    archive.add_highlight(a, *span(text, "Open before winter"))
    summaries = archive.list_articles()
    assert [s.id for s in summaries] == [b, a]
    assert {s.id: s.highlight_count for s in summaries} == {a: 2, b: 0}
    assert summaries[1].published == "2023-11-02"


def test_deleting_an_article_cascades(archive: Archive, article_id: int, row_counts) -> None:
    text = archive.get_article(article_id).text
    security = archive.list_themes()[0]
    archive.add_highlight(article_id, *span(text, "Forty beds"), [security.id])
    archive.delete_article(article_id)
    counts = row_counts(archive.path)
    assert counts["articles"] == counts["highlights"] == counts["highlight_themes"] == 0
    assert archive.get_theme(security.id).highlight_count == 0


# --- themes ------------------------------------------------------------------------------------

def test_add_theme(archive: Archive) -> None:
    used = {t.color for t in archive.list_themes()}
    theme = archive.add_theme("  Media   framing ", description="  How it is told. ")
    assert theme.name == "Media framing"
    assert theme.description == "How it is told."
    assert theme.color not in used
    assert archive.list_themes()[-1] == theme
    assert theme.position > max(t.position for t in archive.list_themes()[:-1])
    assert archive.add_theme("Other", "#a1b2c3").color == "#A1B2C3"


@pytest.mark.parametrize("name", ["security MEASURES", "Security measures",
                                  "  security   measures  ", "HUMANITARIAN CONCERNS"])
def test_theme_names_are_unique_ignoring_case(archive: Archive, name: str) -> None:
    with pytest.raises(ArchiveError, match="already exists"):
        archive.add_theme(name)
    assert len(archive.list_themes()) == 8


def test_theme_names_are_unique_ignoring_case_beyond_ascii(archive: Archive) -> None:
    """'Sécurité' and 'SÉCURITÉ' are the same name to theme_by_name (casefold), so the codebook
    must refuse the second, or `--theme sécurité` can never reach it."""
    first = archive.add_theme("Sécurité")
    with pytest.raises(ArchiveError, match="already exists"):
        archive.add_theme("SÉCURITÉ")
    assert archive.theme_by_name("sÉcUrItÉ") == first
    assert len(archive.list_themes()) == 9


def test_theme_by_name(archive: Archive) -> None:
    assert archive.theme_by_name("  humanitarian CONCERNS ").name == "Humanitarian concerns"
    with pytest.raises(NotFound, match="Nonexistent"):
        archive.theme_by_name("Nonexistent")


@pytest.mark.parametrize("color", ["red", "#FFF", "#GGGGGG", "FFDC46", "#FFDC460", ""])
def test_bad_colour_is_rejected(archive: Archive, color: str) -> None:
    if color:
        with pytest.raises(ArchiveError, match="#RRGGBB"):
            archive.add_theme("Colourful", color)
        assert [t.name for t in archive.list_themes()] == starter_names()
    theme = archive.list_themes()[0]
    with pytest.raises(ArchiveError, match="#RRGGBB"):
        archive.update_theme(theme.id, color=color)
    assert archive.get_theme(theme.id) == theme


@pytest.mark.parametrize("name, match", [("", "needs a name"), ("   ", "needs a name"),
                                         ("x" * 81, "at most 80")])
def test_bad_theme_name(archive: Archive, name: str, match: str) -> None:
    with pytest.raises(ArchiveError, match=match):
        archive.add_theme(name)


def test_update_theme(archive: Archive) -> None:
    theme = archive.list_themes()[2]
    renamed = archive.update_theme(theme.id, name="Blame", color="#010203")
    assert (renamed.name, renamed.color, renamed.description) == (
        "Blame", "#010203", theme.description)
    described = archive.update_theme(theme.id, description="Who is blamed.")
    assert (described.name, described.color, described.description) == (
        "Blame", "#010203", "Who is blamed.")
    # Case-only renames of itself are fine; taking another theme's name is not.
    assert archive.update_theme(theme.id, name="BLAME").name == "BLAME"
    with pytest.raises(ArchiveError, match="already exists"):
        archive.update_theme(theme.id, name="security measures")
    with pytest.raises(NotFound):
        archive.update_theme(999, name="Ghost")


def test_delete_theme_keeps_highlights(archive: Archive, article_id: int) -> None:
    security, humanitarian = archive.list_themes()[:2]
    text = archive.get_article(article_id).text
    highlight = archive.add_highlight(article_id, *span(text, "Forty beds"),
                                      [security.id, humanitarian.id])
    archive.delete_theme(security.id)
    assert security.id not in {t.id for t in archive.list_themes()}
    kept = archive.get_highlight(highlight.id)
    assert kept.theme_ids == (humanitarian.id,)
    assert kept.exact == "Forty beds"
    assert archive.list_highlights(theme_id=security.id) == []
    with pytest.raises(NotFound):
        archive.delete_theme(security.id)


# --- highlights --------------------------------------------------------------------------------

def test_add_highlight_with_two_themes(archive: Archive, article_id: int) -> None:
    themes = archive.list_themes()
    text = archive.get_article(article_id).text
    start, end = span(text, "said the site was")
    # Given in reverse order: stored in codebook order.
    highlight = archive.add_highlight(article_id, start - 1, end + 1,
                                      [themes[1].id, themes[0].id], note="Key objection")
    assert (highlight.start, highlight.end) == (start, end)  # whitespace trimmed
    assert highlight.exact == "said the site was"
    assert text[highlight.start:highlight.end] == highlight.exact
    assert highlight.prefix == text[max(0, start - 32):start]
    assert highlight.suffix == text[end:end + 32]
    assert highlight.theme_ids == (themes[0].id, themes[1].id)
    assert highlight.note == "Key objection"
    assert archive.get_theme(themes[0].id).highlight_count == 1


def test_list_highlights_filters(archive: Archive) -> None:
    a = archive.save_article(make_article("https://news.example/1"))[0]
    b = archive.save_article(make_article("https://news.example/2"))[0]
    security, humanitarian = archive.list_themes()[:2]
    text = archive.get_article(a).text
    h1 = archive.add_highlight(a, *span(text, "Open before winter"), [security.id])
    h2 = archive.add_highlight(a, *span(text, "Forty beds"), [humanitarian.id])
    h3 = archive.add_highlight(b, *span(text, "Forty beds"), [security.id, humanitarian.id])
    ids = lambda hs: [h.id for h in hs]  # noqa: E731
    assert ids(archive.list_highlights()) == [h2.id, h1.id, h3.id]  # reading order per article
    assert ids(archive.list_highlights(article_id=a)) == [h2.id, h1.id]
    assert ids(archive.list_highlights(theme_id=security.id)) == [h1.id, h3.id]
    assert ids(archive.list_highlights(article_id=a, theme_id=humanitarian.id)) == [h2.id]
    assert archive.list_highlights(article_id=b, theme_id=archive.list_themes()[5].id) == []


def test_set_note_is_committed(archive_path: Path) -> None:
    with Archive.open(archive_path) as archive:
        article_id = archive.save_article(make_article())[0]
        text = archive.get_article(article_id).text
        highlight = archive.add_highlight(article_id, *span(text, "Forty beds"))
        updated = archive.set_note(highlight.id, "Check the bed count")
        assert updated.note == "Check the bed count"
        # Visible to another connection at once: committed, not pending.
        other = sqlite3.connect(archive_path)
        assert other.execute("SELECT note FROM highlights").fetchone() == (
            "Check the bed count",)
        other.close()
    with Archive.open(archive_path) as reopened:
        assert reopened.get_highlight(highlight.id).note == "Check the bed count"


def test_add_and_remove_highlight_theme(archive: Archive, article_id: int,
                                        row_counts) -> None:
    security, humanitarian = archive.list_themes()[:2]
    text = archive.get_article(article_id).text
    highlight = archive.add_highlight(article_id, *span(text, "Forty beds"), [humanitarian.id])
    assert archive.add_highlight_theme(highlight.id, security.id).theme_ids == (
        security.id, humanitarian.id)
    assert archive.add_highlight_theme(highlight.id, security.id).theme_ids == (
        security.id, humanitarian.id)  # no duplicate link
    assert archive.remove_highlight_theme(highlight.id, humanitarian.id).theme_ids == (
        security.id,)
    assert row_counts(archive.path)["highlight_themes"] == 1
    with pytest.raises(NotFound):
        archive.add_highlight_theme(highlight.id, 999)
    with pytest.raises(NotFound):
        archive.add_highlight_theme(999, security.id)


def test_delete_highlight(archive: Archive, article_id: int, row_counts) -> None:
    security = archive.list_themes()[0]
    text = archive.get_article(article_id).text
    highlight = archive.add_highlight(article_id, *span(text, "Forty beds"), [security.id])
    archive.delete_highlight(highlight.id)
    assert archive.list_highlights() == []
    assert row_counts(archive.path)["highlight_themes"] == 0
    for call in (archive.delete_highlight, archive.get_highlight):
        with pytest.raises(NotFound):
            call(highlight.id)
    with pytest.raises(NotFound):
        archive.set_note(highlight.id, "x")


def test_highlight_with_unknown_theme_leaves_nothing(archive: Archive, article_id: int,
                                                     snapshot, row_counts) -> None:
    security = archive.list_themes()[0]
    text = archive.get_article(article_id).text
    before = snapshot(archive)
    with pytest.raises(NotFound, match="no theme 999"):
        # The highlight row and the first link are written before the bad theme is reached.
        archive.add_highlight(article_id, *span(text, "Forty beds"), [security.id, 999])
    assert snapshot(archive) == before
    assert archive.list_highlights() == []
    assert row_counts(archive.path)["highlight_themes"] == 0


def test_failed_theme_link_does_not_touch_the_highlight(archive: Archive, article_id: int,
                                                        monkeypatch) -> None:
    text = archive.get_article(article_id).text
    highlight = archive.add_highlight(article_id, *span(text, "Forty beds"))
    monkeypatch.setattr(archive_module.store, "utc_now", lambda: "2099-01-01T00:00:00+00:00")
    with pytest.raises(NotFound):
        archive.add_highlight_theme(highlight.id, 999)
    assert archive.get_highlight(highlight.id).updated_at == highlight.updated_at


def test_highlight_outside_the_text(archive: Archive, article_id: int, snapshot) -> None:
    length = len(archive.get_article(article_id).text)
    before = snapshot(archive)
    with pytest.raises(AnchorError):
        archive.add_highlight(article_id, length - 2, length + 5)
    with pytest.raises(NotFound):
        archive.add_highlight(999, 0, 5)
    assert snapshot(archive) == before


def test_failed_save_leaves_no_partial_row(archive: Archive, monkeypatch, snapshot) -> None:
    before = snapshot(archive)
    article = make_article()

    def broken(_blocks):
        raise RuntimeError("disk full while serialising")

    monkeypatch.setattr(archive_module.articles, "blocks_to_json", broken)
    with pytest.raises(RuntimeError):
        archive.save_article(article)
    assert snapshot(archive) == before
    monkeypatch.undo()
    assert archive.save_article(article)[1] is True


def test_a_first_open_that_stopped_part_way_can_be_opened_again(tmp_path: Path) -> None:
    """If migration 0001 never ran (killed, disk full), only sqlite-utils' empty migrations
    table is left; opening again must finish the job, not call the file foreign."""
    path = tmp_path / "partial.gleaner"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE _sqlite_migrations (id INTEGER PRIMARY KEY, "
                       "migration_set TEXT, name TEXT, applied_at TEXT)")
    connection.commit()
    connection.close()
    with Archive.open(path) as archive:
        assert archive.list_themes()[0].name == "Security measures"


def test_theme_ids_follow_the_codebook_order(archive: Archive, article_id: int) -> None:
    first, second, third = archive.list_themes()[:3]
    text = archive.get_article(article_id).text
    highlight = archive.add_highlight(article_id, *span(text, "Budget"),
                                      [third.id, first.id, second.id])
    assert archive.get_highlight(highlight.id).theme_ids == (first.id, second.id, third.id)
    with archive.db.atomic():
        archive.db.execute("UPDATE themes SET position = -1 WHERE id = ?", [third.id])
    assert archive.get_highlight(highlight.id).theme_ids == (third.id, first.id, second.id)


def test_saved_files_are_told_apart_by_file_not_by_canonical_url(archive: Archive) -> None:
    first = make_article("https://news.example/", url_requested="file:///tmp/one.html")
    second = make_article("https://news.example/", url_requested="file:///tmp/two.html",
                          title="Another", original=b"<html>another file</html>")
    one, created_one = archive.save_article(first)
    two, created_two = archive.save_article(second)
    assert created_one and created_two and one != two
    assert archive.save_article(first) == (one, False)


def test_move_theme_reorders_the_codebook(archive: Archive) -> None:
    names = [theme.name for theme in archive.list_themes()]
    fourth = archive.list_themes()[3]
    moved = archive.move_theme(fourth.id, 0)
    assert [theme.name for theme in moved] == [names[3], *names[:3], *names[4:]]
    assert [theme.position for theme in moved] == list(range(len(names)))
    archive.move_theme(fourth.id, 99)  # past the end: last
    assert archive.list_themes()[-1].id == fourth.id
    with pytest.raises(NotFound):
        archive.move_theme(12345, 0)

