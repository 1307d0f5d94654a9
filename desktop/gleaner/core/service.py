"""The archive process: the window's only connection to its archive lives in a child process
that runs nothing but Gleaner's core.

Why: SQLite's locks on a database file are POSIX advisory locks, which belong to a process and
are all released when *any* file descriptor on that file is closed in the process. A window
runs code we do not control (file dialogs sniffing files, icon and image readers); one close()
of the archive by such code would silently drop SQLite's locks, and another process could then
delete the write-ahead log under the live connection. The child runs no such code, so its
locks hold. See docs/architecture.md for the reasoning and the measured cost per request.

The window talks to the child over a pair of pipes: each request is one pickled message
(`multiprocessing.connection` framing), answered in order. Reads go to a fixed list of archive
methods; changes go through `core.operations` by name. The command line needs no child: it
runs no foreign code, so it opens the archive directly.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import pickle
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import traceback
from multiprocessing.connection import Connection
from pathlib import Path

from .errors import ArchiveError, storage_error

# Archive methods the window may call through the process; they only read.
READS = frozenset({
    "article_asset", "article_asset_names", "article_asset_sizes", "article_count",
    "article_page", "article_row", "article_summaries", "data_version", "find_article_by_url",
    "get_article", "get_highlight", "get_theme", "history", "is_empty", "list_highlights",
    "list_tags", "list_themes", "redo_label", "step_size", "suggest_color", "tag_names",
    "theme_by_name", "themes_by_id", "undo_label",
})

IDLE_SECONDS = 5.0  # after this long without a request, the history is tidied
# After this short pause the log is copied into the file: between a researcher's actions, so
# that no step's commit pays for it (a copy of one large step's pages takes ~20 ms).
CHECKPOINT_LULL = 0.25
TIDY_SLICE_PAUSE = 0.05  # between slices of housekeeping while still idle
log = logging.getLogger(__name__)


class ArchiveProcessError(ArchiveError):
    """The archive process stopped or could not start."""


class ArchiveClient:
    """The window's handle on an archive opened in a child process.

    `read(name, ...)` calls one of the archive's read methods (`READS`); `ops.NAME(...)` runs
    the operation NAME of `core.operations` and returns its OpResult. Errors come back as the
    ArchiveError the archive raised. Safe to call from several threads (one request at a time).
    """

    def __init__(self, process: subprocess.Popen, requests: Connection, replies: Connection,
                 path: Path, read_only: bool = False) -> None:
        self._process = process
        self._requests = requests
        self._replies = replies
        self._lock = threading.Lock()
        self._sequence = 0  # requests are numbered; each reply carries its request's number
        self.path = path
        self.read_only = read_only  # every change is refused (see Archive.open)
        self.ops = _Operations(self)

    @classmethod
    def start(cls, path: str | Path, read_only: bool = False) -> ArchiveClient:
        """Open the archive at path in a new archive process; raises ArchiveError with the
        archive's own reason if it cannot be opened (nothing is left running then)."""
        client = cls.spawn(path, read_only)
        client.wait_ready()
        return client

    @classmethod
    def spawn(cls, path: str | Path, read_only: bool = False) -> ArchiveClient:
        """Start the archive process without waiting for it (the window builds itself in the
        meantime); call `wait_ready` before the first request."""
        path = Path(path).expanduser().absolute()
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        env = dict(os.environ)
        package_root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root,
                                                          env.get("PYTHONPATH")]))
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "gleaner.core.service", str(path),
                 str(request_read), str(reply_write), *(["--read-only"] if read_only else [])],
                pass_fds=(request_read, reply_write), stdin=subprocess.DEVNULL, env=env)
        finally:
            os.close(request_read)
            os.close(reply_write)
        return cls(process, Connection(request_write, readable=False),
                   Connection(reply_read, writable=False), path, read_only)

    def wait_ready(self) -> None:
        """Wait until the archive is open; raises its ArchiveError if it could not be."""
        try:
            _, kind, value = self._receive()
        except ArchiveError:
            self.close()
            raise
        if kind == "error":
            self.close()
            raise value
        self.path = Path(value)

    def read(self, name: str, *args, **kwargs):
        """Call the archive's read method `name` in the archive process."""
        return self._request("read", name, args, kwargs)

    def close(self) -> None:
        """Close the archive (its process checkpoints and exits)."""
        with self._lock:
            if self._requests.closed:
                return
            with contextlib.suppress(OSError):
                self._requests.send(("close", None, (), {}))
            for connection in (self._requests, self._replies):
                connection.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def alive(self) -> bool:
        """Whether requests can still be answered (the process runs, the pipes are open)."""
        return not self._requests.closed and self._process.poll() is None

    def _request(self, kind: str, name: str, args: tuple, kwargs: dict):
        with self._lock:
            if self._requests.closed:
                raise ArchiveProcessError("the archive is closed")
            self._sequence += 1
            number = self._sequence
            # Pickled first: a request that cannot be sent leaves the channel as it was.
            request = pickle.dumps((number, kind, name, args, kwargs),
                                   protocol=pickle.HIGHEST_PROTOCOL)
            try:
                self._requests.send_bytes(request)
                answer = self._receive()
            except OSError:  # the pipe broke: the process has gone
                error = self._died()
                self._abandon()
                raise error from None
            except BaseException:
                # Interrupted between a request and its reply (Ctrl+C, a dead process): the
                # reply may still come and would answer the next request. Never reuse this
                # channel; the window starts a new archive process.
                self._abandon()
                raise
            if answer[0] != number:
                self._abandon()
                raise ArchiveProcessError("the archive process answered out of turn; reopen "
                                          "the archive to go on")
        _, status, value = answer
        if status == "error":
            raise value
        return value

    def _abandon(self) -> None:
        for connection in (self._requests, self._replies):
            if not connection.closed:
                connection.close()
        self._process.kill()
        self._process.wait()

    def _receive(self):
        try:
            return self._replies.recv()
        except (EOFError, OSError):
            raise self._died() from None

    def _died(self) -> ArchiveProcessError:
        code = self._process.poll()
        detail = f" (exit status {code})" if code is not None else ""
        return ArchiveProcessError(f"the archive process stopped unexpectedly{detail}; "
                                   "reopen the archive to go on")


