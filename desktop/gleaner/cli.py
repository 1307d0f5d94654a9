"""`gleaner <command>`: the scriptable command line over the same core the window uses."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .core.anchoring import AnchorError, anchor_quote
from .core.errors import ArchiveError, CaptureError, storage_error
from .core.logs import report_unexpected
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
    parser.add_argument("--read-only", action="store_true",
                        help="open the archive without writing to it (commands that would "
                             "change it are refused); works on a read-only disk")
    parser.add_argument("--version", action="version", version=f"gleaner {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    add = commands.add_parser("add", help="save articles from URLs or .html files")
    add.add_argument("inputs", nargs="+", metavar="URL_OR_FILE")
    add.add_argument("--json", action="store_true", help="print JSON")

    bulk = commands.add_parser(
        "import", help="import many pages: folders of saved pages, lists of URLs (text or "
                       "CSV), browser bookmarks, Pocket and Instapaper exports",
        description="Import every page the files name. Progress goes to stderr, the report "
                    "(one line per page: SOURCE<TAB>OUTCOME) to stdout. Pages already in the "
                    "archive are not fetched again, so an interrupted import can simply be run "
                    "again. Exit status: 0 if every page was saved (or already was), 1 if "
                    "some failed or a file could not be read, 130 if stopped with Ctrl+C "
                    "(what was saved stays).")
    bulk.add_argument("sources", nargs="+", metavar="FILE",
                      help="a folder of saved pages, a saved page, a text or CSV file of "
                           "URLs, a bookmarks export (folders become tags), or a Pocket or "
                           "Instapaper export")
    bulk.add_argument("--json", action="store_true", help="print the report as JSON")

    listing = commands.add_parser("list", help="list saved articles")
    listing.add_argument("--json", action="store_true", help="print JSON")

    show = commands.add_parser("show", help="show one article's metadata and text")
    show.add_argument("article_id", type=int, metavar="ID")
    show.add_argument("--json", action="store_true", help="print JSON")

    themes = commands.add_parser("themes", help="list the codebook's themes as a tree")
    themes.add_argument("--json", action="store_true", help="print JSON")
    _add_theme_parser(commands)
    _add_article_parsers(commands)

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

    note = commands.add_parser("note", help="replace a highlight's note (empty TEXT clears it)")
    note.add_argument("highlight_id", type=int, metavar="HIGHLIGHT_ID")
    note.add_argument("text", metavar="TEXT")

    unhighlight = commands.add_parser("unhighlight", help="delete a highlight")
    unhighlight.add_argument("highlight_id", type=int, metavar="HIGHLIGHT_ID")

    undo = commands.add_parser("undo", help="undo the latest change to the archive")
    undo.add_argument("--json", action="store_true", help="print JSON")

    redo = commands.add_parser("redo", help="redo the change most recently undone")
    redo.add_argument("--json", action="store_true", help="print JSON")

    history = commands.add_parser("history", help="list the undo history, newest first")
    history.add_argument("--limit", type=_positive_int, metavar="N",
                         help="show at most N steps (default: all that are kept)")
    history.add_argument("--json", action="store_true", help="print JSON")
    _add_safety_parsers(commands)
    return parser


def _add_safety_parsers(commands) -> None:
    check = commands.add_parser(
        "check", help="check the archive's integrity and Gleaner's own invariants",
        description="Runs SQLite's integrity and foreign key checks and Gleaner's own: every "
                    "highlight quotes its article's text (or is marked orphaned), every link "
                    "points to an existing highlight, theme and article, and the stored "
                    "counts agree with the rows. Reads the archive only. Exit status 1 if a "
                    "check found a problem.")
    check.add_argument("--json", action="store_true", help="print the results as JSON")
    check.add_argument("--repair", action="store_true",
                       help="if a check fails, back the archive up (to its backups folder), "
                            "then count the stored counts again and mark highlights whose "
                            "quote no longer matches as orphaned; nothing is deleted")

    backup = commands.add_parser(
        "backup", help="make a consistent backup of the archive",
        description="Copies the archive through SQLite (safe while Gleaner is writing to it) "
                    "into one self-contained file, written under a temporary name and "
                    "renamed when complete. Never replaces an existing file.")
    backup.add_argument("path", nargs="?", metavar="PATH",
                        help="a folder to put a dated backup in, or the backup file's name "
                             "(default: a dated file in a 'backups' folder beside the archive)")
    backup.add_argument("--rotate", action="store_true",
                        help="then remove older dated backups of this archive in that folder, "
                             "keeping the newest of each of the last days and weeks that "
                             "have one")
    backup.add_argument("--if-due", action="store_true",
                        help="only if the newest dated backup in that folder is a day old or "
                             "more (the app runs this at start-up)")
    backup.add_argument("--keep-daily", type=_positive_int, default=7, metavar="N",
                        help="with --rotate: days to keep a backup of (default: 7)")
    backup.add_argument("--keep-weekly", type=_positive_int, default=4, metavar="N",
                        help="with --rotate: weeks to keep a backup of (default: 4)")
    backup.add_argument("--max-size", type=_size, metavar="SIZE",
                        help="with --rotate: then remove the oldest dated backups while they "
                             "total more than SIZE (e.g. 500M, 2G; the newest is always "
                             "kept), with a warning when that removes one the days and weeks "
                             "would keep")

    restore = commands.add_parser(
        "restore", help="put a backup in the archive's place (the archive is kept aside)",
        description="Checks the backup, moves the current archive aside (renamed with the "
                    "time, in the same folder) and puts a copy of the backup in its place. "
                    "Refuses while the archive is open in a Gleaner window or command.")
    restore.add_argument("backup", type=Path, metavar="BACKUP")


def _add_theme_parser(commands) -> None:
    theme = commands.add_parser("theme", help="change the codebook (themes are named in any "
                                              "case)")
    actions = theme.add_subparsers(dest="theme_command", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add a theme")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--color", metavar="#RRGGBB")
    add.add_argument("--description", default="", metavar="TEXT")
    add.add_argument("--parent", metavar="PARENT", help="add it as a sub-theme of PARENT")

    rename = actions.add_parser("rename", help="rename a theme")
    rename.add_argument("name", metavar="OLD")
    rename.add_argument("new_name", metavar="NEW")

    recolor = actions.add_parser("recolor", help="give a theme another colour")
    recolor.add_argument("name", metavar="NAME")
    recolor.add_argument("color", metavar="#RRGGBB")

    describe = actions.add_parser("describe", help="replace a theme's description "
                                                   "(empty TEXT clears it)")
    describe.add_argument("name", metavar="NAME")
    describe.add_argument("description", metavar="TEXT")

    merge = actions.add_parser("merge", help="merge a theme into another: its passages and "
                                             "sub-themes go to INTO, and it is deleted")
    merge.add_argument("name", metavar="FROM")
    merge.add_argument("into", metavar="INTO")

    delete = actions.add_parser("delete", help="delete a theme (its passages stay)")
    delete.add_argument("name", metavar="NAME")
    delete.add_argument("--children", choices=("move-up", "delete"), default="move-up",
                        help="what happens to its sub-themes (default: move-up, to its place)")

    move = actions.add_parser("move", help="move a theme, with its sub-themes")
    move.add_argument("name", metavar="NAME")
    where = move.add_mutually_exclusive_group(required=True)
    where.add_argument("--parent", metavar="PARENT", help="make it a sub-theme of PARENT")
    where.add_argument("--top", action="store_true", help="make it a top-level theme")
    move.add_argument("--position", type=_positive_int, metavar="N",
                      help="its place among its new siblings, 1 = first (default: last)")

    pin = actions.add_parser("pin", help="pin a theme to a number key of the window")
    pin.add_argument("name", metavar="NAME")
    pin.add_argument("key", type=int, choices=range(1, 10), metavar="KEY",
                     help="a number key, 1 to 9 (taken from the theme that has it)")

    unpin = actions.add_parser("unpin", help="take a theme's pinned number key off it")
    unpin.add_argument("name", metavar="NAME")


def _add_article_parsers(commands) -> None:
    for name, help_text in (("tag", "put tags on an article"),
                            ("untag", "take tags off an article")):
        tagging = commands.add_parser(name, help=help_text)
        tagging.add_argument("article_id", type=int, metavar="ID")
        tagging.add_argument("tags", nargs="+", metavar="TAG")
    for name, help_text in FLAG_HELP.items():
        flag = commands.add_parser(name, help=help_text)
        flag.add_argument("article_id", type=int, metavar="ID")

    delete = commands.add_parser("delete", help="delete an article with its highlights")
    delete.add_argument("article_id", type=int, metavar="ID")

    reextract = commands.add_parser(
        "reextract", help="rebuild articles from their saved pages with today's extractor "
        "(no download); highlights are re-anchored, none is dropped")
    reextract.add_argument("article_ids", type=int, nargs="*", metavar="ID")
    reextract.add_argument("--all", action="store_true", help="every article in the archive")
    reextract.add_argument("--json", action="store_true", help="print the report as JSON")

    edit = commands.add_parser("edit", help="correct an article's details or set its memo")
    edit.add_argument("article_id", type=int, metavar="ID")
    edit.add_argument("--title", metavar="T")
    edit.add_argument("--author", action="append", dest="authors", metavar="A",
                      help="an author (repeat for several; replaces the list; '' clears it)")
    edit.add_argument("--site-name", metavar="S")
    edit.add_argument("--published", metavar="YYYY-MM-DD", help="'' clears the date")
    edit.add_argument("--memo", metavar="TEXT", help="the memo on the article ('' clears it)")


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {value!r}")
    return number


def run(args: argparse.Namespace) -> int:
    """Run a parsed command; returns the exit status.

    A reader that stops early (`gleaner highlights --json | head -1`) ends the command
    quietly with status 1: what it had done is done (each change is its own transaction).
    """
    try:
        status = _run(args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit where it would print
        return status
    except sqlite3.Error as error:  # the disk or the file failed mid-command
        print(f"error: {storage_error(error)}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # Python would try to flush stdout again on exit and report that failure too.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 1
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as error:  # a bug: one line here, the traceback in the log file
        print(f"error: {report_unexpected(error)}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    if args.command in FILE_COMMANDS:
        # These work on the archive file itself: opening it as an Archive could migrate or
        # tidy it (and would create a missing one).
        try:
            return FILE_COMMANDS[args.command](args.archive or default_archive_path(), args)
        except (CommandError, ArchiveError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    handlers = {"add": cmd_add, "import": cmd_import, "list": cmd_list, "show": cmd_show,
                "themes": cmd_themes,
                "theme": cmd_theme, "highlight": cmd_highlight, "highlights": cmd_highlights,
                "note": cmd_note, "unhighlight": cmd_unhighlight, "tag": cmd_tag,
                "untag": cmd_untag, "delete": cmd_delete, "edit": cmd_edit,
                "reextract": cmd_reextract,
                "undo": cmd_undo, "redo": cmd_redo, "history": cmd_history,
                **dict.fromkeys(FLAG_HELP, cmd_flag)}
    if args.command == "import":
        from .core.importing import start_workers_early

        start_workers_early()  # loads the extractor on another core meanwhile
    try:
        from .core.archive import Archive

        with Archive.open(args.archive, read_only=getattr(args, "read_only", False)
                          ) as archive:
            # Totals a window's step left to count (or a crash left behind) are counted
            # before the command reads them.
            if not archive.read_only:
                archive.recount_stale_totals()
            return handlers[args.command](archive, args)
    except (CommandError, ArchiveError, AnchorError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def cmd_check(path: Path, args) -> int:
    """`gleaner check [--json]`: one line per check, `NAME: ok` or what is wrong (naming
    the rows); with --json a list of {"check", "ok", "details"}. Exit status 1 on a problem."""
    from .core.archive.checks import check_file

    results = check_file(path)
    if args.repair and not all(result.ok for result in results):
        results = _repair(path, results)
    if args.json:
        _print_json([{"check": r.name, "ok": r.ok, "details": r.details} for r in results])
    else:
        for result in results:
            print(result.line())
    return 0 if all(result.ok for result in results) else 1


def _repair(path: Path, results) -> list:
    """`check --repair`: back up, repair, and check again (the new results are printed)."""
    from .core.archive import Archive
    from .core.archive.backup import make_backup
    from .core.archive.checks import check_file

    unsound = [r for r in results if not r.ok and r.name in ("integrity", "schema")]
    if unsound:
        raise CommandError(f"cannot repair safely: {unsound[0].line()} (restore a backup: "
                           "gleaner restore BACKUP)")
    print(f"backed up to {make_backup(path)}", file=sys.stderr)
    with Archive.open(path) as archive:
        for fix in archive.repair():
            print(f"repaired: {fix}", file=sys.stderr)
    return check_file(path)


def cmd_backup(path: Path, args) -> int:
    """`gleaner backup [PATH] [--rotate [--max-size SIZE]]`: prints the backup's path (what
    rotation removed, and its warnings, go to stderr)."""
    from datetime import UTC, datetime

    from .core.archive.backup import backup_folder, backup_is_due, make_backup, rotate_backups

    if args.if_due:
        folder = Path(args.path) if args.path else backup_folder(path)
        if not backup_is_due(folder, path, datetime.now(UTC)):
            print(f"no backup needed: {folder} holds one less than a day old", file=sys.stderr)
            return 0
    made = make_backup(path, args.path)
    print(made)
    if args.rotate:
        rotation = rotate_backups(made.parent, path, args.keep_daily, args.keep_weekly,
                                  args.max_size)
        for removed in rotation.removed:
            print(f"removed old backup {removed}", file=sys.stderr)
        for warning in rotation.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    return 0


def _size(text: str) -> int:
    from .core.archive.backup import parse_size

    try:
        size = parse_size(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    if size <= 0:
        raise argparse.ArgumentTypeError("the size must be more than 0")
    return size


def cmd_restore(path: Path, args) -> int:
    """`gleaner restore BACKUP`: says where the replaced archive was kept."""
    from .core.archive.backup import restore_backup

    aside = restore_backup(path, args.backup)
    kept = f"; the archive it replaced is kept as {aside}" if aside else ""
    print(f"Restored {args.backup} to {path}{kept}")
    return 0


FILE_COMMANDS = {"check": cmd_check, "backup": cmd_backup, "restore": cmd_restore}


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
            print(f"note: {source}: already saved as #{article_id}",
                  file=sys.stderr)
        saved.append({"id": article_id, "title": title, "created": created})
        if not args.json:
            print(f"{article_id}\t{title}")
    if args.json:
        _print_json(saved)
    return 1 if failed else 0


def cmd_import(archive: Archive, args) -> int:
    """`gleaner import FILE...`: import in bulk (see `core.importing`). The sources are all
    read before anything is imported: one that cannot be read is an error that changes
    nothing. Ctrl+C stops the import, keeps what was saved and prints the report."""
    from .core.importing import SourceError, for_archive, read_sources, run_import
    from .core.tasks import Progress

    try:
        items = read_sources(args.sources)
    except SourceError as error:
        raise CommandError(str(error)) from None
    progress_line = _ProgressLine(sys.stderr)
    report = run_import(for_archive(archive), items, Progress(), progress_line.show)
    progress_line.end(report.summary())
    if args.json:
        _print_json(report.as_json())
    else:
        for line in report.lines():
            print(line)
    if report.cancelled:
        return 130  # as a shell reports a command stopped by Ctrl+C
    return 1 if report.failed or report.stopped else 0


class _ProgressLine:
    """Import progress on stderr: one line redrawn in place on a terminal, otherwise a line
    every few seconds (a log stays short)."""

    LOG_SECONDS = 2.0

    def __init__(self, stream) -> None:
        self.stream = stream
        self.terminal = stream.isatty()
        self.last = 0.0
        self.width = 0

    def show(self, status) -> None:
        import time

        if status.finished:
            return
        failures = f", {status.failed} failed" if status.failed else ""
        line = f"[{status.done}/{status.total}{failures}] {_shorten(status.current, 70)}"
        if self.terminal:
            self.stream.write("\r" + line.ljust(self.width))
            self.width = len(line)
        elif time.monotonic() - self.last >= self.LOG_SECONDS:
            self.last = time.monotonic()
            self.stream.write(line + "\n")
        self.stream.flush()

    def end(self, summary: str) -> None:
        if self.terminal and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
        self.stream.write(summary + "\n")
        self.stream.flush()


def cmd_list(archive: Archive, args) -> int:
    rows = [{**asdict(a), "published": _iso_date(a.published)} for a in archive.list_articles()]
    if args.json:
        _print_json(rows)
        return 0
    for row in rows:
        print("\t".join(str(v) for v in (
            row["id"], row["published"] or "", row["site_name"], row["title"],
            _count(row["highlight_count"], "highlight"))))
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
        "tags": list(article.tags), "starred": article.starred, "read": article.read,
        "memo": article.memo, "extracted": article.extracted, "text": article.text,
    }
    if args.json:
        _print_json(info)
        return 0
    for key in ("title", "byline", "site_name", "published", "url", "saved_at", "word_count"):
        print(f"{key}: {info[key] if info[key] is not None else ''}")
    print(f"tags: {', '.join(article.tags)}")
    print(f"starred: {'yes' if article.starred else 'no'}")
    print(f"read: {'yes' if article.read else 'no'}")
    if article.memo:
        print(f"memo: {article.memo}")
    print()
    print(article.text)
    return 0


def cmd_themes(archive: Archive, args) -> int:
    """`gleaner themes`: the codebook as a tree.

    One line per theme, depth-first: `ID<TAB>COLOR<TAB>KEY<TAB>PASSAGES<TAB>ARTICLES<TAB>NAME
    <TAB>DESCRIPTION`, the name indented two spaces per level. KEY is the number key that
    codes with the theme in the window (`-` if none); a theme with sub-themes shows its counts
    as `N (T with sub-themes)`.
    """
    from .core.codebook import depths

    themes = archive.list_themes()
    rows = _themes_json(themes)
    if args.json:
        _print_json(rows)
        return 0
    depth = depths(themes)
    parents = {t.parent_id for t in themes}
    for theme, row in zip(themes, rows, strict=True):
        nested = theme.id in parents
        print("\t".join((
            str(theme.id), theme.color, str(row["key"] or "-"),
            _with_total(theme.highlight_count, theme.total_highlights, nested),
            _with_total(theme.article_count, theme.total_articles, nested),
            "  " * depth[theme.id] + theme.name, theme.description)))
    return 0


def _with_total(own: int, total: int, nested: bool) -> str:
    return f"{own} ({total} with sub-themes)" if nested else str(own)


def cmd_theme(archive: Archive, args) -> int:
    """`gleaner theme ACTION …`: one change to the codebook, reported in one line."""
    actions = {"add": _theme_add, "rename": _theme_rename, "recolor": _theme_recolor,
               "describe": _theme_describe, "merge": _theme_merge, "delete": _theme_delete,
               "move": _theme_move, "pin": _theme_pin, "unpin": _theme_unpin}
    print(actions[args.theme_command](archive, args))
    return 0


def _theme_add(archive: Archive, args) -> str:
    """Prints `ID<TAB>NAME` of the new theme."""
    from .core import operations

    parent = archive.theme_by_name(args.parent).id if args.parent else None
    theme = operations.create_theme(archive, args.name, color=args.color,
                                    description=args.description, parent_id=parent).value
    return f"{theme.id}\t{theme.name}"


def _theme_rename(archive: Archive, args) -> str:
    from .core import operations

    theme = archive.theme_by_name(args.name)
    renamed = operations.update_theme(archive, theme.id, name=args.new_name).value
    return f"Renamed “{theme.name}” to “{renamed.name}”"


def _theme_recolor(archive: Archive, args) -> str:
    from .core import operations

    theme = archive.theme_by_name(args.name)
    recoloured = operations.update_theme(archive, theme.id, color=args.color).value
    return f"Recoloured “{theme.name}” from {theme.color} to {recoloured.color}"


def _theme_describe(archive: Archive, args) -> str:
    from .core import operations

    theme = archive.theme_by_name(args.name)
    described = operations.update_theme(archive, theme.id,
                                        description=args.description).value
    if not described.description:
        return f"Cleared the description of “{theme.name}”"
    return f"Described “{theme.name}”: {described.description}"


def _theme_merge(archive: Archive, args) -> str:
    from .core import operations

    source, target = archive.theme_by_name(args.name), archive.theme_by_name(args.into)
    children = _children(archive.list_themes(), source.id)
    merged = operations.merge_theme(archive, source.id, target.id).value
    moved = f"; {_count(len(children), 'sub-theme')} moved under it" if children else ""
    return (f"Merged “{source.name}” into “{merged.name}” "
            f"({_count(merged.highlight_count, 'passage')} now coded “{merged.name}”){moved}")


def _theme_delete(archive: Archive, args) -> str:
    from .core import operations
    from .core.codebook import descendants

    theme = archive.theme_by_name(args.name)
    themes = archive.list_themes()
    if args.children == "delete":
        below = descendants(themes, theme.id)
        after = f" with its {_count(len(below), 'sub-theme')}" if below else ""
    else:
        children = _children(themes, theme.id)
        after = (f"; its {_count(len(children), 'sub-theme')} moved up to its place"
                 if children else "")
    operations.delete_theme(archive, theme.id, args.children)
    # With its sub-themes it goes from every passage of the branch (each counted once).
    coded = theme.total_highlights if args.children == "delete" else theme.highlight_count
    passages = f" (taken off {_count(coded, 'passage')}, which stay)" if coded else ""
    if args.children == "delete":
        return f"Deleted theme “{theme.name}”{after}{passages}"
    return f"Deleted theme “{theme.name}”{passages}{after}"


def _theme_move(archive: Archive, args) -> str:
    from .core import operations

    theme = archive.theme_by_name(args.name)
    parent = None if args.top else archive.theme_by_name(args.parent)
    parent_id = parent.id if parent else None
    siblings = [t for t in _children(archive.list_themes(), parent_id) if t.id != theme.id]
    index = len(siblings) if args.position is None else args.position - 1
    codebook = operations.move_theme(archive, theme.id, index, parent_id).value
    placed = [t.id for t in _children(codebook, parent_id)]
    where = f"under “{parent.name}”" if parent else "to the top level"
    return (f"Moved “{theme.name}” {where}, "
            f"position {placed.index(theme.id) + 1} of {len(placed)}")


def _theme_pin(archive: Archive, args) -> str:
    from .core import operations

    theme = archive.theme_by_name(args.name)
    holder = next((t for t in archive.list_themes()
                   if t.shortcut == args.key and t.id != theme.id), None)
    operations.update_theme(archive, theme.id, shortcut=args.key)
    taken = f" (taken from “{holder.name}”)" if holder else ""
    return f"Pinned “{theme.name}” to key {args.key}{taken}"


def _theme_unpin(archive: Archive, args) -> str:
    from .core import operations

    theme = archive.theme_by_name(args.name)
    if theme.shortcut is None:
        return f"“{theme.name}” was not pinned to a key"
    operations.update_theme(archive, theme.id, shortcut=None)
    return f"Unpinned “{theme.name}” from key {theme.shortcut}"


def _children(themes: list[Theme], parent_id: int | None) -> list[Theme]:
    """The sub-themes of `parent_id` (None: the top-level themes), in their order."""
    return [t for t in themes if t.parent_id == parent_id]


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
        # A passage whose text left the article on re-extraction says so in a last column.
        print(f"{row['id']}\t{row['article_id']}\t{row['start']}-{row['end']}\t"
              f"{', '.join(row['themes'])}\t{row['quote']}"
              + ("\t(orphaned)" if row["orphaned"] else ""))
    return 0


def cmd_note(archive: Archive, args) -> int:
    """`gleaner note HIGHLIGHT_ID TEXT`: replace a highlight's note (empty TEXT clears it)."""
    from .core import operations

    highlight = operations.set_note(archive, args.highlight_id, args.text).value
    done = "Set the note of" if highlight.note else "Cleared the note of"
    print(f"{done} highlight {highlight.id} (“{_shorten(highlight.exact)}”)")
    return 0


