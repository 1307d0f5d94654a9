"""Gleaner never opens an archive file outside SQLite.

Opening and closing the file any other way would drop SQLite's POSIX locks on it in that
process (see docs/architecture.md). A fresh interpreter records every Python-level open of the
archive's files (audit hook 'open') while the core and the command line do their work.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import json, sys
    path, sample = sys.argv[1], sys.argv[2]
    opened = []
    def hook(event, args):
        if event == "open" and isinstance(args[0], (str, bytes)) and str(args[0]).startswith(path):
            opened.append(str(args[0]))
    sys.addaudithook(hook)

    from gleaner.__main__ import main
    from gleaner.core import operations as ops
    from gleaner.core.archive import Archive
    from gleaner.core.capture import capture

    with Archive.open(path) as archive:
        article_id = ops.save_article(archive, capture(sample)).value[0]
        highlight = ops.code_passage(archive, article_id, 5, 25, [1]).value
        ops.set_note(archive, highlight.id, "note")
        ops.add_theme_to_highlight(archive, highlight.id, 2)
        theme = ops.create_theme(archive, "Extra").value
        ops.update_theme(archive, theme.id, name="Renamed")
        ops.move_theme(archive, theme.id, 0)
        ops.undo(archive); ops.redo(archive)
        ops.delete_theme(archive, theme.id)
        ops.delete_article(archive, article_id)
        ops.undo(archive)
        archive.list_articles(); archive.article_page(0, 50); archive.get_article(article_id)
        archive.list_highlights(); archive.history(); archive.data_version()
    for args in (["list"], ["themes"], ["highlights"], ["history"], ["undo"], ["redo"],
                 ["theme", "add", "From the CLI"], ["show", str(article_id)]):
        main(["--archive", path, *args])
    if sys.argv[3:] == ["probe"]:  # shows that the hook sees such an open
        open(path, "rb").close()
    print(json.dumps(opened), file=sys.stderr)
""")


def watched_opens(tmp_path, sample_article_path, *extra) -> list[str]:
    path = tmp_path / "watched.gleaner"
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(path), str(sample_article_path),
                           *extra], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert path.exists()  # the work really used this archive
    return json.loads(done.stderr.strip().splitlines()[-1])


def test_no_archive_file_is_opened_outside_sqlite(tmp_path, sample_article_path):
    assert watched_opens(tmp_path, sample_article_path) == []


def test_the_watch_sees_a_python_open(tmp_path, sample_article_path):
    assert watched_opens(tmp_path, sample_article_path, "probe") == [
        str(tmp_path / "watched.gleaner")]