class _Operations:
    """`client.ops.code_passage(...)` runs operations.code_passage in the archive process."""

    def __init__(self, client: ArchiveClient) -> None:
        self._client = client

    def __getattr__(self, name: str):
        from . import operations

        if name not in operations.__all__:
            raise AttributeError(name)
        return lambda *args, **kwargs: self._client._request("op", name, args, kwargs)


def serve(path: Path, requests: Connection, replies: Connection,
          read_only: bool = False) -> None:
    """The archive process's loop: open, then answer requests until told to close (or the
    window's end of the pipe closes)."""
    from .archive import Archive

    try:
        archive = Archive.open(path, read_only=read_only)
    except ArchiveError as error:
        _send(replies, (0, "error", error))
        return
    if not _send(replies, (0, "ready", str(archive.path))):
        archive.close()  # the window is gone already (it could not start, say)
        return
    tidied = more_to_tidy = checkpointed = False
    last_work = time.monotonic()
    try:
        while True:
            if _housekeeping_waits(archive, tidied, more_to_tidy, checkpointed):
                quiet = time.monotonic() - last_work
                if more_to_tidy:
                    wait = TIDY_SLICE_PAUSE
                elif not checkpointed:
                    wait = max(0.0, CHECKPOINT_LULL - quiet)
                else:
                    wait = max(0.0, IDLE_SECONDS - quiet)
                if not requests.poll(wait):
                    # Nothing asked for a moment: the totals a step left are counted, a
                    # slice at a time so that a request waits for one slice at most; then
                    # the log is copied into the file (not in a step's commit, where a large
                    # step paid ~24 ms for it); after a longer lull, the history is tidied.
                    if more_to_tidy:
                        more_to_tidy = _tidy_until_asked(archive, requests)
                    elif not checkpointed:
                        with contextlib.suppress(ArchiveError, sqlite3.Error):
                            archive.checkpoint()
                        checkpointed = True
                    else:
                        more_to_tidy = _tidy_until_asked(archive, requests)
                        tidied = not more_to_tidy
                    continue
            try:
                number, kind, name, args, kwargs = requests.recv()
            except (EOFError, OSError):
                break
            except Exception as error:  # a request that cannot be read: say so, go on
                glance = False
                reply = (None, "error", ArchiveError(f"unreadable request ({error})"))
            else:
                if kind == "close":
                    break
                glance = (kind, name) == ("read", "data_version")
                reply = (number, *_answer(archive, kind, name, args, kwargs))
            if not _send(replies, reply):
                break
            if not glance:
                # Someone is working: wait for the next lull. (The window asks for the data
                # version every second to see other processes' changes: that is no work.)
                tidied = checkpointed = False
                last_work = time.monotonic()
            # Totals a step left for later are counted at the next short pause, not in 5 s.
            with contextlib.suppress(ArchiveError, sqlite3.Error):
                more_to_tidy = archive.has_stale_totals()
    finally:
        archive.close()


