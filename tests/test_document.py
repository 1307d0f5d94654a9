"""Reading blocks and the canonical text: the coordinate system of every highlight."""

from __future__ import annotations

import json

import pytest

from gleaner.core.document import (
    Block,
    Run,
    block_starts,
    blocks_from_html,
    blocks_from_json,
    blocks_to_json,
    canonical_text,
)


def texts(html: str) -> list[str]:
    return [block.text for block in blocks_from_html(html)]


def kinds(html: str) -> list[tuple[str, int, bool, str]]:
    return [(b.kind, b.level, b.ordered, b.text) for b in blocks_from_html(html)]


# --- whitespace --------------------------------------------------------------------------------

def test_whitespace_collapses_across_inline_elements() -> None:
    html = "<p>  Hello \n  <em>big</em>\n\t <b>wide</b>   world  </p>"
    blocks = blocks_from_html(html)
    assert [b.text for b in blocks] == ["Hello big wide world"]
    styled = {run.text: run for run in blocks[0].runs}
    assert styled["big"].italic and not styled["big"].bold
    assert styled["wide"].bold and not styled["wide"].italic


def test_space_inside_an_inline_element_is_not_doubled() -> None:
    assert texts("<p>word<span>joined</span> <i> spaced </i> tail</p>") == [
        "wordjoined spaced tail"]
    assert texts("<p>a<b> </b>b</p>") == ["a b"]
    assert texts("<p><b>bold </b> next</p>") == ["bold next"]


def test_non_breaking_space_becomes_a_space() -> None:
    assert texts("<p>3&nbsp;000 people</p>") == ["3 000 people"]


def test_empty_and_whitespace_only_input() -> None:
    assert blocks_from_html("") == []
    assert blocks_from_html("  \n ") == []
    assert texts("<p>a</p>  <p> \n </p><div></div><p>b</p>") == ["a", "b"]


def test_block_boundaries_inside_a_div() -> None:
    assert texts("<div>outer text<p>inner</p> tail text</div>") == [
        "outer text", "inner", "tail text"]


def test_br_splits_blocks() -> None:
    assert texts("<p>one<br>two<br/>\n   three</p>") == ["one", "two", "three"]
    blocks = blocks_from_html("<blockquote>line one<br>line two</blockquote>")
    assert [(b.kind, b.text) for b in blocks] == [("quote", "line one"), ("quote", "line two")]


# --- block kinds -------------------------------------------------------------------------------

def test_lists_and_nested_lists() -> None:
    html = """
    <ul>
      <li>a
        <ul>
          <li>b</li>
          <li>c <ol><li>d</li></ol></li>
        </ul>
      </li>
      <li>e</li>
    </ul>
    <ol start="3"><li>f</li></ol>
    """
    assert kinds(html) == [
        ("list_item", 1, False, "a"),
        ("list_item", 2, False, "b"),
        ("list_item", 2, False, "c"),
        ("list_item", 3, True, "d"),
        ("list_item", 1, False, "e"),
        ("list_item", 1, True, "f"),
    ]


def test_paragraphs_inside_a_list_item_stay_list_items() -> None:
    assert kinds("<ul><li><p>first</p><p>second</p></li></ul><p>after</p>") == [
        ("list_item", 1, False, "first"),
        ("list_item", 1, False, "second"),
        ("paragraph", 0, False, "after"),
    ]


def test_blockquote_is_quote() -> None:
    assert kinds("<p>before</p><blockquote><p>q1</p><p>q2</p></blockquote><p>after</p>") == [
        ("paragraph", 0, False, "before"),
        ("quote", 0, False, "q1"),
        ("quote", 0, False, "q2"),
        ("paragraph", 0, False, "after"),
    ]


def test_pre_keeps_spaces_and_lines() -> None:
    blocks = blocks_from_html("<pre>  a  b\n    c(x,  y)</pre><p>  after   pre </p>")
    assert [(b.kind, b.text) for b in blocks] == [
        ("preformatted", "  a  b"), ("preformatted", "    c(x,  y)"), ("paragraph", "after pre")]


def test_code_in_pre_is_code() -> None:
    blocks = blocks_from_html("<pre><code>x = 1\n  y = 2</code></pre>")
    assert [b.text for b in blocks] == ["x = 1", "  y = 2"]
    assert all(run.code for block in blocks for run in block.runs)


def test_heading_levels() -> None:
    html = "".join(f"<h{n}>Heading {n}</h{n}>" for n in range(1, 7))
    blocks = blocks_from_html(html)
    assert [(b.kind, b.level, b.text) for b in blocks] == [
        ("heading", n, f"Heading {n}") for n in range(1, 7)]
    assert all(run.bold for block in blocks for run in block.runs)


def test_soft_hyphen_and_zero_width_characters_removed() -> None:
    assert texts("<p>co\u00adop\u200beration\ufeff works</p>") == ["cooperation works"]


def test_figure_caption() -> None:
    assert kinds('<figure><img src="a.jpg" alt="A photo"><figcaption>The depot</figcaption>'
                 "</figure>") == [("caption", 0, False, "The depot")]


def test_table_rows_are_tab_separated() -> None:
    html = "<table><tr><th>Year</th><th>Count</th></tr><tr><td>2021</td><td> 32 </td></tr></table>"
    assert kinds(html) == [("table_row", 0, False, "Year\tCount"),
                           ("table_row", 0, False, "2021\t32")]


