"""Extraction keeps all of the article's own text and drops only the page's furniture."""

from __future__ import annotations

from gleaner.core.extract import extract_article
from gleaner.core.fetch import RawPage, decode_html
from gleaner.core.metadata import parse_date

PARAGRAPH = ("The regional council met on Tuesday to discuss the new border arrangements, "
             "hearing from residents, officials and aid workers for more than three hours "
             "before adjourning without a vote on the proposals.")


def page(body: str, head: str = "", url: str = "https://news.example/2024/story") -> RawPage:
    html = (f"<html><head><title>Story</title>{head}</head><body>{body}</body></html>")
    text, charset = decode_html(html.encode())
    return RawPage(url, url, html.encode(), text, charset)


def paragraphs(n: int = 6) -> str:
    return "".join(f"<p>{i}. {PARAGRAPH}</p>" for i in range(n))


def test_container_classes_that_mention_furniture_keep_the_article():
    for classes in ("article-body has-comments", "story share-enabled", "post tags",
                    "js-social-article"):
        article = extract_article(page(f'<article class="{classes}">{paragraphs()}</article>'))
        assert article.text.count(PARAGRAPH) == 6, classes


def test_inline_span_with_a_furniture_class_keeps_its_words():
    body = (f'<article>{paragraphs()}<p>The minister said <span class="related">the border'
            "</span> was closed.</p></article>")
    article = extract_article(page(body))
    assert "The minister said the border was closed." in article.text


def test_share_bar_inside_the_article_is_removed():
    body = (f'<article>{paragraphs(3)}<ul class="share-bar"><li>Share on Facebook</li>'
            f'<li>Share by email</li></ul>{paragraphs(3)}</article>')
    article = extract_article(page(body))
    assert "Share on Facebook" not in article.text
    assert article.text.count(PARAGRAPH) == 6


def test_short_opening_lines_with_numbers_are_kept():
    body = (f"<article><p>Over 1500 people crossed in May.</p><h2>Since 2019, fewer boats</h2>"
            f"{paragraphs()}</article>")
    article = extract_article(page(body))
    assert article.text.startswith("Over 1500 people crossed in May.\nSince 2019, fewer boats")


def test_a_dateline_repeating_the_publication_date_is_dropped():
    head = '<meta property="article:published_time" content="2024-03-14T08:30:00Z">'
    body = f"<article><p>Published 14 March 2024</p>{paragraphs()}</article>"
    article = extract_article(page(body, head))
    assert article.published.startswith("2024-03-14")
    assert article.text.startswith("0. The regional council")


def test_a_saved_file_whose_canonical_link_is_the_home_page_keeps_its_file_address():
    head = '<link rel="canonical" href="https://news.example/">'
    saved = page(f"<article>{paragraphs()}</article>", head, url="file:///tmp/a.html")
    assert extract_article(saved).url == "file:///tmp/a.html"
    head = '<link rel="canonical" href="https://news.example/2024/a-story">'
    saved = page(f"<article>{paragraphs()}</article>", head, url="file:///tmp/a.html")
    assert extract_article(saved).url == "https://news.example/2024/a-story"


def test_live_blog_entry_headers_keep_their_titles():
    entries = "".join(
        f'<div class="block"><header class="block-header"><time datetime="2024-05-0{i}T10:00">'
        f"10.0{i}</time><h2>Entry title {i}</h2></header><p>{i}. {PARAGRAPH}</p></div>"
        for i in range(1, 5))
    article = extract_article(page(f"<article><h1>Story</h1>{entries}</article>"))
    for i in range(1, 5):
        assert f"Entry title {i}" in article.text


def test_markup_repairs_turn_double_breaks_into_paragraphs():
    body = (f"<table><tr><td><font size=2>{PARAGRAPH}<br><br>Second {PARAGRAPH}<br>"
            f"still second.<br><br>Third {PARAGRAPH}</font></td></tr></table>")
    article = extract_article(page(body))
    assert [block.kind for block in article.blocks] == ["paragraph"] * 4
    assert article.text.split("\n")[1:3] == [f"Second {PARAGRAPH}", "still second."]


# --- what a careful extractor must not remove or misread ---------------------------------------

def words(n: int, stem: str = "w") -> str:
    return " ".join(f"{stem}{i}" for i in range(n))