def cmd_unhighlight(archive: Archive, args) -> int:
    """`gleaner unhighlight HIGHLIGHT_ID`: delete a highlight (the article's text stays)."""
    from .core import operations

    highlight = archive.get_highlight(args.highlight_id)
    operations.delete_highlight(archive, highlight.id)
    print(f"Deleted highlight {highlight.id} of article {highlight.article_id} "
          f"(“{_shorten(highlight.exact)}”)")
    return 0


def cmd_tag(archive: Archive, args) -> int:
    """`gleaner tag ID TAG…`: put tags on an article (new tag names are created)."""
    from .core import operations

    before = _article_summary(archive, args.article_id).tags
    operations.tag_article(archive, args.article_id, args.tags)
    after = _article_summary(archive, args.article_id).tags
    added = [t for t in after if t not in before]
    if not added:
        print(f"Article {args.article_id} already had {_names(args.tags)} "
              f"(tags: {', '.join(after)})")
    else:
        print(f"Tagged article {args.article_id} with {_names(added)} "
              f"(tags: {', '.join(after)})")
    return 0


def cmd_untag(archive: Archive, args) -> int:
    """`gleaner untag ID TAG…`: take tags off an article (tags it lacks are passed over)."""
    from .core import operations

    before = _article_summary(archive, args.article_id).tags
    operations.untag_article(archive, args.article_id, args.tags)
    after = _article_summary(archive, args.article_id).tags
    removed = [t for t in before if t not in after]
    left = ", ".join(after) or "none"
    if not removed:
        print(f"Article {args.article_id} had no tag {_names(args.tags)} (tags: {left})")
    else:
        print(f"Untagged article {args.article_id}: {_names(removed)} (tags: {left})")
    return 0


