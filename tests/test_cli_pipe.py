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
