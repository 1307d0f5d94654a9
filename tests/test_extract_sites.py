"""Extraction against the markup habits of real publishing systems.

Each page in fixtures/sites/ imitates one kind of site (a WordPress theme, a broadsheet, a public
broadcaster, an NGO press release, an old table-layout regional paper in windows-1252, a live
blog) with original, fictional stories. Every piece of page furniture carries a "FURNITURE-"
marker, and the article body has known first, middle and last sentences. The expectations are
what a careful reader-mode extractor should produce, not a record of the current output.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gleaner.core.capture import capture
from gleaner.core.document import canonical_text
from gleaner.core.models import CapturedArticle

SITES_DIR = Path(__file__).resolve().parent / "fixtures" / "sites"


@dataclass(frozen=True)
class Site:
    file: str
    title: str
    authors: tuple[str, ...]  # empty: the page names no author, so none may be invented
    published: str | None  # YYYY-MM-DD
    site_name: str
    start: str  # the body's first sentence
    middle: str  # a sentence inside a subheading / list / quote section
    end: str  # the body's last sentence
    words: tuple[int, int]  # sensible range for the article's word count
    # What the article's text may open with besides `start` (a standfirst, a lead caption, a
    # live blog's first entry header). Never a byline, a date line or the title.
    lead_ins: tuple[str, ...] = ()
    # The article's own subheadings, list items, quotes and captions that must survive.
    keeps: tuple[str, ...] = field(default=())


SITES = [
    Site(
        file="wordpress.html",
        title="Councillors back plan to turn shuttered Millbrook library into welcome centre "
              "for new arrivals",
        authors=("Marta Quell",),
        published="2024-02-08",
        site_name="The Lantern Post",
        start="Millbrook’s disused Carnegie library on Station Road will reopen next spring as "
              "a welcome centre for asylum seekers and refugees, after councillors voted eleven "
              "to four in favour on Wednesday night.",
        middle="The ground floor reading room will become a drop-in space staffed by volunteers "
               "from three local charities on weekday mornings.",
        end="The council will publish the full refurbishment tender in March, and residents can "
            "comment on the designs until the end of April.",
        words=(445, 550),  # 496 words in div.entry-content without Jetpack's boxes
        keeps=("What the centre will offer", "Objections in the chamber",
               "a free legal advice clinic twice a month;",
               "“An empty building costs us money and gives nothing back."),
    ),
    Site(
        file="broadsheet.html",
        title="Ferry passengers face hours-long queues as digital entry permits go live at "
              "Portmere",
        authors=("Tomasz Reyes", "Imogen Achterberg"),
        published="2024-03-14",
        site_name="The Meridian",
        start="Queues of up to four hours built up at Portmere ferry terminal on Wednesday as "
              "the government’s new digital entry permit became mandatory for all passengers "
              "arriving from the continent, with some families spending the night in their cars "
              "on the approach road.",
        middle="Union representatives said the terminal had only eleven permit-reading gates, and "
               "that four of them were out of action for most of Wednesday morning.",
        end="Port authorities have advised passengers booked on Thursday’s sailings to check "
            "their permit status before leaving home and to allow at least two extra hours for "
            "arrival checks.",
        words=(455, 600),  # 508 in the three body sections (pull quote included), +17 standfirst
        lead_ins=("Travellers and hauliers report confusion over new pre-travel checks",
                  "Vehicles queue on the A212 approach road"),
        keeps=("A system built for a quiet day",
               "“We were told it would take ten minutes.",
               "Refugee organisations raised a separate concern",
               "A border officer checks documents by hand in the arrivals hall at Portmere."),
    ),
    Site(
        file="public_broadcaster.html",
        title="Police to stop sharing crime victims' details with immigration enforcement",
        # JSON-LD names the broadcaster itself as author; the page's byline names a reporter.
        authors=("Hannah Okafor",),
        published="2024-05-21",
        site_name="NBS News",
        start="Police forces across the Northshire region will no longer pass the details of "
              "crime victims and witnesses to immigration enforcement, under new guidance "
              "published on Tuesday.",
        middle="Under the new rules, a victim who is asked about their immigration status can "
               "decline to answer without it affecting how their case is handled.",
        end="The guidance will come into force on 1 July, and forces will be required to publish "
            "figures on data requests from immigration officials every six months.",
        words=(355, 440),  # 396 in the text, subheadline and list blocks
        keeps=("A safe way to report", "Concerns from ministers", "The guidance applies to:",
               "people reporting labour exploitation or trafficking",
               "witnesses to hate crimes and other serious offences"),
    ),
    Site(
        file="ngo_report.html",
        title="Children held for weeks in coastal reception centres, inspectors find",
        authors=(),  # a press release: the media contact is not its author
        published="2023-06-05",  # only as the visible text "Published 5 June 2023"
        site_name="Harbourlight Refugee Trust",  # only as the <title> suffix
        start="Children arriving alone on the south coast are being held for up to five weeks "
              "in reception centres designed for stays of less than a day, according to a "
              "report published today by the Harbourlight Refugee Trust.",
        middle="Several children told researchers they had lost track of the days, and two "
               "described being moved between centres at night without any explanation.",
        end="The Trust will present its findings to the parliamentary committee on home affairs "
            "on 20 June.",
        words=(355, 435),  # 394 in div.field-body
        keeps=("Key findings", "What needs to change",
               "One in three had not seen a social worker within 72 hours of arriving.",
               "“Nobody told me where I was going."),
    ),
    Site(
        file="regional_paper.html",
        title="Drop-in centre for new arrivals secures €15,000 lifeline",
        authors=("Staff Reporter",),  # <b>By Staff Reporter</b>
        published="2024-10-08",  # only as the visible text "Tuesday, 8 October 2024"
        site_name="Ardley Valley Courier",  # only as the <title> suffix and the masthead's alt
        start="A weekly drop-in for families living in International Protection accommodation "
              "in Ardley has been awarded €15,000 by the county council, securing its future "
              "for at least another year.",
        middle="Until now the drop-in has relied entirely on donations, with volunteers paying "
               "for tea, biscuits and printer ink out of their own pockets.",
        end="Anyone interested in volunteering can call into the parish hall on any Thursday "
            "between 10am and 4pm.",
        words=(330, 410),  # 369 in the body's <font> element
        keeps=("was set up in 2022 by José Peñalva, a retired engineer",
               "Volunteers stretched thin", "a return ticket now costs €11.40.",
               "Councillor Aoife Ní Bhriain", "had “done the State’s work for two years",
               "Cllr Séamus Brennock", "lifts to the hospital – “even once a month"),
    ),
    Site(
        file="liveblog.html",
        title="Aid convoy crosses into Kerevia after three-day standoff at Dastrand border – live",
        authors=("Lena Marchetti", "Owen Pryce"),
        published="2024-09-19",
        site_name="Eastport Herald",
        start="The first eight lorries of the convoy have begun unloading at the regional "
              "warehouse in Sereth, about forty kilometres inside Kerevia, according to the aid "
              "coordinators travelling with them.",
        middle="Relief officials say the medical kits were the main cause of the delay, because "
               "customs officers insisted on checking every box against its paperwork.",
        end="Stay with us for updates as the convoy prepares to move.",
        words=(455, 570),  # 503 in the six entries, timestamps and titles included
        lead_ins=("15.20 BST", "First lorries unload at Sereth warehouse",
                  "Thirty-one lorries carrying food and medicine"),
        keeps=("15.20 BST", "08.15 BST", "Convoy crosses the border", "What is in the convoy?",
               "Welcome to our coverage", "medical kits for four field clinics;",
               "We are not an obstacle to aid."),
    ),
]

pytestmark = pytest.mark.parametrize("site", SITES, ids=[s.file.removesuffix(".html")
                                                         for s in SITES])


@functools.cache
def _captured(file: str) -> CapturedArticle:
    return capture(str(SITES_DIR / file))


def test_title(site: Site):
    title = _captured(site.file).title
    assert title == site.title


def test_authors_and_byline(site: Site):
    article = _captured(site.file)
    authors, byline = article.authors, article.byline
    assert authors == list(site.authors)
    if site.authors:
        for name in site.authors:
            assert name in byline
        assert not byline.lower().startswith("by ")
    else:
        assert byline == ""


def test_published_date(site: Site):
    published = _captured(site.file).published or ""
    assert published[:10] == site.published


def test_site_name(site: Site):
    site_name = _captured(site.file).site_name
    assert site_name == site.site_name


def test_body_marker_sentences(site: Site):
    text = _captured(site.file).text
    assert site.start in text
    assert site.middle in text
    assert site.end in text


def test_body_starts_and_ends_with_the_article(site: Site):
    """No byline, date line or title before the body, and no furniture after its last line."""
    blocks = _captured(site.file).blocks
    first, last = blocks[0].text, blocks[-1].text
    assert first.startswith((site.start, *site.lead_ins)), f"text opens with {first!r}"
    assert last.endswith(site.end), f"text closes with {last!r}"


def test_article_structure_is_kept(site: Site):
    text = _captured(site.file).text
    missing = [fragment for fragment in site.keeps if fragment not in text]
    assert missing == []


def test_body_paragraphs_are_paragraphs(site: Site):
    """Prose laid out with tables or <br><br> still reads as paragraphs, not table rows."""
    blocks = _captured(site.file).blocks
    for sentence in (site.start, site.middle, site.end):
        kinds = [block.kind for block in blocks if sentence in block.text]
        assert kinds == ["paragraph"], sentence


def test_no_furniture(site: Site):
    article = _captured(site.file)
    in_text = re.findall(r"FURNITURE-\w+[^\n<]{0,40}", article.text)
    in_html = re.findall(r"FURNITURE-\w+[^\n<]{0,40}", article.html)
    assert (in_text, in_html) == ([], [])


def test_canonical_text_shape(site: Site):
    article = _captured(site.file)
    assert article.text == canonical_text(article.blocks)
    assert "\n\n\n" not in article.text
    assert [b.text for b in article.blocks if not b.text.strip()] == []
    assert [line for line in article.text.split("\n") if not line.strip()] == []


def test_text_is_decoded_cleanly(site: Site):
    text = _captured(site.file).text
    assert "\ufffd" not in text
    assert re.findall(r"Ã.|â€|Â", text) == []  # UTF-8 read as windows-1252, or the reverse


def test_word_count(site: Site):
    low, high = site.words
    count = _captured(site.file).word_count
    assert low <= count <= high