def test_sections_whose_ids_come_from_their_headings_are_kept():
    sections = "".join(
        f'<section id="{slug}"><h2>{slug}</h2><p>{PARAGRAPH}</p><p>{PARAGRAPH}</p></section>'
        for slug in ("introduction", "share-of-votes", "credit-conditions", "ad-spending",
                     "methods", "conclusion", "data"))
    article = extract_article(page(f"<article>{sections}</article>"))
    for slug in ("share-of-votes", "credit-conditions", "ad-spending"):
        assert f"\n{slug}\n" in f"\n{article.text}\n"


def test_hashed_class_names_are_not_read_as_furniture():
    body = "".join(f'<p class="sc-gsTCUz nAdUlW">{i}. {PARAGRAPH}</p>' for i in range(6))
    article = extract_article(page(f"<article>{body}</article>"))
    assert article.text.count(PARAGRAPH) == 6


def test_words_around_inline_elements_stay_apart_when_breaks_become_paragraphs():
    body = (f"<table><tr><td>Read <b>this</b> <i>carefully</i> now. {words(40)}<br><br>"
            f'Cited by <a href="/a">Smith</a> <a href="/b">Jones</a> and others. {words(40)}'
            f"<br><br>Third paragraph {words(40)}.</td></tr></table>")
    article = extract_article(page(body))
    assert "Read this carefully now." in article.text
    assert "Cited by Smith Jones and others." in article.text


def test_code_in_pre_keeps_its_spacing_next_to_double_breaks():
    body = (f"<article><p>{PARAGRAPH}</p><pre>def f():<br><br>    return 1</pre>"
            f"<p>{PARAGRAPH}</p></article>")
    article = extract_article(page(body))
    assert "    return 1" in article.text


def test_a_sentence_that_is_mostly_one_link_is_kept():
    sentence = ('The figures come from <a href="https://ons.example/lms">the Office for National '
                "Statistics labour market survey, March 2024</a>.")
    article = extract_article(page(f"<article>{paragraphs(3)}<p>{sentence}</p>"
                                   f"{paragraphs(3)}</article>"))
    assert "labour market survey, March 2024." in article.text


def test_headings_in_the_articles_flow_are_kept():
    body = (f"<article><h2>Part two</h2><h2>How the tabloids changed</h2>{paragraphs(3)}"
            f"<h2>Methodology</h2>We surveyed 2,000 adults.<br>Fieldwork was in March."
            f"<h2>Glossary</h2><dl><dt>Polarisation</dt></dl>{paragraphs(2)}</article>")
    text = extract_article(page(body)).text
    for heading in ("Part two", "How the tabloids changed", "Methodology", "Glossary"):
        assert f"\n{heading}\n" in f"\n{text}\n"


def test_og_title_carrying_the_site_name_is_cut_back_to_the_headline():
    head = '<meta property="og:title" content="Council approves new housing plan | Town Gazette">'
    body = f"<article><h1>Council approves new housing plan</h1>{paragraphs()}</article>"
    article = extract_article(page(body, head))
    assert article.title == "Council approves new housing plan"
    assert article.site_name == "Town Gazette"
    assert not article.text.startswith("Council approves")


def test_phrases_starting_with_by_are_not_bylines():
    body = (f"<article><h1>Rents in the valley</h1><p>By contrast, rents fell.</p>"
            f"<h2>By the numbers</h2>{paragraphs()}</article>")
    article = extract_article(page(body))
    assert article.authors == [] and article.byline == ""
    assert "By contrast, rents fell." in article.text


def test_byline_with_a_job_title_names_only_the_person():
    body = (f"<article><h1>Rents in the valley</h1><p>By Jane Smith, Local Democracy Reporter"
            f"</p>{paragraphs()}</article>")
    assert extract_article(page(body)).authors == ["Jane Smith"]


def test_dates_inside_the_story_are_not_the_publication_date():
    body = (f'<article><h1>Rents in the valley</h1><p>The plan, first proposed on '
            f'<a href="/x">12 March 2019</a>, was approved.</p>{paragraphs()}'
            f"<ul><li>4 May 2021 – plan drafted</li></ul></article>")
    assert extract_article(page(body)).published is None


