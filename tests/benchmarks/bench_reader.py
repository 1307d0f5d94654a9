"""How long the reader takes to lay out an article, against Qt's own HTML import.

Run: uv run python tests/benchmarks/bench_reader.py   (offscreen; no display needed)
The baseline is QTextDocument.setHtml on the article's stored HTML in the same process; Gleaner
builds its page block by block from the stored structure instead, so that offsets map 1:1.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtGui import QTextDocument  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from gleaner.core.capture import capture  # noqa: E402
from gleaner.core.models import Article, Highlight, Theme  # noqa: E402
from gleaner.ui.reader import ReaderView  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_extract import long_page  # noqa: E402

REPEATS = 9


def as_article(captured) -> Article:
    return Article(id=1, url_requested=captured.url_requested, url=captured.url,
                   title=captured.title, byline=captured.byline, authors=captured.authors,
                   site_name=captured.site_name, published=captured.published,
                   saved_at="2026-11-25T00:00:00+00:00", language=captured.language,
                   excerpt=captured.excerpt, word_count=captured.word_count, html=captured.html,
                   text=captured.text, blocks=captured.blocks)


def highlights_for(article: Article, count: int) -> list[Highlight]:
    step = max(1, len(article.text) // (count + 1))
    return [Highlight(id=i, article_id=1, start=i * step, end=i * step + 40, exact="",
                      prefix="", suffix="", note="", theme_ids=(1 + i % 3,), created_at="",
                      updated_at="") for i in range(1, count + 1)]


def median_seconds(work) -> float:
    work()
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    app = QApplication.instance() or QApplication([])
    themes = [Theme(id=i, name=f"T{i}", color=c, description="", position=i)
              for i, c in enumerate(["#FFE45C", "#FF8A8A", "#8CB8FF"], start=1)]
    fixtures = Path(__file__).resolve().parents[1] / "fixtures"
    temp = Path(os.environ.get("TMPDIR", "/tmp")) / "gleaner-bench-long.html"
    temp.write_bytes(long_page())
    pages = {"news page (test fixture)": fixtures / "news_page.html",
             "long article (≈40k words)": temp}
    view = ReaderView()
    view.resize(1000, 800)
    view.show()
    app.processEvents()
    print(f"Qt offscreen, median of {REPEATS} runs\n")
    print("| article | Qt setHtml | Gleaner reader | ratio | repaint 200 highlights |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, path in pages.items():
        article = as_article(capture(str(path)))
        highlights = highlights_for(article, 200)

        def baseline(html=article.html):
            document = QTextDocument()
            document.setHtml(html)
            document.setTextWidth(700)
            document.size()  # force layout, as the reader's display does

        def gleaner(a=article):
            view.show_article(a, [], themes)
            view.document().size()

        qt_time = median_seconds(baseline)
        reader_time = median_seconds(gleaner)
        paint_time = median_seconds(lambda h=highlights: view.set_highlights(h, themes))
        print(f"| {name} | {qt_time * 1000:.1f} ms | {reader_time * 1000:.1f} ms "
              f"| {reader_time / qt_time:.2f}× | {paint_time * 1000:.1f} ms |")
    temp.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
