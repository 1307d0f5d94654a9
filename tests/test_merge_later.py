"""Merging a large theme: shown at once, its links added at the next pause (or before the
next step), and nothing the user sees differs from a merge that added them at once."""

from __future__ import annotations

import random
import sqlite3
import time

import pytest

from gleaner.core import operations as ops
from gleaner.core.archive import Archive, ArchiveError, merges
from gleaner.core.service import ArchiveClient
from test_archive import make_article
from test_engine import stored_counts_agree, totals_agree

BODIES = [
    "<p>Police closed the tunnel entrance overnight while charities counted the tents "
    "along the ring road.</p><p>Drivers waited for hours at the port.</p>",
    "<p>The council said new fencing would go up before the summer, and volunteers "
    "brought blankets to the camp.</p><p>Ferry crossings resumed by noon.</p>",
    "<p>Ministers met in Paris to discuss shared patrols; aid workers asked for more "
    "shelter and clean water.</p><p>Lorries queued on the motorway again.</p>",
]


def articles(archive: Archive, copies: int = 1) -> list[int]:
    """The three articles saved (each `copies` times, at other addresses)."""
    return [ops.save_article(archive, make_article(f"https://news.example/{n}/{copy}",
                                                   body)).value[0]
            for copy in range(copies) for n, body in enumerate(BODIES)]


def links(archive: Archive, theme_id: int) -> set[int]:
    """The links stored for a theme (what the tables hold, not what is shown)."""
    return {row[0] for row in archive.db.execute(
        "SELECT highlight_id FROM highlight_themes WHERE theme_id = ?", [theme_id])}


def seen(archive: Archive) -> tuple:
    """Everything a front end shows of the coding: each highlight's themes, each theme's
    place and counts, each theme's highlights, and what Undo and Redo would do."""
    themes = archive.list_themes()
    return ([(h.id, h.theme_ids) for h in archive.list_highlights()],
            [(t.id, t.name, t.parent_id, t.position, t.highlight_count, t.article_count)
             for t in themes],
            {t.id: [h.id for h in archive.list_highlights(theme_id=t.id)] for t in themes},
            archive.undo_label(), archive.redo_label())


def counts_agree_after_pause(archive: Archive) -> bool:
    """Once waiting merges have their links (as once no undo step refers to them) and the
    archive's pause has counted the totals left "counting", every stored count and total
    equals a count made from scratch."""
    with archive.write_transaction():
        archive.carry_out_merges()
    while archive.tidy():
        pass
    return stored_counts_agree(archive)


def totals(archive: Archive) -> dict[int, tuple]:
    return {t.id: (t.total_highlights, t.total_articles) for t in archive.list_themes()}


@pytest.fixture
def later(monkeypatch):
    """Every merge of more than 2 links waits."""
    monkeypatch.setattr(merges, "MERGE_LATER_LINKS", 2)


def coded(archive: Archive) -> dict[str, object]:
    """Security > Fences, Humanitarian; Fences codes five passages in two articles, Shelter
    three, one passage with both."""
    first, second, _third = articles(archive)
    security = ops.create_theme(archive, "Security").value.id
    fences = ops.create_theme(archive, "Fences", parent_id=security).value.id
    shelter = ops.create_theme(archive, "Shelter").value.id
    fence_passages = [ops.code_passage(archive, first, n, n + 5, [fences]).value.id
                      for n in (0, 10, 20)]
    fence_passages += [ops.code_passage(archive, second, n, n + 5, [fences]).value.id
                       for n in (0, 10)]
    both = ops.code_passage(archive, first, 30, 36, [fences, shelter]).value.id
    shelter_passages = [ops.code_passage(archive, second, n, n + 4, [shelter]).value.id
                        for n in (20, 30)]
    return {"security": security, "fences": fences, "shelter": shelter, "both": both,
            "fence_passages": [*fence_passages, both], "shelter_passages":
            [*shelter_passages, both], "first": first, "second": second}