def test_table_rows_are_tab_separated_in_indented_html() -> None:
    """Tables as pages really write them, one cell per line: cells are still joined by a bare
    tab, with no stray space from the indentation before it."""
    html = """
    <table>
      <tr>
        <th>Year</th>
        <th>Count</th>
      </tr>
      <tr>
        <td>2021</td>
        <td>32</td>
      </tr>
    </table>
    """
    assert texts(html) == ["Year\tCount", "2021\t32"]


def test_images_scripts_and_styles_contribute_no_text() -> None:
    html = ('<p>Before <img src="x.jpg" alt="ALT-TEXT" title="IMG-TITLE"> after'
            "<script>var SCRIPT = 1;</script><style>.STYLE{}</style> end</p>"
            "<noscript>NOSCRIPT</noscript><svg><text>SVG</text></svg>"
            "<iframe>FRAME</iframe><form><button>BUTTON</button></form>")
    assert texts(html) == ["Before after end"]


def test_links_keep_their_href() -> None:
    blocks = blocks_from_html('<p>See <a href="https://example.org/x">the report</a> now</p>')
    link = [run for run in blocks[0].runs if run.href]
    assert [(run.text, run.href) for run in link] == [("the report", "https://example.org/x")]
    assert blocks[0].text == "See the report now"


# --- canonical text and offsets ----------------------------------------------------------------

MIXED = """
<h2>Title  here</h2>
<p>First <b>bold</b> and <i>italic</i> words.</p>
<ul><li>one</li><li>two<ul><li>nested</li></ul></li></ul>
<blockquote>Quoted<br>twice</blockquote>
<pre>  code  line
next</pre>
<table><tr><td>a</td><td>b</td></tr></table>
<p>Last&nbsp;para\u00ad.</p>
"""


def test_canonical_text_joins_blocks_with_single_newlines() -> None:
    blocks = blocks_from_html(MIXED)
    text = canonical_text(blocks)
    assert text == ("Title here\nFirst bold and italic words.\none\ntwo\nnested\nQuoted\ntwice\n"
                    "  code  line\nnext\na\tb\nLast para.")
    assert text.split("\n") == [b.text for b in blocks]
    assert canonical_text([]) == ""


def test_block_starts_are_offsets_into_the_canonical_text() -> None:
    blocks = blocks_from_html(MIXED)
    text = canonical_text(blocks)
    starts = block_starts(blocks)
    assert len(starts) == len(blocks)
    assert starts[0] == 0
    for block, start in zip(blocks, starts, strict=True):
        assert text[start:start + len(block.text)] == block.text
        assert start == 0 or text[start - 1] == "\n"
    assert starts[-1] + len(blocks[-1].text) == len(text)


def test_no_block_is_empty_or_padded() -> None:
    for block in blocks_from_html(MIXED):
        assert block.text
        assert "\n" not in block.text
        if block.kind != "preformatted":
            assert block.text == block.text.strip()
            assert "  " not in block.text


# --- serialisation -----------------------------------------------------------------------------

def test_json_round_trip() -> None:
    blocks = blocks_from_html(MIXED + '<p><a href="https://e.org"><code>c</code></a></p>')
    data = blocks_to_json(blocks)
    # It goes into the database as JSON text.
    restored = blocks_from_json(json.loads(json.dumps(data)))
    assert restored == blocks
    assert canonical_text(restored) == canonical_text(blocks)


def test_json_leaves_defaults_out() -> None:
    blocks = [Block("paragraph", (Run("plain"),)),
              Block("list_item", (Run("x", bold=True, italic=True, code=True, href="h"),),
                    level=2, ordered=True)]
    assert blocks_to_json(blocks) == [
        {"k": "paragraph", "r": [{"t": "plain"}]},
        {"k": "list_item", "r": [{"t": "x", "b": True, "i": True, "c": True, "h": "h"}],
         "l": 2, "o": True},
    ]
    assert blocks_from_json(blocks_to_json(blocks)) == blocks


@pytest.mark.parametrize("html", ["<p>x</p>", "<h3>y</h3>", "<ol><li>z</li></ol>"])
def test_round_trip_preserves_kind_level_and_order(html: str) -> None:
    blocks = blocks_from_html(html)
    assert blocks_from_json(blocks_to_json(blocks)) == blocks


@pytest.mark.parametrize("html", [
    "<p>one\u2028two\u2029three</p>",
    "<pre>one\u2028two\u2029three</pre>",
    "<pre>one\r\ntwo\nthree</pre>",
])
def test_no_line_or_paragraph_separator_inside_a_block(html: str) -> None:
    """The reader shows one text block per Block; a separator inside a block would start a new
    one on screen and shift every offset after it."""
    blocks = blocks_from_html(html)
    for block in blocks:
        assert not set(block.text) & {"\n", "\r", "\u2028", "\u2029"}
    words = canonical_text(blocks).replace("\n", " ").split()
    assert words == ["one", "two", "three"]


def test_noncharacters_qt_treats_as_block_markers_are_removed():
    blocks = blocks_from_html("<p>before\ufdd0after\ufdd1 and\ufffe more</p>")
    assert canonical_text(blocks) == "beforeafter and more"
