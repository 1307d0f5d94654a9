"""Make a large synthetic archive for benchmarks.

Run: uv run python tests/benchmarks/make_archive.py --articles 100000 --out /tmp/bench100k.gleaner
     (--highlights N per article, default 2; --themes N, default 30; --seed N; --force replaces
     an existing file)

The archive is created by `Archive.open` (schema migrations and the starter codebook), then
filled through a bulk path: plain `executemany` INSERTs in large transactions on the archive's
own sqlite3 connection, never the per-row archive methods, which would take hours. Two worker
processes generate chunks of rows while the main process writes them.

What the rows look like:

- articles: ~800 words (300–1500) of Zipf-distributed English news vocabulary, paragraphs of 2–6
  sentences, an occasional <h2> subheading, blockquote or link; 6–12 word titles; bylines from
  500 synthetic names; 50 sites (https://site-N.example/YYYY/MM/slug-ID). `saved_at` rises with
  the id over the last three years, as a real archive's does; `published` precedes it (most
  within days, some by years, spread over ten years; a few articles have none).
- The structure JSON, canonical text and HTML are built directly in the shapes
  `gleaner.core.document` produces (`blocks_to_json(blocks_from_html(html))` and
  `canonical_text`) rather than by parsing each article's HTML, which would cost about as much
  again as generating it; tests/test_make_archive.py checks that they agree. `original_html`
  is a plausible (if small) full page, zlib-compressed at level 1 (the app uses level 9; level
  1 keeps generation fast and the file a little larger).
- themes: the 8 starter themes plus 22 more named as sub-themes ("Security measures — patrols").
  The schema has no parent column yet: real nesting arrives with the codebook issue.
- highlights: N per article, 5–60 words on word boundaries (they may cross paragraphs and
  overlap), anchored exactly like `anchoring.anchor_range`; 1–3 themes each, about half with a
  short note.

Content is reproducible for a given seed and article count, except GUIDs (uuid4) and the dates,
which are placed relative to the time of generation.
"""

from __future__ import annotations

import argparse
import colorsys
import html
import json
import math
import multiprocessing
import random
import re
import sys
import time
import uuid
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate, islice
from pathlib import Path

from gleaner.core.anchoring import CONTEXT_CHARS
from gleaner.core.archive import Archive, theme_key, utc_now

CHUNK_ARTICLES = 1000  # articles per generated chunk, and per write transaction
WORKERS = 2
SAVED_SPAN = timedelta(days=3 * 365)
DAY = 86400


def _words(text: str) -> list[str]:
    """The whitespace-separated words of a literal block."""
    return text.split()


# --- vocabulary: function words (most frequent first), then content and topic words ---

FUNCTION_WORDS = _words("""
the of and to a in that is was for on it with as he by said at from his they be
have has had not are this but an or were which their who been will would its more after
about also than into over there when could can other some one two new people we what out
up last first year her she all no so if only most while such between under during before
through where since against because many those these any each both much very just still
even now then here how may might should must do did does being made says told according
our us them three four five years per cent around off again another same few own whether
without across toward among within
""")

COMMON_WORDS = _words("""
government minister ministers officials official city country week weeks month months day
days time report reports police state public number numbers group groups percent million
billion thousand hundred local national international decision plan plans policy policies
law laws court courts party parties election support service services system health family
families children child women men school schools work workers business businesses company
companies market markets price prices cost costs money funding budget share rate rates
growth region regions area areas community communities council councils agency agencies
office authority authorities data study studies research survey evidence issue issues
question questions problem problems crisis change changes effort efforts programme project
response security safety control force forces measures rules right rights power leaders
leader president spokesman spokeswoman director member members committee parliament vote
votes campaign protest protests demonstration march crowd residents neighbours town towns
village villages street streets road roads coast island camp camps centre shelter housing
water food medical doctors hospital hospitals aid help assistance charity volunteers
organisation organisations statement interview meeting talks agreement deal proposal
figures official record level levels increase decrease rise fall average total half
morning evening night weekend summer winter spring autumn season history future past
place places home homes house houses building buildings land city's country's people's
news press media newspaper television radio online social network networks message letter
letters document documents list lists detail details account accounts story stories case
cases example reason reasons result results effect effects impact risk risks threat
threats danger pressure concern concerns fear fears hope hopes view views position
interest interests role roles part parts side sides end start beginning point points
line lines way ways hand hands eye eyes face life lives death deaths age ages world
Europe Africa Asia America capital capital's north south east west northern southern
eastern western central European African said says say saying added called warned
argued insisted claimed noted explained announced confirmed denied expected planned
decided agreed refused failed tried wanted needed asked allowed helped kept left
arrived returned moved stayed waited worked lived died began ended opened closed
raised cut paid spent received sent brought took gave found saw heard knew thought
believed felt showed included remained became seemed appeared continued described
reported published released launched introduced approved rejected criticised welcomed
demanded promised suggested estimated increased reduced doubled expanded limited
large small big long short high low major key main important serious difficult
possible likely clear early late recent current former next previous final full whole
certain several enough less least better best worse worst good bad great little old
young strong weak open free fair poor rich safe dangerous legal illegal official
private public political economic social human financial military civil regional
""")