def test_a_large_merge_is_shown_at_once_and_its_links_wait_until_needed(
        archive: Archive, later):
    c = coded(archive)
    fences, shelter = c["fences"], c["shelter"]
    stored_before = links(archive, shelter)
    result = ops.merge_theme(archive, fences, shelter)
    # Nothing is linked yet...
    assert archive.has_waiting_merges()
    assert links(archive, shelter) == stored_before
    assert result.changes.codebook and {fences, shelter} <= result.changes.themes
    # ...but everything shows the merge done: the theme is gone, its passages show Shelter
    # (the passage coded with both shows it once), Shelter counts them all.
    assert fences not in {t.id for t in archive.list_themes()}
    everything = set(c["fence_passages"]) | set(c["shelter_passages"])
    for highlight_id in everything:
        assert archive.get_highlight(highlight_id).theme_ids == (shelter,)
    assert {h.id for h in archive.list_highlights(theme_id=shelter)} == everything
    assert archive.list_highlights(theme_id=fences) == []
    target = archive.get_theme(shelter)
    assert (target.highlight_count, target.article_count) == (len(everything), 2)
    assert (target.total_highlights, target.total_articles) == (len(everything), 2)
    assert archive.get_theme(c["security"]).total_highlights == 0  # Fences left it
    assert all(result.ok for result in archive.check())
    # Idle moments leave it waiting (an undo stays a few rows); what is shown is the same.
    shown = seen(archive)
    while archive.tidy():
        pass
    assert archive.has_waiting_merges() and seen(archive) == shown
    # Adding the links (as once no undo step refers to it) changes nothing shown either...
    with archive.write_transaction():
        archive.carry_out_merges()
    assert not archive.has_waiting_merges()
    assert links(archive, shelter) == everything
    assert seen(archive) == shown
    assert counts_agree_after_pause(archive)
    # ...and completes its undo step: undo takes back exactly the links added.
    ops.undo(archive)
    assert links(archive, shelter) == stored_before
    assert archive.get_highlight(c["both"]).theme_ids == (fences, shelter)
    assert archive.get_theme(fences).highlight_count == 6
    assert counts_agree_after_pause(archive)
    ops.redo(archive)
    assert not archive.has_waiting_merges()
    assert links(archive, shelter) == everything
    assert seen(archive)[:3] == shown[:3]
    assert counts_agree_after_pause(archive)


def test_undo_of_a_merge_still_waiting_gives_back_the_codebook_as_it_was(
        archive: Archive, later):
    c = coded(archive)
    before = seen(archive)
    before_totals = totals(archive)
    ops.merge_theme(archive, c["fences"], c["shelter"])
    merged = seen(archive)
    ops.undo(archive)  # before any pause
    assert not archive.has_waiting_merges()
    assert seen(archive)[:3] == before[:3]
    assert totals(archive) == before_totals
    assert stored_counts_agree(archive)
    assert all(result.ok for result in archive.check())
    ops.redo(archive)  # waits again, shown done at once
    assert archive.has_waiting_merges()
    assert seen(archive)[:3] == merged[:3]
    assert all(result.ok for result in archive.check())
    with archive.write_transaction():  # as once no undo step refers to them
        archive.carry_out_merges()
    assert seen(archive)[:3] == merged[:3]
    assert counts_agree_after_pause(archive)


def test_only_a_step_touching_the_merged_passages_adds_the_links_first(archive: Archive,
                                                                       later):
    c = coded(archive)
    fences, shelter = c["fences"], c["shelter"]
    third = articles(archive)[2]  # saved already: the same article
    original = (links(archive, fences), links(archive, shelter), seen(archive)[:3])
    ops.merge_theme(archive, fences, shelter)
    # Steps elsewhere leave the merge waiting: a star, a passage coded with Shelter in
    # an article Fences never coded, a new theme.
    ops.set_starred(archive, c["first"])
    elsewhere = ops.code_passage(archive, third, 0, 6, [shelter]).value.id
    ops.create_theme(archive, "Water")
    assert archive.has_waiting_merges()
    assert archive.get_theme(shelter).highlight_count == 9
    assert all(result.ok for result in archive.check())
    # Taking Shelter off a passage that has it only through the merge: in that article
    # the merged theme's links are moved to Shelter first, then it comes off for real.
    # The merge still waits elsewhere.
    only_fenced = c["fence_passages"][0]
    ops.remove_theme_from_highlight(archive, only_fenced, shelter)
    assert archive.has_waiting_merges()
    in_first = {h.id for h in archive.list_highlights(article_id=c["first"])}
    assert not links(archive, fences) & in_first
    assert links(archive, fences) == set(c["fence_passages"]) - in_first
    assert archive.get_highlight(only_fenced).theme_ids == ()
    assert archive.get_theme(shelter).highlight_count == 8
    assert all(result.ok for result in archive.check())
    for _ in range(5):
        ops.undo(archive)
    assert (links(archive, fences), links(archive, shelter), seen(archive)[:3]) == original
    assert counts_agree_after_pause(archive)
    for _ in range(5):
        ops.redo(archive)
    assert archive.get_highlight(elsewhere).theme_ids == (shelter,)
    assert archive.get_highlight(only_fenced).theme_ids == ()
    assert counts_agree_after_pause(archive)


