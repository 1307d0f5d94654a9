"""Bulk import speed, each against its baseline in the same run.

Run: uv run python tests/benchmarks/bench_import.py [--folder DIR] [--pages N] [--urls N]
                                                     [--folders-only]

(a) `gleaner import FOLDER` of saved pages (the whole command, as a user runs it: start-up,
    reading, extraction on every core, images, saving) against a sequential loop of
    readability-lxml's `Document(html).summary()` over the same files. Target: ≤ 1.2×.
(b) `gleaner import LIST` of URLs from a local server that answers every request (pages and
    images) after 200 ms, against a sequential fetch-then-`summary()` loop over the same URLs
    (one reused HTTP connection pool, no images). Target: ≥ 4× the throughput.

Without --folder the pages are the extraction fixtures (tests/fixtures/sites, the news page
and the sample article), copied until there are N of them, each copy a distinct page (its
addresses changed, so none is a duplicate of another), in two weights: as written (2–28 KB)
and with the furniture real pages carry (scripts, styles, menus: ~200 KB each). With --folder,
the saved pages in DIR are used as they are for (a), and served for (b).
"""

from __future__ import annotations

import argparse
import http.server
import multiprocessing
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ROOT = Path(__file__).resolve().parents[2]
DELAY = 0.2
REPEATS = 3
_HOST = re.compile(r"https?://([A-Za-z0-9.-]+)")


# --- the pages ----------------------------------------------------------------------------

def fixture_pages() -> list[tuple[str, str]]:
    """(name, html) of the extraction fixtures."""
    from gleaner.core.fetch import decode_html
    from gleaner.core.resources import resource_path

    paths = [*sorted((FIXTURES / "sites").glob("*.html")), FIXTURES / "news_page.html",
             resource_path("sample-article.html")]
    return [(path.stem, decode_html(path.read_bytes())[0]) for path in paths]


def furniture(seed: int) -> tuple[str, str]:
    """What a real page carries around its article, ~200 KB: the head's styles and
    application state, a mega-menu, and the footer's link lists and scripts."""
    style = "".join(f".c{seed}-{i}{{margin:{i % 7}px;padding:{i % 5}px;color:#{i:06x}}}\n"
                    for i in range(1500))
    state = ",".join(f'{{"id":{i},"title":"Story {i} about item {seed}","url":"/s/{i}",'
                     f'"teaser":"A short teaser for story number {i} in the feed"}}'
                     for i in range(500))
    menu = "".join(f'<li class="menu-item"><a href="/section/{i}">Section {i}</a><ul>'
                   + "".join(f'<li><a href="/section/{i}/{j}">Topic {j}</a></li>'
                             for j in range(8)) + "</ul></li>" for i in range(40))
    footer = "".join(f'<div class="promo"><a href="/more/{i}"><img src="/t/{i}.jpg" alt="">'
                     f'<span>More from us: story {i}</span></a></div>' for i in range(60))
    head = (f"<style>{style}</style><script>window.__STATE__=[{state}];</script>"
            '<script src="/static/app.js" defer></script>')
    body_start = f'<header><nav class="mega-menu"><ul>{menu}</ul></nav></header>'
    body_end = (f'<aside class="more">{footer}</aside>'
                + "<script>" + "function f(){return 1};" * 2000 + "</script>")
    return head, body_start + "\x00" + body_end


def distinct_copy(html: str, copy: int, host_for) -> str:
    """The page with every absolute address moved under host_for(copy, host): a page of its
    own (its canonical address and images too), never a duplicate of another copy."""
    html = _HOST.sub(lambda m: host_for(copy, m.group(1)), html)
    return f"<!-- copy {copy} -->\n{html}"  # pages with no address differ by their bytes


def heavy(html: str, copy: int) -> str:
    head, body = furniture(copy)
    start, end = body.split("\x00")
    html = re.sub(r"</head>", head + "</head>", html, count=1, flags=re.IGNORECASE)
    html = re.sub(r"(<body[^>]*>)", r"\1" + start.replace("\\", "\\\\"), html, count=1,
                  flags=re.IGNORECASE)
    return re.sub(r"</body>", end + "</body>", html, count=1, flags=re.IGNORECASE)