def test_json_ld_organisation_authors_are_not_people():
    head = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Story",'
            ' "author": [{"@type": "NGO", "name": "Refugee Aid"}, {"@type": "Person", '
            '"name": "Ana Ruiz"}]}</script>')
    assert extract_article(page(f"<article>{paragraphs()}</article>", head)).authors == [
        "Ana Ruiz"]


# --- the whole article: what readability alone loses --------------------------------------

def test_numbered_subheadings_in_their_own_boxes_are_kept():
    items = "".join(
        f'<div class="item"><div class="item__head"><h3>{i}. Item heading {i}</h3></div>'
        f'<div class="item__image"><img src="/{i}.jpg" alt=""></div>'
        f'<div class="item__body"><div class="rich"><p>{i}. {PARAGRAPH}</p>'
        f"<p>Free entry.</p></div></div></div>" for i in range(1, 6))
    body = (f'<div class="wrap"><h1>Story</h1><div class="intro"><div class="in">'
            f"<p>Intro: {PARAGRAPH}</p></div></div><div class=\"body\"><h2>Outdoor events</h2>"
            f"{items}</div></div>")
    text = extract_article(page(body)).text
    for i in range(1, 6):
        assert f"\n{i}. Item heading {i}\n{i}. {PARAGRAPH}" in text
    assert text.startswith(f"Intro: {PARAGRAPH}\nOutdoor events\n1. Item heading 1")
    assert text.count("Free entry.") == 5  # a repeated line of the article's own is kept


def test_sections_readability_leaves_aside_inside_the_article_element_are_kept():
    sections = "".join(
        f'<section class="sec"><div class="sec__head"><h2>Section {i}</h2></div>'
        f'<div class="sec__body"><div class="prose"><p>{i}. {PARAGRAPH}</p></div></div>'
        f"</section>" for i in range(1, 5))
    body = (f"<article><h1>Story</h1><div class=\"lead\"><div><p>Lead. {PARAGRAPH}</p>"
            f"</div></div>{sections}<aside class=\"sidebar\"><p>Sidebar words {PARAGRAPH}</p>"
            f"</aside></article>")
    text = extract_article(page(body)).text
    for i in range(1, 5):
        assert f"Section {i}\n{i}. {PARAGRAPH}" in text
    assert "Sidebar words" not in text


def test_repeated_link_only_lines_are_dropped():
    figure = ('<figure><img src="/f.jpg" alt=""><div class="p"><a href="/fig" target="_blank">'
              "Open in a new tab</a></div><figcaption>Caption {0}.</figcaption></figure>")
    body = (f"<article>{paragraphs(2)}{figure.format(1)}{paragraphs(2)}{figure.format(2)}"
            f'<p><a href="/report.pdf">Read the full report</a></p>{paragraphs(2)}</article>')
    text = extract_article(page(body)).text
    assert "Open in a new tab" not in text
    assert "Caption 1.\n" in text and "Caption 2.\n" in text
    assert "Read the full report" in text  # once only: not an interface control


def test_text_nested_deeper_than_the_parser_limit_is_kept():
    body = "<div>" * 5000 + f"<p>{PARAGRAPH}</p>" + "</div>" * 5000
    assert extract_article(page(body)).text == PARAGRAPH


def test_second_opinion_is_asked_only_when_readability_is_in_doubt(monkeypatch):
    import gleaner.core.extract as extract

    calls = []
    real = extract._second_opinion
    monkeypatch.setattr(extract, "_second_opinion",
                        lambda tree, url: calls.append(url) or real(tree, url))
    extract_article(page(f"<article><h1>Story</h1>{paragraphs()}</article>"))
    assert calls == []
    links = "".join(f'<li><a href="/{i}">Another story number {i} here</a></li>'
                    for i in range(40))
    short = f"<div><ul>{links}</ul></div><div><p>{PARAGRAPH}</p></div>"
    extract_article(page(short))
    assert len(calls) == 1


