"""A small local web site of distinct article pages, each with an image, for import tests.

The pages are built from a few templates of our own text, varied by number, place and subject,
so that every page is a different article with its own title and address. `serve_site`
answers on a pytest-httpserver (127.0.0.1) and counts the requests per path.
"""

from __future__ import annotations

import re
import struct
import threading
import time
import zlib
from collections import Counter

from werkzeug import Request, Response

PLACES = ["Portmere", "Harwick", "Lindenau", "Carrick", "Millbrook", "Orrin", "Dastrand",
          "Kerevia", "Tallow Bay", "Aldmoor", "Fenwick", "Stroud Vale", "Norhaven"]
SUBJECTS = [("ferry", "ferry timetable"), ("library", "library opening hours"),
            ("shelter", "night shelter"), ("flood", "flood barrier"),
            ("rents", "rent rises"), ("buses", "bus routes"), ("schools", "school meals"),
            ("clinic", "walk-in clinic")]
TEMPLATES = [
    # A council story.
    ("{Place} council votes on {subject} after {n} objections",
     ["Councillors in {Place} voted late on Tuesday on changes to the {subject}, after "
      "residents lodged {n} written objections during a consultation that ran all autumn.",
      "Officers told the meeting that the plan had been revised twice, most recently to take "
      "account of concerns raised by traders and by families who depend on the service.",
      "One resident, who has lived in {Place} for forty years, said the changes had been "
      "explained badly and that many neighbours only learnt of them from a leaflet.",
      "The council will publish a full response to the objections next month, and a review "
      "of the {subject} is planned for the spring, when the first figures are in."]),
    # A feature.
    ("What the {subject} means for {Place}: a guide, part {n}",
     ["For most people in {Place}, the {subject} is something noticed only when it goes "
      "wrong. This guide, the {n}th in our series, explains how it works and who decides.",
      "The arrangements date back several decades and have been adjusted many times, usually "
      "without much public debate, which is why so few residents know where to look.",
      "Campaigners argue that clearer information would save time and money for everyone, "
      "and point to neighbouring towns that publish their plans online every quarter.",
      "We will follow the story through the year and welcome questions from readers, which "
      "can be sent to the newsroom by post or left at the library desk."]),
    # An interview.
    ("“We were not asked”: {Place} residents on the {subject} (interview {n})",
     ["In the {n}th of our conversations with residents, three people from {Place} describe "
      "how the {subject} changed their week and what they would like to see done.",
      "A nurse who works nights said the change meant an extra hour of travelling each day, "
      "and that colleagues on the same shift had started sharing lifts to manage.",
      "A shop owner on the high street said footfall had dropped since the announcement, "
      "though she was careful to add that the winter had been slow for everyone.",
      "A retired teacher said she was not against change but wanted to be consulted, and "
      "that meetings held in the afternoon left out everyone who works."]),
]


def png(width: int = 3, height: int = 2, shade: int = 0) -> bytes:
    """A small valid PNG (grey pixels)."""
    rows = b"".join(b"\x00" + bytes([shade % 256] * width) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def article_html(n: int) -> str:
    """Page n of the site: a distinct article with a byline, a date and one image."""
    place = PLACES[n % len(PLACES)]
    slug, subject = SUBJECTS[(n // len(PLACES)) % len(SUBJECTS)]
    title_template, paragraphs = TEMPLATES[n % len(TEMPLATES)]
    values = {"Place": place, "subject": subject, "n": n}
    title = title_template.format(**values)
    body = "\n".join(f"<p>{text.format(**values)}</p>" for text in paragraphs)
    day = 1 + n % 28
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{title} | The {place} Courier</title>
<meta property="og:title" content="{title}">
<meta name="author" content="Reporter {n % 17}">
<meta property="article:published_time" content="2024-03-{day:02d}T09:00:00Z">
</head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<article>
<h1>{title}</h1>
<p class="byline">By Reporter {n % 17}</p>
<figure><img src="/img/{n}.png" alt="The {subject} in {place}">
<figcaption>The {subject} in {place}.</figcaption></figure>
{body}
</article>
<footer>© The {place} Courier</footer>
</body></html>"""


def article_title(n: int) -> str:
    """The headline of page n."""
    return re.search(r"<h1>(.*?)</h1>", article_html(n)).group(1)


class Site:
    """Article pages at /articles/N-slug and their images at /img/N.png on a local server;
    `requests` counts what was asked for, `delay` makes every answer wait."""

    def __init__(self, server, delay: float = 0.0) -> None:
        self.server = server
        self.delay = delay
        self.requests: Counter[str] = Counter()
        self._lock = threading.Lock()
        server.expect_request(re.compile(r"^/articles/\d+[\w-]*$")).respond_with_handler(
            self._page)
        server.expect_request(re.compile(r"^/img/\d+\.png$")).respond_with_handler(self._image)

    def url(self, n: int) -> str:
        return self.server.url_for(f"/articles/{n}-{SUBJECTS[0][0]}")

    def _count(self, request: Request) -> None:
        with self._lock:
            self.requests[request.path] += 1
        if self.delay:
            time.sleep(self.delay)

    def _page(self, request: Request) -> Response:
        self._count(request)
        n = int(re.match(r"/articles/(\d+)", request.path).group(1))
        return Response(article_html(n), content_type="text/html; charset=utf-8")

    def _image(self, request: Request) -> Response:
        self._count(request)
        n = int(re.match(r"/img/(\d+)", request.path).group(1))
        return Response(png(shade=n), content_type="image/png")

    def page_requests(self) -> Counter[int]:
        """How many times each page was fetched, by page number."""
        with self._lock:
            return Counter({int(re.match(r"/articles/(\d+)", path).group(1)): count
                            for path, count in self.requests.items()
                            if path.startswith("/articles/")})
