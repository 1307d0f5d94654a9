"""Anchoring highlights in an article's canonical text.

A highlight is stored the way the W3C Web Annotation model describes a robust anchor: a
TextPositionSelector (start, end offsets into the text) together with a TextQuoteSelector
(the exact quote plus a little context before and after). The position is fast and exact; the
quote lets us find the passage again, or notice it has gone, if the text ever changes.
"""

from __future__ import annotations

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
