"""Anchoring highlights: position + quote selectors, and finding the passage again."""

from __future__ import annotations

import random

import pytest

from gleaner.core.anchoring import (
    CONTEXT_CHARS,
    Anchor,
    AnchorError,
    anchor_quote,
    anchor_range,
    find_occurrences,
    resolve,
)

TEXT = (
    "Northgate City Council has voted to fund a 40-bed night shelter a short walk from the "
    "main railway station.\nThe plan was approved by 27 votes to 22.\n"
    "Supporters said the shelter would save lives. Opponents said the shelter was too close "
    "to the station.\nThe council will publish quarterly figures."
)


# --- anchor_range ------------------------------------------------------------------------------

def test_anchor_range_describes_the_slice() -> None:
    start = TEXT.index("40-bed")
    end = start + len("40-bed night shelter")
    anchor = anchor_range(TEXT, start, end)
    assert (anchor.start, anchor.end) == (start, end)
    assert anchor.exact == "40-bed night shelter"
    assert anchor.prefix == TEXT[start - CONTEXT_CHARS:start]
    assert anchor.suffix == TEXT[end:end + CONTEXT_CHARS]
    assert len(anchor.prefix) == len(anchor.suffix) == CONTEXT_CHARS == 32


def test_anchor_range_trims_whitespace() -> None:
    start = TEXT.index("The plan")
    anchor = anchor_range(TEXT, start - 1, start + len("The plan") + 1)  # "\nThe plan "
    assert anchor.exact == "The plan"
    assert anchor.start == start
    assert anchor.end == start + len("The plan")
    assert anchor.prefix.endswith("station.\n")
    assert anchor.suffix.startswith(" was approved")


def test_context_is_short_at_the_edges() -> None:
    first = anchor_range(TEXT, 0, 9)
    assert first.exact == "Northgate"
    assert first.prefix == ""
    assert first.suffix == TEXT[9:9 + 32]
    last = anchor_range(TEXT, len(TEXT) - 8, len(TEXT))
    assert last.exact == "figures."
    assert last.suffix == ""
    assert len(last.prefix) == 32


@pytest.mark.parametrize("start, end", [(-1, 5), (5, 5), (6, 5), (0, len(TEXT) + 1)])
def test_anchor_range_outside_the_text(start: int, end: int) -> None:
    with pytest.raises(AnchorError, match="outside the text"):
        anchor_range(TEXT, start, end)


def test_whitespace_only_selection() -> None:
    text = "one   \n  two"
    with pytest.raises(AnchorError, match="only whitespace"):
        anchor_range(text, 3, 9)


def test_property_random_ranges_describe_their_text() -> None:
    rng = random.Random(1102)
    for _ in range(300):
        start = rng.randrange(len(TEXT))
        end = rng.randrange(start + 1, len(TEXT) + 1)
        if not TEXT[start:end].strip():
            continue
        a = anchor_range(TEXT, start, end)
        assert TEXT[a.start:a.end] == a.exact
        assert a.exact == TEXT[start:end].strip()
        assert start <= a.start < a.end <= end
        assert len(a.prefix) <= CONTEXT_CHARS and len(a.suffix) <= CONTEXT_CHARS
        assert TEXT[a.start - len(a.prefix):a.start] == a.prefix
        assert TEXT[a.end:a.end + len(a.suffix)] == a.suffix
        assert resolve(TEXT, a) == (a.start, a.end)


# --- anchor_quote ------------------------------------------------------------------------------

def test_anchor_quote_unique() -> None:
    anchor = anchor_quote(TEXT, "quarterly figures")
    assert TEXT[anchor.start:anchor.end] == "quarterly figures"
    assert anchor.start == TEXT.index("quarterly figures")


def test_anchor_quote_strips_the_typed_quote() -> None:
    anchor = anchor_quote(TEXT, "  quarterly figures \n")
    assert anchor.exact == "quarterly figures"


def test_absent_quote() -> None:
    with pytest.raises(AnchorError, match="does not occur"):
        anchor_quote(TEXT, "a 50-bed hostel")