TOPIC_WORDS = _words("""
migrants migrant refugees refugee asylum seekers applications application deportation
deportations detention fence fences patrols patrol surveillance smugglers smuggling boats
boat crossing crossings arrivals arrival guards visa visas permits permit quota quotas
resettlement integration humanitarian rescue rescues sea coastguard treaty treaties
convention tribunal appeal appeals ruling rulings judges judge lawyers lawyer legislation
amendment ministry interior frontier checkpoint checkpoints drones cameras biometric
registration reception processing backlog claims claim status protection unaccompanied
minors labour shortage shortages wages remittances taxes subsidies tourism farmers harvest
employers economy inflation unemployment poll polls opinion voters sentiment petition rally
activists NGOs charities caseworkers interpreters shelters tents winterisation blankets
vaccinations clinic clinics nurses trauma dignity hunger thirst exhaustion hypothermia
drowning drowned missing bodies survivors survivor testimony testimonies witnesses
witness relatives ferry port ports harbour lorry lorries truck trucks trafficking
traffickers networks routes route corridor corridors pushback pushbacks returns removal
removals expulsion expulsions citizenship naturalisation sponsorship relocation
solidarity burden sharing mechanism pact directive regulation regulations compliance
infringement sanctions funding allocation contracts contractor contractors procurement
perimeter floodlights watchtowers razor wire barrier barriers dogs helicopters vessels
frigate navy gendarmerie prefecture mayor mayors governor deputies senators coalition
opposition referendum manifesto rhetoric narrative framing headlines editorial
columnist commentators outrage backlash debate debates consensus dissent strike strikes
unions union picket vigil vigils marchers placards slogans counterprotest
""")

FIRST_NAMES = _words("""
Anna Marta Sofia Elena Clara Lucia Irene Nadia Leila Amira Sara Julia Eva Hanna Ingrid
Margot Camille Chloe Aisha Fatima Grace Helen Rosa Alice Maya Lena Nina Olga Petra Zoe
James Thomas Lukas Marco Pierre Jonas Omar Samir Karim David Daniel Mateo Hugo Felix
Adrien Tomas Pavel Ivan Stefan Nikos Yusuf Ali Hassan Kwame Tunde Rafael Diego Bruno
Emil Oscar Paul Simon Victor Henrik
""")

LAST_NAMES = _words("""
Delacroix Hale Moreau Laurent Bernard Dubois Fischer Weber Schmidt Novak Kowalski
Horvat Rossi Bianchi Romano Ferrari Costa Silva Santos Pereira Garcia Martinez Lopez
Fernandez Jansen Visser Peeters Janssens Larsen Nielsen Hansen Lindqvist Berg Virtanen
Korhonen Murphy Kelly Walsh Byrne Evans Hughes Morgan Price Clarke Turner Wright Mensah
Okafor Adeyemi Haddad Khalil Nasser Demir Yilmaz Kaya Popescu Ionescu Petrov Ivanova
Papadopoulos Georgiou Nikolaidis Markovic Jovanovic Kovacs Nagy Szabo Dvorak Svoboda
""")

SITE_WORDS_A = _words("""
Northern Southern Daily Evening Morning Weekly Harbour Coastal Valley Metropolitan
""")
SITE_WORDS_B = _words("Courier Herald Chronicle Observer Gazette Post Tribune Ledger Review Star")