def _housekeeping_waits(archive, tidied: bool, more_to_tidy: bool, checkpointed: bool) -> bool:
    """Whether some housekeeping is still to be done at the next lull."""
    return not archive.read_only and (more_to_tidy or not tidied or not checkpointed)


def _tidy_until_asked(archive, requests: Connection, every: int = 20_000) -> bool:
    """One slice of housekeeping (`Archive.tidy`), abandoned the moment a request arrives:
    a recount that reads a large branch from disk can take a few hundred milliseconds, and
    the window must not wait for it. True if there is more to do (including what was
    abandoned: it is rolled back and tried again at the next pause)."""
    connection = archive.db.conn
    # Every 20,000 SQLite instructions (well under a millisecond), look for a request.
    connection.set_progress_handler(lambda: 1 if requests.poll(0) else 0, every)
    try:
        return archive.tidy()
    except sqlite3.OperationalError as error:
        return "interrupt" in str(error)  # abandoned for a request: more to do
    except (ArchiveError, sqlite3.Error):
        return False
    finally:
        connection.set_progress_handler(None, 0)


def _answer(archive, kind: str, name: str, args: tuple, kwargs: dict) -> tuple[str, object]:
    """Run one request; ("ok", value) or ("error", ArchiveError)."""
    from . import operations

    try:
        if kind == "op":
            return "ok", operations.run(archive, name, *args, **kwargs)
        if name in READS:
            return "ok", getattr(archive, name)(*args, **kwargs)
        raise ArchiveError(f"{name!r} is not something the archive can be asked")
    except ArchiveError as error:
        return "error", error
    except sqlite3.Error as error:
        return "error", storage_error(error)
    except Exception as error:  # a bug: keep serving, report it in one line
        traceback.print_exc()
        return "error", ArchiveError(
            f"unexpected error in the archive ({type(error).__name__}: {error})")
    finally:
        archive.rollback_if_open()  # an error must not leave a transaction behind


def _send(replies: Connection, reply: tuple) -> bool:
    """Send a reply; one that cannot be pickled becomes an error reply. False if the window
    has gone."""
    try:
        data = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as error:
        data = pickle.dumps((reply[0], "error", ArchiveError(
            f"the archive's answer could not be sent ({type(error).__name__}: {error})")))
    try:
        replies.send_bytes(data)
    except OSError:
        return False
    return True


def main(argv: list[str]) -> int:
    path, request_fd, reply_fd = Path(argv[0]), int(argv[1]), int(argv[2])
    # sqlite-utils imports pandas and numpy when they are installed (to convert their
    # values, which Gleaner never stores); with the development tools they are, and numpy
    # alone added ~200 ms to every archive start. A None entry makes their import fail
    # quickly, in this process only.
    for unused in ("numpy", "pandas"):
        sys.modules.setdefault(unused, None)
    # Ctrl+C in a terminal reaches the whole process group: let the window decide.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The modules' own objects live as long as the process: moved out of the collector's
    # way, its full collections no longer walk them in the middle of a large step (merging a
    # much-used theme: 41 ms instead of 44 in the median, and fewer slow rounds).
    from . import archive, operations  # noqa: F401

    gc.freeze()
    serve(path, Connection(request_fd, writable=False), Connection(reply_fd, readable=False),
          read_only="--read-only" in argv[3:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
