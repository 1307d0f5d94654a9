"""How long Gleaner takes to save and to show pages built to make extraction or layout slow.

Run: uv run python tests/benchmarks/bench_hostile_pages.py [--only NAME] [--limit SECONDS]
(offscreen; no display needed). Not collected by pytest (tests/benchmarks is ignored).

For each page: `capture` from a file (in a child process, stopped after --limit seconds), then,
if it was saved, the reader's `show_article` with its first paint, and scrolling to the end of
the article with the paint there. Targets: saved or refused within 5 s; the reader blocks for
at most about 1 s.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SENTENCE = ("The council heard evidence from residents, traders and charity workers about the "
            "shelter, the station and the winter before the vote was taken.")
INTRO = "".join(f"<p>{i}. {SENTENCE}</p>" for i in range(3))


def _page(body: str) -> str:
    return (f"<html><head><title>Hostile page</title></head><body><article><h1>Hostile page</h1>"
            f"{INTRO}{body}</article></body></html>")


def nested_divs(levels: int = 2000) -> str:
    """levels divs, each inside the one before, with text at every level."""
    return _page("".join(f"<div>level {i} text here " for i in range(levels)) + "</div>" * levels)


def nested_divs_with_tails(levels: int = 2000) -> str:
    """levels nested divs, with text before and after each inner one."""
    return _page("".join(f"<div>level {i} text here " for i in range(levels))
                 + "".join(f"</div>after{i} " for i in range(levels)))


def nested_tables(levels: int = 500) -> str:
    """levels tables, each in the only cell of the one before, with text in every cell."""
    return _page("".join(f"<table><tr><td>cell {i} words " for i in range(levels))
                 + "</td></tr></table>" * levels)


def tiny_paragraphs(count: int = 300_000) -> str:
    """count paragraphs of one short word each."""
    return _page("".join(f"<p>w{i % 10}</p>" for i in range(count)))


def long_word(chars: int = 2_000_000) -> str:
    """One word of chars letters, without a space, in a paragraph of its own."""
    return _page(f"<p>{'abcdefghij' * (chars // 10)}</p>")


def long_words(count: int = 50_000, chars: int = 40) -> str:
    """count words of chars letters each, in paragraphs of a hundred words."""
    word = ("abcdefghijklmnopqrstuvwxyz" * 2)[:chars - 5]
    words = [f"{word}{i:05d}" for i in range(count)]
    return _page("".join(f"<p>{' '.join(words[i:i + 100])}</p>" for i in range(0, count, 100)))


def inline_spans(count: int = 100_000) -> str:
    """One paragraph of count words, each in its own <b><i>."""
    return _page("<p>" + " ".join(f"<b><i>w{i}</i></b>" for i in range(count)) + "</p>")


def one_paragraph(megabytes: float = 5) -> str:
    """One paragraph of ordinary words, megabytes long."""
    words = SENTENCE.split()
    repeats = int(megabytes * 1_000_000 / (len(SENTENCE) + 1)) + 1
    return _page("<p>" + " ".join(words * repeats) + "</p>")


def long_report(elements: int = 190_000) -> str:
    """A report published as one page, just under the element limit: sections of a heading
    and ten paragraphs, each with a link and an emphasised word."""
    parts, count, number = [], 0, 0
    words = SENTENCE.split()
    while count < elements:
        parts.append(f"<h2>Section {number}</h2>")
        for paragraph in range(10):
            text = " ".join(words[(number + paragraph) % len(words):] + words)[:90]
            parts.append(f"<p>{text} <a href='/s{number}'>source</a> <em>note</em></p>")
        count, number = count + 31, number + 1
    return _page("".join(parts))


PAGES = {
    "2,000 nested divs": nested_divs,
    "2,000 nested divs, text after each too": nested_divs_with_tails,
    "5,000 nested divs, text after each too": lambda: nested_divs_with_tails(5000),
    "500 nested tables": nested_tables,
    "1,000 nested tables": lambda: nested_tables(1000),
    "300,000 tiny paragraphs": tiny_paragraphs,
    "70,000 tiny paragraphs": lambda: tiny_paragraphs(70_000),
    "one 2 MB word": long_word,
    "50,000 words of 40 chars": long_words,
    "100,000 <b><i> spans": inline_spans,
    "30,000 <b><i> spans": lambda: inline_spans(30_000),
    "5 MB paragraph": one_paragraph,
    "a 190,000-element report": long_report,
}


def _capture_in_child(path: str, results) -> None:
    from gleaner.core.capture import CaptureError, capture

    started = time.perf_counter()
    try:
        article = capture(path, images=False)
        results.put((time.perf_counter() - started, article, None))
    except CaptureError as error:
        results.put((time.perf_counter() - started, None, str(error)))


def timed_capture(path: Path, limit: float):
    """(seconds, CapturedArticle or None, refusal or None); seconds is None past the limit."""
    results = multiprocessing.get_context("fork").Queue()
    child = multiprocessing.get_context("fork").Process(target=_capture_in_child,
                                                        args=(str(path), results))
    child.start()
    try:
        outcome = results.get(timeout=limit)
    except Exception:  # noqa: BLE001 - queue.Empty: the capture ran past the limit
        outcome = (None, None, None)
    child.kill() if child.is_alive() else None
    child.join()
    return outcome


def as_article(captured):
    from gleaner.core.models import Article

    return Article(id=1, url_requested=captured.url_requested, url=captured.url,
                   title=captured.title, byline=captured.byline, authors=captured.authors,
                   site_name=captured.site_name, published=captured.published,
                   saved_at="2026-11-25T00:00:00+00:00", language=captured.language,
                   excerpt=captured.excerpt, word_count=captured.word_count,
                   html=captured.html, text=captured.text, blocks=captured.blocks)


def time_reader(view, app, article) -> tuple[float, float, bool]:
    """(show_article + first paint, scroll to the end + paint there, body text complete)."""
    started = time.perf_counter()
    view.show_article(article, [], [])
    view.viewport().repaint()
    shown = time.perf_counter() - started
    started = time.perf_counter()
    view.scroll_to(len(article.text))
    view.viewport().repaint()
    scrolled = time.perf_counter() - started
    complete = view.body_text() == article.text
    view.show_article(as_article_placeholder(article), [], [])  # free the big page
    app.processEvents()
    return shown, scrolled, complete


def as_article_placeholder(article):
    from dataclasses import replace

    from gleaner.core.document import blocks_from_html, canonical_text

    blocks = blocks_from_html("<p>empty</p>")
    return replace(article, html="<p>empty</p>", blocks=blocks, text=canonical_text(blocks))


def words_missing(html: str, text: str) -> int:
    """How many of the words written in the page's body (after its headline, which becomes
    the title) the saved text lacks."""
    body = html[html.index("</h1>"):]
    written = set(re.sub(r"<[^>]*>", " ", body).split())
    return len(written - set(text.split()))


def _seconds(value: float | None, limit: float) -> str:
    return f"> {limit:.0f} s" if value is None else f"{value:.2f} s"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", help="run only the pages whose name contains this")
    parser.add_argument("--limit", type=float, default=120.0, help="seconds per capture")
    options = parser.parse_args()

    from PySide6.QtWidgets import QApplication

    from gleaner.ui.reader import ReaderView

    app = QApplication.instance() or QApplication([])
    view = ReaderView()
    view.resize(1000, 800)
    view.show()
    app.processEvents()
    print("| page | size | capture | text saved | words missing | reader: show + paint "
          "| scroll to end + paint | text shown |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    with tempfile.TemporaryDirectory() as folder:
        for name, build in PAGES.items():
            if options.only and options.only.lower() not in name.lower():
                continue
            path = Path(folder) / "page.html"
            html = build()
            path.write_text(html, "utf-8")
            size = f"{path.stat().st_size / 1e6:.1f} MB"
            seconds, captured, refusal = timed_capture(path, options.limit)
            if captured is None:
                outcome = f"refused: {refusal}" if refusal else "—"
                print(f"| {name} | {size} | {_seconds(seconds, options.limit)} | {outcome} "
                      "| — | — | — | — |", flush=True)
                continue
            article = as_article(captured)
            shown, scrolled, complete = time_reader(view, app, article)
            missing = words_missing(html, article.text)
            print(f"| {name} | {size} | {seconds:.2f} s | {len(article.text):,} chars "
                  f"| {missing:,} | {shown:.2f} s | {scrolled:.2f} s "
                  f"| {'whole' if complete else 'NOT WHOLE'} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
