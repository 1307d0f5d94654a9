"""Bulk import: many pages into the archive at once, from the sources `import_sources` reads.

The run is a pipeline. Downloads run concurrently on threads (they mostly wait on the network);
extraction, which is pure CPU, runs in worker processes so that every core is used; images are
collected on threads again; and one writer (the thread that called `run_import`) saves what is
ready in small batches through `operations.import_articles`, each batch one transaction. A
page whose address (or file) is already in the archive is reported as such before it is
downloaded, so an import that was interrupted, run again, fetches only what is missing.

The archive is whatever the caller hands in with two methods, `find_article_by_url(*urls)` and
`import_articles(items) -> OpResult`: `for_archive` adapts an open `Archive` (the command line),
`for_client` the window's `ArchiveClient`. Nothing here imports Qt.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from .errors import ArchiveError, CaptureError, StorageError
from .import_sources import ImportItem, SourceError, read_sources
from .models import CapturedArticle, OpResult
from .tasks import Cancelled, Progress

__all__ = ["ImportItem", "ImportOptions", "ImportReport", "ImportStatus", "ItemResult",
           "SourceError", "for_archive", "for_client", "read_sources", "run_import",
           "start_workers_early"]

SAVED, ALREADY, FAILED, NOT_DONE = "saved", "already saved", "failed", "not imported"


class ImportTarget(Protocol):
    """What the import needs of the archive."""

    def find_article_by_url(self, *urls: str) -> int | None: ...

    def import_articles(self, items: list[tuple[CapturedArticle, Sequence[str]]]
                        ) -> OpResult: ...


class _ArchiveTarget:
    def __init__(self, archive) -> None:
        self._archive = archive

    def find_article_by_url(self, *urls: str) -> int | None:
        return self._archive.find_article_by_url(*urls)

    def import_articles(self, items) -> OpResult:
        from . import operations

        return operations.import_articles(self._archive, items)


class _ClientTarget:
    def __init__(self, client) -> None:
        self._client = client

    def find_article_by_url(self, *urls: str) -> int | None:
        return self._client.read("find_article_by_url", *urls)

    def import_articles(self, items) -> OpResult:
        return self._client.ops.import_articles(items)


def for_archive(archive) -> ImportTarget:
    """The import's view of an `Archive` opened in this thread (the command line)."""
    return _ArchiveTarget(archive)


def for_client(client) -> ImportTarget:
    """The import's view of the window's `ArchiveClient` (thread-safe)."""
    return _ClientTarget(client)


@dataclass(frozen=True)
class ImportOptions:
    """How hard an import works, and the limits on each page."""

    downloads: int = 8  # pages downloading at once
    processes: int = 0  # extraction processes; 0: one per core (at most 8)
    batch_size: int = 10  # articles saved per transaction, at most
    batch_seconds: float = 0.5  # a ready article waits at most this long to be saved
    batch_bytes: int = 8 * 1024 * 1024  # a batch is saved once it holds this much
    update_seconds: float = 0.1  # status updates at most this often
    images: bool = True  # keep the articles' images offline with them
    # Limits on each page; None: capture's own (25 MB, 20 s per wait, 30 s in all).
    max_bytes: int | None = None
    timeout: float | None = None
    deadline: float | None = None

    def page_limits(self) -> dict:
        """max_bytes, timeout and deadline for `capture.load_page`."""
        from .fetch import DEADLINE_SECONDS, MAX_BYTES, TIMEOUT_SECONDS

        return {"max_bytes": self.max_bytes or MAX_BYTES,
                "timeout": self.timeout or TIMEOUT_SECONDS,
                "deadline": self.deadline or DEADLINE_SECONDS}

    def process_count(self) -> int:
        if self.processes:
            return self.processes
        try:
            cores = len(os.sched_getaffinity(0))
        except AttributeError:  # not Linux
            cores = os.cpu_count() or 1
        return max(1, min(cores, 8))


@dataclass(frozen=True)
class ItemResult:
    """What became of one item."""

    source: str
    status: str  # SAVED, ALREADY, FAILED or NOT_DONE
    article_id: int | None = None
    title: str = ""
    reason: str = ""
    tags: tuple[str, ...] = ()

    def outcome(self) -> str:
        """"saved #12 “Title”", "already saved as #3", "failed: reason"."""
        if self.status == SAVED:
            return f"saved #{self.article_id}" + (f" “{self.title}”" if self.title else "")
        if self.status == ALREADY:
            return f"already saved as #{self.article_id}"
        if self.status == FAILED:
            return f"failed: {self.reason}"
        return f"not imported ({self.reason})" if self.reason else "not imported"

    def as_json(self) -> dict:
        return {"source": self.source, "status": self.status.replace(" ", "_"),
                "id": self.article_id, "title": self.title, "reason": self.reason or None,
                "tags": list(self.tags)}


