"""`gleaner <command>`: the scriptable command line over the same core the window uses."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .core.anchoring import AnchorError, anchor_quote
from .core.errors import ArchiveError, CaptureError
from .core.paths import default_archive_path

if TYPE_CHECKING:  # the window starts through this module too: load the core when needed
    from .core.archive import Archive
    from .core.models import Highlight, Theme


class CommandError(Exception):
    """A failure to report as `error: …` with exit status 1."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gleaner",
        description="Save web articles offline, read them, and code passages with themes. "
                    "Without a command, opens the Gleaner window.")
    parser.add_argument("--archive", metavar="PATH", type=Path,
                        help="archive file to use (default: $GLEANER_ARCHIVE, else "
                             f"{default_archive_path()})")
    parser.add_argument("--version", action="version", version=f"gleaner {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    add = commands.add_parser("add", help="save articles from URLs or .html files")
    add.add_argument("inputs", nargs="+", metavar="URL_OR_FILE")
    add.add_argument("--json", action="store_true", help="print JSON")

    listing = commands.add_parser("list", help="list saved articles")
    listing.add_argument("--json", action="store_true", help="print JSON")

    show = commands.add_parser("show", help="show one article's metadata and text")
    show.add_argument("article_id", type=int, metavar="ID")
    show.add_argument("--json", action="store_true", help="print JSON")

    themes = commands.add_parser("themes", help="list the codebook's themes")
    themes.add_argument("--json", action="store_true", help="print JSON")

    theme = commands.add_parser("theme", help="change the codebook")
    theme_commands = theme.add_subparsers(dest="theme_command", metavar="ACTION", required=True)
    theme_add = theme_commands.add_parser("add", help="add a theme")
    theme_add.add_argument("name", metavar="NAME")
    theme_add.add_argument("--color", metavar="#RRGGBB")
    theme_add.add_argument("--description", default="", metavar="TEXT")

    highlight = commands.add_parser("highlight", help="code a quoted passage of an article")
    highlight.add_argument("article_id", type=int, metavar="ID")
    highlight.add_argument("--quote", required=True, metavar="TEXT",
                           help="the passage, exactly as it appears in `gleaner show ID`")
    highlight.add_argument("--theme", action="append", required=True, dest="themes",
                           metavar="NAME", help="theme to apply (repeat for several)")
    highlight.add_argument("--note", default="", metavar="TEXT")
    highlight.add_argument("--occurrence", type=int, metavar="N",
                           help="which occurrence to code when the quote appears more than once")
    highlight.add_argument("--json", action="store_true", help="print JSON")

    highlights = commands.add_parser("highlights", help="list coded passages")
    highlights.add_argument("--article", type=int, metavar="ID")
    highlights.add_argument("--theme", metavar="NAME")
    highlights.add_argument("--json", action="store_true", help="print JSON")

    undo = commands.add_parser("undo", help="undo the latest change to the archive")
    undo.add_argument("--json", action="store_true", help="print JSON")

    redo = commands.add_parser("redo", help="redo the change most recently undone")
    redo.add_argument("--json", action="store_true", help="print JSON")

    history = commands.add_parser("history", help="list the undo history, newest first")
    history.add_argument("--limit", type=_positive_int, metavar="N",
                         help="show at most N steps (default: all that are kept)")
    history.add_argument("--json", action="store_true", help="print JSON")
    return parser


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {value!r}")
    return number


def run(args: argparse.Namespace) -> int:
    """Run a parsed command; returns the exit status."""
    handlers = {"add": cmd_add, "list": cmd_list, "show": cmd_show, "themes": cmd_themes,
                "theme": cmd_theme, "highlight": cmd_highlight, "highlights": cmd_highlights,
                "undo": cmd_undo, "redo": cmd_redo, "history": cmd_history}
    try:
        from .core.archive import Archive

        with Archive.open(args.archive) as archive:
            return handlers[args.command](archive, args)
    except (CommandError, ArchiveError, AnchorError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def cmd_add(archive: Archive, args) -> int:
    from .core import operations
    from .core.capture import capture

    failed, saved = False, []
    for source in args.inputs:
        try:
            article = capture(source)
            # The archive is only written once extraction has fully succeeded.
            article_id, created = operations.save_article(archive, article).value
        except (CaptureError, ArchiveError) as error:
            print(f"error: {source}: {error}", file=sys.stderr)
            failed = True
            continue
        title = archive.get_article(article_id).title
        if not created:
            print(f"note: {source}: already in the archive as article {article_id}",
                  file=sys.stderr)
        saved.append({"id": article_id, "title": title, "created": created})
        if not args.json:
            print(f"{article_id}\t{title}")
    if args.json:
        _print_json(saved)
    return 1 if failed else 0


def cmd_list(archive: Archive, args) -> int:
    rows = [{**asdict(a), "published": _iso_date(a.published)} for a in archive.list_articles()]
    if args.json:
        _print_json(rows)
        return 0
    for row in rows:
        print("\t".join(str(v) for v in (row["id"], row["published"] or "", row["site_name"],
                                         row["title"], f"{row['highlight_count']} highlights")))
    return 0


def cmd_show(archive: Archive, args) -> int:
    article = archive.get_article(args.article_id)
    info = {
        "id": article.id, "url": article.url, "url_requested": article.url_requested,
        "title": article.title, "byline": article.byline, "authors": article.authors,
        "site_name": article.site_name, "published": _iso_date(article.published),
        "saved_at": article.saved_at, "language": article.language,
        "excerpt": article.excerpt, "word_count": article.word_count,
        "highlight_count": len(archive.list_highlights(article_id=article.id)),
        "text": article.text,
    }
    if args.json:
        _print_json(info)
        return 0
    for key in ("title", "byline", "site_name", "published", "url", "saved_at", "word_count"):
        print(f"{key}: {info[key] if info[key] is not None else ''}")
    print()
    print(article.text)
    return 0


def cmd_themes(archive: Archive, args) -> int:
    themes = archive.list_themes()
    if args.json:
        _print_json([_theme_json(t) for t in themes])
        return 0
    for theme in themes:
        print(f"{theme.id}\t{theme.color}\t{theme.highlight_count}\t{theme.name}\t"
              f"{theme.description}")
    return 0


def cmd_theme(archive: Archive, args) -> int:
    from .core import operations

    theme = operations.create_theme(archive, args.name, color=args.color,
                                    description=args.description).value
    print(f"{theme.id}\t{theme.name}")
    return 0


def cmd_highlight(archive: Archive, args) -> int:
    from .core import operations

    article = archive.get_article(args.article_id)
    themes = [archive.theme_by_name(name) for name in args.themes]
    try:
        anchor = anchor_quote(article.text, args.quote, args.occurrence)
    except AnchorError as error:
        hint = " with --occurrence N" if "occurs" in str(error) else ""
        raise CommandError(f"{error}{hint}") from None
    highlight = operations.code_passage(archive, article.id, anchor.start, anchor.end,
                                        [t.id for t in themes], note=args.note).value
    if args.json:
        _print_json(_highlight_json(highlight, {t.id: t for t in themes}))
    else:
        print(highlight.id)
    return 0


def cmd_highlights(archive: Archive, args) -> int:
    theme_id = archive.theme_by_name(args.theme).id if args.theme else None
    if args.article is not None:
        archive.get_article(args.article)  # a clear error for an unknown id
    themes = {t.id: t for t in archive.list_themes()}
    rows = [_highlight_json(h, themes)
            for h in archive.list_highlights(article_id=args.article, theme_id=theme_id)]
    if args.json:
        _print_json(rows)
        return 0
    for row in rows:
        print(f"{row['id']}\t{row['article_id']}\t{row['start']}-{row['end']}\t"
              f"{', '.join(row['themes'])}\t{row['quote']}")
    return 0


def cmd_undo(archive: Archive, args) -> int:
    """`gleaner undo`: take back the latest step, as Edit ▸ Undo in the window would.

    Prints `Undid: LABEL`, or with --json {"undone": LABEL, "undo": …, "redo": …} naming the
    steps Undo and Redo would take next (null when none). With nothing to undo it fails with
    `error: there is nothing to undo` and leaves the archive as it was.
    """
    from .core import operations

    return _report_replay(operations.undo(archive), "Undid", "undone", args.json)


def cmd_redo(archive: Archive, args) -> int:
    """`gleaner redo`: do again the step most recently undone.

    Prints `Redid: LABEL`, or with --json {"redone": LABEL, "undo": …, "redo": …}. With
    nothing to redo (none undone, or a new change since) it fails with
    `error: there is nothing to redo`.
    """
    from .core import operations

    return _report_replay(operations.redo(archive), "Redid", "redone", args.json)


def _report_replay(result, verb: str, key: str, as_json: bool) -> int:
    if as_json:
        _print_json({key: result.label, "undo": result.undo_label, "redo": result.redo_label})
    else:
        print(f"{verb}: {result.label}")
    return 0


def cmd_history(archive: Archive, args) -> int:
    """`gleaner history`: the undo history, newest first.

    One line per step, `ID<TAB>MADE_AT<TAB>LABEL`, with `  (undone)` after the steps Redo
    would do again; with --json a list of {"id", "label", "made_at", "undone"}.
    """
    steps = archive.history() if args.limit is None else archive.history(args.limit)
    if args.json:
        _print_json([{"id": s.id, "label": s.label, "made_at": s.made_at, "undone": s.undone}
                     for s in steps])
        return 0
    for step in steps:
        print(f"{step.id}\t{step.made_at}\t{step.label}" + ("  (undone)" if step.undone else ""))
    return 0


def _highlight_json(highlight: Highlight, themes: dict[int, Theme]) -> dict:
    return {"id": highlight.id, "article_id": highlight.article_id, "start": highlight.start,
            "end": highlight.end, "quote": highlight.exact,
            "themes": [themes[t].name for t in highlight.theme_ids if t in themes],
            "note": highlight.note}


def _theme_json(theme: Theme) -> dict:
    return {"id": theme.id, "name": theme.name, "color": theme.color,
            "description": theme.description, "highlight_count": theme.highlight_count}


def _iso_date(value: str | None) -> str | None:
    return value[:10] if value else None


def _print_json(data) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
