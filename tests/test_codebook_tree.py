"""The codebook as a tree: nesting, moving, merging, deleting (both ways), pinned keys,
counts and totals with sub-themes kept right through every step, its undo and its redo."""

from __future__ import annotations

import random

import pytest

from gleaner.core import operations as ops
from gleaner.core.archive import Archive, ArchiveError
from gleaner.core.codebook import depth_first, depths, descendants, number_keys
from gleaner.core.models import Theme
from test_archive import make_article
from test_engine import stored_counts_agree, totals_agree


def theme(id_, parent=None, position=0, shortcut=None) -> Theme:
    return Theme(id=id_, name=f"T{id_}", color="#FFFFFF", description="", position=position,
                 parent_id=parent, shortcut=shortcut)


def test_depth_first_order_depths_and_descendants():
    themes = [theme(1, position=1), theme(2, position=0), theme(3, 1, 1), theme(4, 1, 0),
              theme(5, 4, 0), theme(6, 99, 2)]  # 6's parent is gone: shown at the top
    assert [t.id for t in depth_first(themes)] == [2, 1, 4, 5, 3, 6]
    assert depths(themes) == {1: 0, 2: 0, 3: 1, 4: 1, 5: 2, 6: 0}
    assert sorted(descendants(themes, 1)) == [3, 4, 5]
    assert descendants(themes, 5) == []


def test_number_keys_follow_the_displayed_order_and_pins():
    themes = [theme(n, position=n) for n in range(1, 13)]
    assert number_keys(themes) == {k: k for k in range(1, 10)}
    themes[10] = theme(11, position=11, shortcut=2)  # pinned to 2: 2 moves on
    keys = number_keys(themes)
    assert keys[2] == 11 and keys[1] == 1 and keys[3] == 2 and keys[9] == 8
    assert len(set(keys.values())) == 9


def nested(archive: Archive) -> dict[str, int]:
    """Security > Fences > Razor wire, Security > Policing; Humanitarian at the top."""
    ids = {}
    ids["Security"] = ops.create_theme(archive, "Security").value.id
    ids["Fences"] = ops.create_theme(archive, "Fences", parent_id=ids["Security"]).value.id
    ids["Razor wire"] = ops.create_theme(archive, "Razor wire",
                                         parent_id=ids["Fences"]).value.id
    ids["Policing"] = ops.create_theme(archive, "Policing",
                                       parent_id=ids["Security"]).value.id
    ids["Humanitarian"] = ops.create_theme(archive, "Humanitarian").value.id
    return ids


def test_totals_count_each_passage_once_across_a_subtree(archive: Archive):
    ids = nested(archive)
    article = ops.save_article(archive, make_article()).value[0]
    ops.code_passage(archive, article, 0, 5, [ids["Razor wire"], ids["Policing"]])
    ops.code_passage(archive, article, 10, 15, [ids["Fences"]])
    ops.code_passage(archive, article, 20, 25, [ids["Humanitarian"]])
    by_name = {t.name: t for t in archive.list_themes()}
    assert (by_name["Security"].highlight_count, by_name["Security"].total_highlights) == (0, 2)
    assert by_name["Security"].total_articles == 1
    assert by_name["Fences"].total_highlights == 2
    assert by_name["Razor wire"].total_highlights == 1
    assert by_name["Humanitarian"].total_highlights == 1
    assert totals_agree(archive)


def test_move_under_a_parent_and_refuse_a_cycle(archive: Archive):
    ids = nested(archive)
    ops.move_theme(archive, ids["Humanitarian"], 0, ids["Fences"])
    shown = archive.list_themes()
    assert [t.name for t in shown if t.id in ids.values()] == [
        "Security", "Fences", "Humanitarian", "Razor wire", "Policing"]
    with pytest.raises(ArchiveError, match="own sub-themes"):
        ops.move_theme(archive, ids["Security"], 0, ids["Razor wire"])
    ops.undo(archive)
    assert archive.get_theme(ids["Humanitarian"]).parent_id is None


def test_merge_moves_links_and_children_and_refuses_a_descendant(archive: Archive):
    ids = nested(archive)
    article = ops.save_article(archive, make_article()).value[0]
    both = ops.code_passage(archive, article, 0, 5, [ids["Fences"], ids["Policing"]]).value
    only = ops.code_passage(archive, article, 10, 15, [ids["Fences"]]).value
    with pytest.raises(ArchiveError, match="own sub-theme"):
        ops.merge_theme(archive, ids["Security"], ids["Fences"])
    ops.merge_theme(archive, ids["Fences"], ids["Policing"])
    assert archive.get_highlight(both.id).theme_ids == (ids["Policing"],)  # not twice
    assert archive.get_highlight(only.id).theme_ids == (ids["Policing"],)
    assert archive.get_theme(ids["Razor wire"]).parent_id == ids["Policing"]
    assert ids["Fences"] not in [t.id for t in archive.list_themes()]
    assert stored_counts_agree(archive)
    ops.undo(archive)
    assert archive.get_highlight(only.id).theme_ids == (ids["Fences"],)
    assert archive.get_theme(ids["Razor wire"]).parent_id == ids["Fences"]
    assert stored_counts_agree(archive)


