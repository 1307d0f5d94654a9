"""The archive process: requests, replies and what happens when either goes wrong."""

from __future__ import annotations

import os
import signal
from multiprocessing import Pipe

import pytest

from gleaner.core.archive import ArchiveError, NotFound
from gleaner.core.service import ArchiveClient, ArchiveProcessError, _send


@pytest.fixture
def client(archive_path):
    opened = ArchiveClient.start(archive_path)
    yield opened
    opened.close()


def test_reads_and_operations_go_through_the_process(client):
    themes = client.read("list_themes")
    assert len(themes) == 8
    created = client.ops.create_theme("Media framing").value
    assert client.read("get_theme", created.id).name == "Media framing"
    assert client.read("undo_label") == "New theme"


def test_errors_come_back_as_the_archives_own(client):
    with pytest.raises(NotFound, match="no theme 999"):
        client.ops.delete_theme(999)
    with pytest.raises(ArchiveError, match="not something the archive can be asked"):
        client.read("delete_article", 1)
    with pytest.raises(AttributeError):
        client.ops.drop_everything  # noqa: B018 (not an operation)
    assert client.read("article_count") == 0  # the channel still answers in turn


def test_a_request_that_cannot_be_sent_leaves_the_channel_usable(client):
    with pytest.raises(Exception, match="pickle|lambda"):
        client.read("get_theme", lambda: 1)
    assert client.alive and client.read("article_count") == 0


def test_a_reply_that_cannot_be_pickled_becomes_an_error_reply():
    reading, writing = Pipe(duplex=False)
    assert _send(writing, (7, "ok", lambda: None))
    number, status, value = reading.recv()
    assert (number, status) == (7, "error") and "could not be sent" in str(value)


def test_a_dead_process_is_a_clear_error_and_the_client_stays_dead(client):
    os.kill(client.pid, signal.SIGKILL)
    with pytest.raises(ArchiveProcessError, match="stopped unexpectedly"):
        client.read("article_count")
    assert not client.alive
    with pytest.raises(ArchiveProcessError):
        client.read("article_count")


def test_an_interrupted_request_abandons_the_channel(client, monkeypatch):
    """Interrupted between request and reply, the late reply would answer the next request:
    the client must refuse to go on rather than hand out wrong answers."""

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(client, "_receive", interrupted)
    with pytest.raises(KeyboardInterrupt):
        client.read("list_themes")
    monkeypatch.undo()
    assert not client.alive
    with pytest.raises(ArchiveProcessError):
        client.read("article_count")


def test_the_process_ends_quietly_when_the_window_is_gone_before_it_is_ready(archive_path):
    client = ArchiveClient.spawn(archive_path)
    client._replies.close()  # the window died while the archive was opening
    client._requests.close()
    assert client._process.wait(timeout=20) == 0  # no traceback, no error status


def test_housekeeping_gives_way_to_a_request(tmp_path):
    """A recount the archive does while idle is abandoned (rolled back, tried again later)
    as soon as a request is waiting, so the window never waits behind it."""
    from gleaner.core import operations as ops
    from gleaner.core.archive import Archive
    from gleaner.core.service import _tidy_until_asked

    class Requests:
        def __init__(self, waiting: bool) -> None:
            self.waiting = waiting

        def poll(self, _timeout=0) -> bool:
            return self.waiting

    with Archive.open(tmp_path / "a.gleaner") as archive:
        parent = ops.create_theme(archive, "Parent").value.id
        ops.create_theme(archive, "Child", parent_id=parent)
        archive.db.execute("UPDATE theme_counts SET total_highlights = -1, "
                           "total_articles = -1 WHERE theme_id = ?", [parent])
        archive.db.conn.commit()
        assert _tidy_until_asked(archive, Requests(waiting=True), every=1) is True
        assert archive.has_stale_totals()  # abandoned, nothing half-written
        assert not archive.db.conn.in_transaction
        while _tidy_until_asked(archive, Requests(waiting=False), every=1):
            pass
        assert not archive.has_stale_totals()
        assert archive.get_theme(parent).total_highlights == 0


def test_the_log_reaches_the_file_once_the_window_only_glances_at_the_archive(
        archive_path, monkeypatch):
    """The archive process copies the write-ahead log into the file at a pause (not in a
    step's commit); the window's once-a-second data_version glance does not count as work,
    while a real request starts the wait again."""
    import sqlite3
    import threading
    import time

    from gleaner.core import service
    from gleaner.core.archive import Archive

    def themes_in_the_file_itself() -> set[str]:
        # immutable=1 reads the main file alone, not what is still in the -wal beside it
        with sqlite3.connect(f"{archive_path.absolute().as_uri()}?immutable=1",
                             uri=True) as file_only:
            return {row[0] for row in file_only.execute("SELECT name FROM themes")}

    Archive.open(archive_path).close()  # created, and copied into the file on closing
    monkeypatch.setattr(service, "CHECKPOINT_LULL", 0.4)
    request_out, request_in = Pipe(duplex=False)
    reply_out, reply_in = Pipe(duplex=False)
    serving = threading.Thread(target=service.serve, args=(archive_path, request_out, reply_in))
    serving.start()
    try:
        assert reply_out.recv()[1] == "ready"
        number = 0

        def ask(kind, name, *args):
            nonlocal number
            number += 1
            request_in.send((number, kind, name, args, {}))
            answer = reply_out.recv()
            assert answer[1] == "ok", answer
            return answer[2]

        ask("op", "create_theme", "Border policing")
        assert "Border policing" not in themes_in_the_file_itself()  # only in the log
        deadline = time.monotonic() + 3
        while "Border policing" not in themes_in_the_file_itself():
            assert time.monotonic() < deadline, "never copied while the window only glanced"
            ask("read", "data_version")
            time.sleep(0.1)
        ask("op", "create_theme", "Sanctuary")
        for _ in range(3):  # real work, then glances for less than the lull: not yet copied
            ask("read", "data_version")
            time.sleep(0.05)
        assert "Sanctuary" not in themes_in_the_file_itself()
    finally:
        request_in.send((None, "close", None, (), {}))
        serving.join(10)
    assert "Sanctuary" in themes_in_the_file_itself()  # closing copies the rest
