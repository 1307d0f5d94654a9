"""How much Gleaner's extraction costs on top of plain readability-lxml, on the same pages.

Run: uv run python tests/benchmarks/bench_extract.py
Prints a Markdown table of median times and the ratio to the baseline run in the same process.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from readability import Document

from gleaner.core.archive import Archive
from gleaner.core.extract import extract_article
from gleaner.core.fetch import RawPage, decode_html
from gleaner.core.resources import resource_path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REPEATS = 15


def long_page(paragraphs: int = 400) -> bytes:
    """A long article (about 40,000 words) inside the fixture's page furniture."""
    base = (FIXTURES / "news_page.html").read_text("utf-8")
    filler = "".join(
        f"<p>Paragraph {i}: the council heard evidence from residents, traders and charity "
        "workers about the shelter, the station and the winter, and officers answered "
        "questions about staffing, meals, costs and the timetable for the building work "
        "before the vote was taken late in the evening.</p>" for i in range(paragraphs))
    return base.replace("<h2>", filler + "<h2>", 1).encode()


def pages() -> dict[str, bytes]:
    found = {
        "news page (test fixture)": (FIXTURES / "news_page.html").read_bytes(),
        "sample article (resource)": resource_path("sample-article.html").read_bytes(),
    }
    for path in sorted((FIXTURES / "sites").glob("*.html")):
        found[f"sites/{path.name}"] = path.read_bytes()
    found["long article (≈40k words)"] = long_page()
    return found


def median_seconds(work, repeats: int = REPEATS) -> float:
    work()  # warm-up: imports, caches and the first allocation are not what we measure
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        archive = Archive.open(Path(folder) / "bench.gleaner")
        for name, content in pages().items():
            html, charset = decode_html(content)
            page = RawPage("https://x.example/a", "https://x.example/a", content, html, charset)
            baseline = median_seconds(
                lambda h=html: Document(h, url="https://x.example/a").summary(html_partial=True))
            gleaner = median_seconds(lambda p=page: extract_article(p))
            article = extract_article(page)
            # Distinct pages (address and canonical address): a duplicate is not saved again.
            copies = (replace(article, url=f"https://x.example/{name}/{i}", url_requested="",
                              canonical_url="") for i in range(10**6))
            saving = median_seconds(lambda a=article, c=copies: archive.save_article(next(c)))
            rows.append((name, len(content) // 1024, baseline, gleaner, saving))
        archive.close()
    print(f"Python {sys.version.split()[0]}, median of {REPEATS} runs\n")
    print("| page | size | readability-lxml alone | Gleaner extract | ratio | save to archive |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, size, baseline, gleaner, saving in rows:
        print(f"| {name} | {size} KB | {baseline * 1000:.1f} ms | {gleaner * 1000:.1f} ms "
              f"| {gleaner / baseline:.2f}× | {saving * 1000:.1f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
