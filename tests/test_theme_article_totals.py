"""The totals of articles with sub-themes (migration 0006: kept without an index of
`theme_articles` by article) stay equal to a count from scratch over several articles."""

from __future__ import annotations

import random

from gleaner.core import operations as ops
from gleaner.core.archive import Archive, ArchiveError
from test_archive import make_article
from test_engine import stored_counts_agree, totals_agree

WORDS = ("asylum", "border", "council", "shelter", "funding", "court", "winter", "camp")


def saved_articles(archive: Archive, count: int) -> list[int]:
    """Articles with different texts (the same text would be one article saved twice)."""
    ids = []
    for n in range(count):
        body = "".join(f"<p>{' '.join(WORDS[(n + k) % len(WORDS)] for k in range(9))} "
                       f"paragraph {n}-{p} of the report.</p>" for p in range(4))
        article = make_article(f"https://news.example/{n}", body,
                               original=f"<html>{n}</html>".encode())
        ids.append(ops.save_article(archive, article).value[0])
    return ids


def test_the_article_index_is_gone_and_the_triggers_do_not_need_it(archive: Archive):
    indexes = {row[0] for row in archive.db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'theme_articles'")}
    assert "theme_articles_article" not in indexes
    triggers = dict(archive.db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
        "AND name LIKE 'theme_totals_article_%'"))
    assert set(triggers) == {"theme_totals_article_added", "theme_totals_article_removed"}
    assert all("WITH RECURSIVE down" in sql for sql in triggers.values())


def test_article_totals_over_several_articles_follow_every_step(archive: Archive):
    """Random coding, nesting, merging and deleting over four articles, undone and redone at
    random: each parent's total of articles counts an article once however many of its
    sub-themes code it, after every step."""
    rng = random.Random(6)
    articles = saved_articles(archive, 4)
    lengths = {a: len(archive.article_text(a)) for a in articles}
    top = archive.list_themes()[0].id
    for name in ("Fences", "Patrols"):
        ops.create_theme(archive, name, parent_id=top)
    made = 0
    for step in range(160):
        ids = [t.id for t in archive.list_themes()]
        choice = rng.random()
        try:
            if choice < 0.08 or len(ids) < 5:
                ops.create_theme(archive, f"Theme {step}", parent_id=rng.choice([None, *ids]))
            elif choice < 0.45:
                article = rng.choice(articles)
                begin = rng.randrange(0, lengths[article] - 12)
                ops.code_passage(archive, article, begin, begin + rng.randrange(3, 12),
                                 rng.sample(ids, rng.randint(1, 3)))
            elif choice < 0.55:
                ops.move_theme(archive, rng.choice(ids), 0, rng.choice([None, *ids]))
            elif choice < 0.62:
                ops.merge_theme(archive, *rng.sample(ids, 2))
            elif choice < 0.68:
                ops.delete_theme(archive, rng.choice(ids))
            elif choice < 0.76:
                highlights = archive.list_highlights()
                if highlights:
                    ops.delete_highlight(archive, rng.choice(highlights).id)
            elif choice < 0.92:
                ops.undo(archive)
            else:
                ops.redo(archive)
            made += 1
        except ArchiveError:
            pass  # a refused step changes nothing
        assert stored_counts_agree(archive), f"counts wrong after step {step}"
    assert made > 120
    # Some parent's branch codes more articles than the parent itself: the totals counted.
    assert any(t.total_articles > t.article_count for t in archive.list_themes())
    assert totals_agree(archive)
