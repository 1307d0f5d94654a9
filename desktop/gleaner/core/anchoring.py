"""Anchoring highlights in an article's canonical text.

A highlight is stored the way the W3C Web Annotation model describes a robust anchor: a
TextPositionSelector (start, end offsets into the text) together with a TextQuoteSelector
(the exact quote plus a little context before and after). The position is fast and exact; the
quote lets us find the passage again, or notice it has gone, if the text ever changes
(`reanchor`, used when an article is extracted again).
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass

CONTEXT_CHARS = 32


class AnchorError(ValueError):
    """A quote or range that cannot be anchored in the text."""


@dataclass(frozen=True)
class Anchor:
    """A TextPositionSelector and a TextQuoteSelector describing the same passage."""

    start: int
    end: int
    exact: str
    prefix: str
    suffix: str


def anchor_range(text: str, start: int, end: int) -> Anchor:
    """Describe text[start:end]; surrounding whitespace is trimmed from the range first."""
    if not 0 <= start < end <= len(text):
        raise AnchorError(f"range {start}–{end} is outside the text (length {len(text)})")
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        raise AnchorError("the selection holds only whitespace")
    return Anchor(
        start=start,
        end=end,
        exact=text[start:end],
        prefix=text[max(0, start - CONTEXT_CHARS):start],
        suffix=text[end:end + CONTEXT_CHARS],
    )


def find_occurrences(text: str, quote: str) -> list[int]:
    """Start offsets of every occurrence of quote in text (overlapping ones included)."""
    if not quote:
        return []
    found, index = [], text.find(quote)
    while index != -1:
        found.append(index)
        index = text.find(quote, index + 1)
    return found


def anchor_quote(text: str, quote: str, occurrence: int | None = None) -> Anchor:
    """Anchor the exact quote in text.

    occurrence (1-based) picks one when the quote appears more than once; without it an
    ambiguous quote is an error, because coding the wrong passage silently is worse.
    """
    quote = quote.strip()
    starts = find_occurrences(text, quote)
    if not starts:
        raise AnchorError("the quote does not occur in the article's text")
    if occurrence is None:
        if len(starts) > 1:
            raise AnchorError(f"the quote occurs {len(starts)} times; "
                              f"say which occurrence (1–{len(starts)}) to highlight")
        occurrence = 1
    if not 1 <= occurrence <= len(starts):
        raise AnchorError(f"there is no occurrence {occurrence}; the quote occurs {len(starts)} "
                          f"time{'s' if len(starts) != 1 else ''}")
    start = starts[occurrence - 1]
    return anchor_range(text, start, start + len(quote))


def resolve(text: str, anchor: Anchor) -> tuple[int, int] | None:
    """Where the anchored passage is in text now, or None if it can no longer be found.

    The stored position wins when the quote is still there; otherwise the occurrence whose
    surrounding context best matches the stored prefix and suffix is chosen.
    """
    if text[anchor.start:anchor.end] == anchor.exact:
        return anchor.start, anchor.end
    starts = find_occurrences(text, anchor.exact)
    if not starts:
        return None

    def context_score(start: int) -> tuple[int, int]:
        before = text[max(0, start - len(anchor.prefix)):start]
        after = text[start + len(anchor.exact):start + len(anchor.exact) + len(anchor.suffix)]
        matched = _common_suffix(before, anchor.prefix) + _common_prefix(after, anchor.suffix)
        return matched, -abs(start - anchor.start)

    best = max(starts, key=context_score)
    return best, best + len(anchor.exact)


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _common_suffix(a: str, b: str) -> int:
    return _common_prefix(a[::-1], b[::-1])


# --- finding a passage again in a changed text ---------------------------------------------------

POSITION, QUOTE, FUZZY = "position", "quote", "fuzzy"

# How alike (Levenshtein similarity, 0–1, whitespace runs counted as one space) a passage must be
# to the stored quote for a fuzzy match to place the highlight there. Measured on the prose of
# the test fixtures: unrelated passages of 20 characters or more scored at most 0.55 (median
# 0.15), while a passage of 40 characters or more with one word replaced scored 0.76 or more in
# 95 of 100 cases (0.57 at worst). 0.65 keeps a margin above anything unrelated; a short quote
# that lost a word falls below it and is orphaned, for the reader to re-attach, rather than
# being put somewhere that merely looks alike.
FUZZY_THRESHOLD = 0.65

SEED_CHARS = 16  # length of the pieces of a quote and its context searched for exactly
MAX_SEEDS = 32  # pieces taken from a long quote (evenly spread)
MAX_SEED_HITS = 50  # occurrences of one piece considered (a piece this common says little)
MAX_CANDIDATES = 8  # places, best supported first, where a fuzzy match is tried

_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Placement:
    """Where an anchored passage is in a new text, and which stage found it: "position" (it is
    still at its stored offsets), "quote" (its quote, whitespace aside, is elsewhere; context
    chose among repeats) or "fuzzy" (a passage close enough to the quote)."""

    start: int
    end: int
    how: str


def normalise_space(text: str) -> str:
    """text with each run of whitespace (spaces, tabs, line breaks) turned into one space."""
    return _WHITESPACE.sub(" ", text)


def reanchor(text: str, anchor: Anchor) -> Placement | None:
    """Where anchor's passage is in text (a new version of its article), or None if it cannot
    be placed. See `Reanchorer.place`."""
    return Reanchorer(text).place(anchor)


class Reanchorer:
    """Finds anchored passages again in one text. Build one per text and place all of an
    article's highlights with it: its whitespace-normalised view is computed once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.flat = normalise_space(text)
        # Only runs of two or more whitespace characters shift offsets: after such a run,
        # flat offset i is raw offset i + shift. `_breaks[k]` is the first flat offset with
        # shift `_shifts[k]`.
        self._breaks, self._shifts = [0], [0]
        removed = 0  # characters the runs so far lost
        for run in _WHITESPACE.finditer(text):
            length = run.end() - run.start()
            if length > 1:
                # The run is one space at flat offset run.start() - removed; what follows it
                # moves back by length - 1 more.
                self._breaks.append(run.start() - removed + 1)
                removed += length - 1
                self._shifts.append(removed)
        self._raw_breaks: list[int] | None = None  # the breaks as raw offsets, when needed

    def place(self, anchor: Anchor) -> Placement | None:
        """Find the anchored passage: at its stored position if the quote and its context are
        still there; else the quote (whitespace aside) where its context matches best, nearest
        the stored position among equals; else a passage similar enough to the quote
        (`FUZZY_THRESHOLD`). None when none of these finds it."""
        exact = anchor.exact.strip()
        if not exact or not self.text:
            return None
        if self._still_in_place(anchor):
            return Placement(anchor.start, anchor.end, POSITION)
        target = _Target(normalise_space(exact), normalise_space(anchor.prefix),
                         normalise_space(anchor.suffix), exact, anchor)
        found = self._by_quote(target) or self._by_similarity(target)
        if found is None:
            return None
        start, end, how = found
        # The range may begin or end with whitespace (fuzzy matches): trim it.
        while start < end and self.text[start].isspace():
            start += 1
        while end > start and self.text[end - 1].isspace():
            end -= 1
        if start == end:
            return None
        if (start, end) == (anchor.start, anchor.end) and self.text[start:end] == anchor.exact:
            how = POSITION
        return Placement(start, end, how)

    # --- stages ------------------------------------------------------------------------------

    def _still_in_place(self, anchor: Anchor) -> bool:
        start, end, text = anchor.start, anchor.end, self.text
        return (0 <= start < end <= len(text) and text[start:end] == anchor.exact
                and text[max(0, start - len(anchor.prefix)):start] == anchor.prefix
                and text[end:end + len(anchor.suffix)] == anchor.suffix)

    def _by_quote(self, target: _Target) -> tuple[int, int, str] | None:
        """The quote as it was, else the quote with its whitespace changed; among several
        occurrences, the one whose context matches best (nearest the old place among
        equals). An unchanged quote beats a whitespace variant whatever their contexts:
        the stored words are the surest sign of the passage."""
        exact, anchor = target.exact, target.anchor
        # The quote with its whole context, once: the usual case of a passage that moved.
        whole = find_occurrences(self.text, anchor.prefix + exact + anchor.suffix)
        if len(whole) == 1:
            start = whole[0] + len(anchor.prefix)
            return start, start + len(exact), QUOTE
        starts = find_occurrences(self.text, exact)
        if starts:
            best = max(starts, key=lambda start: (
                self._context_score(target, self._flat(start), len(target.quote)),
                -abs(start - anchor.start)))
            return best, best + len(exact), QUOTE
        flat_starts = find_occurrences(self.flat, target.quote)
        if not flat_starts:
            return None
        best = max(flat_starts, key=lambda flat_start: (
            self._context_score(target, flat_start, len(target.quote)),
            -abs(self._raw(flat_start) - anchor.start)))
        return (*self._raw_range(best, best + len(target.quote)), QUOTE)

    def _by_similarity(self, target: _Target) -> tuple[int, int, str] | None:
        # Imported here: only a re-extraction that moved text needs it, and the archive
        # process starts faster without it.
        from rapidfuzz.distance import Levenshtein

        best: tuple[float, int, int, int] | None = None  # (score, -distance, start, end)
        for candidate in self._candidates(target):
            start, end = self._refine(target.quote, candidate)
            score = Levenshtein.normalized_similarity(target.quote, self.flat[start:end])
            raw_start, raw_end = self._raw_range(start, end)
            key = (score, -abs(raw_start - target.old_start), raw_start, raw_end)
            if best is None or key[:2] > best[:2]:
                best = key
        if best is None or best[0] < FUZZY_THRESHOLD:
            return None
        return best[2], best[3], FUZZY

    # --- fuzzy matching ------------------------------------------------------------------------

    def _candidates(self, target: _Target) -> list[_Candidate]:
        """Rough ranges in the flat text where the passage may be: each exact occurrence of a
        piece of the quote or of its context says where the quote would start and end; nearby
        votes are pooled, and the places most pieces agree on come first."""
        quote = target.quote
        votes = []  # (implied start, implied end, offset of the piece in the quote)
        for piece, offset in _seed_pieces(target):
            for hit in find_occurrences(self.flat, piece)[:MAX_SEED_HITS]:
                if offset < 0:  # the end of the prefix: the quote starts right after it
                    votes.append((hit + len(piece), hit + len(piece) + len(quote), offset))
                elif offset >= len(quote):  # the suffix: the quote ends right before it
                    votes.append((hit - len(quote), hit, offset))
                else:
                    votes.append((hit - offset, hit - offset + len(quote), offset))
        votes.sort()
        reach = len(quote) // 2 + SEED_CHARS
        groups: list[list[tuple[int, int, int]]] = []
        for vote in votes:
            if groups and vote[0] - groups[-1][0][0] <= reach:
                groups[-1].append(vote)
            else:
                groups.append([vote])
        groups.sort(key=lambda group: -len({vote[2] for vote in group}))
        candidates = (_Candidate.of(group, quote, len(self.flat))
                      for group in groups[:MAX_CANDIDATES])
        return [candidate for candidate in candidates if candidate is not None]

    def _refine(self, quote: str, candidate: _Candidate) -> tuple[int, int]:
        """Move the ends of a rough range that no piece pins down to where the passage is
        closest to the quote (fewest edits; the nearest such place to the estimate)."""
        start, end = candidate.start, candidate.end
        from rapidfuzz.distance import Levenshtein

        reach = min(48, SEED_CHARS + len(quote) // 10)
        flat = self.flat

        def cost(a: int, b: int, moved: int) -> tuple[int, int]:
            return Levenshtein.distance(quote, flat[a:b]), abs(moved)

        if not candidate.start_known:
            start = min(range(max(0, start - reach), min(end, start + reach + 1)),
                        key=lambda a: cost(a, end, a - candidate.start))
        if not candidate.end_known:
            end = min(range(max(start + 1, end - reach), min(len(flat), end + reach) + 1),
                      key=lambda b: cost(start, b, b - candidate.end))
        return start, end

    # --- helpers ------------------------------------------------------------------------------

    def _context_score(self, target: _Target, start: int, length: int) -> int:
        """How many characters of the stored context (flat) surround the `length` flat
        characters at flat offset `start`."""
        end = start + length
        before = self.flat[max(0, start - len(target.prefix)):start]
        after = self.flat[end:end + len(target.suffix)]
        return _common_suffix(before, target.prefix) + _common_prefix(after, target.suffix)

    def _raw(self, flat_offset: int) -> int:
        return flat_offset + self._shifts[bisect.bisect_right(self._breaks, flat_offset) - 1]

    def _flat(self, raw_offset: int) -> int:
        """The flat offset of a raw one (a character that is not whitespace)."""
        if self._raw_breaks is None:
            self._raw_breaks = [b + shift for b, shift in zip(self._breaks, self._shifts,
                                                              strict=True)]
        return raw_offset - self._shifts[bisect.bisect_right(self._raw_breaks, raw_offset) - 1]

    def _raw_range(self, flat_start: int, flat_end: int) -> tuple[int, int]:
        """The raw text range that flat[flat_start:flat_end] comes from."""
        return self._raw(flat_start), self._raw(flat_end - 1) + 1


@dataclass(frozen=True)
class _Target:
    """An anchor as the re-anchoring stages look for it (flat: whitespace normalised)."""

    quote: str
    prefix: str
    suffix: str
    exact: str  # the stored quote, trimmed
    anchor: Anchor

    @property
    def old_start(self) -> int:
        return self.anchor.start


@dataclass(frozen=True)
class _Candidate:
    """A rough range of the flat text for a fuzzy match; an end is known when a piece found
    there exactly is the quote's own end or the context next to it."""

    start: int
    end: int
    start_known: bool
    end_known: bool

    @classmethod
    def of(cls, votes: list[tuple[int, int, int]], quote: str,
           limit: int) -> _Candidate | None:
        """The range a group of votes (implied start, implied end, piece offset) points at,
        or None if it lies outside a flat text of `limit` characters."""
        # Pieces nearest the quote's ends say best where it starts and ends now (edits inside
        # the quote shift what lies beyond them).
        first = min(votes, key=lambda vote: vote[2])
        last = max(votes, key=lambda vote: vote[2])
        start, end = max(0, first[0]), min(limit, last[1])
        if end <= start:  # pieces out of order: the quote was cut up; guess from the first
            end = min(limit, start + len(quote))
        if start >= end:
            return None
        tail = len(quote) - SEED_CHARS  # offset of the last piece of a long enough quote
        return cls(start, end, start_known=first[2] in (-1, 0),
                   end_known=last[2] == len(quote) or (tail >= 0 and last[2] == tail))


def _seed_pieces(target: _Target) -> list[tuple[str, int]]:
    """Pieces searched for exactly, with their offset in the flat quote (negative: the end of
    the prefix; len(quote): the start of the suffix)."""
    pieces = []
    quote = target.quote
    if len(quote) >= SEED_CHARS:
        count = min(MAX_SEEDS, math.ceil(len(quote) / SEED_CHARS))
        span = len(quote) - SEED_CHARS
        offsets = sorted({round(i * span / max(1, count - 1)) for i in range(count)})
        pieces += [(quote[offset:offset + SEED_CHARS], offset) for offset in offsets]
    # Context pieces must be long enough to say something (a prefix at the very start of the
    # text can be a few characters or none).
    if len(target.prefix.strip()) >= SEED_CHARS // 2:
        pieces.append((target.prefix[-SEED_CHARS:], -1))
    if len(target.suffix.strip()) >= SEED_CHARS // 2:
        pieces.append((target.suffix[:SEED_CHARS], len(quote)))
    return pieces