@pytest.mark.parametrize("step", ["code in an article it codes", "delete an article it codes",
                                  "tick the target on a passage it has through the merge"])
def test_steps_that_would_count_the_merge_wrong_add_its_links_first(archive: Archive, later,
                                                                   step):
    c = coded(archive)
    fences, shelter = c["fences"], c["shelter"]
    ops.merge_theme(archive, fences, shelter)
    assert archive.has_waiting_merges()
    if step == "code in an article it codes":
        ops.code_passage(archive, c["first"], 50, 56, [shelter])
    elif step == "delete an article it codes":
        ops.delete_article(archive, c["second"])
    else:
        ops.add_theme_to_highlight(archive, c["fence_passages"][0], shelter)
        assert archive.get_theme(shelter).highlight_count == 8  # had it already
    # In that article alone the merged theme's links were moved first; it still waits.
    assert archive.has_waiting_merges()
    article = c["second"] if step == "delete an article it codes" else c["first"]
    assert not archive.db.execute(
        "SELECT 1 FROM highlight_themes ht JOIN highlights h ON h.id = ht.highlight_id "
        "WHERE ht.theme_id = ? AND h.article_id = ?", [fences, article]).fetchone()
    assert all(result.ok for result in archive.check())
    assert counts_agree_after_pause(archive)
    assert all(result.ok for result in archive.check())
    ops.undo(archive)
    assert counts_agree_after_pause(archive)
    ops.undo(archive)
    assert archive.get_theme(fences).highlight_count == 6
    assert counts_agree_after_pause(archive)


def test_deleting_the_theme_a_merge_went_into_hides_the_merged_passages_too(archive: Archive,
                                                                            later):
    c = coded(archive)
    fences, shelter = c["fences"], c["shelter"]
    ops.merge_theme(archive, fences, shelter)
    only_fenced = c["fence_passages"][0]
    ops.delete_theme(archive, shelter)
    assert archive.has_waiting_merges()  # nothing to add: the step changed one row
    assert archive.get_highlight(only_fenced).theme_ids == ()
    assert archive.get_highlight(c["both"]).theme_ids == ()
    assert archive.list_highlights(theme_id=shelter) == []
    assert all(result.ok for result in archive.check())
    ops.undo(archive)
    assert archive.get_highlight(only_fenced).theme_ids == (shelter,)
    assert archive.get_theme(shelter).highlight_count == 8
    ops.undo(archive)
    assert archive.get_highlight(only_fenced).theme_ids == (fences,)
    assert counts_agree_after_pause(archive)


def test_merging_on_the_theme_a_merge_went_into_takes_that_merge_along(archive: Archive,
                                                                      later):
    """Fences (waiting) went into Shelter; Shelter then goes into Security: Fences's
    passages show Security, counted once, without a link added; undone, each comes back."""
    c = coded(archive)
    fences, shelter, security = c["fences"], c["shelter"], c["security"]
    start = seen(archive)[:3]
    ops.merge_theme(archive, fences, shelter)
    merged_once = seen(archive)[:3]
    ops.merge_theme(archive, shelter, security)
    everything = set(c["fence_passages"]) | set(c["shelter_passages"])
    for highlight_id in everything:
        assert archive.get_highlight(highlight_id).theme_ids == (security,)
    assert archive.get_theme(security).highlight_count == len(everything)
    assert {h.id for h in archive.list_highlights(theme_id=security)} == everything
    assert links(archive, security) == set()
    assert all(result.ok for result in archive.check())
    ops.undo(archive)
    assert seen(archive)[:3] == merged_once
    assert all(result.ok for result in archive.check())
    ops.redo(archive)
    assert archive.get_theme(security).highlight_count == len(everything)
    assert all(result.ok for result in archive.check())
    ops.undo(archive)
    ops.undo(archive)
    assert seen(archive)[:3] == start
    assert counts_agree_after_pause(archive)