def test_ambiguous_quote_needs_an_occurrence() -> None:
    assert len(find_occurrences(TEXT, "the shelter")) == 2
    with pytest.raises(AnchorError, match="occurs 2 times"):
        anchor_quote(TEXT, "the shelter")


def test_occurrence_picks_the_right_one() -> None:
    first = anchor_quote(TEXT, "the shelter", occurrence=1)
    second = anchor_quote(TEXT, "the shelter", occurrence=2)
    assert first.start == TEXT.index("the shelter")
    assert second.start == TEXT.index("the shelter", first.start + 1)
    assert second.suffix.startswith(" was too close")
    assert first.suffix.startswith(" would save lives")
    assert anchor_quote(TEXT, "quarterly figures", occurrence=1).exact == "quarterly figures"


@pytest.mark.parametrize("occurrence", [0, 3, -1])
def test_occurrence_out_of_range(occurrence: int) -> None:
    with pytest.raises(AnchorError, match=f"no occurrence {occurrence}"):
        anchor_quote(TEXT, "the shelter", occurrence=occurrence)


def test_find_occurrences_counts_overlaps() -> None:
    assert find_occurrences("aaaa", "aa") == [0, 1, 2]
    assert find_occurrences("abc", "") == []
    assert find_occurrences("abc", "d") == []


# --- resolve -----------------------------------------------------------------------------------

def test_resolve_unchanged_text() -> None:
    anchor = anchor_quote(TEXT, "27 votes to 22")
    assert resolve(TEXT, anchor) == (anchor.start, anchor.end)


def test_resolve_after_an_insertion_before_the_passage() -> None:
    anchor = anchor_quote(TEXT, "27 votes to 22")
    inserted = "An editor's note was added here.\n"
    changed = inserted + TEXT
    found = resolve(changed, anchor)
    assert found == (anchor.start + len(inserted), anchor.end + len(inserted))
    assert changed[found[0]:found[1]] == anchor.exact


def test_resolve_after_a_deletion_before_the_passage() -> None:
    anchor = anchor_quote(TEXT, "quarterly figures")
    changed = TEXT.replace("Northgate City ", "")
    start, end = resolve(changed, anchor)
    assert changed[start:end] == "quarterly figures"
    assert start == anchor.start - len("Northgate City ")


def test_resolve_duplicate_quote_uses_context() -> None:
    """Both "the shelter"s move; the one whose surroundings match the anchor is chosen, even
    though the other one ends up nearer the stored offset."""
    second = anchor_quote(TEXT, "the shelter", occurrence=2)
    first = anchor_quote(TEXT, "the shelter", occurrence=1)
    shift = "x" * (second.start - first.start + 3)  # moves occurrence 1 near occurrence 2's spot
    changed = shift + TEXT
    expected_second = second.start + len(shift)
    expected_first = first.start + len(shift)
    assert abs(expected_first - second.start) < abs(expected_second - second.start)
    assert resolve(changed, second) == (expected_second, expected_second + len(second.exact))
    assert resolve(changed, first) == (expected_first, expected_first + len(first.exact))


def test_resolve_duplicate_with_edited_context() -> None:
    second = anchor_quote(TEXT, "the shelter", occurrence=2)
    changed = TEXT.replace("Supporters said", "Many supporters loudly said")
    start, end = resolve(changed, second)
    assert changed[start:end] == "the shelter"
    assert changed[end:].startswith(" was too close")


def test_resolve_removed_passage() -> None:
    anchor = anchor_quote(TEXT, "27 votes to 22")
    assert resolve(TEXT.replace("27 votes to 22", "a narrow margin"), anchor) is None
    assert resolve("", anchor) is None


def test_resolve_hand_made_anchor() -> None:
    anchor = Anchor(start=1000, end=1011, exact="the station", prefix="too close to ",
                    suffix=".\nThe council")
    start, end = resolve(TEXT, anchor)
    assert TEXT[start:end] == "the station"
    assert TEXT[end:].startswith(".\nThe council")