@dataclass(frozen=True)
class ImportReport:
    """The end of an import: one result per item, in the order the sources listed them."""

    results: tuple[ItemResult, ...]
    cancelled: bool = False
    stopped: str = ""  # why the archive could take no more (a full disk, say), if it could not

    def count(self, status: str) -> int:
        return sum(1 for result in self.results if result.status == status)

    @property
    def failed(self) -> int:
        return self.count(FAILED)

    def summary(self) -> str:
        """One line: how many were saved, already there, failed (and left when cancelled)."""
        parts = [f"{self.count(SAVED)} saved", f"{self.count(ALREADY)} already saved",
                 f"{self.failed} failed"]
        if self.count(NOT_DONE):
            parts.append(f"{self.count(NOT_DONE)} not imported")
        total = len(self.results)
        head = "Import cancelled" if self.cancelled else "Imported"
        if self.stopped:
            head = f"Import stopped ({self.stopped}; run it again to finish)"
        return f"{head}: {total} page{'' if total == 1 else 's'}: {', '.join(parts)}"

    def lines(self) -> list[str]:
        """One line per item: SOURCE<TAB>OUTCOME."""
        return [f"{result.source}\t{result.outcome()}" for result in self.results]

    def text(self) -> str:
        """The report as plain text: the summary, then one line per item."""
        return "\n".join([self.summary(), "", *self.lines()]) + "\n"

    def as_json(self) -> dict:
        return {"saved": self.count(SAVED), "already_saved": self.count(ALREADY),
                "failed": self.failed, "not_imported": self.count(NOT_DONE),
                "cancelled": self.cancelled, "stopped": self.stopped or None,
                "items": [result.as_json() for result in self.results]}


@dataclass(frozen=True)
class ImportStatus:
    """Where a running import stands (sent at most every `update_seconds`, and at the end)."""

    done: int
    total: int
    current: str  # the item most recently started
    failed: int
    saved: int
    already: int
    new_ids: tuple[int, ...] = ()  # articles created since the previous status
    changes: object = None  # the Changes of the batches saved since the previous status
    finished: bool = False


def run_import(target: ImportTarget, items: Sequence[ImportItem],
               progress: Progress | None = None,
               on_status: Callable[[ImportStatus], None] | None = None,
               options: ImportOptions | None = None) -> ImportReport:
    """Import every item into the archive; returns the per-item report.

    Call it on the thread that may use `target`. `progress` carries the cancel flag (its
    callback is not used); cancelled, the run stops promptly, keeps what is saved (and what
    was ready to be), stops its workers and reports the rest as not imported. Ctrl+C in a
    terminal does the same.
    """
    run = _Run(target, list(items), progress or Progress(), on_status, options or ImportOptions())
    return run.execute()


# --- the pipeline ------------------------------------------------------------------------------

@dataclass
class _Batch:
    articles: list[tuple[int, CapturedArticle]] = field(default_factory=list)
    since: float = 0.0  # when its first article became ready
    size: int = 0  # bytes, roughly