def test_a_merge_waits_across_closing_until_no_step_can_undo_it(archive_path, later,
                                                                 monkeypatch):
    from gleaner.core.archive import history

    with Archive.open(archive_path) as archive:
        c = coded(archive)
        ops.merge_theme(archive, c["fences"], c["shelter"])
    with Archive.open(archive_path) as archive:  # reopened: still waiting, shown merged
        assert archive.has_waiting_merges()
        assert archive.get_theme(c["shelter"]).highlight_count == 8
        assert links(archive, c["shelter"]) == set(c["shelter_passages"])
        ops.undo(archive)  # a few rows, however long ago the merge was made
        assert archive.get_theme(c["fences"]).highlight_count == 6
        ops.redo(archive)
    # Once the history no longer holds the merge's step, its links are added when idle.
    monkeypatch.setattr(history, "HISTORY_LIMIT", 2)
    with Archive.open(archive_path) as archive:
        ops.create_theme(archive, "Water")
        ops.create_theme(archive, "Food")
        while archive.tidy():
            pass
        assert not archive.has_waiting_merges()
        assert links(archive, c["shelter"]) == (set(c["fence_passages"])
                                                | set(c["shelter_passages"]))
        assert archive.get_theme(c["shelter"]).highlight_count == 8
        assert stored_counts_agree(archive)


def test_through_the_archive_process_a_merge_waits_and_its_undo_stays_small(archive_path):
    """Through the archive process the window uses: a merge of more than MERGE_LATER_LINKS
    passages answers with its links still to add; the process's pauses, closing and opening
    again leave them so, and the undo changes a few rows (none of the links)."""
    size = merges.MERGE_LATER_LINKS + 10
    with Archive.open(archive_path) as archive:
        first, second, _third = articles(archive)
        large = ops.create_theme(archive, "Large").value.id
        small = ops.create_theme(archive, "Small").value.id
        for n in range(size):  # building blocks: no step for each
            archive.add_highlight(first if n % 2 else second, n % 90, n % 90 + 5, [large])
        archive.add_highlight(first, 100, 110, [small])

    def stored_links() -> int:
        raw = sqlite3.connect(archive_path)
        try:
            return raw.execute("SELECT count(*) FROM highlight_themes WHERE theme_id = ?",
                               [small]).fetchone()[0]
        finally:
            raw.close()

    client = ArchiveClient.start(archive_path)
    try:
        result = client.ops.merge_theme(large, small)
        assert result.value.highlight_count == size + 1
        client.ops.undo()
        assert client.read("get_theme", large).highlight_count == size
        client.ops.redo()
        time.sleep(1.5)  # past the archive process's pauses (checkpoint, recount)
        assert client.read("get_theme", small).highlight_count == size + 1
    finally:
        client.close()
    assert stored_links() == 1
    client = ArchiveClient.start(archive_path)
    try:
        assert client.read("step_size") < 10
        client.ops.undo()
        assert client.read("get_theme", large).highlight_count == size
        assert client.read("get_theme", small).highlight_count == 1
    finally:
        client.close()
    with Archive.open(archive_path) as archive:
        assert not archive.has_waiting_merges()
        assert stored_counts_agree(archive)


def run_both_ways(tmp_path, monkeypatch, script, limit: int = 2):
    """Run `script(archive, ids)` on an archive where merges of more than `limit` links
    wait and on one where merges link at once; return what each shows, and the checks'
    problems of the first."""
    shown = []
    for name, merge_limit in (("waiting", limit), ("at-once", 10**9)):
        monkeypatch.setattr(merges, "MERGE_LATER_LINKS", merge_limit)
        with Archive.open(tmp_path / f"{name}.gleaner") as archive:
            script(archive)
            shown.append(seen(archive)[:3])
            if name == "waiting":
                problems = [result for result in archive.check() if not result.ok]
    return shown[0], shown[1], problems


