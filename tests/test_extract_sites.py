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
    # The date the page says it was last updated (YYYY-MM-DD), where it says so.
    modified: str | None = None
    language: str = ""  # checked where given


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


# Shapes where readability alone loses part of the article or misreads the metadata. Each page
# marks its article body between <!--body--> and <!--/body--> (what the scoring harness in
# tests/benchmarks/score_extraction.py compares against).
SITES += [
    Site(
        file="science_review.html",  # PMC-like: sections, figures, a table, back matter
        title="Soil moisture memory and the timing of spring green-up in upland grasslands: "
              "a review",
        authors=("Ines Calloway", "Rafael Montoya-Berg", "Yuki Tanabe"),  # citation_author ×3
        published="2023-04-12",  # citation_publication_date 2023/04/12, online 2023/03/29
        site_name="PubArchive Central",
        start="Upland grasslands turn green in spring at dates that vary by up to five weeks "
              "between years, and the causes of that variation matter for grazing, carbon "
              "uptake and the birds that nest in the sward.",
        lead_ins=("Abstract",),
        middle="Rain-exclusion experiments allow the memory effect to be separated from the "
               "weather of the spring itself.",
        end="Phenology models for these systems should include the previous season's water "
            "balance, at least on soils shallower than about thirty centimetres.",
        words=(500, 560),
        keeps=("Abstract", "1. Introduction", "2. Evidence from field records", "5. Conclusions",
               "Green-up date at Carrow Fell plotted against the soil water deficit",
               "Carrow Fell\t18 cm\t11", "Keywords: phenology"),
    ),
    Site(
        file="listicle.html",  # numbered subheadings in boxes readability prunes
        title="Seven free things to do in Harwick this half-term",
        authors=("Dana Whitcombe",),
        published="2024-10-25",
        site_name="Harwick Echo",
        start="Half-term is here, and keeping children busy for a week need not cost a fortune.",
        middle="A volunteer geologist will lead two walks along the shingle on Tuesday, and "
               "children can keep whatever they find.",
        end="Do you know of a free event we have missed? Email our newsroom and we will add it "
            "to the list.",
        words=(340, 380),
        keeps=("Outdoor events", "Indoor events", "1. Riverside lantern parade",
               "2. Fossil hunt at Sallow Point", "3. Orchard apple pressing", "4. Museum trail",
               "7. Pumpkin carving at the market", "Free, all ages."),
    ),
    Site(
        file="product_review.html",  # section headings in their own boxes; a short og:title
        title="Tessel Aero 3 review: the quietest air purifier we have tested",
        authors=("Marcus Ilunga",),
        published="2025-02-17",
        modified="2025-03-02",
        site_name="GadgetBench",
        start="Air purifiers are usually judged on how much air they clean, but most people "
              "give up on them because of the noise.",
        middle="Its sensor reacted quickly when we burned toast in the kitchen next door, raising "
               "the fan speed within a minute and settling again once the air had cleared.",
        end="Anyone who wants smart-home features or a purifier for a large open-plan space "
            "should look elsewhere.",
        words=(285, 320),
        keeps=("Verdict", "Pros", "Almost inaudible on its night setting", "Cons", "Design",
               "Performance", "Noise", "Should you buy it?"),
    ),
    Site(
        file="news_jsonld.html",  # JSON-LD authors and dates; a search-engine <title>
        title="Flood barrier will open two years late as costs climb",
        authors=("Selin Aktaş", "Gareth Mbeki"),  # the author meta tag names the site
        published="2025-01-09",
        modified="2025-01-10",
        site_name="Coastline Today",
        start="The tidal flood barrier at the mouth of Kestrel Bay will open two years later "
              "than planned, and its cost has risen from £26m to £40m, the county council said "
              "on Thursday.",
        middle="About 1,900 homes in the lower town sit below the level of the highest spring "
               "tides.",
        end="The Environment Agency, which is paying for most of the scheme, said it remained "
            "committed to the barrier and would review the revised budget at its March board "
            "meeting.",
        words=(185, 210),
        keeps=("Homes at risk",),
    ),
    Site(
        file="blog_comments.html",  # long comments below; a byline of name and date
        title="Why I stopped using a to-do app",
        authors=("Clara Voss",),
        published="2025-12-02",
        site_name="Slow Margins",
        start="For eleven years I kept every task I had ever thought of in an app on my phone, "
              "and for most of those years I felt permanently behind.",
        middle="Now I use a single index card.",
        end="So far, none of them has turned out to matter very much.",
        words=(175, 200),
        keeps=("A list that never ends is not a plan.",),
    ),
    Site(
        file="medium_style.html",  # hashed classes, deep wrappers, '| by … | Medium' title
        title="What a year of walking to work taught me about cities",
        authors=("Tomás Ferreira-Lund",),
        published="2024-03-03",
        site_name="Medium",
        start="Last January my bus route was cut, and rather than wait for a replacement I "
              "started walking the three kilometres to my office.",
        middle="Walking the same route every day turns a city into a clock.",
        end="All of them would make it a little more likely that the next person whose bus is "
            "cut decides to walk.",
        words=(215, 245),
        lead_ins=("Forty minutes each way, every weekday, for a year",),
        keeps=("The city changes by the minute", "What I would change",
               "You cannot know a street you have only ever driven down.",
               "benches every few hundred metres on the hill;"),
    ),
    Site(
        file="photo_essay.html",  # figures and captions; dc.creator and dc.date only
        title="The last salt makers of the Orrin estuary",
        authors=("Beatriz Okonkwo-Hale",),
        published="2023-08-19",
        site_name="Fieldnotes Magazine",
        start="On the mudflats below the village of Orrin, three families still make salt the "
              "way their great-grandparents did: by letting the sea into shallow clay pans and "
              "waiting for the sun and wind to do the rest.",
        middle="Ruth Kellaway, who is seventy-three, has worked the pans since she was a girl.",
        end="The grandchildren help in the summer holidays, but all of them have jobs in the "
            "city, and the pans fill with silt within two winters if nobody clears them.",
        words=(195, 215),
        lead_ins=("Ruth Kellaway rakes the crystals to the edge of a pan at low tide.",),
        keeps=("The rakes are made from ash and last about five seasons.",
               "Sacks are filled by hand and carted up to the drying shed.",
               "The Orrin pans at dusk; the nearest power line is four kilometres away."),
    ),
    Site(
        file="german_regional.html",  # 'Von A und B', 'Veröffentlicht: 12.03.2024, 14:05 Uhr'
        title="Neue Fähre für Lindenau: Stadtrat stimmt Kauf zu",
        authors=("Anna Berger", "Jonas Keller"),
        published="2024-03-12",  # not the 'Aktualisiert' date, 13.03.2024
        site_name="Lindenauer Rundschau",
        start="Nach jahrelanger Debatte bekommt die Elbfähre zwischen Lindenau und Rosswerder "
              "einen elektrisch betriebenen Nachfolger.",
        middle="Rund zwei Drittel der Kosten übernimmt das Land über ein Programm für "
               "klimafreundliche Verkehrsmittel.",
        end="Bis die neue Fähre fährt, bleibt die „Marie“ im Dienst und wird im Winter ein "
            "letztes Mal überholt.",
        words=(175, 200),
        keeps=("Förderung vom Land", "Wie geht es weiter?"),
        language="de",
    ),
    Site(
        file="paywall_teaser.html",  # two visible paragraphs; the rest only in JSON-LD
        title="Inside the fight over Carrick's last independent cinema",
        authors=("Felix Arden",),  # the author meta tag and JSON-LD name the paper itself
        published="2024-11-30",
        site_name="The Northern Ledger",
        start="When the Regal on Carrick's high street announced in September that it would "
              "close at the end of the year, nobody expected the town's response to turn into "
              "the longest public meeting in the council's history.",
        middle="Over four hours on a Tuesday night, more than two hundred people queued to "
               "speak about a building that most of them admitted they had not visited in years.",
        end="What they wanted, it turned out, was not only a cinema.",
        words=(70, 85),
    ),
    Site(
        file="multi_author.html",  # the author meta tag names only the first of three
        title="Heat pumps cut winter bills in trial of 400 older homes",
        authors=("Priya Raman", "Tobias Lindqvist", "Maeve O’Donnell"),
        published="2024-06-05",
        site_name="Valley Ledger",
        start="Households in a trial of heat pumps in pre-war terraced houses saw their winter "
              "energy bills fall by an average of 18 percent, according to results published "
              "on Wednesday by the regional energy agency.",
        middle="“The houses did not need to be perfect,” said Dr Leena Sørlie, who led the study.",
        end="The agency said it would publish guidance for installers in the autumn and hoped "
            "to extend the trial to a further 2,000 homes next year.",
        words=(190, 210),
    ),
    Site(
        file="updated_dates.html",  # 'Updated 14 January 2026 · First published 3 May 2018'
        title="How to claim a refund when your train is cancelled",
        authors=("Oksana Petrenko",),
        published="2018-05-03",
        modified="2026-01-14",
        site_name="Commuter Guide",
        start="If your train is cancelled or delayed, you are usually entitled to some of your "
              "money back, but the rules differ between operators and many passengers never "
              "claim.",
        middle="Most operators pay compensation under a scheme that starts at delays of fifteen "
               "or thirty minutes.",
        end="Claims must normally be made within twenty-eight days of the journey, and most "
            "operators now pay by bank transfer within two weeks.",
        words=(120, 140),
        keeps=("Check which scheme your operator uses", "What you need to claim",
               "your ticket, or a photograph of it;",
               "the time you actually arrived at your destination."),
    ),
    Site(
        file="books_feature.html",  # four groups of three books, each blurb ending in a link
        title="The best new fiction for winter",
        authors=("Harriet Nwosu",),
        published="2025-12-06",
        site_name="The Reading Room",
        start="Long evenings need long books.",
        middle="A village fete committee descends into civil war over the tombola.",
        end="Tell us what you are reading this winter in the comments below.",
        words=(320, 350),
        keeps=("For when you want to be transported", "For when you want to laugh",
               "For when you want to be unsettled", "For when you want to cry",
               "The Salt Road by Amara Quist", "Dog Days by Ruairí Fenn",
               "Paper Houses by Yara Haddad", "What the River Keeps by Aoife Garrigan"),
    ),
    Site(
        file="table_article.html",  # a data table with its caption and source line
        title="Rents rise fastest in outer suburbs, new figures show",
        authors=("Callum Whitaker",),
        published="2025-07-22",
        site_name="Southern Cross Post",
        start="Rents in the city's outer suburbs rose almost twice as fast as those in the "
              "inner city over the past year, as tenants priced out of central areas moved "
              "further out, according to figures released by the state tenancy board on "
              "Tuesday.",
        middle="The median weekly rent for a three-bedroom house rose by 11 per cent in the "
               "outer ring, compared with 6 per cent in the inner suburbs.",
        end="The board's chief executive, Anjali Desai, said new supply in the outer suburbs "
            "had not kept up with demand, particularly for family homes near train lines.",
        words=(145, 165),
        keeps=("Median weekly rent, three-bedroom house", "Area\tJune 2024\tJune 2025\tChange",
               "Outer ring\t$510\t$566\t11%", "Source: State Tenancy Board bond lodgements."),
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


def test_modified_date_and_language(site: Site):
    """The last-updated date is kept apart from the publication date, where the page says it."""
    article = _captured(site.file)
    if site.modified:
        assert (article.modified or "")[:10] == site.modified
    if site.language:
        assert article.language == site.language
    if article.modified:
        assert article.modified[:10] >= (article.published or "")[:10]