class _Run:
    """One import: the coordinator's state. Only the calling thread touches it; workers
    report through `events`."""

    def __init__(self, target: ImportTarget, items: list[ImportItem], progress: Progress,
                 on_status, options: ImportOptions) -> None:
        self.target = target
        self.items = items
        self.progress = progress
        self.on_status = on_status
        self.options = options
        self.results: list[ItemResult | None] = [None] * len(items)
        self.events: queue.SimpleQueue = queue.SimpleQueue()
        self.next_item = 0
        self.working = 0  # items started and not yet ready or failed
        self.done = 0
        self.pages: dict[int, object] = {}  # downloaded pages, kept for their images
        # Items under way at once: enough to keep every download thread, image thread and
        # extraction process busy, few enough to bound memory.
        self.window = 2 * options.downloads + 2 * options.process_count() + 2
        self.batch = _Batch()
        self.current = ""
        self.counts = {SAVED: 0, ALREADY: 0, FAILED: 0}
        self.new_ids: list[int] = []
        self.changes = None
        self.last_status = 0.0
        self.retried: set[int] = set()
        self.stopped_by = ""  # why the run ended early, if the archive failed
        # Downloads share one Progress: cancelling it stops them all at their next check.
        self.network = Progress()
        self.threads: ThreadPoolExecutor | None = None  # page downloads
        self.image_threads: ThreadPoolExecutor | None = None  # one article's images each
        self.processes: ProcessPoolExecutor | None = None

    # The run ------------------------------------------------------------------------------

    def execute(self) -> ImportReport:
        cancelled = False
        self.threads = ThreadPoolExecutor(self.options.downloads,
                                          thread_name_prefix="gleaner-import")
        # Separate threads for images: an article waiting for its pictures must not hold
        # back the next page's download.
        self.image_threads = ThreadPoolExecutor(self.options.downloads,
                                                thread_name_prefix="gleaner-import-images")
        try:
            self._loop()
        except (Cancelled, KeyboardInterrupt):
            cancelled = True
        except StorageError as error:  # the disk or file failed: nothing more can be saved
            self.stopped_by = str(error).removesuffix("; nothing was changed")
        except ArchiveError as error:  # the archive itself failed: nothing more can be saved
            self.stopped_by = f"the archive failed ({error})"
        finally:
            self.network.cancel()  # whatever still runs is no longer wanted
            self._stop_workers()
        cancelled = cancelled or self.progress.cancelled
        with contextlib.suppress(ArchiveError):
            self._save_batch()  # ready articles are kept, also when cancelled
        reason = "the import was cancelled" if cancelled else self.stopped_by
        results = tuple(result or ItemResult(item.label, NOT_DONE, title=item.title,
                                             reason=reason, tags=item.tags)
                        for item, result in zip(self.items, self.results, strict=True))
        self._send_status(finished=True)
        return ImportReport(results, cancelled, "" if cancelled else self.stopped_by)

    def _loop(self) -> None:
        while True:
            self.progress.raise_if_cancelled()
            self._admit()
            if self.working == 0 and self.next_item >= len(self.items):
                break
            try:
                event = self.events.get(timeout=self._wait())
            except queue.Empty:
                event = None
            if event is not None:
                self._handle(*event)
            if self._batch_due():
                self._save_batch()
            self._send_status()
        self._save_batch()

    def _wait(self) -> float:
        """How long to wait for the next event before a batch or a status is due."""
        if self.batch.articles:
            return max(0.01, self.batch.since + self.options.batch_seconds - time.monotonic())
        return 0.1  # cancelling is looked at this often at least

    def _admit(self) -> None:
        """Start items until the pipeline holds enough (memory stays bounded)."""
        while self.working < self.window and self.next_item < len(self.items):
            # A run again after an interruption may pass over thousands of saved pages here.
            self.progress.raise_if_cancelled()
            index = self.next_item
            self.next_item += 1
            item = self.items[index]
            self.current = item.label
            if item.problem:
                self._finish(index, FAILED, reason=item.problem)
            elif (existing := self.target.find_article_by_url(_address_of(item))) is not None:
                self._finish(index, ALREADY, article_id=existing)
            else:
                self.working += 1
                self._start(index)
            self._send_status()

    def _start(self, index: int) -> None:
        item = self.items[index]
        if item.is_file:
            self._extract(index, _ReadFile(item.source, self.options))
        elif index in self.pages:
            self._extract(index, _Extract(self.pages[index]))
        else:
            self._submit(self.threads, "loaded", index, _download, item.source, self.network,
                         self.options)

    def _submit(self, executor, stage: str, index: int, function, *args) -> None:
        future = executor.submit(function, *args)
        future.add_done_callback(
            lambda done: self.events.put((stage, index, done, executor)))

    def _extract(self, index: int, work) -> None:
        if self.processes is None:
            self.processes = _process_pool(self.options.process_count())
        self._submit(self.processes, "extracted", index, work)

    def _handle(self, stage: str, index: int, future: Future, executor) -> None:
        try:
            value = future.result()
        except BrokenProcessPool:
            self._extractor_crashed(index, executor)
            return
        except (CaptureError, ArchiveError) as error:
            self._drop(index, str(error) or type(error).__name__)
            return
        except Cancelled:
            self._drop(index, "the import was cancelled", status=NOT_DONE)
            return
        except Exception as error:  # a bug on one page must not stop the others
            self._drop(index, f"unexpected error ({type(error).__name__}: {error})")
            return
        self.current = self.items[index].label
        if stage == "loaded":
            self.pages[index] = value
            self._extract(index, _Extract(value))
            return
        page = self.pages.pop(index, None)
        if stage == "extracted" and page is not None and self.options.images:
            self._submit(self.image_threads, "collected", index, _with_images, value, page,
                         self.network, self.options)
        else:
            self._ready(index, value)

    def _extractor_crashed(self, index: int, pool: ProcessPoolExecutor) -> None:
        """A worker process died (out of memory, a crash in a parser). The pool is broken for
        every page in it: start a new one and try each of its pages once more."""
        if pool is self.processes:
            pool.shutdown(wait=False, cancel_futures=True)
            self.processes = None
        if index in self.retried:
            self._drop(index, "the page made the extractor crash")
            return
        self.retried.add(index)
        self._start(index)

    def _drop(self, index: int, reason: str, status: str = FAILED) -> None:
        """A started item failed before it was ready to be saved."""
        self.working -= 1
        self.pages.pop(index, None)
        self._finish(index, status, reason=reason)

    def _ready(self, index: int, article: CapturedArticle) -> None:
        """An article is ready: it waits in the batch (and leaves room for the next item)."""
        self.working -= 1
        if not self.batch.articles:
            self.batch.since = time.monotonic()
        self.batch.articles.append((index, article))
        self.batch.size += len(article.original_html) + len(article.html) + sum(
            len(image.data) for image in article.images)

    def _batch_due(self) -> bool:
        batch = self.batch
        # Nothing else under way: waiting for more would only delay these.
        idle = self.working == 0 and self.next_item >= len(self.items)
        return bool(batch.articles) and (
            idle or len(batch.articles) >= self.options.batch_size
            or batch.size >= self.options.batch_bytes
            or time.monotonic() - batch.since >= self.options.batch_seconds)

    def _save_batch(self) -> None:
        """Save the ready articles in one transaction; if the archive refuses the batch, each
        article alone, so one bad article does not cost the others."""
        batch, self.batch = self.batch, _Batch()
        if not batch.articles:
            return
        try:
            self._store(batch.articles)
        except ArchiveError as error:
            # A full disk or a failed file refuses every article alike: stop, and leave the
            # batch to the next run rather than calling each page a failure.
            stop = _archive_gone(error) or isinstance(error, StorageError)
            if stop or len(batch.articles) == 1:
                for index, _ in batch.articles:
                    if stop:
                        self._finish(index, NOT_DONE, reason=str(error).removesuffix(
                            "; nothing was changed"))
                    else:
                        self._finish(index, FAILED, reason=f"could not be stored ({error})")
                if stop:
                    raise
                return
            for one in batch.articles:
                with contextlib.suppress(ArchiveError):
                    self._store([one])
                if self.results[one[0]] is None:
                    self._finish(one[0], FAILED, reason=f"could not be stored ({error})")

    def _store(self, articles: list[tuple[int, CapturedArticle]]) -> None:
        result = self.target.import_articles(
            [(article, self.items[index].tags) for index, article in articles])
        for (index, article), (article_id, created) in zip(articles, result.value,
                                                            strict=True):
            if created:
                self.new_ids.append(article_id)
                self._finish(index, SAVED, article_id=article_id, title=article.title)
            else:
                self._finish(index, ALREADY, article_id=article_id, title=article.title)
        self.changes = _merged(self.changes, result.changes)

    def _finish(self, index: int, status: str, *, article_id: int | None = None,
                title: str = "", reason: str = "") -> None:
        item = self.items[index]
        self.results[index] = ItemResult(item.label, status, article_id, title or item.title,
                                         reason, item.tags)
        self.done += 1
        if status in self.counts:
            self.counts[status] += 1

    def _send_status(self, finished: bool = False) -> None:
        now = time.monotonic()
        if self.on_status is None or (
                not finished and now - self.last_status < self.options.update_seconds):
            return
        self.last_status = now
        status = ImportStatus(
            done=self.done,
            total=len(self.items), current=self.current, failed=self.counts[FAILED],
            saved=self.counts[SAVED], already=self.counts[ALREADY],
            new_ids=tuple(self.new_ids), changes=self.changes, finished=finished)
        self.new_ids, self.changes = [], None
        self.on_status(status)

    def _stop_workers(self) -> None:
        """Let the workers go: what has not started is dropped; a page being extracted is
        finished (a fraction of a second) so its process ends cleanly."""
        for threads in (self.threads, self.image_threads):
            if threads is not None:
                threads.shutdown(wait=False, cancel_futures=True)
        if self.processes is not None:
            with contextlib.suppress(Exception):
                self.processes.shutdown(wait=True, cancel_futures=True)
            self.processes = None