def test_whole_article_combines_a_second_opinion_with_readabilitys_pick():
    import lxml.html

    from gleaner.core.body import whole_article

    html = (f"<html><body><nav><a href='/'>Home</a></nav><div id='a'><p>One. {PARAGRAPH}</p>"
            f"</div><div id='b'><p>Two. {PARAGRAPH}</p><h2>Later</h2><p>Three. {PARAGRAPH}</p>"
            f"</div><footer><p>Footer words here</p></footer></body></html>")
    readable = f"<div><p>Two. {PARAGRAPH}</p></div>"  # a fragment: short, so in doubt
    other = f"<html><body><p>One. {PARAGRAPH}</p><p>Three. {PARAGRAPH}</p></body></html>"
    result = whole_article(lxml.html.document_fromstring(html), readable, lambda tree: other)
    text = " ".join(lxml.html.document_fromstring(result).text_content().split())
    assert text.startswith("One.") and "Two." in text and "LaterThree." in text
    assert "Home" not in text and "Footer" not in text


# --- metadata -------------------------------------------------------------------------------

def test_a_byline_followed_by_a_date_names_only_the_author():
    body = (f'<article><h1>Rents in the valley</h1><div class="byline"><a href="/a/es">Emily '
            f"Stone</a> December 25, 2025</div>{paragraphs()}</article>")
    article = extract_article(page(body))
    assert article.authors == ["Emily Stone"]
    assert article.published == "2025-12-25"


def test_every_author_meta_tag_counts_and_the_site_is_no_author():
    head = ('<meta name="author" content="Ana Ruiz"><meta name="author" content="Ben Okoro">'
            '<meta property="og:site_name" content="Town Gazette">')
    assert extract_article(page(f"<article>{paragraphs()}</article>", head)).authors == [
        "Ana Ruiz", "Ben Okoro"]
    head = ('<meta name="author" content="Town Gazette">'
            '<meta property="og:site_name" content="Town Gazette">')
    body = f"<article><h1>Rents in the valley</h1><p>By Ana Ruiz</p>{paragraphs()}</article>"
    assert extract_article(page(body, head)).authors == ["Ana Ruiz"]


def test_a_visible_byline_naming_more_authors_than_the_meta_tag_wins():
    head = '<meta name="author" content="Ana Ruiz">'
    body = (f'<article><h1>Rents in the valley</h1><div class="byline">By Ana Ruiz, Ben Okoro '
            f"and Chloé Martin</div>{paragraphs()}</article>")
    assert extract_article(page(body, head)).authors == ["Ana Ruiz", "Ben Okoro",
                                                         "Chloé Martin"]


def test_the_first_publication_date_wins_over_an_update():
    head = '<meta property="article:modified_time" content="2026-01-14T09:00:00Z">'
    body = (f'<article><h1>Rents in the valley</h1><p class="dates">Updated <time '
            f'datetime="2026-01-14">14 January 2026</time> · First published <time '
            f'datetime="2018-05-03">3 May 2018</time></p>{paragraphs()}</article>')
    article = extract_article(page(body, head))
    assert article.published == "2018-05-03"
    assert article.modified.startswith("2026-01-14")


def test_json_ld_keeps_publication_and_modification_dates_apart():
    head = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Story",'
            ' "datePublished": "2024-03-01T08:00:00Z", "dateModified": "2024-03-09T10:00:00Z"}'
            "</script>")
    article = extract_article(page(f"<article>{paragraphs()}</article>", head))
    assert article.published.startswith("2024-03-01")
    assert article.modified.startswith("2024-03-09")


def test_german_byline_and_dates():
    body = (f'<div class="artikel"><h1>Neue Fähre für Lindenau</h1><p class="autor">Von Anna '
            f"Berger und Jonas Keller</p><p>Veröffentlicht am 12.03.2024, 14:05 Uhr</p>"
            f"{paragraphs()}</div>")
    article = extract_article(page(body))
    assert article.authors == ["Anna Berger", "Jonas Keller"]
    assert article.published == "2024-03-12"
    assert parse_date("3. März 2024") == "2024-03-03"
    assert parse_date("05.06.2024") == "2024-06-05"  # day first, as written in Europe


def test_the_visible_headline_beats_a_search_engine_title():
    head = ('<meta property="og:title" content="Valley rents: prices up 9% as landlords sell, '
            'survey says">')
    body = (f"<article><h1>Valley rents climb again as landlords sell up</h1>{paragraphs()}"
            f"</article>")
    assert extract_article(page(body, head)).title == (
        "Valley rents climb again as landlords sell up")