def two_coders(archive, names):
    """Themes made in the order of `names`; h1 (in the first article) is coded with A and
    C, A codes two more passages there, C two in the second article."""
    x, y, _z = articles(archive)
    ids = {name: ops.create_theme(archive, name).value.id for name in names}
    ops.code_passage(archive, x, 0, 5, [ids["A"], ids["C"]])
    for n in (10, 20):
        ops.code_passage(archive, x, n, n + 5, [ids["A"]])
    for n in (30, 40):
        ops.code_passage(archive, y, n, n + 5, [ids["C"]])
    return x, ids


def undo_a_merge_coded_later_into(archive):
    """A -> B waits, C -> B follows; code in h1's article; undo the coding and C -> B."""
    x, ids = two_coders(archive, "CABD")
    ops.merge_theme(archive, ids["A"], ids["B"])
    ops.merge_theme(archive, ids["C"], ids["B"])
    ops.code_passage(archive, x, 50, 55, [ids["D"]])
    ops.undo(archive)
    ops.undo(archive)


def undo_a_merge_taken_along(archive):
    """A -> B and C -> D wait, then B -> D takes A's merge along; code in h1's article;
    undo the coding and B -> D."""
    x, ids = two_coders(archive, "ACBDE")
    ops.merge_theme(archive, ids["A"], ids["B"])
    ops.merge_theme(archive, ids["C"], ids["D"])
    ops.merge_theme(archive, ids["B"], ids["D"])
    ops.code_passage(archive, x, 50, 55, [ids["E"]])
    ops.undo(archive)
    ops.undo(archive)


def undo_a_small_merge_after_a_waiting_one(archive):
    """A -> B waits; C (one passage, h1, which A codes too) merges into B at once; undo."""
    x, ids = two_coders(archive, "ABC")
    ops.remove_theme_from_highlight(archive, 5, ids["C"])
    ops.remove_theme_from_highlight(archive, 4, ids["C"])
    ops.merge_theme(archive, ids["A"], ids["B"])
    ops.merge_theme(archive, ids["C"], ids["B"])
    ops.undo(archive)


def redo_a_merge_beside_another_waiting(archive):
    """C -> B and A -> B wait; code in A's article; undo it and A -> B, redo A -> B."""
    x, ids = two_coders(archive, "ABCD")
    ops.merge_theme(archive, ids["C"], ids["B"])
    ops.merge_theme(archive, ids["A"], ids["B"])
    ops.code_passage(archive, x, 50, 55, [ids["D"]])
    ops.undo(archive)
    ops.undo(archive)
    ops.redo(archive)


@pytest.mark.parametrize("script", [undo_a_merge_coded_later_into, undo_a_merge_taken_along,
                                    undo_a_small_merge_after_a_waiting_one,
                                    redo_a_merge_beside_another_waiting])
def test_two_merges_into_one_theme_undo_as_if_they_had_linked_at_once(tmp_path, monkeypatch,
                                                                       script):
    """A passage two merges give the same theme takes its link from the older merge: undoing
    the newer leaves it (found by review: the newer one took the link with it)."""
    waiting, at_once, problems = run_both_ways(tmp_path, monkeypatch, script)
    assert waiting == at_once
    assert problems == []