def make_corpus(folder: Path, count: int, weight: str, host_for) -> list[Path]:
    """count distinct saved pages in folder, from the fixtures."""
    folder.mkdir(parents=True, exist_ok=True)
    pages = fixture_pages()
    paths = []
    for copy in range(count):
        name, html = pages[copy % len(pages)]
        html = distinct_copy(html, copy, host_for)
        if weight == "heavy":
            html = heavy(html, copy)
        path = folder / f"{copy:04d}-{name}.html"
        path.write_text(html, "utf-8")
        paths.append(path)
    return paths


# --- the two sides of each comparison -----------------------------------------------------

def summary_loop(paths: list[Path]) -> float:
    """Seconds for the baseline: readability-lxml's summary() over the files, one by one."""
    from readability import Document

    started = time.perf_counter()
    for path in paths:
        Document(path.read_bytes()).summary()
    return time.perf_counter() - started


def gleaner_import(source: Path, work: Path) -> tuple[float, str]:
    """Seconds for `gleaner import SOURCE` into a new archive, and its summary line."""
    archive = work / f"bench-{time.monotonic_ns()}.gleaner"
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "gleaner", "--archive", str(archive),
                           "import", str(source)], capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    for leftover in work.glob(archive.name + "*"):
        leftover.unlink()
    return elapsed, done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "?"


def fetch_summary_loop(urls: list[str]) -> float:
    """Seconds for the baseline: fetch each URL, then summary(), one after the other."""
    import httpx
    from readability import Document

    started = time.perf_counter()
    with httpx.Client() as client:
        for url in urls:
            Document(client.get(url).content).summary()
    return time.perf_counter() - started


def stage_costs(paths: list[Path], work: Path) -> dict[str, float]:
    """Milliseconds per page of each step of importing a saved page, one page at a time on
    one core, beside summary() on the same files: where (a)'s time goes."""
    from readability import Document

    from gleaner.core import operations
    from gleaner.core.archive import Archive
    from gleaner.core.capture import collect_images, extract_page, load_page

    def timed(step):
        started = time.perf_counter()
        values = [step(path) for path in paths]
        return values, (time.perf_counter() - started) * 1000 / len(paths)

    summary_loop(paths[:3])
    _, summary = timed(lambda path: Document(path.read_bytes()).summary())
    pages, load = timed(lambda path: load_page(str(path)))
    by_path = dict(zip(paths, pages, strict=True))
    articles, extract = timed(lambda path: extract_page(by_path[path]))
    extracted = dict(zip(paths, articles, strict=True))
    articles, images = timed(lambda path: collect_images(extracted[path], by_path[path]))
    archive = Archive.open(work / f"stages-{time.monotonic_ns()}.gleaner")
    try:
        started = time.perf_counter()
        for start in range(0, len(articles), 10):
            operations.import_articles(archive, [(a, []) for a in articles[start:start + 10]])
        save = (time.perf_counter() - started) * 1000 / len(articles)
    finally:
        archive.close()
    return {"summary()": summary, "load_page": load, "extract_page": extract,
            "collect_images": images, "save (batches of 10)": save}


# --- a slow local server (in its own process) ---------------------------------------------