def _archive_gone(error: ArchiveError) -> bool:
    from .service import ArchiveProcessError

    return isinstance(error, ArchiveProcessError)


def _merged(first, second):
    """Two operations' Changes as one."""
    if first is None:
        return second
    from .models import Changes

    return Changes(articles=first.articles | second.articles,
                   highlights=first.highlights | second.highlights,
                   themes=first.themes | second.themes, library=first.library or second.library,
                   codebook=first.codebook or second.codebook,
                   details=first.details | second.details)


def _address_of(item: ImportItem) -> str:
    """The address an item is saved under: its URL, or its file's file: URI."""
    if item.is_file:
        try:
            return Path(item.source).resolve().as_uri()
        except (OSError, ValueError):
            return ""
    return item.source


# --- the work done on threads and in worker processes ------------------------------------------

def _download(url: str, network: Progress, options: ImportOptions):
    from .capture import load_page

    return load_page(url, network, **options.page_limits())


class _Extract:
    """Extract a downloaded page (in a worker process)."""

    def __init__(self, page) -> None:
        self.page = page

    def __call__(self) -> CapturedArticle:
        from .capture import extract_page

        return extract_page(self.page)


class _ReadFile:
    """Read and extract a saved page (in a worker process, so the main process only writes),
    with its images from the page's own folder."""

    def __init__(self, path: str, options: ImportOptions) -> None:
        self.path = path
        self.options = options

    def __call__(self) -> CapturedArticle:
        from .capture import extract_page, load_page

        page = load_page(self.path, max_bytes=self.options.page_limits()["max_bytes"])
        article = extract_page(page)
        if self.options.images:
            article = _with_images(article, page, Progress(), self.options)
        return article