# `gleaner star|unstar|read|unread ID`: (the summary's field, its new value, what is done,
# the state it leaves).
FLAGS = {"star": ("starred", True, "Starred article {}", "starred"),
         "unstar": ("starred", False, "Unstarred article {}", "not starred"),
         "read": ("read", True, "Marked article {} as read", "read"),
         "unread": ("read", False, "Marked article {} as unread", "unread")}
FLAG_HELP = {"star": "star an article", "unstar": "unstar an article",
             "read": "mark an article read", "unread": "mark an article unread"}


def cmd_flag(archive: Archive, args) -> int:
    """`gleaner star|unstar|read|unread ID`: set one of an article's flags."""
    from .core import operations

    field, value, done, state = FLAGS[args.command]
    article = _article_summary(archive, args.article_id)
    named = f"{article.id} “{article.title}”"
    if getattr(article, field) == value:
        print(f"Article {named} was already {state}")
        return 0
    operation = operations.set_starred if field == "starred" else operations.set_read
    operation(archive, article.id, value)
    print(done.format(named))
    return 0


def cmd_delete(archive: Archive, args) -> int:
    """`gleaner delete ID`: delete an article with its highlights (`gleaner undo` brings
    both back)."""
    from .core import operations

    article = _article_summary(archive, args.article_id)
    operations.delete_article(archive, article.id)
    print(f"Deleted article {article.id} “{article.title}” and its "
          f"{_count(article.highlight_count, 'highlight')}")
    return 0