def test_a_theme_a_step_still_names_is_not_purged(archive_path, monkeypatch, later):
    """A -> B waits, B -> C takes it along; the first step is forgotten, the links added:
    A, still named by the second step, must stay for that step's undo."""
    from gleaner.core.archive import history

    monkeypatch.setattr(history, "HISTORY_LIMIT", 1)
    with Archive.open(archive_path) as archive:
        x, ids = two_coders(archive, "ABC")
        ops.merge_theme(archive, ids["A"], ids["B"])
        ops.merge_theme(archive, ids["B"], ids["C"])
        archive.repair()
        while archive.tidy():
            pass
        ops.undo(archive)  # B -> C: refused if A had been purged
        assert archive.get_highlight(1).theme_ids == (ids["B"], ids["C"])
        assert all(result.ok for result in archive.check())


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_work_looks_the_same_whether_merges_wait_or_not(tmp_path, monkeypatch, seed):
    """The same random steps (coding, merging, deleting, nesting, undo, redo) on two
    archives, one where every merge waits and pauses come at random, one where merges add
    their links at once: after every step both show the same thing, the waiting one passes
    every check, and after a final pause both hold the same links and totals."""
    rng = random.Random(seed)
    waiting = Archive.open(tmp_path / "waiting.gleaner")
    at_once = Archive.open(tmp_path / "at-once.gleaner")

    def both(action):
        """Run `action(archive)` on each; both must succeed or both be refused."""
        outcomes = []
        for archive, limit in ((waiting, rng.choice([0, 0, 2, 4])), (at_once, 10**9)):
            monkeypatch.setattr(merges, "MERGE_LATER_LINKS", limit)
            try:
                action(archive)
                outcomes.append("ok")
            except ArchiveError as error:
                outcomes.append(str(error))
        assert outcomes[0] == outcomes[1]

    try:
        article_ids = articles(waiting, copies=3)
        assert articles(at_once, copies=3) == article_ids
        lengths = {a: len(waiting.article_text(a)) for a in article_ids}
        waited = 0
        for step in range(120):
            ids = [t.id for t in waiting.list_themes()]
            choice = rng.random()
            if choice < 0.1 or len(ids) < 2:
                parent = rng.choice([None, *ids])
                both(lambda a, p=parent, n=step: ops.create_theme(a, f"Theme {n}", parent_id=p))
            elif choice < 0.45:
                article = rng.choice(article_ids)
                begin = rng.randrange(0, lengths[article] - 12)
                end = begin + rng.randrange(3, 12)
                chosen = rng.sample(ids, rng.randint(1, min(3, len(ids))))
                both(lambda a, x=article, b=begin, e=end, t=chosen:
                     ops.code_passage(a, x, b, e, t))
            elif choice < 0.58 and len(ids) > 3:
                source, target = rng.sample(ids, 2)
                both(lambda a, s=source, t=target: ops.merge_theme(a, s, t))
                waited += waiting.has_waiting_merges()
            elif choice < 0.63 and len(ids) > 3:
                gone, how = rng.choice(ids), rng.choice(["move-up", "delete"])
                both(lambda a, g=gone, h=how: ops.delete_theme(a, g, children=h))
            elif choice < 0.68:
                moved, parent = rng.choice(ids), rng.choice([None, *ids])
                both(lambda a, m=moved, p=parent: ops.move_theme(a, m, 0, p))
            elif choice < 0.76:
                highlights = waiting.list_highlights()
                if highlights:
                    pick = rng.choice(highlights)
                    what = rng.random()
                    if pick.theme_ids and what < 0.4:
                        theme = rng.choice(pick.theme_ids)
                        both(lambda a, h=pick.id, t=theme:
                             ops.remove_theme_from_highlight(a, h, t))
                    elif what < 0.8:
                        theme = rng.choice(ids)
                        both(lambda a, h=pick.id, t=theme:
                             ops.add_theme_to_highlight(a, h, t))
                    else:
                        both(lambda a, h=pick.id: ops.delete_highlight(a, h))
            elif choice < 0.79:
                gone = rng.choice(article_ids)
                both(lambda a, g=gone: ops.delete_article(a, g))
            elif choice < 0.82:
                starred = rng.choice(article_ids)
                both(lambda a, x=starred: ops.set_starred(a, x))
            elif choice < 0.93:
                both(ops.undo)
            else:
                both(ops.redo)
            if rng.random() < 0.3:
                while waiting.tidy():
                    pass
            if rng.random() < 0.05:  # as once no undo step refers to them
                with waiting.write_transaction():
                    waiting.carry_out_merges()
            assert seen(waiting) == seen(at_once), f"they differ after step {step}"
            if step % 10 == 0:
                assert all(result.ok for result in waiting.check()), (
                    f"step {step}: {[r for r in waiting.check() if not r.ok]}")
        assert waited > 1  # the waiting path was really taken
        with waiting.write_transaction():  # as once no undo step refers to them
            waiting.carry_out_merges()
        for archive in (waiting, at_once):
            while archive.tidy():
                pass
        assert seen(waiting) == seen(at_once)
        assert totals(waiting) == totals(at_once)
        assert all(stored_counts_agree(archive) and totals_agree(archive)
                   for archive in (waiting, at_once))
        links_of = "SELECT highlight_id, theme_id FROM highlight_themes h JOIN themes t " \
                   "ON t.id = h.theme_id WHERE t.deleted = 0 ORDER BY 1, 2"
        assert (waiting.db.execute(links_of).fetchall()
                == at_once.db.execute(links_of).fetchall())
    finally:
        waiting.close()
        at_once.close()