def test_deleting_a_parent_moves_its_children_up_or_takes_them(archive: Archive):
    ids = nested(archive)
    article = ops.save_article(archive, make_article()).value[0]
    coded = ops.code_passage(archive, article, 0, 5, [ids["Razor wire"]]).value
    ops.delete_theme(archive, ids["Fences"], children="move-up")
    assert archive.get_theme(ids["Razor wire"]).parent_id == ids["Security"]
    order = [t.name for t in archive.list_themes() if t.id in ids.values()]
    assert order == ["Security", "Razor wire", "Policing", "Humanitarian"]
    ops.undo(archive)
    ops.delete_theme(archive, ids["Security"], children="delete")
    assert not {ids["Security"], ids["Fences"], ids["Razor wire"], ids["Policing"]} & {
        t.id for t in archive.list_themes()}
    # The highlight stays, uncoded; undo brings the whole branch back with its link.
    assert archive.get_highlight(coded.id).theme_ids == ()
    ops.undo(archive)
    assert archive.get_highlight(coded.id).theme_ids == (ids["Razor wire"],)
    assert stored_counts_agree(archive)


def test_pinning_a_key_moves_it_from_another_theme(archive: Archive):
    ids = nested(archive)
    ops.update_theme(archive, ids["Policing"], shortcut=1)
    result = ops.update_theme(archive, ids["Humanitarian"], shortcut=1)
    assert result.label == "Pin theme to key"
    assert archive.get_theme(ids["Policing"]).shortcut is None
    assert number_keys(archive.list_themes())[1] == ids["Humanitarian"]
    ops.undo(archive)
    assert archive.get_theme(ids["Policing"]).shortcut == 1
    with pytest.raises(ArchiveError, match="keys 1 to 9"):
        ops.update_theme(archive, ids["Policing"], shortcut=10)


def test_new_theme_from_selection_is_one_step(archive: Archive):
    article = ops.save_article(archive, make_article()).value[0]
    result = ops.code_with_new_theme(archive, article, 0, 5, "Fear")
    assert archive.get_highlight(result.value.id).theme_ids == (
        archive.theme_by_name("fear").id,)
    ops.undo(archive)
    with pytest.raises(ArchiveError):
        archive.theme_by_name("Fear")
    assert archive.list_highlights(article_id=article) == []


def test_names_are_unique_ignoring_case_among_live_themes(archive: Archive):
    ops.create_theme(archive, "Border")
    with pytest.raises(ArchiveError, match="already exists"):
        ops.create_theme(archive, "  BORDER ")


def test_random_codebook_work_keeps_every_count_through_undo_and_redo(archive: Archive):
    """Hundreds of random steps (coding, nesting, moving, merging, deleting both ways),
    undone and redone at random: after each one every stored count and total equals a count
    made from scratch, and undoing everything gives back the starting codebook."""
    rng = random.Random(2026)
    article = ops.save_article(archive, make_article()).value[0]
    text_length = len(archive.article_text(article))
    start = [(t.id, t.parent_id, t.position) for t in archive.list_themes()]
    made = 0
    for step in range(220):
        themes = archive.list_themes()
        ids = [t.id for t in themes]
        choice = rng.random()
        try:
            if choice < 0.12 or not ids:
                parent = rng.choice([None, *ids])
                ops.create_theme(archive, f"Theme {step}", parent_id=parent)
            elif choice < 0.40:
                begin = rng.randrange(0, text_length - 12)
                ops.code_passage(archive, article, begin, begin + rng.randrange(3, 12),
                                 rng.sample(ids, rng.randint(1, min(3, len(ids)))))
            elif choice < 0.50:
                ops.move_theme(archive, rng.choice(ids), rng.randrange(0, 4),
                               rng.choice([None, *ids]))
            elif choice < 0.57 and len(ids) > 3:
                source, target = rng.sample(ids, 2)
                ops.merge_theme(archive, source, target)
            elif choice < 0.64 and len(ids) > 3:
                ops.delete_theme(archive, rng.choice(ids),
                                 children=rng.choice(["move-up", "delete"]))
            elif choice < 0.70:
                highlights = archive.list_highlights(article_id=article)
                if highlights:
                    ops.delete_highlight(archive, rng.choice(highlights).id)
            elif choice < 0.88:
                ops.undo(archive)
            else:
                ops.redo(archive)
            made += 1
        except ArchiveError:
            pass  # a refused step (a cycle, nothing to undo…) changes nothing
        assert stored_counts_agree(archive), f"counts wrong after step {step}"
    assert made > 150
    while archive.undo_label():
        ops.undo(archive)
    assert [(t.id, t.parent_id, t.position) for t in archive.list_themes()] == start
    assert stored_counts_agree(archive)


def test_a_large_branch_is_counted_after_the_step(archive: Archive, monkeypatch):
    """Reshaping a branch that codes many passages leaves its totals to be counted when the
    archive is idle (shown as "counting"); links added meanwhile do not disturb them, and
    once counted they equal a count made from scratch."""
    from gleaner.core.archive import codebook

    ids = nested(archive)
    article = ops.save_article(archive, make_article()).value[0]
    for n in range(6):
        ops.code_passage(archive, article, n * 5, n * 5 + 4, [ids["Razor wire"]])
    monkeypatch.setattr(codebook, "RECOUNT_LATER_LINKS", 3)
    ops.delete_theme(archive, ids["Razor wire"])
    ops.undo(archive)  # Fences and Security now count 6 passages more: later
    stale = {t.name for t in archive.list_themes() if t.total_highlights is None}
    assert stale == {"Security", "Fences"}
    assert archive.has_stale_totals()
    ops.code_passage(archive, article, 40, 44, [ids["Policing"]])  # meanwhile
    assert archive.get_theme(ids["Security"]).total_highlights is None
    while archive.tidy():
        pass
    assert not archive.has_stale_totals()
    assert archive.get_theme(ids["Security"]).total_highlights == 7
    assert totals_agree(archive)
