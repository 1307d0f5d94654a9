"""Small text helpers for what the window shows (dates, counts)."""

from __future__ import annotations

from datetime import date, datetime


def human_date(iso: str | None) -> str:
    """'2024-03-14T08:30:00+00:00' → '14 March 2024'; '' for no date."""
    if not iso:
        return ""
    try:
        value = datetime.fromisoformat(iso)
    except ValueError:
        try:
            value = date.fromisoformat(iso[:10])
        except ValueError:
            return iso
    return f"{value.day} {value:%B %Y}"


def short_date(iso: str | None) -> str:
    """'2024-03-14…' → '14 Mar 2024'."""
    if not iso:
        return ""
    try:
        value = date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    return f"{value.day} {value:%b %Y}"


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