def cmd_reextract(archive: Archive, args) -> int:
    """`gleaner reextract ID... | --all [--json]`: rebuild articles from their saved pages;
    each is one undoable step. Exit status 1 if an article could not be rebuilt (it is left
    as it was); highlights that cannot be placed are kept, orphaned, and listed."""
    from .core import operations

    if args.all == bool(args.article_ids):
        raise CommandError("name the articles to re-extract, or give --all")
    ids = ([row.id for row in archive.list_articles()] if args.all
           else [_article_summary(archive, n).id for n in args.article_ids])
    report, failed = [], False
    for article_id in ids:
        try:
            value = operations.reextract_article(archive, article_id).value
        except (CaptureError, ArchiveError) as error:
            print(f"error: article {article_id}: {error}", file=sys.stderr)
            report.append({"id": article_id, "error": str(error)})
            failed = True
            continue
        report.append({"id": article_id, "placed": value["placed"],
                       "orphaned": value["orphaned"]})
        if not args.json:
            orphans = (f"; orphaned: {', '.join(map(str, value['orphaned']))}"
                       if value["orphaned"] else "")
            print(f"{article_id}\tre-extracted, {_count(value['placed'], 'highlight')} "
                  f"in place{orphans}")
    if args.json:
        _print_json(report)
    return 1 if failed else 0