SYLLABLES = _words("""
ba bel ca cor da del en es fa fon ga gel ha hor ir is ka kor la lin ma mor na nel or os
pa pol ra ros sa sel ta tor ul us va vel za zor ne ti lo mi ru sen dor wal bur ham
""")

# The extra themes, as sub-themes of the starter codebook (by starter position).
SUB_THEMES = [
    (0, "border fences"), (0, "patrols"), (0, "surveillance technology"),
    (1, "health care"), (1, "shelter and housing"), (1, "children and families"),
    (2, "government statements"), (2, "opposition criticism"), (2, "international cooperation"),
    (3, "public spending"), (3, "labour market"), (3, "local business"),
    (4, "asylum procedure"), (4, "court rulings"), (4, "detention and deportation"),
    (5, "migrants' accounts"), (5, "residents' accounts"), (5, "aid workers' accounts"),
    (6, "arrivals and crossings"), (6, "deaths and missing"),
    (7, "polls"), (7, "demonstrations"),
]

_SLUG = re.compile(r"[^a-z0-9]+")
_TOKEN = re.compile(r"\S+")


@dataclass(frozen=True)
class Corpus:
    """Everything a worker needs to generate articles: shared, read-only, built once."""

    words: tuple[str, ...]
    cum_weights: tuple[float, ...]
    content_words: tuple[str, ...]
    names: tuple[str, ...]
    sites: tuple[tuple[str, str], ...]  # (site name, host)
    site_cum_weights: tuple[float, ...]
    saved_start: float  # POSIX seconds of the first article's saved_at
    saved_step: float  # seconds between consecutive articles' saved_at
    now: float


@dataclass(frozen=True)
class ChunkSpec:
    """Which articles a chunk holds and the ids and themes its rows use."""

    first_index: int  # 0-based index of the chunk's first article among all generated
    count: int
    first_article_id: int  # id of article index 0
    first_highlight_id: int  # id of article index 0's first highlight
    highlights_per_article: int
    theme_ids: tuple[int, ...]
    theme_cum_weights: tuple[float, ...]
    seed: int


@dataclass
class Chunk:
    """Rows ready for executemany, one list per table."""

    articles: list[tuple]
    contents: list[tuple]
    highlights: list[tuple]
    links: list[tuple]


# --- the shared corpus ---

def zipf_cum_weights(count: int, exponent: float = 1.0, offset: float = 2.7,
                     tail_from: int | None = None, tail_scale: float = 1.0) -> list[float]:
    """Cumulative Zipf–Mandelbrot weights for ranks 0..count-1; ranks from tail_from on are
    scaled by tail_scale."""
    tail_from = count if tail_from is None else tail_from
    return list(accumulate((tail_scale if rank >= tail_from else 1.0) / (rank + offset) ** exponent
                           for rank in range(count)))


def proper_nouns(rng: random.Random, count: int) -> list[str]:
    """Invented place and organisation names, two or three syllables, capitalised."""
    found: dict[str, None] = {}
    while len(found) < count:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3))))
        found[word.capitalize()] = None
    return list(found)


def number_tokens(rng: random.Random, count: int) -> list[str]:
    """Numbers as news text writes them: 14, 1,250, 3.5, 2019."""
    tokens: dict[str, None] = {}
    while len(tokens) < count:
        kind = rng.random()
        if kind < 0.4:
            token = str(rng.randint(2, 99))
        elif kind < 0.7:
            token = f"{rng.randint(100, 99999):,}"
        elif kind < 0.85:
            token = f"{rng.randint(1, 99)}.{rng.randint(1, 9)}"
        else:
            token = str(rng.randint(1990, 2025))
        tokens[token] = None
    return list(tokens)


def build_vocabulary(rng: random.Random) -> tuple[list[str], list[str], list[str]]:
    """A few thousand words in three bands of Zipf rank: function words, common and topic
    words, and a long tail of names and numbers."""
    content = [word for word in dict.fromkeys(COMMON_WORDS + TOPIC_WORDS)
               if word not in FUNCTION_WORDS]
    rng.shuffle(content)
    tail = proper_nouns(rng, 1800) + number_tokens(rng, 300) + list(dict.fromkeys(LAST_NAMES))
    rng.shuffle(tail)
    return list(dict.fromkeys(FUNCTION_WORDS)), content, tail


