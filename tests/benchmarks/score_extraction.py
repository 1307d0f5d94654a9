"""Score Gleaner's extraction against hand-checked pages: body text, metadata and time.

Run:
    uv run python tests/benchmarks/score_extraction.py [FOLDER ...] [--repeats N] [--show-worst K]

With no folder, the site fixtures are scored (tests/benchmarks/fixture_expectations/). A folder
holds pairs NAME.html + NAME.json; the JSON says what a careful reader would keep:

    {"text": "the article's body as plain text (paragraphs on their own lines)",
     "body": "<p>…</p> (instead of "text": the body as HTML)",
     "title": "…", "authors": ["…", "…"], "published": "YYYY-MM-DD",
     "url": "https://… (optional: the page's address)",
     "html": "path/to/page.html (optional, relative to the JSON; default NAME.html)"}

A field left out is not scored for that page; "authors": [] and "published": null say the page
names no author or date, so none may be invented.

Prints, over all pages: shingle F1 (4-word shingles), word F1 (bags of words), the share of
exactly right titles, author lists (same names, any order) and publication dates (same day),
how many pages were refused, how often trafilatura's second opinion was asked for, and the time
of Gleaner's whole extraction against readability-lxml's Document(html).summary() alone on the
same pages in the same run (sum over pages of each page's median time).

    uv run python tests/benchmarks/score_extraction.py --write-fixture-expectations
regenerates the fixtures' JSON files from the site fixtures: the text between each page's
<!--body--> and <!--/body--> markers (blocks marked FURNITURE- left out) and the metadata the
site tests expect.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from readability import Document

import gleaner.core.extract as extract
from gleaner.core.document import blocks_from_html
from gleaner.core.fetch import CaptureError, RawPage, decode_html

HERE = Path(__file__).resolve().parent
FIXTURE_EXPECTATIONS = HERE / "fixture_expectations"
SITES = HERE.parent / "fixtures" / "sites"
SHINGLE = 4
_WORD = re.compile(r"\w+")


@dataclass
class Page:
    name: str
    html_path: Path
    expected: dict


@dataclass
class Result:
    name: str
    shingle: tuple[float, float, float] = (0.0, 0.0, 0.0)  # precision, recall, F1
    words: tuple[float, float, float] = (0.0, 0.0, 0.0)
    title: bool | None = None
    authors: bool | None = None
    published: bool | None = None
    refused: str = ""
    consulted: bool = False
    gleaner_seconds: float = 0.0
    readability_seconds: float = 0.0
    got: dict = field(default_factory=dict)


def load_pages(folder: Path) -> list[Page]:
    """The folder's NAME.json files with the page each describes."""
    pages = []
    for path in sorted(folder.glob("*.json")):
        expected = json.loads(path.read_text("utf-8"))
        html_path = (path.parent / expected["html"]) if "html" in expected \
            else path.with_suffix(".html")
        if html_path.exists():
            pages.append(Page(path.stem, html_path.resolve(), expected))
    return pages


def expected_text(expected: dict) -> str | None:
    if "text" in expected:
        return expected["text"]
    if "body" in expected:
        return "\n".join(block.text for block in blocks_from_html(expected["body"]))
    return None


def tokens(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text).lower())


def overlap_scores(got: list, want: list) -> tuple[float, float, float]:
    """Precision, recall and F1 of two multisets."""
    if not got and not want:
        return 1.0, 1.0, 1.0
    common = sum((Counter(got) & Counter(want)).values())
    precision = common / len(got) if got else 0.0
    recall = common / len(want) if want else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def shingles(words: list[str], size: int = SHINGLE) -> list[tuple[str, ...]]:
    if len(words) < size:
        return [tuple(words)] if words else []
    return [tuple(words[i:i + size]) for i in range(len(words) - size + 1)]


def same_title(got: str, want: str) -> bool:
    norm = lambda s: " ".join(unicodedata.normalize("NFKC", s).split())  # noqa: E731
    return norm(got) == norm(want)


def same_authors(got: list[str], want: list[str]) -> bool:
    norm = lambda names: sorted(" ".join(n.lower().split()) for n in names)  # noqa: E731
    return norm(got) == norm(want)


def median_seconds(work, repeats: int) -> float:
    work()  # warm-up
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def score_page(page: Page, repeats: int) -> Result:
    content = page.html_path.read_bytes()
    html, charset = decode_html(content)
    url = page.expected.get("url", "https://example.org/article")
    raw = RawPage(url, url, content, html, charset)
    result = Result(page.name)
    consulted = []
    original = getattr(extract, "_second_opinion", None)  # absent from older versions

    def counting(tree, base_url):
        consulted.append(True)
        return original(tree, base_url)

    if original:
        extract._second_opinion = counting
    try:
        article = extract.extract_article(raw)
    except CaptureError as error:
        article = None
        result.refused = str(error)
    finally:
        if original:
            extract._second_opinion = original
    result.consulted = bool(consulted)
    got_text = article.text if article else ""
    want_text = expected_text(page.expected)
    if want_text is not None:
        got_words, want_words = tokens(got_text), tokens(want_text)
        result.words = overlap_scores(got_words, want_words)
        result.shingle = overlap_scores(shingles(got_words), shingles(want_words))
    if article:
        result.got = {"title": article.title, "authors": article.authors,
                      "published": article.published}
    if "title" in page.expected:
        result.title = bool(article) and same_title(article.title, page.expected["title"])
    if "authors" in page.expected:
        result.authors = bool(article) and same_authors(article.authors,
                                                        page.expected["authors"])
    if "published" in page.expected:
        want = (page.expected["published"] or "")[:10]
        result.published = bool(article) and (article.published or "")[:10] == want
    if repeats:
        result.readability_seconds = median_seconds(
            lambda: Document(html).summary(), repeats)
        result.gleaner_seconds = median_seconds(lambda: _quiet_extract(raw), repeats)
    return result


