"""Re-anchoring: finding highlights again when an article's text changes (anchors that are
never lost)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import Levenshtein

from gleaner.core import operations as ops
from gleaner.core.anchoring import (
    FUZZY_THRESHOLD,
    Anchor,
    AnchorError,
    Reanchorer,
    anchor_quote,
    anchor_range,
    find_occurrences,
    normalise_space,
    reanchor,
)
from gleaner.core.archive import Archive, NotFound
from gleaner.core.models import CapturedArticle

TEXT = (
    "Northgate City Council has voted to fund a 40-bed night shelter a short walk from the "
    "main railway station.\n\nThe plan was approved by 27 votes to 22 after a debate that "
    "lasted most of the evening.\n\nSupporters said the shelter would save lives this winter. "
    "Opponents said the shelter was too close to the station and to two primary schools.\n\n"
    "The council will publish quarterly figures on how many beds are used each night."
)
LONG = "Supporters said the shelter would save lives this winter."


def placed(text: str, anchor: Anchor):
    """The placement and the text it covers."""
    placement = reanchor(text, anchor)
    assert placement is not None
    return placement, text[placement.start:placement.end]


# --- stage 1: the stored position --------------------------------------------------------------

def test_unchanged_text_keeps_every_position() -> None:
    for quote in ("Northgate", "27 votes to 22", LONG, "beds are used each night."):
        anchor = anchor_quote(TEXT, quote)
        placement = reanchor(TEXT, anchor)
        assert (placement.start, placement.end, placement.how) == (
            anchor.start, anchor.end, "position")


def test_an_edit_after_the_passage_keeps_its_position() -> None:
    anchor = anchor_quote(TEXT, "27 votes to 22")
    changed = TEXT.replace("quarterly figures", "monthly figures")
    assert reanchor(changed, anchor).how == "position"


def test_the_same_words_at_the_old_offsets_in_another_context_are_not_trusted() -> None:
    """Text inserted before the passage brings another "the shelter" to the stored offsets:
    the context tells that it is not the highlighted one."""
    anchor = anchor_quote(TEXT, "the shelter", occurrence=2)
    gap = anchor.start - TEXT.index("the shelter")
    changed = "x" * gap + TEXT
    assert changed[anchor.start:anchor.end] == "the shelter"
    placement, quote = placed(changed, anchor)
    assert quote == "the shelter"
    assert placement.start == anchor.start + gap
    assert placement.how == "quote"


# --- stage 2: the quote and its context --------------------------------------------------------

def test_a_moved_passage_is_found_by_its_quote() -> None:
    anchor = anchor_quote(TEXT, "27 votes to 22")
    paragraphs = TEXT.split("\n\n")
    moved = "\n\n".join([paragraphs[2], paragraphs[0], paragraphs[3], paragraphs[1]])
    placement, quote = placed(moved, anchor)
    assert quote == "27 votes to 22"
    assert placement.start == moved.index("27 votes to 22")
    assert placement.how == "quote"


def test_a_repeated_quote_takes_the_occurrence_whose_context_matches_best() -> None:
    first = anchor_quote(TEXT, "the shelter", occurrence=1)
    second = anchor_quote(TEXT, "the shelter", occurrence=2)
    # Both contexts are damaged a little, the second one's prefix more; it is still the
    # occurrence whose surroundings match the second anchor best.
    changed = ("Preface.\n\n" + TEXT).replace("Supporters said", "Supporters have said") \
        .replace("Opponents said", "Opponents argued")
    starts = find_occurrences(changed, "the shelter")
    assert len(starts) == 2
    assert placed(changed, first)[0].start == starts[0]
    assert placed(changed, second)[0].start == starts[1]


def test_a_repeated_quote_with_equal_context_stays_nearest_its_old_place() -> None:
    text = "one two three. one two three. one two three."
    anchor = anchor_range(text, 15, 28)  # the second "one two three"
    changed = "zero. " + text
    placement, _ = placed(changed, anchor)
    assert placement.start == 15 + len("zero. ")


@pytest.mark.parametrize("changed_quote", [
    "Supporters  said the shelter would save lives this winter.",
    "Supporters said the\nshelter would save lives\n\nthis winter.",
    "Supporters\tsaid the shelter would save lives this  winter.",
])
def test_whitespace_changes_inside_the_quote_are_found(changed_quote: str) -> None:
    anchor = anchor_quote(TEXT, LONG)
    changed = ("New lede.\n" + TEXT).replace(LONG, changed_quote)
    placement, quote = placed(changed, anchor)
    assert quote == changed_quote
    assert placement.how == "quote"


def test_a_quote_split_by_a_removed_space_is_still_found_fuzzily() -> None:
    anchor = anchor_quote(TEXT, LONG)
    changed = TEXT.replace("save lives", "savelives")
    placement, quote = placed(changed, anchor)
    assert quote == LONG.replace("save lives", "savelives")
    assert placement.how == "fuzzy"


# --- stage 3: fuzzy ----------------------------------------------------------------------------

def test_a_word_changed_inside_a_long_quote() -> None:
    anchor = anchor_quote(TEXT, LONG)
    changed = TEXT.replace("would save lives", "would certainly save many lives")
    placement, quote = placed(changed, anchor)
    assert quote == "Supporters said the shelter would certainly save many lives this winter."
    assert placement.how == "fuzzy"


def test_a_change_at_the_start_of_a_long_quote_moves_its_start() -> None:
    """The first piece of the quote is gone; the start is found where the rest matches."""
    quote = "The plan was approved by 27 votes to 22 after a debate"
    anchor = anchor_quote(TEXT, quote)
    changed = TEXT.replace("The plan was approved", "The proposal was passed")
    placement, found = placed(changed, anchor)
    assert found == "The proposal was passed by 27 votes to 22 after a debate"
    assert placement.how == "fuzzy"


def test_a_change_at_the_end_of_a_long_quote_moves_its_end() -> None:
    anchor = anchor_quote(TEXT, LONG)
    changed = TEXT.replace("this winter.", "in the coming cold months.")
    _, found = placed(changed, anchor)
    assert found == "Supporters said the shelter would save lives in the coming cold months."


def test_a_long_quote_is_anchored_by_head_and_tail_after_moving() -> None:
    """A 150-character quote (well over the 32 characters a bitap pattern may have) moves
    to another paragraph and loses a word in its middle; its head and tail find it."""
    quote = ("Opponents said the shelter was too close to the station and to two primary "
             "schools.\n\nThe council will publish quarterly figures on how many beds")
    assert len(quote) > 140
    anchor = anchor_quote(TEXT, quote)
    paragraphs = TEXT.replace("quarterly figures", "figures").split("\n\n")
    moved = "\n\n".join([paragraphs[2], paragraphs[3], paragraphs[0], paragraphs[1]])
    placement, found = placed(moved, anchor)
    assert found == quote.replace("quarterly figures", "figures")
    assert placement.start == moved.index("Opponents said")
    assert placement.how == "fuzzy"


def test_a_short_quote_found_by_its_prefix_alone_gets_its_end_from_the_text() -> None:
    """Shorter than a seed piece, changed, and its suffix rewritten: the prefix says where it
    starts; where it ends is where the text is most like the quote."""
    anchor = anchor_quote(TEXT, "27 votes to 22")
    changed = TEXT.replace("27 votes to 22 after a debate", "27 votes to 23, said the clerk,")
    placement, found = placed(changed, anchor)
    assert found == "27 votes to 23"
    assert placement.how == "fuzzy"


def test_a_changed_quote_at_the_very_end_of_the_text() -> None:
    anchor = anchor_quote(TEXT, "how many beds are used each night.")
    changed = TEXT.replace("each night.", "every night.")
    placement, found = placed(changed, anchor)
    assert found == "how many beds are used every night."
    assert placement.end == len(changed)


def test_a_destroyed_passage_is_not_placed() -> None:
    anchor = anchor_quote(TEXT, "27 votes to 22 after a debate that lasted most of the evening")
    changed = TEXT.replace("27 votes to 22 after a debate that lasted most of the evening",
                           "a show of hands on Tuesday")
    assert reanchor(changed, anchor) is None


def test_a_short_quote_whose_words_changed_is_not_placed() -> None:
    anchor = anchor_quote(TEXT, "27 votes to 22")
    assert reanchor(TEXT.replace("27 votes to 22", "a narrow margin"), anchor) is None


def test_a_passage_is_not_placed_in_an_unrelated_text() -> None:
    other = ("The river rose two metres overnight and the bridge on Mill Lane was closed to "
             "traffic.\n\nResidents were told to move cars away from the embankment.") * 3
    for quote in ("night shelter", LONG, "27 votes to 22", "the station"):
        assert reanchor(other, anchor_quote(TEXT, quote, occurrence=1)) is None


def test_similar_text_elsewhere_needs_the_threshold() -> None:
    """A look-alike sentence about something else is below the threshold; a one-word change
    is above it."""
    anchor = anchor_quote(TEXT, LONG)
    lookalike = "Residents said the bridge would cost lives this spring."
    assert reanchor(TEXT.replace(LONG, lookalike), anchor) is None
    one_word = LONG.replace("winter", "autumn")
    placement, found = placed(TEXT.replace(LONG, one_word), anchor)
    assert found == one_word
    assert FUZZY_THRESHOLD > 0.5


def test_an_empty_text_places_nothing() -> None:
    assert reanchor("", anchor_quote(TEXT, LONG)) is None
    assert reanchor("   \n", anchor_quote(TEXT, LONG)) is None


def test_flat_offsets_map_back_to_the_text() -> None:
    text = "a  b \n\n c\td   e "
    finder = Reanchorer(text)
    assert finder.flat == normalise_space(text) == "a b c d e "
    for flat_index, char in enumerate(finder.flat):
        raw = finder._raw(flat_index)
        assert text[raw] == char or (char == " " and text[raw].isspace())
        if not char.isspace():
            assert finder._flat(raw) == flat_index


# --- property tests ----------------------------------------------------------------------------

WORDS = tuple(re.findall(r"\w+", """
    council shelter station plan vote winter beds night city river bridge school budget figures
    supporters opponents residents debate evening lives mayor report street housing funding week
    year people said would could the a of to and in on was were has have more less new old first
    last public local"""))
SEPARATORS = (" ", " ", " ", "  ", "\n", "\t", " \n ")
QUOTE_OPEN, QUOTE_CLOSE = "\x00", "\x01"  # markers carried through the edits


@st.composite
def documents(draw) -> tuple[str, int, int]:
    """A text of paragraphs of sentences, and a range of whole words inside one paragraph."""
    sentence = st.lists(st.sampled_from(WORDS), min_size=3, max_size=12).map(
        lambda words: " ".join(words).capitalize() + ".")
    paragraphs = draw(st.lists(st.lists(sentence, min_size=1, max_size=4).map(" ".join),
                               min_size=1, max_size=6))
    text = "\n\n".join(paragraphs)
    words = [match.span() for match in re.finditer(r"\S+", text)]
    first = draw(st.integers(0, len(words) - 1))
    last = draw(st.integers(first, min(len(words) - 1, first + 15)))
    start, end = words[first][0], words[last][1]
    if "\n\n" in text[start:end]:  # keep the quote inside one paragraph
        end = start + text[start:end].index("\n\n")
    return text, start, end


def filler(draw) -> str:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=6))
    return draw(st.sampled_from(SEPARATORS)).join(words) + draw(st.sampled_from(
        (" ", "\n\n", ". ", "")))


def edit_outside(draw, text: str) -> str:
    """One random edit of text that leaves what lies between the markers alone."""
    opened, closed = text.index(QUOTE_OPEN), text.index(QUOTE_CLOSE)
    outside = [*range(0, opened + 1), *range(closed + 1, len(text) + 1)]
    kind = draw(st.sampled_from(("insert", "delete", "whitespace", "move")))
    if kind == "insert":
        at = draw(st.sampled_from(outside))
        return text[:at] + filler(draw) + text[at:]
    if kind == "delete":
        start = draw(st.sampled_from(outside))
        limit = opened if start <= opened else len(text)
        end = draw(st.integers(start, min(limit, start + 40)))
        return text[:start] + text[end:]
    if kind == "whitespace":
        runs = [m.span() for m in re.finditer(r"\s+", text)
                if m.end() <= opened or m.start() > closed]
        if not runs:
            return text
        start, end = draw(st.sampled_from(runs))
        return text[:start] + draw(st.sampled_from(SEPARATORS + ("\n\n", ""))) + text[end:]
    paragraphs = text.split("\n\n")
    moved = paragraphs.pop(draw(st.integers(0, len(paragraphs) - 1)))
    paragraphs.insert(draw(st.integers(0, len(paragraphs))), moved)
    return "\n\n".join(paragraphs)


def edit_anywhere(draw, text: str) -> str:
    """One random edit anywhere: insertion, deletion, whitespace change, paragraph move."""
    kind = draw(st.sampled_from(("insert", "delete", "whitespace", "move")))
    if kind == "insert":
        at = draw(st.integers(0, len(text)))
        return text[:at] + filler(draw) + text[at:]
    if kind == "delete":
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 60)))
        return text[:start] + text[end:]
    if kind == "whitespace":
        runs = [m.span() for m in re.finditer(r"\s+", text)]
        if not runs:
            return text
        start, end = draw(st.sampled_from(runs))
        return text[:start] + draw(st.sampled_from(SEPARATORS + ("\n\n",))) + text[end:]
    paragraphs = text.split("\n\n")
    moved = paragraphs.pop(draw(st.integers(0, len(paragraphs) - 1)))
    paragraphs.insert(draw(st.integers(0, len(paragraphs))), moved)
    return "\n\n".join(paragraphs)


def edit_inside(draw, text: str, start: int, end: int) -> str:
    """One random edit that starts inside text[start:end]: a word replaced, an insertion or
    a deletion (which may run past the passage's end)."""
    at = draw(st.integers(start, end))
    kind = draw(st.sampled_from(("replace", "insert", "delete")))
    if kind == "replace":
        word = re.search(r"\S+", text[at:end])
        if word is None:
            return text
        return (text[:at + word.start()] + draw(st.sampled_from(WORDS))
                + text[at + word.end():])
    if kind == "insert":
        return text[:at] + filler(draw) + text[at:]
    return text[:at] + text[draw(st.integers(at, min(len(text), at + 30))):]


@settings(max_examples=150, deadline=None)
@given(document=documents(), data=st.data())
def test_property_an_unchanged_quote_is_found_at_its_new_place(document, data) -> None:
    text, start, end = document
    anchor = anchor_range(text, start, end)
    marked = (text[:anchor.start] + QUOTE_OPEN + anchor.exact + QUOTE_CLOSE
              + text[anchor.end:])
    for _ in range(data.draw(st.integers(1, 8), label="edits")):
        marked = edit_outside(data.draw, marked)
    new_start = marked.index(QUOTE_OPEN)
    new_end = marked.index(QUOTE_CLOSE) - 1
    new_text = marked.replace(QUOTE_OPEN, "").replace(QUOTE_CLOSE, "")
    assert new_text[new_start:new_end] == anchor.exact

    placement = reanchor(new_text, anchor)

    assert placement is not None
    assert new_text[placement.start:placement.end] == anchor.exact
    # Where the passage is unambiguous — its words (whitespace aside) occur once, or its
    # untouched context occurs once — the very place it moved to is found.
    flat = normalise_space(new_text)
    context_kept = (new_text[max(0, new_start - len(anchor.prefix)):new_start] == anchor.prefix
                    and new_text[new_end:new_end + len(anchor.suffix)] == anchor.suffix)
    whole = normalise_space(anchor.prefix + anchor.exact + anchor.suffix)
    if (len(find_occurrences(flat, normalise_space(anchor.exact))) == 1
            or (context_kept and len(find_occurrences(flat, whole)) == 1)):
        assert (placement.start, placement.end) == (new_start, new_end)


@settings(max_examples=100, deadline=None)
@given(document=documents(), data=st.data())
def test_property_whitespace_changes_inside_a_quote_are_found(document, data) -> None:
    text, start, end = document
    anchor = anchor_range(text, start, end)
    inside = re.sub(r"\s+", lambda _: data.draw(st.sampled_from(SEPARATORS + ("\n\n",))),
                    anchor.exact)
    new_text = text[:anchor.start] + inside + text[anchor.end:]
    placement = reanchor(new_text, anchor)
    assert placement is not None
    found = new_text[placement.start:placement.end]
    assert normalise_space(found) == normalise_space(anchor.exact)
    if len(find_occurrences(normalise_space(new_text), normalise_space(anchor.exact))) == 1:
        assert (placement.start, placement.end) == (anchor.start, anchor.start + len(inside))


@settings(max_examples=150, deadline=None)
@given(document=documents(), data=st.data())
def test_property_any_edit_gives_a_valid_placement_or_none(document, data) -> None:
    """Edits anywhere, inside the passage too: a placement, if any, is a non-empty range of
    the new text without whitespace at its ends, as much like the quote as the threshold
    asks (or the quote itself)."""
    text, start, end = document
    anchor = anchor_range(text, start, end)
    new_text = edit_inside(data.draw, text, anchor.start, anchor.end)
    for _ in range(data.draw(st.integers(0, 5), label="more edits")):
        new_text = edit_anywhere(data.draw, new_text)
    placement = reanchor(new_text, anchor)
    event(placement.how if placement else "not placed")
    if placement is None:
        return
    found = new_text[placement.start:placement.end]
    assert 0 <= placement.start < placement.end <= len(new_text)
    assert found == found.strip()
    if placement.how == "fuzzy":
        assert Levenshtein.normalized_similarity(
            normalise_space(anchor.exact), normalise_space(found)) >= FUZZY_THRESHOLD
    else:
        assert normalise_space(found) == normalise_space(anchor.exact)


def captured(text: str, url: str) -> CapturedArticle:
    return CapturedArticle(
        url_requested=url, url=url, title="Generated", byline="", authors=[], site_name="",
        published=None, language="en", excerpt="", html="", blocks=[], text=text,
        original_html=b"", original_charset="utf-8")


def test_property_no_highlight_is_ever_lost() -> None:
    """Arbitrary edits, inside passages too: every highlight is placed on text equal to its
    new quote, or orphaned with its old offsets and quote; none is dropped."""
    with tempfile.TemporaryDirectory() as folder:
        archive = Archive.open(Path(folder) / "property.gleaner")
        try:
            _check_no_highlight_is_lost(archive)
        finally:
            archive.close()


def _check_no_highlight_is_lost(archive: Archive) -> None:
    counter = iter(range(10**6))

    @settings(max_examples=100, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(document=documents(), data=st.data())
    def check(document, data) -> None:
        text = document[0]
        article_id = archive.save_article(captured(text, f"https://x.example/{next(counter)}"))[0]
        words = [m.span() for m in re.finditer(r"\S+(?:\s+\S+){0,6}", text)]
        chosen = data.draw(st.lists(st.sampled_from(words), min_size=1, max_size=6))
        ids = [archive.add_highlight(article_id, start, end).id for start, end in chosen]
        before = {h.id: h for h in archive.list_highlights(article_id=article_id)}
        new_text = edit_inside(data.draw, text, *chosen[0])
        for _ in range(data.draw(st.integers(0, 5), label="more edits")):
            new_text = edit_anywhere(data.draw, new_text)

        with archive.step("Re-extract article"):
            archive.db.execute("UPDATE article_contents SET text = ? WHERE article_id = ?",
                               [new_text, article_id])
            report = archive.reanchor_highlights(article_id, new_text)

        assert sorted(entry.highlight_id for entry in report) == sorted(ids)
        after = {h.id: h for h in archive.list_highlights(article_id=article_id)}
        assert sorted(after) == sorted(ids)
        how = {entry.highlight_id: entry.how for entry in report}
        for outcome in set(how.values()):
            event(outcome)  # see --hypothesis-show-statistics: every outcome is exercised
        for highlight_id, highlight in after.items():
            old = before[highlight_id]
            if how[highlight_id] == "orphaned":
                assert highlight.orphaned
                assert (highlight.start, highlight.end, highlight.exact) == (
                    old.start, old.end, old.exact)
            else:
                assert not highlight.orphaned
                assert new_text[highlight.start:highlight.end] == highlight.exact
                assert highlight.exact and highlight.exact == highlight.exact.strip()
            revisions = archive.highlight_revisions(highlight_id)
            assert len(revisions) == (highlight.exact != old.exact)
            if revisions:
                assert revisions[0]["exact"] == old.exact

    check()


# --- in the archive ----------------------------------------------------------------------------

@pytest.fixture
def article_id(archive: Archive) -> int:
    return archive.save_article(captured(TEXT, "https://news.example/shelter"))[0]


def span(text: str, quote: str, occurrence: int = 1) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence):
        start = text.index(quote, start + 1)
    return start, start + len(quote)


def state(archive: Archive, article_id: int) -> tuple[list, list]:
    """Everything re-anchoring may change: the article's highlights and their revisions."""
    highlights = list(archive.db.query(
        "SELECT * FROM highlights WHERE article_id = ? ORDER BY id", [article_id]))
    revisions = list(archive.db.query(
        "SELECT * FROM highlight_revisions ORDER BY id"))
    return highlights, revisions


def re_extract(archive: Archive, article_id: int, new_text: str):
    """What re-extraction does: replace the text and re-anchor, in one step."""
    with archive.step("Re-extract article") as recorder:
        archive._watch("article_contents", "article_id = ?", [article_id])
        archive.db.execute("UPDATE article_contents SET text = ? WHERE article_id = ?",
                           [new_text, article_id])
        report = archive.reanchor_highlights(article_id, new_text)
    return report, recorder.changes()


CHANGED = ("Breaking: an update.\n\n" + TEXT).replace(
    "would save lives", "would certainly save lives").replace(
    "27 votes to 22", "a narrow margin")


def test_reanchor_highlights_places_moves_and_orphans(archive: Archive, article_id: int) -> None:
    theme = archive.list_themes()[0].id
    kept = archive.add_highlight(article_id, *span(TEXT, "night shelter"), [theme], "a note")
    edited = archive.add_highlight(article_id, *span(TEXT, LONG))
    gone = archive.add_highlight(article_id, *span(TEXT, "27 votes to 22"))
    unmoved = archive.add_highlight(article_id, *span(TEXT, "Northgate"))

    report, changes = re_extract(archive, article_id, CHANGED)

    assert {entry.highlight_id: entry.how for entry in report} == {
        kept.id: "quote", edited.id: "fuzzy", gone.id: "orphaned", unmoved.id: "quote"}
    now = {h.id: h for h in archive.list_highlights(article_id=article_id)}
    assert CHANGED[now[kept.id].start:now[kept.id].end] == "night shelter"
    assert now[kept.id].theme_ids == (theme,) and now[kept.id].note == "a note"
    assert now[edited.id].exact == LONG.replace("would save", "would certainly save")
    assert CHANGED[now[edited.id].start:now[edited.id].end] == now[edited.id].exact
    assert now[edited.id].prefix == CHANGED[now[edited.id].start - 32:now[edited.id].start]
    assert now[gone.id].orphaned
    assert (now[gone.id].start, now[gone.id].exact) == (gone.start, "27 votes to 22")
    assert not any(now[h].orphaned for h in (kept.id, edited.id, unmoved.id))
    assert archive.highlight_revisions(edited.id)[0]["exact"] == LONG
    assert archive.highlight_revisions(edited.id)[0]["start"] == edited.start
    assert archive.highlight_revisions(kept.id) == []  # same words: no revision
    assert {kept.id, edited.id, gone.id} <= changes.highlights
    assert article_id in changes.articles


def test_undoing_a_re_extraction_restores_everything_exactly(archive: Archive,
                                                             article_id: int) -> None:
    for quote in ("night shelter", LONG, "27 votes to 22"):
        archive.add_highlight(article_id, *span(TEXT, quote))
    before = state(archive, article_id)
    re_extract(archive, article_id, CHANGED)
    after = state(archive, article_id)
    assert after != before

    ops.undo(archive)
    assert state(archive, article_id) == before
    assert archive.article_text(article_id) == TEXT
    ops.redo(archive)
    assert state(archive, article_id) == after
    assert archive.article_text(article_id) == CHANGED


def test_an_orphan_is_placed_again_when_its_text_returns(archive: Archive,
                                                         article_id: int) -> None:
    highlight = archive.add_highlight(article_id, *span(TEXT, "27 votes to 22"))
    re_extract(archive, article_id, CHANGED)
    assert archive.get_highlight(highlight.id).orphaned
    report, _ = re_extract(archive, article_id, "Preface.\n\n" + TEXT)
    again = archive.get_highlight(highlight.id)
    assert report[0].how == "quote" and not again.orphaned
    assert again.start == highlight.start + len("Preface.\n\n")
    assert archive.highlight_revisions(highlight.id) == []


def test_re_anchoring_an_unchanged_text_changes_nothing(archive: Archive,
                                                       article_id: int) -> None:
    archive.add_highlight(article_id, *span(TEXT, LONG))
    before = state(archive, article_id)
    steps = len(archive.history())
    report, changes = re_extract(archive, article_id, TEXT)
    assert [entry.how for entry in report] == ["position"]
    assert state(archive, article_id) == before
    assert len(archive.history()) == steps  # nothing changed: no undo step
    assert not changes.highlights


def test_reattach_an_orphan_and_undo(archive: Archive, article_id: int) -> None:
    highlight = archive.add_highlight(article_id, *span(TEXT, "27 votes to 22"))
    re_extract(archive, article_id, CHANGED)
    before = state(archive, article_id)

    start, end = span(CHANGED, "a narrow margin")
    result = ops.reattach_highlight(archive, highlight.id, start - 1, end + 1)

    assert result.label == "Re-attach highlight"
    assert result.undo_label == "Re-attach highlight"
    moved = result.value
    assert (moved.start, moved.end, moved.exact) == (start, end, "a narrow margin")
    assert not moved.orphaned
    assert moved.prefix == CHANGED[start - 32:start]
    assert highlight.id in result.changes.highlights
    assert archive.highlight_revisions(highlight.id) == [
        {"start": highlight.start, "end": highlight.end, "exact": "27 votes to 22",
         "replaced_at": archive.highlight_revisions(highlight.id)[0]["replaced_at"]}]

    undone = ops.undo(archive)
    assert undone.label == "Re-attach highlight"
    assert state(archive, article_id) == before
    assert archive.get_highlight(highlight.id).orphaned
    ops.redo(archive)
    assert archive.get_highlight(highlight.id).exact == "a narrow margin"


def test_reattach_to_the_same_words_elsewhere_keeps_the_old_place(archive: Archive,
                                                                  article_id: int) -> None:
    first, second = span(TEXT, "the shelter", 1), span(TEXT, "the shelter", 2)
    highlight = archive.add_highlight(article_id, *first)
    ops.reattach_highlight(archive, highlight.id, *second)
    assert archive.get_highlight(highlight.id).start == second[0]
    assert [(r["start"], r["exact"]) for r in archive.highlight_revisions(highlight.id)] == [
        (first[0], "the shelter")]


def test_reattach_where_it_already_is_changes_nothing(archive: Archive, article_id: int) -> None:
    highlight = archive.add_highlight(article_id, *span(TEXT, LONG))
    steps = len(archive.history())
    result = ops.reattach_highlight(archive, highlight.id, highlight.start, highlight.end)
    assert result.value == highlight
    assert len(archive.history()) == steps
    assert archive.highlight_revisions(highlight.id) == []


def test_reattach_refuses_a_missing_highlight_or_a_bad_range(archive: Archive,
                                                            article_id: int) -> None:
    highlight = archive.add_highlight(article_id, *span(TEXT, LONG))
    with pytest.raises(NotFound):
        ops.reattach_highlight(archive, highlight.id + 100, 0, 5)
    with pytest.raises(AnchorError):
        ops.reattach_highlight(archive, highlight.id, 0, len(TEXT) + 5)
    with pytest.raises(AnchorError):
        ops.reattach_highlight(archive, highlight.id, 107, 109)  # whitespace only
    assert archive.get_highlight(highlight.id) == highlight