def build_names(rng: random.Random, count: int = 500) -> list[str]:
    """Distinct synthetic author names."""
    pairs = [(first, last) for first in FIRST_NAMES for last in LAST_NAMES]
    return [f"{first} {last}" for first, last in rng.sample(pairs, count)]


def build_sites(count: int = 50) -> list[tuple[str, str]]:
    """(site name, host) for count news sites."""
    names = [f"The {a} {b}" for b in SITE_WORDS_B for a in SITE_WORDS_A]
    return [(names[(n * 37) % len(names)], f"site-{n}.example") for n in range(1, count + 1)]


def build_corpus(seed: int, articles: int, now: datetime) -> Corpus:
    """The vocabulary, names, sites and time line shared by every chunk."""
    rng = random.Random(f"corpus:{seed}")
    function_words, content, tail = build_vocabulary(rng)
    words = function_words + content + tail
    sites = build_sites()
    span = SAVED_SPAN.total_seconds()
    # Names and numbers make up roughly a tenth of news text, not the fifth pure Zipf gives.
    weights = zipf_cum_weights(len(words), tail_from=len(words) - len(tail), tail_scale=0.45)
    return Corpus(
        words=tuple(words), cum_weights=tuple(weights), content_words=tuple(content),
        names=tuple(build_names(rng)), sites=tuple(sites),
        site_cum_weights=tuple(zipf_cum_weights(len(sites), 0.8, 1.0)),
        saved_start=now.timestamp() - span, saved_step=span / max(1, articles),
        now=now.timestamp())


# --- one article's body: blocks, then text / structure / html from the same blocks ---

def sentence(rng: random.Random, words: list[str], corpus: Corpus) -> str:
    """One sentence from the next words of the stream: capitalised, a comma, a full stop;
    now and then a quotation attributed to someone."""
    count = min(len(words), max(4, int(rng.gauss(17, 6))))
    tokens = [words.pop() for _ in range(count)]
    if count > 10 and rng.random() < 0.6:
        cut = rng.randrange(3, count - 3)
        tokens[cut] += ","
    text = " ".join(tokens)
    text = text[0].upper() + text[1:]
    if rng.random() < 0.07:
        speaker = rng.choice(corpus.names).split()[1]
        return f"“{text},” {speaker} said."
    return text + ("?" if rng.random() < 0.02 else ".")


