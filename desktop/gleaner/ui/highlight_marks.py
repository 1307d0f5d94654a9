"""Where overlapping highlights go, worked out in plain Python for the reader to paint.

Highlights may overlap or nest. The reader fills each stretch of text once (`segments` says
which highlights cover it), then gives every theme of every highlight a coloured bar: stacked
under the lines of text and as a stripe in the left margin. `stack_rows` hands out those rows
(and margin lanes) so that overlapping highlights never share one, whatever their order.
`snap_to_words` widens a dragged selection to whole words.
"""

from __future__ import annotations

import heapq
import unicodedata
from collections.abc import Iterable, Sequence

APOSTROPHES = "'’"


def segments(spans: Iterable[tuple[int, float, float]]) -> list[tuple[float, float, tuple]]:
    """Split the covered stretches into pieces covered by the same highlights.

    spans: (id, start, end). Returns (start, end, ids) for each covered piece, in order; ids
    are in the order the spans were given. Pieces nobody covers are left out.
    """
    spans = [(ident, start, end) for ident, start, end in spans if end > start]
    order = {ident: index for index, (ident, _, _) in enumerate(spans)}
    events = sorted([(start, 1, ident) for ident, start, _ in spans]
                    + [(end, 0, ident) for ident, _, end in spans])  # ends before starts
    pieces: list[tuple[float, float, tuple]] = []
    covering: set = set()
    previous = None
    for point, starts, ident in events:
        if covering and previous is not None and point > previous:
            pieces.append((previous, point, tuple(sorted(covering, key=order.__getitem__))))
        if starts:
            covering.add(ident)
        else:
            covering.discard(ident)
        previous = point
    return pieces


def stack_rows(spans: Iterable[tuple[int, float, float, int]]) -> dict[int, int]:
    """The first row of each span, so that spans that overlap never share a row.

    spans: (id, start, end, rows it needs). Longer spans that start first take the lower
    rows, so an outer highlight keeps one row all along and the ones inside stack under it.
    Each span takes the lowest rows free where it starts. Rows are handed back as spans end
    (a heap of ends), so 2,000 highlights over one passage take milliseconds, not seconds.
    """
    open_spans: list[tuple[float, int, int]] = []  # heap of (end, first row, rows)
    free: set[int] = set()  # rows below `fresh` that no open span holds
    lowest: list[int] = []  # heap over `free` (entries no longer free are skipped)
    fresh = 0  # rows from here on have never been taken
    first_rows: dict[int, int] = {}
    for ident, start, end, height in sorted(spans, key=lambda s: (s[1], s[1] - s[2], s[0])):
        while open_spans and open_spans[0][0] <= start:
            _end, first, rows = heapq.heappop(open_spans)
            for row in range(first, first + rows):
                free.add(row)
                heapq.heappush(lowest, row)
        row = _lowest_free(free, lowest, fresh, height)
        for taken in range(row, row + height):
            free.discard(taken)
        fresh = max(fresh, row + height)
        first_rows[ident] = row
        heapq.heappush(open_spans, (end, row, height))
    return first_rows


def _lowest_free(free: set[int], lowest: list[int], fresh: int, height: int) -> int:
    """The lowest row starting `height` rows in a row that are free (or never taken)."""
    if height == 1:
        while lowest and lowest[0] not in free:
            heapq.heappop(lowest)
        return lowest[0] if lowest else fresh
    run_start = previous = None
    for row in sorted(free):
        if previous is None or row != previous + 1:
            run_start = row
        previous = row
        if row - run_start + 1 >= height:
            return run_start
    if previous is not None and previous == fresh - 1:
        return run_start  # the free rows at the top continue into rows never taken
    return fresh


def clusters(spans: Iterable[tuple[int, float, float]]) -> list[list[int]]:
    """Groups of span ids linked by overlapping (a chain of overlaps is one group)."""
    groups: list[list[int]] = []
    reach = None
    for ident, start, end in sorted(spans, key=lambda s: (s[1], s[2], s[0])):
        if reach is None or start >= reach:
            groups.append([])
            reach = end
        groups[-1].append(ident)
        reach = max(reach, end)
    return groups


def is_word_char(text: str, index: int) -> bool:
    """Whether text[index] belongs to a word: letters, digits, their combining marks, and an
    apostrophe between letters (“minister’s” is one word)."""
    if not 0 <= index < len(text):
        return False
    char = text[index]
    if char.isalnum() or unicodedata.category(char).startswith("M"):
        return True
    return (char in APOSTROPHES and 0 < index < len(text) - 1
            and text[index - 1].isalnum() and text[index + 1].isalnum())


def snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen start..end so that no word is cut, and leave out spaces at either end.

    A selection that ends inside “minist|ers” ends after “ministers”. A selection of only
    spaces comes back unchanged.
    """
    if is_word_char(text, start) and is_word_char(text, start - 1):
        while is_word_char(text, start - 1):
            start -= 1
    if is_word_char(text, end - 1) and is_word_char(text, end):
        while is_word_char(text, end):
            end += 1
    trimmed_start, trimmed_end = start, end
    while trimmed_start < trimmed_end and text[trimmed_start].isspace():
        trimmed_start += 1
    while trimmed_end > trimmed_start and text[trimmed_end - 1].isspace():
        trimmed_end -= 1
    if trimmed_end > trimmed_start:
        return trimmed_start, trimmed_end
    return start, end


def excerpt(text: str, limit: int = 60) -> str:
    """A one-line preview of a quote or note: spaces and line breaks folded, cut at a word."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[:cut.rindex(" ")]
    return cut.rstrip(" ,.;:") + "…"


def bar_pitch(rows: int, room: float, widest: int = 4) -> int:
    """Pixels from one underline row to the next when `rows` must fit in `room` pixels."""
    if rows <= 0:
        return widest
    return max(1, min(widest, int(room // rows)))


def ordered_ids(ids: Sequence[int], order: Sequence[int]) -> list[int]:
    """ids sorted by their place in order (ids not in it go last, as given)."""
    rank = {ident: index for index, ident in enumerate(order)}
    return sorted(ids, key=lambda ident: rank.get(ident, len(rank)))
