"""A command whose reader stops early (`gleaner highlights --json | head -1`) ends quietly,
without a BrokenPipeError traceback."""

from __future__ import annotations

import subprocess
import sys

from gleaner.core import operations as ops
from gleaner.core.archive import Archive
from test_archive import make_article


def test_a_reader_that_stops_after_one_line_ends_the_command_quietly(archive_path):
    with Archive.open(archive_path) as archive:
        article_id = ops.save_article(archive, make_article()).value[0]
        with archive.db.atomic():  # more than a pipe holds (64 KiB), so the writer blocks
            for _ in range(150):
                archive.add_highlight(article_id, 0, 5, [1], note="n" * 1000)
    command = subprocess.Popen(
        [sys.executable, "-m", "gleaner", "--archive", str(archive_path), "highlights",
         "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert command.stdout.readline() == b"[\n"
    command.stdout.close()  # as `| head -1` does
    status = command.wait(timeout=30)
    assert command.stderr.read() == b"" and status == 1
    command.stderr.close()


def test_an_unexpected_error_is_one_line_and_its_traceback_goes_to_the_log(
        archive_path, tmp_path, monkeypatch, capsys):
    from gleaner import cli

    def broken(archive, args):
        raise KeyError("a bug in listing")

    monkeypatch.setenv("GLEANER_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setattr(cli, "cmd_list", broken)
    status = cli.run(cli.build_parser().parse_args(["--archive", str(archive_path), "list"]))
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("error: something went wrong (KeyError: 'a bug in listing')")
    log = (tmp_path / "logs" / "gleaner.log").read_text("utf-8")
    assert "Traceback (most recent call last)" in log
    assert 'raise KeyError("a bug in listing")' in log


def test_a_sqlite_failure_is_one_clear_line(archive_path, monkeypatch, capsys):
    import sqlite3

    from gleaner import cli

    def disk_gone(archive, args):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(cli, "cmd_list", disk_gone)
    status = cli.run(cli.build_parser().parse_args(["--archive", str(archive_path), "list"]))
    err = capsys.readouterr().err
    assert status == 1
    assert err == ("error: the disk holding the archive could not be read or written "
                   "(input/output error); check the disk, then check the archive; nothing was "
                   "changed\n")
