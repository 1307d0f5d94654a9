"""The codebook as a tree: its displayed order, number keys and totals (no SQL here).

Themes nest under parents; siblings are ordered by `position`. The panel shows them
depth-first, and keys 1–9 go to the themes pinned to them, then to the first unpinned themes in
that order.
"""

from __future__ import annotations

from collections.abc import Iterable

from .models import Theme

KEYS = range(1, 10)


def depth_first(themes: Iterable[Theme]) -> list[Theme]:
    """Themes in the order the codebook shows them: each parent followed by its children."""
    themes = list(themes)
    ids = {theme.id for theme in themes}
    children: dict[int | None, list[Theme]] = {}
    for theme in themes:
        parent = theme.parent_id if theme.parent_id in ids else None
        children.setdefault(parent, []).append(theme)
    for siblings in children.values():
        siblings.sort(key=lambda t: (t.position, t.id))
    ordered: list[Theme] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        theme = stack.pop()
        ordered.append(theme)
        stack.extend(reversed(children.get(theme.id, [])))
    return ordered


def depths(themes: Iterable[Theme]) -> dict[int, int]:
    """How deep each theme sits (0 = top level)."""
    by_id = {theme.id: theme for theme in themes}
    found: dict[int, int] = {}
    for theme in by_id.values():
        depth, parent = 0, theme.parent_id
        while parent in by_id and depth < len(by_id):
            depth += 1
            parent = by_id[parent].parent_id
        found[theme.id] = depth
    return found


def descendants(themes: Iterable[Theme], theme_id: int) -> list[int]:
    """The ids of a theme's children, their children and so on (not the theme itself)."""
    children: dict[int | None, list[int]] = {}
    for theme in themes:
        children.setdefault(theme.parent_id, []).append(theme.id)
    found, stack = [], list(children.get(theme_id, []))
    while stack:
        child = stack.pop()
        found.append(child)
        stack.extend(children.get(child, []))
    return found


def number_keys(themes: Iterable[Theme]) -> dict[int, int]:
    """Which theme each number key 1–9 applies: {key: theme id}.

    A theme pinned to a key keeps it; the other keys go, in order, to the unpinned themes in
    the displayed order.
    """
    ordered = depth_first(themes)
    keys = {theme.shortcut: theme.id for theme in ordered if theme.shortcut in KEYS}
    free = (key for key in KEYS if key not in keys)
    for theme in ordered:
        if theme.shortcut in keys and keys[theme.shortcut] == theme.id:
            continue
        key = next(free, None)
        if key is None:
            break
        keys[key] = theme.id
    return dict(sorted(keys.items()))