def serve(folder: str, delay: float, port_out) -> None:
    """Serve folder's pages at /page/NAME and a small PNG at any other image-like path,
    each answer after `delay` seconds."""
    import struct
    import zlib

    def png() -> bytes:
        def chunk(kind, data):
            return (struct.pack(">I", len(data)) + kind + data
                    + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
        return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 3, 8, 0, 0,
                                                                  0, 0))
                + chunk(b"IDAT", zlib.compress(b"\x00\x80\x80\x80\x80" * 3))
                + chunk(b"IEND", b""))

    image = png()
    root = Path(folder)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 (the library's name)
            time.sleep(delay)
            path = self.path.split("?")[0]
            if path.startswith("/page/") and (root / path[6:]).is_file():
                body, kind = (root / path[6:]).read_bytes(), "text/html; charset=utf-8"
            elif re.search(r"\.(jpe?g|png|gif|webp)$|/img/|/media/", path):
                body, kind = image, "image/png"
            else:
                body, kind = b"not here", "text/plain"
                self.send_response(404)
                self._finish(body, kind)
                return
            self.send_response(200)
            self._finish(body, kind)

        def _finish(self, body: bytes, kind: str) -> None:
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_out.put(server.server_address[1])
    server.serve_forever()


def start_server(folder: Path, delay: float):
    context = multiprocessing.get_context("spawn")
    ports = context.Queue()
    process = context.Process(target=serve, args=(str(folder), delay, ports), daemon=True)
    process.start()
    return process, ports.get(timeout=30)


# --- the runs ------------------------------------------------------------------------------

def folder_benchmark(paths: list[Path], folder: Path, work: Path, label: str) -> None:
    """(a): median of REPEATS alternating runs of each side."""
    summary_loop(paths[:10])  # warm-up: imports and caches are not what we measure
    ours, base, line = [], [], ""
    for _ in range(REPEATS):
        base.append(summary_loop(paths))
        elapsed, line = gleaner_import(folder, work)
        ours.append(elapsed)
    size = sum(p.stat().st_size for p in paths) / len(paths) / 1024
    b, o = statistics.median(base), statistics.median(ours)
    print(f"| {label} | {len(paths)} × {size:.0f} KB | {b:.2f} s | {o:.2f} s | "
          f"**{o / b:.2f}×** | {line} |")


def url_benchmark(pages: list[Path], folder: Path, work: Path, label: str) -> None:
    """(b): pages/second of `gleaner import LIST` against the sequential loop."""
    server, port = start_server(folder, DELAY)
    try:
        urls = [f"http://127.0.0.1:{port}/page/{p.name}" for p in pages]
        listing = work / "urls.txt"
        listing.write_text("\n".join(urls))
        fetch_summary_loop(urls[:2])
        base = fetch_summary_loop(urls)
        ours, line = gleaner_import(listing, work)
    finally:
        server.terminate()
        server.join(5)
    print(f"| {label} | {len(urls)} | {len(urls) / base:.1f} pages/s | "
          f"{len(urls) / ours:.1f} pages/s | **{base / ours:.1f}×** | {line} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folder", type=Path, help="saved pages to use instead of fixtures")
    parser.add_argument("--pages", type=int, default=200, help="pages for (a) (default 200)")
    parser.add_argument("--urls", type=int, default=100, help="URLs for (b) (default 100)")
    parser.add_argument("--folders-only", action="store_true", help="run (a) only")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gleaner-bench-import-"))
    try:
        print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, "
              f"load {os.getloadavg()[0]:.1f}, median of {REPEATS} runs for (a)\n")
        corpora = _corpora(args, work)
        print("(a) `gleaner import FOLDER` vs a sequential summary() loop (target ≤ 1.2×)\n")
        print("| pages | files | summary() loop | gleaner import | ratio | gleaner's report |")
        print("| --- | ---: | ---: | ---: | ---: | --- |")
        for label, (folder, paths, _served) in corpora.items():
            folder_benchmark(paths, folder, work, label)
        print("\nWhere (a)'s time goes: ms per page, one page at a time on one core\n")
        names = None
        for label, (_folder, paths, _served) in corpora.items():
            costs = stage_costs(paths[:40], work)
            if names is None:
                names = list(costs)
                print("| pages | " + " | ".join(names) + " |")
                print("| --- |" + " ---: |" * len(names))
            print(f"| {label} | " + " | ".join(f"{costs[n]:.1f}" for n in names) + " |")
        if args.folders_only:
            return 0
        print(f"\n(b) `gleaner import URLS`, every answer after {DELAY * 1000:.0f} ms, vs a "
              "sequential fetch-then-summary() loop (target ≥ 4×)\n")
        print("| pages | URLs | fetch+summary() loop | gleaner import | throughput | "
              "gleaner's report |")
        print("| --- | ---: | ---: | ---: | ---: | --- |")
        for label, (_folder, _paths, (served, served_paths)) in corpora.items():
            url_benchmark(served_paths[:args.urls], served, work, label)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _corpora(args, work: Path) -> dict:
    """label -> (folder for (a), its files, (folder served for (b), its files))."""
    def on_disk(copy, host):
        return f"https://copy{copy}.{host}"

    def on_server(copy, host):  # filled in with the port when served
        return f"/c{copy}/{host}"

    if args.folder:
        paths = sorted(p for p in args.folder.rglob("*") if p.suffix.lower() in
                       (".html", ".htm") and not any(part.endswith("_files")
                                                     for part in p.parts))
        return {f"{args.folder.name}/": (args.folder, paths, (args.folder, paths))}
    found = {}
    for weight in ("light", "heavy"):
        folder = make_corpus(work / weight, args.pages, weight, on_disk)
        served = make_corpus(work / f"{weight}-served", args.urls, weight, on_server)
        label = ("fixtures as written" if weight == "light"
                 else "fixtures + real-page furniture")
        found[label] = (work / weight, folder, (work / f"{weight}-served", served))
    return found


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    sys.exit(main())