def _quiet_extract(raw: RawPage) -> None:
    with contextlib.suppress(CaptureError):
        extract.extract_article(raw)


def share(values: list[bool | None]) -> str:
    scored = [v for v in values if v is not None]
    if not scored:
        return "–"
    return f"{sum(scored) / len(scored):.1%} ({sum(scored)}/{len(scored)})"


def report(results: list[Result], show_worst: int) -> None:
    scored = [r for r in results if r.shingle != (0.0, 0.0, 0.0) or r.refused]
    mean = lambda values: statistics.fmean(values) if values else 0.0  # noqa: E731
    print(f"pages: {len(results)}")
    print(f"shingle F1 ({SHINGLE}-word): {mean([r.shingle[2] for r in scored]):.3f} "
          f"(precision {mean([r.shingle[0] for r in scored]):.3f}, "
          f"recall {mean([r.shingle[1] for r in scored]):.3f})")
    print(f"word F1: {mean([r.words[2] for r in scored]):.3f} "
          f"(precision {mean([r.words[0] for r in scored]):.3f}, "
          f"recall {mean([r.words[1] for r in scored]):.3f})")
    print(f"title exactly right: {share([r.title for r in results])}")
    print(f"authors right: {share([r.authors for r in results])}")
    print(f"publication date right: {share([r.published for r in results])}")
    refused = [r for r in results if r.refused]
    print(f"refused: {len(refused)}" + "".join(f"\n  {r.name}: {r.refused}" for r in refused))
    print(f"trafilatura consulted: {sum(r.consulted for r in results)} of {len(results)}")
    gleaner = sum(r.gleaner_seconds for r in results)
    baseline = sum(r.readability_seconds for r in results)
    if baseline:
        ratios = [r.gleaner_seconds / r.readability_seconds for r in results
                  if r.readability_seconds]
        print(f"time: Gleaner {gleaner * 1000:.1f} ms, readability-lxml summary() alone "
              f"{baseline * 1000:.1f} ms: ratio {gleaner / baseline:.2f}× "
              f"(per page median {statistics.median(ratios):.2f}×, max {max(ratios):.2f}×)")
    if show_worst:
        print("\nlowest shingle F1:")
        for r in sorted(scored, key=lambda r: r.shingle[2])[:show_worst]:
            print(f"  {r.shingle[2]:.3f} {r.name} (P {r.shingle[0]:.2f} R {r.shingle[1]:.2f})")
        wrong = [r for r in results if False in (r.title, r.authors, r.published)]
        if wrong:
            print("\nmetadata misses:")
            for r in wrong[:show_worst]:
                print(f"  {r.name}: got {r.got}")


def write_fixture_expectations() -> None:
    """The fixtures' expected bodies (between the body markers) and metadata, as JSON."""
    sys.path.insert(0, str(HERE.parent))
    from test_extract_sites import SITES as SITE_LIST  # noqa: PLC0415

    FIXTURE_EXPECTATIONS.mkdir(exist_ok=True)
    for site in SITE_LIST:
        html = (SITES / site.file).read_bytes().decode("utf-8", "replace")
        start, end = html.find("<!--body-->"), html.find("<!--/body-->")
        if start < 0 or end < 0:
            continue  # a fixture without body markers has no full expected text
        blocks = blocks_from_html(html[start + len("<!--body-->"):end])
        text = "\n".join(b.text for b in blocks if "FURNITURE-" not in b.text)
        expected = {"html": f"../../fixtures/sites/{site.file}", "title": site.title,
                    "authors": list(site.authors), "published": site.published, "text": text}
        path = FIXTURE_EXPECTATIONS / f"{Path(site.file).stem}.json"
        path.write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n", "utf-8")
        print(f"wrote {path.relative_to(HERE.parent.parent)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--repeats", type=int, default=5,
                        help="timed runs per page (0: no timing)")
    parser.add_argument("--show-worst", type=int, default=5)
    parser.add_argument("--write-fixture-expectations", action="store_true")
    args = parser.parse_args()
    if args.write_fixture_expectations:
        write_fixture_expectations()
        return 0
    pages = [page for folder in (args.folders or [FIXTURE_EXPECTATIONS])
             for page in load_pages(folder)]
    if not pages:
        print("no NAME.html + NAME.json pairs found", file=sys.stderr)
        return 1
    results = [score_page(page, args.repeats) for page in pages]
    print(f"Python {sys.version.split()[0]}; folders: "
          f"{', '.join(str(f) for f in (args.folders or [FIXTURE_EXPECTATIONS]))}\n")
    report(results, args.show_worst)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