def cmd_edit(archive: Archive, args) -> int:
    """`gleaner edit ID [--title T] [--author A …] [--site-name S] [--published DATE]
    [--memo TEXT]`: correct an article's details and/or set its memo.

    The details are one undo step and the memo another. What extraction found is kept (shown
    by `gleaner show ID --json` as `extracted`).
    """
    from .core import operations

    details = {field: value for field, value in (
        ("title", args.title), ("authors", args.authors), ("site_name", args.site_name),
        ("published", args.published)) if value is not None}
    if not details and args.memo is None:
        raise CommandError("nothing to edit: give --title, --author, --site-name, "
                           "--published or --memo")
    before = archive.get_article(args.article_id)
    if details:
        operations.edit_article(archive, before.id, **details)
    if args.memo is not None:
        operations.set_article_memo(archive, before.id, args.memo)
    after = archive.get_article(before.id)
    changed = [field.replace("_", " ") for field in EDITED
               if getattr(before, field) != getattr(after, field)]
    if not changed:
        print(f"Article {after.id} “{after.title}” already had these details; nothing changed")
    else:
        print(f"Edited article {after.id} “{after.title}”: {', '.join(changed)}")
    return 0


EDITED = ("title", "authors", "site_name", "published", "memo")  # what `edit` may change


def _article_summary(archive: Archive, article_id: int):
    """The article's library row (no text is read); a clear error for an unknown id."""
    from .core.errors import NotFound

    found = archive.article_summaries([article_id])
    if not found:
        raise NotFound(f"there is no article {article_id}")
    return found[0]


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
            "note": highlight.note, "orphaned": highlight.orphaned}


def _themes_json(codebook: list[Theme]) -> list[dict]:
    """The live themes, as `list_themes` gives them, for `themes --json`."""
    from .core.codebook import number_keys

    names = {t.id: t.name for t in codebook}
    keys = {theme_id: key for key, theme_id in number_keys(codebook).items()}
    return [{"id": theme.id, "name": theme.name, "color": theme.color,
             "description": theme.description, "parent": names.get(theme.parent_id),
             "key": keys.get(theme.id), "pinned": theme.shortcut is not None,
             "highlight_count": theme.highlight_count, "article_count": theme.article_count,
             "total_highlights": theme.total_highlights,
             "total_articles": theme.total_articles} for theme in codebook]


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _names(names) -> str:
    return ", ".join(f"“{name}”" for name in names)


def _shorten(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _iso_date(value: str | None) -> str | None:
    return value[:10] if value else None


def _print_json(data) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