def _with_images(article: CapturedArticle, page, network: Progress,
                 options: ImportOptions) -> CapturedArticle:
    """The article with its images (capture's third step, bounded in number, size and time);
    an image that cannot be had is left out, and a failure of that step never costs the
    article."""
    from .images import IMAGE_DEADLINE, IMAGE_TIMEOUT, collect_images

    limits = options.page_limits()
    try:
        return collect_images(article, page, network,
                              deadline=min(limits["deadline"], IMAGE_DEADLINE),
                              timeout=min(limits["timeout"], IMAGE_TIMEOUT))
    except Cancelled:
        raise
    except Exception:  # a placeholder in the reader, not a lost article
        return article


_CONTEXT = None
WORKER_NICENESS = 5


def _context():
    """How worker processes start. Never forked from this process: the window has Qt loaded,
    and forking a process with threads is unsafe. A forkserver (where there is one) starts
    them with the extractor already imported."""
    global _CONTEXT
    if _CONTEXT is None:
        if "forkserver" in multiprocessing.get_all_start_methods():
            _CONTEXT = multiprocessing.get_context("forkserver")
            _CONTEXT.set_forkserver_preload(["gleaner.core.capture"])
        else:
            _CONTEXT = multiprocessing.get_context("spawn")
    return _CONTEXT


def start_workers_early() -> None:
    """Start the process that starts the extraction workers now, so that it loads the
    extractor (half a second) while this process still loads the archive: the command line
    calls it first thing. Without a forkserver it does nothing."""
    if _context().get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def _process_pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(workers, mp_context=_context(), initializer=_worker_started)


def _worker_started() -> None:
    """In each worker process: a lower priority (the window, and the archive process it
    waits on, come first when the cores are busy), Ctrl+C left to the main process, and an
    end of its own if the main process is killed (it would otherwise wait for work forever)."""
    with contextlib.suppress(AttributeError, OSError):  # no nice() on Windows
        os.nice(WORKER_NICENESS)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None and parent.sentinel is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True,
                         name="gleaner: watch parent").start()


def _exit_with(sentinel: int) -> None:
    from multiprocessing.connection import wait

    wait([sentinel])
    os._exit(0)