def test_a_logo_h1_is_not_the_title():
    html = (f"<html><head><title>Council approves new housing plan | Town Gazette</title></head>"
            f"<body><h1>Town Gazette</h1><article>{paragraphs()}</article></body></html>")
    text, charset = decode_html(html.encode())
    url = "https://news.example/2024/story"
    article = extract_article(RawPage(url, url, html.encode(), text, charset))
    assert article.title == "Council approves new housing plan"


def test_the_outlet_named_in_the_title_is_no_author():
    html = ('<html><head><title>Council approves new housing plan | Harwick Daily Echo</title>'
            '<meta name="author" content="Harwick Daily Echo"></head><body><article><h1>Council '
            f"approves new housing plan</h1><p>By Dana Whitcombe</p>{paragraphs()}</article>"
            "</body></html>")
    text, charset = decode_html(html.encode())
    url = "https://news.example/2024/story"
    article = extract_article(RawPage(url, url, html.encode(), text, charset))
    assert article.authors == ["Dana Whitcombe"]
    head = '<meta name="author" content="harwickecho.example">'
    assert extract_article(page(f"<article>{paragraphs()}</article>", head)).authors == []


def test_whole_article_prefers_the_second_opinion_when_readability_took_another_block():
    import lxml.html

    from gleaner.core.body import whole_article

    story = "".join(f"<p>Story {i}. {PARAGRAPH}</p>" for i in range(3))
    comments = "".join(f"<li><p>Comment {i}: I think the council was wrong to wait.</p></li>"
                       for i in range(6))
    html = (f"<html><body><div id='story'>{story}</div><div id='comments'><ol>{comments}"
            f"</ol></div></body></html>")
    readable = f"<div><ol>{comments}</ol></div>"  # inside the comments: in doubt
    other = f"<html><body>{story}</body></html>"
    result = whole_article(lxml.html.document_fromstring(html), readable, lambda tree: other)
    text = lxml.html.document_fromstring(result).text_content()
    assert "Story 0." in text and "Story 2." in text
    assert "Comment" not in text


def test_sign_up_boxes_between_sections_are_not_the_article():
    sections = "".join(f'<section><div class="h"><h2>Part {i}</h2></div><div class="b"><div>'
                       f"<p>{i}. {PARAGRAPH}</p></div></div></section>" for i in range(4))
    promo = ('<div class="x9"><h3>Get our morning newsletter</h3><p>Sign up to receive the '
             "day's top stories in your inbox every morning.</p><form><input type=\"email\">"
             "<button>Sign up</button></form></div>")
    body = (f"<article><h1>Story</h1><div class=\"l\"><div><p>Lead. {PARAGRAPH}</p></div></div>"
            f"{sections[:len(sections) // 2]}{promo}{sections[len(sections) // 2:]}</article>")
    text = extract_article(page(body)).text
    assert text.startswith(f"Lead. {PARAGRAPH}\nPart 0\n")
    assert text.endswith(f"Part 3\n3. {PARAGRAPH}")
    assert "Sign up" not in text and "newsletter" not in text


def test_a_short_article_with_a_button_inside_is_kept():
    body = (f"<div class=\"story\"><p>{PARAGRAPH}</p><p>Second. {PARAGRAPH}</p>"
            f"<button>Share</button></div>")
    text = extract_article(page(body)).text
    assert text == f"{PARAGRAPH}\nSecond. {PARAGRAPH}"


def test_a_credit_line_after_the_last_paragraph_is_kept():
    for credit in ("<strong>Additional reporting by Jane Doe in Dover.</strong>",
                   "Additional reporting by Jane Doe in Dover.",
                   "<em>This article was amended on 3 May</em> to correct a date."):
        article = extract_article(page(f"<nav>Home News</nav><article>{paragraphs()}{credit}"
                                       "</article><footer>Copyright</footer>"))
        assert article.text.endswith(PARAGRAPH + "\n" + (
            "This article was amended on 3 May to correct a date." if "amended" in credit
            else "Additional reporting by Jane Doe in Dover.")), credit


def test_labels_and_links_after_the_last_paragraph_are_still_dropped():
    for furniture in ("<strong>Share</strong>", "Read more: <a href='/next'>the next story"
                      "</a>", '<span class="share-tools">Share this article by email</span>'):
        article = extract_article(page(f"<article>{paragraphs()}{furniture}</article>"))
        assert article.text.endswith(PARAGRAPH), furniture