def paragraph_runs(rng: random.Random, text: str) -> list[tuple[str, str | None]]:
    """The paragraph as (text, href) runs: usually one plain run, sometimes with a link."""
    if rng.random() >= 0.12:
        return [(text, None)]
    start = text.find(" ", rng.randrange(len(text) // 2 + 1))
    end = start
    for _ in range(rng.randint(2, 5)):
        if end == -1:
            break
        end = text.find(" ", end + 1)
    if start == -1 or end == -1 or end <= start + 1:
        return [(text, None)]
    href = f"https://site-{rng.randint(1, 50)}.example/topic/{rng.randint(1, 999)}"
    return [(text[:start + 1], None), (text[start + 1:end], href), (text[end:], None)]


def article_blocks(rng: random.Random, corpus: Corpus, word_total: int) -> list[tuple]:
    """The article as (kind, level, runs) blocks; runs are (text, href, bold)."""
    words = rng.choices(corpus.words, cum_weights=corpus.cum_weights, k=word_total)
    blocks: list[tuple] = []
    since_heading = 0
    while words:
        if since_heading >= 3 and rng.random() < 0.2 and len(words) > 40:
            heading = " ".join(rng.choices(corpus.content_words, k=rng.randint(2, 6)))
            blocks.append(("heading", 2, [(heading.capitalize(), None, True)]))
            since_heading = 0
        sentences = [sentence(rng, words, corpus)]
        for _ in range(rng.randint(1, 5)):
            if words:
                sentences.append(sentence(rng, words, corpus))
        text = " ".join(sentences)
        kind = "quote" if rng.random() < 0.02 else "paragraph"
        blocks.append((kind, 0, [(t, h, False) for t, h in paragraph_runs(rng, text)]))
        since_heading += 1
    return blocks


def blocks_text(blocks: list[tuple]) -> str:
    """The canonical text: each block's runs joined, blocks joined by newlines."""
    return "\n".join("".join(run[0] for run in runs) for _, _, runs in blocks)


def blocks_structure(blocks: list[tuple]) -> str:
    """The structure JSON exactly as `blocks_to_json` + `json.dumps` in the archive write it."""
    out = []
    for kind, level, runs in blocks:
        json_runs = []
        for text, href, bold in runs:
            run: dict = {"t": text}
            if bold:
                run["b"] = True
            if href:
                run["h"] = href
            json_runs.append(run)
        item: dict = {"k": kind, "r": json_runs}
        if level:
            item["l"] = level
        out.append(item)
    return json.dumps(out, ensure_ascii=False)


def blocks_html(blocks: list[tuple]) -> str:
    """Cleaned article HTML that `blocks_from_html` turns back into the same blocks."""
    parts = ["<div><article>"]
    for kind, level, runs in blocks:
        inner = "".join(html.escape(text, quote=False) if not href else
                        f'<a href="{html.escape(href)}">{html.escape(text, quote=False)}</a>'
                        for text, href, _ in runs)
        if kind == "heading":
            parts.append(f"<h{level}>{inner}</h{level}>")
        elif kind == "quote":
            parts.append(f"<blockquote><p>{inner}</p></blockquote>")
        else:
            parts.append(f"<p>{inner}</p>")
    parts.append("</article></div>")
    return "\n".join(parts)


# --- the library row and the original page ---

def iso(seconds: float) -> str:
    """POSIX seconds as an ISO 8601 UTC date-time to the second, as `utc_now` writes it."""
    return datetime.fromtimestamp(int(seconds), UTC).isoformat()


def published_date(rng: random.Random, saved: float) -> str | None:
    """When the page says it was published: mostly days before saving, sometimes years."""
    roll = rng.random()
    if roll < 0.03:
        return None
    lag_days = rng.expovariate(1 / 3) if roll < 0.6 else rng.uniform(7, 7 * 365)
    return datetime.fromtimestamp(saved - lag_days * DAY, UTC).date().isoformat()


def title_words(rng: random.Random, corpus: Corpus) -> str:
    """A 6–12 word headline in sentence case."""
    count = rng.randint(6, 12)
    words = [rng.choice(FUNCTION_WORDS[:40]) if i % 3 == 2 else rng.choice(corpus.content_words)
             for i in range(count)]
    title = " ".join(words)
    return title[0].upper() + title[1:]


def authors_of(rng: random.Random, corpus: Corpus) -> list[str]:
    """None, one or two bylined authors."""
    roll = rng.random()
    count = 0 if roll < 0.06 else 2 if roll < 0.2 else 1
    return rng.sample(corpus.names, count)


def original_page(meta: dict, article_html: str, rng: random.Random, corpus: Corpus) -> bytes:
    """A plausible full web page around the article, as it would have been downloaded."""
    esc = html.escape
    nav = "".join(f'<li><a href="/{w}">{esc(w.capitalize())}</a></li>'
                  for w in rng.sample(corpus.content_words, 8))
    related = "".join(f'<li><a href="/{rng.randint(1, 99999)}">{esc(title_words(rng, corpus))}'
                      "</a></li>" for _ in range(5))
    published = meta["published"] or ""
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{esc(meta['title'])} | {esc(meta['site_name'])}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="{esc(meta['excerpt'])}">
<meta property="og:title" content="{esc(meta['title'])}">
<meta property="og:site_name" content="{esc(meta['site_name'])}">
<meta name="author" content="{esc(meta['byline'])}">
<meta property="article:published_time" content="{published}">
<link rel="canonical" href="{esc(meta['url'])}">
<link rel="stylesheet" href="/static/site.css">
<script>window.dataLayer=window.dataLayer||[];function gtag(){{dataLayer.push(arguments)}}</script>
</head><body class="article-page">
<header class="masthead"><a class="logo" href="/">{esc(meta['site_name'])}</a>
<nav><ul>{nav}</ul></nav></header>
<main><article class="story"><h1>{esc(meta['title'])}</h1>
<p class="byline">By {esc(meta['byline'])} <time datetime="{published}">{published}</time></p>
<div class="story-body">{article_html}</div></article>
<aside class="related"><h3>Related</h3><ul>{related}</ul></aside></main>
<footer><p>&copy; {esc(meta['site_name'])}. All rights reserved.</p>
<a href="/privacy">Privacy</a> <a href="/terms">Terms</a></footer>
<script src="/static/analytics.js" async></script></body></html>
"""
    return page.encode("utf-8")


# --- highlights ---

def highlight_span(rng: random.Random, text: str) -> tuple[int, int]:
    """A 5–60 word passage starting and ending on word boundaries."""
    length = rng.randint(5, 60)
    limit = len(text)
    while True:  # near the end too few words may follow: start earlier (texts have 300+ words)
        point = rng.randrange(limit)
        start = max(text.rfind(" ", 0, point + 1), text.rfind("\n", 0, point + 1)) + 1
        tokens = list(islice(_TOKEN.finditer(text, start), length))
        if len(tokens) == length:
            return tokens[0].start(), tokens[-1].end()
        limit = point


def note_text(rng: random.Random, corpus: Corpus) -> str:
    """A researcher's short note, or '' for about half of the highlights."""
    if rng.random() < 0.5:
        return ""
    note = " ".join(rng.choices(corpus.content_words, k=rng.randint(2, 9)))
    return note[0].upper() + note[1:] + rng.choice((".", "", "?"))


def theme_choice(rng: random.Random, spec: ChunkSpec) -> list[int]:
    """One to three distinct themes, popular ones more often."""
    wanted = min(len(spec.theme_ids), rng.choices((1, 2, 3), weights=(55, 30, 15))[0])
    chosen: dict[int, None] = {}
    while len(chosen) < wanted:
        chosen[rng.choices(spec.theme_ids, cum_weights=spec.theme_cum_weights)[0]] = None
    return list(chosen)


def article_highlights(rng: random.Random, text: str, article_id: int, first_id: int,
                       saved: float, spec: ChunkSpec, corpus: Corpus, chunk: Chunk) -> None:
    """Append the article's highlights and their theme links to the chunk."""
    for offset in range(spec.highlights_per_article):
        highlight_id = first_id + offset
        start, end = highlight_span(rng, text)
        created = min(corpus.now, saved + rng.expovariate(1 / (5 * DAY)))
        note = note_text(rng, corpus)
        updated = min(corpus.now, created + rng.expovariate(1 / DAY)) if note else created
        chunk.highlights.append((
            highlight_id, str(uuid.uuid4()), article_id, start, end, text[start:end],
            text[max(0, start - CONTEXT_CHARS):start], text[end:end + CONTEXT_CHARS], note,
            iso(created), iso(updated)))
        chunk.links.extend((highlight_id, theme_id) for theme_id in theme_choice(rng, spec))


# --- a chunk: what a worker process produces ---

def add_article(rng: random.Random, index: int, spec: ChunkSpec, corpus: Corpus,
                chunk: Chunk) -> None:
    """Generate article number index (0-based, over the whole run) into the chunk."""
    article_id = spec.first_article_id + index
    saved = corpus.saved_start + (index + rng.random()) * corpus.saved_step
    word_total = min(1450, max(300, int(rng.lognormvariate(math.log(760), 0.4))))
    blocks = article_blocks(rng, corpus, word_total)
    text = blocks_text(blocks)
    article_html = blocks_html(blocks)
    site_name, host = rng.choices(corpus.sites, cum_weights=corpus.site_cum_weights)[0]
    title = title_words(rng, corpus)
    published = published_date(rng, saved)
    stamp = published or iso(saved)[:10]
    slug = _SLUG.sub("-", title.lower()).strip("-")
    slug = slug if len(slug) <= 60 else slug[:61].rsplit("-", 1)[0]
    url = f"https://{host}/{stamp[:4]}/{stamp[5:7]}/{slug}-{article_id}"
    url_requested = f"{url}?utm_source=newsletter" if rng.random() < 0.1 else url
    authors = authors_of(rng, corpus)
    meta = {"title": title, "site_name": site_name, "url": url, "published": published,
            "byline": ", ".join(authors), "excerpt": text.split(". ", 1)[0][:200]}
    chunk.articles.append((
        article_id, str(uuid.uuid4()), url_requested, url, title, meta["byline"],
        json.dumps(authors, ensure_ascii=False), site_name, published, iso(saved), "en",
        meta["excerpt"], len(text.split())))
    page = original_page(meta, article_html, rng, corpus)
    chunk.contents.append((article_id, article_html, blocks_structure(blocks), text,
                           zlib.compress(page, 1), "utf-8"))
    first_highlight = spec.first_highlight_id + index * spec.highlights_per_article
    article_highlights(rng, text, article_id, first_highlight, saved, spec, corpus, chunk)


_CORPUS: Corpus | None = None


def init_worker(corpus: Corpus) -> None:
    """Give this process the shared corpus (the Pool's initializer)."""
    global _CORPUS
    _CORPUS = corpus


def generate_chunk(spec: ChunkSpec) -> Chunk:
    """All rows of articles spec.first_index .. +count; reproducible from the seed alone."""
    assert _CORPUS is not None, "init_worker first"
    rng = random.Random(f"chunk:{spec.seed}:{spec.first_index}")
    chunk = Chunk([], [], [], [])
    for index in range(spec.first_index, spec.first_index + spec.count):
        add_article(rng, index, spec, _CORPUS, chunk)
    return chunk


@contextmanager
def worker_pool(workers: int, corpus: Corpus):
    """A pool of forked generator processes, or None to generate in this process.

    Forking needs no importable module (the test loads this file by path); where fork is
    unavailable (Windows) generation simply runs in this process.
    """
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        init_worker(corpus)
        yield None
        return
    with multiprocessing.get_context("fork").Pool(
            workers, initializer=init_worker, initargs=(corpus,)) as pool:
        yield pool


def generated_chunks(pool, specs: list[ChunkSpec], ahead: int) -> Iterator[Chunk]:
    """The chunks in order, at most `ahead` in flight, so memory stays bounded."""
    if pool is None:
        yield from map(generate_chunk, specs)
        return
    waiting = iter(specs)
    pending = deque(pool.apply_async(generate_chunk, (spec,)) for spec in islice(waiting, ahead))
    while pending:
        chunk = pending.popleft().get()
        following = next(waiting, None)
        if following is not None:
            pending.append(pool.apply_async(generate_chunk, (following,)))
        yield chunk


# --- the archive side ---

def theme_color(index: int, taken: set[str]) -> str:
    """A pastel #RRGGBB colour not yet taken (golden-ratio hues)."""
    while True:
        hue = (0.13 + index * 0.618034) % 1.0
        red, green, blue = colorsys.hsv_to_rgb(hue, 0.42 + 0.1 * (index % 3), 0.96)
        color = f"#{round(red * 255):02X}{round(green * 255):02X}{round(blue * 255):02X}"
        if color not in taken:
            return color
        index += 1


def add_themes(conn, total: int) -> list[int]:
    """Add sub-themes until the codebook has `total` themes; return all theme ids."""
    starters = conn.execute("SELECT id, name, color, position FROM themes "
                            "ORDER BY position, id").fetchall()
    taken = {row[2] for row in starters}
    rows, now = [], utc_now()
    children: dict[int, int] = {}
    for n in range(max(0, total - len(starters))):
        parent_position, aspect = SUB_THEMES[n % len(SUB_THEMES)]
        if n >= len(SUB_THEMES):
            aspect = f"aspect {n + 1}"
        parent_id, parent = starters[parent_position % len(starters)][:2]
        name = f"{parent} — {aspect}"
        color = theme_color(n, taken)
        taken.add(color)
        place = children.get(parent_id, 0)
        children[parent_id] = place + 1
        rows.append((str(uuid.uuid4()), name, theme_key(name), color,
                     f"Sub-theme of “{parent}”: passages about {aspect}.", parent_id, place,
                     now))
    conn.executemany("INSERT INTO themes (guid, name, name_key, color, description, parent_id, "
                     "position, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.commit()
    return [row[0] for row in conn.execute("SELECT id FROM themes ORDER BY id")]


INSERTS = {
    "articles": "INSERT INTO articles (id, guid, url_requested, url, title, byline, authors, "
                "site_name, published, saved_at, language, excerpt, word_count) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "contents": "INSERT INTO article_contents (article_id, html, structure, text, "
                "original_html, original_charset) VALUES (?, ?, ?, ?, ?, ?)",
    "highlights": 'INSERT INTO highlights (id, guid, article_id, start, "end", exact, prefix, '
                  "suffix, note, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "links": "INSERT INTO highlight_themes (highlight_id, theme_id) VALUES (?, ?)",
}


def write_chunk(conn, chunk: Chunk) -> None:
    """Insert one chunk in one transaction."""
    for table, sql in INSERTS.items():
        conn.executemany(sql, getattr(chunk, table))
    conn.commit()


def next_id(conn, table: str) -> int:
    """The first id free in table, AUTOINCREMENT's record included."""
    row = conn.execute("SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?), 0),"
                       f" coalesce((SELECT max(id) FROM {table}), 0))", [table]).fetchone()
    return row[0] + 1


def chunk_specs(conn, articles: int, highlights_per_article: int, seed: int,
                theme_ids: list[int], chunk_size: int) -> list[ChunkSpec]:
    """Split the run into chunks; the rows' ids follow what the archive already holds."""
    rng = random.Random(f"themes:{seed}")
    popularity = list(theme_ids)
    rng.shuffle(popularity)
    shared = {"first_article_id": next_id(conn, "articles"),
              "first_highlight_id": next_id(conn, "highlights"),
              "highlights_per_article": highlights_per_article,
              "theme_ids": tuple(popularity),
              "theme_cum_weights": tuple(zipf_cum_weights(len(popularity), 0.9, 1.5)),
              "seed": seed}
    return [ChunkSpec(first_index=first, count=min(chunk_size, articles - first), **shared)
            for first in range(0, articles, chunk_size)]


def finish(conn) -> None:
    """Back to the archive's durable settings, statistics for the planner, WAL folded in."""
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("ANALYZE")
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def make_archive(path, articles: int, highlights_per_article: int = 2, seed: int = 0,
                 themes: int = 30, *, workers: int = WORKERS, chunk_size: int = CHUNK_ARTICLES,
                 progress: Callable[[str], None] | None = None) -> dict:
    """Create a new archive at path filled with synthetic articles, themes and highlights.

    Returns the counts written, the seconds taken and the file's size in bytes.
    """
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path} exists; refusing to add synthetic data to it")
    if themes < 8:
        raise ValueError("the starter codebook alone has 8 themes")
    started = time.perf_counter()
    corpus = build_corpus(seed, articles, datetime.now(UTC))
    counts = {"articles": 0, "highlights": 0, "highlight_themes": 0}
    with worker_pool(workers, corpus) as pool, Archive.open(path) as archive:
        conn = archive.db.conn
        theme_ids = add_themes(conn, themes)
        specs = chunk_specs(conn, articles, highlights_per_article, seed, theme_ids, chunk_size)
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -262144")  # 256 MiB: the guid indexes stay in memory
        for chunk in generated_chunks(pool, specs, ahead=2 * workers):
            write_chunk(conn, chunk)
            counts["articles"] += len(chunk.articles)
            counts["highlights"] += len(chunk.highlights)
            counts["highlight_themes"] += len(chunk.links)
            if progress:
                progress(f"{counts['articles']:,}/{articles:,} articles  "
                         f"{time.perf_counter() - started:6.1f} s")
        if progress:
            progress("ANALYZE and checkpoint")
        finish(conn)
    counts["themes"] = len(theme_ids)
    counts["seconds"] = round(time.perf_counter() - started, 2)
    counts["bytes"] = path.stat().st_size
    return counts


def main(argv: list[str] | None = None) -> int:
    """Command line: make an archive and report its size and how long it took."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--highlights", type=int, default=2, help="highlights per article")
    parser.add_argument("--themes", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--force", action="store_true", help="replace an existing file")
    args = parser.parse_args(argv)
    if args.force:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.out}{suffix}").unlink(missing_ok=True)
    result = make_archive(args.out, args.articles, args.highlights, args.seed, args.themes,
                          workers=args.workers,
                          progress=lambda line: print(line, file=sys.stderr, flush=True))
    print(f"{result['articles']:,} articles, {result['highlights']:,} highlights "
          f"({result['highlight_themes']:,} theme links), {result['themes']} themes "
          f"in {result['seconds']:.1f} s; {args.out} is {result['bytes'] / 2**20:,.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
