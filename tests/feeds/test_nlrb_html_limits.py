"""NLRB HTML parsing bounded in work (issue 12): label reading equal to the old quadratic
reading on every real page, hostile pages parsed or refused in linear time, nesting refused
past MAX_DEPTH, and the parse deadline of ParseContext."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.feeds.base import ParseContext, ParseError, ParseResult
from bot.feeds.parsers.nlrb_case import BLOCK, parse_nlrb_case
from bot.feeds.parsers.nlrb_csv import parse_nlrb_csv
from bot.feeds.parsers.nlrb_html import (
    MAX_DEPTH,
    labelled_values,
    load_page,
    nesting_depth,
    top_level,
)
from bot.feeds.parsers.nlrb_results import parse_nlrb_results
from tests.feeds.conftest import FEED_FIXTURES, fixture_bytes

CTX = ParseContext("nlrb")
Parser = Callable[[bytes, ParseContext], ParseResult]
CASE_HEAD = (
    '<html><head><title>Case</title></head><body><h1 class="uswds-page-title">X</h1>'
    '<div id="block-mainpagecontent"><div class="display-flex flex-justify flex-wrap">'
    "<div><b>Case Number:</b> 29-RC-288020</div></div>"
    '<div class="display-flex flex-justify flex-wrap"><div><b>Tally Type:</b> Initial</div>'
    "<div><b>Votes Against:</b> 5</div><div><b>Votes for Labor Union:</b> 7</div>"
    "<div><b>Labor Union:</b> U</div>"
)
CASE_TAIL = "</div></div></body></html>"
RESULTS_HEAD = (
    "<html><head><title>Recent Election Results</title></head><body>"
    '<div class="grid-col-3"><b>Displaying 1 - 20 of 33422</b></div>'
    "<div class='rer-content'><div><b>Case Number</b>: 10-RC-357917</div>"
    "<div><b>Tally Type</b>: Initial</div><div><b>Votes Against</b>: 8</div>"
    "<div><b>Votes for Labor Union1</b>: 15</div><div><b>Labor Union1</b>: IBEW</div>"
)
RESULTS_TAIL = "</div></body></html>"


def quadratic_reference(block: LexborNode) -> list[tuple[str, str]]:
    """labelled_values as it was before issue 12 (quadratic on nested tags): the reference
    the bounded reading must equal on real pages."""
    pairs: list[tuple[str, str]] = []
    for label_node in block.css("b, strong"):
        label = " ".join(label_node.text(separator=" ").split()).rstrip(":").strip()
        if not label:
            continue
        parts: list[str] = []
        node = label_node.next
        while node is not None and node.tag not in ("b", "strong"):
            parts.append(node.text(separator=" "))
            node = node.next
        value = " ".join(" ".join(parts).split()).removeprefix(":").strip()
        pairs.append((label, value))
    return pairs


def real_pages(shared_dir: Path) -> list[Path]:
    return sorted(FEED_FIXTURES.glob("*.html")) + sorted(
        (shared_dir / "fixtures/nlrb").glob("*.html")
    )


def test_labels_read_as_before_on_every_real_page(shared_dir: Path) -> None:
    compared = 0
    for path in real_pages(shared_dir):
        tree = LexborHTMLParser(path.read_text(encoding="utf-8"))
        blocks = [tree.body, *tree.css(f"{BLOCK}, div.rer-content, div.rer-head-top")]
        for block in blocks:
            assert block is not None
            assert labelled_values(block) == quadratic_reference(block), path.name
            compared += len(quadratic_reference(block))
    assert compared > 100


def test_a_label_inside_a_label_is_part_of_it_and_a_value_ends_at_the_next_label() -> None:
    tree = LexborHTMLParser(
        "<div><b>Tally <strong>Type</strong>:</b> Initial <i>(first)</i>"
        "<span>more <b>Void Ballots:</b> 3</span></div>"
    )
    block = tree.css_first("div")
    assert block is not None
    assert labelled_values(block) == [("Tally Type", "Initial (first) more"), ("Void Ballots", "3")]


def test_overlong_labels_and_values_are_cut_or_dropped() -> None:
    long_label = "x" * 300
    tree = LexborHTMLParser(
        f"<div><b>{long_label}</b> v<b>Unit ID:</b> {'A' * 5000}"
        "<b>Status:<i>a</i><i>b</i><i>c</i><i>d</i><i>e</i></b> Open</div>"
    )
    block = tree.css_first("div")
    assert block is not None
    pairs = labelled_values(block)
    assert [label for label, _ in pairs] == ["Unit ID"]
    assert 990 <= len(pairs[0][1]) <= 1000 and set(pairs[0][1]) == {"A"}


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("<div><div></div><div><span>x</span></div></div>", 3),
        ("<p><p><p><li><li><br><img/><input>", 0),  # implied end tags and void elements
        ("</div></div></div><div><div>", 2),  # stray end tags never go below 0
        ("<div><script>'<div><div><div>'</script></div>", 2),
        ("<div><!-- <div><div><div> --></div>", 1),
        ("<div><!-- unclosed <div><div>", 1),
        ("<DIV><Div><x-widget><b></b></x-widget></Div></DIV>", 4),
        ("<div <div <div>", 1),  # a stray "<" is no tag
        ("", 0),
    ],
)
def test_nesting_depth_reads_tags(text: str, depth: int) -> None:
    assert nesting_depth(text) == depth


def test_real_pages_are_far_from_the_nesting_limit(shared_dir: Path) -> None:
    for path in real_pages(shared_dir):
        assert nesting_depth(path.read_text(encoding="utf-8")) < 40, path.name


@pytest.mark.parametrize("tag", ["<div>", "<b>", "<section>", "<x-y>"])
def test_a_page_nested_past_the_limit_is_refused_unread(tag: str) -> None:
    body = (CASE_HEAD + tag * (MAX_DEPTH + 1) + "x" + CASE_TAIL).encode()
    with pytest.raises(ParseError, match=f"nests its elements more than {MAX_DEPTH} deep"):
        load_page(body)
    shallow = (CASE_HEAD + tag * 100 + "x" + CASE_TAIL).encode()
    assert parse_nlrb_case(shallow, CTX).tallies


def hostile(head: str, unit: str, tail: str, size: int) -> bytes:
    return (head + unit * ((size - len(head) - len(tail)) // len(unit)) + tail).encode()


def runs(open_: str, close: str, depth: int = 400) -> str:
    return open_ * depth + "x" + close * depth


SIZE = 100_000  # before issue 12 the first four took 40 s to 60 s each at this size


@pytest.mark.parametrize(
    ("parser", "body"),
    [
        (parse_nlrb_case, hostile(CASE_HEAD, "<b>", "x" + CASE_TAIL, SIZE)),
        (parse_nlrb_case, hostile(CASE_HEAD, "<b>L</b><div>", CASE_TAIL, SIZE)),
        (parse_nlrb_case, hostile(CASE_HEAD, runs("<b>", "</b>"), CASE_TAIL, SIZE)),
        (parse_nlrb_case, hostile(CASE_HEAD, runs("<b>L</b><div>", "</div>"), CASE_TAIL, SIZE)),
        (parse_nlrb_case, hostile(CASE_HEAD, "<div>", CASE_TAIL, SIZE)),
        (
            parse_nlrb_case,
            hostile(
                CASE_HEAD,
                runs('<div class="display-flex flex-justify flex-wrap">', "</div>"),
                CASE_TAIL,
                SIZE,
            ),
        ),
        (parse_nlrb_results, hostile(RESULTS_HEAD, runs("<b>", "</b>"), RESULTS_TAIL, SIZE)),
        (parse_nlrb_results, hostile(RESULTS_HEAD, "<h3><b>", RESULTS_TAIL, SIZE)),
        (
            parse_nlrb_results,
            hostile(
                "<html><body>",
                "<div class='rer-content'><b>Case Number</b>: 10-RC-357917<b>Tally Type</b>: "
                "Initial<b>Votes Against</b>: 8</div>",
                "</body></html>",
                SIZE,
            ),
        ),
    ],
)
def test_hostile_pages_are_read_or_refused_in_linear_time(parser: Parser, body: bytes) -> None:
    started = time.perf_counter()
    with contextlib.suppress(ParseError):  # refused is fine; hanging is not
        parser(body, CTX)
    assert time.perf_counter() - started < 3.0


def test_top_level_blocks_skip_nested_ones() -> None:
    tree = LexborHTMLParser(
        "<main><section><div class='b' id='1'><div class='b' id='2'></div></div></section>"
        "<div class='b' id='3'><p><div class='b' id='4'></div></p></div>"
        "<div class='b' id='5'></div></main>"
    )
    ids = [node.attributes["id"] for node in top_level(tree.css("div.b"))]
    assert ids == ["1", "3", "5"]


def test_a_deadline_in_the_past_fails_the_document() -> None:
    late = ParseContext("nlrb", deadline=time.monotonic() - 1, time_limit_s=2.5)
    with pytest.raises(ParseError, match=r"^parsing took longer than 2\.5 s"):
        late.check_deadline()
    for parser, name in (
        (parse_nlrb_case, "nlrb_case_jfk8.html"),
        (parse_nlrb_results, "nlrb_results_listing.html"),
        (parse_nlrb_csv, "nlrb_export_sample.csv"),
    ):
        with pytest.raises(ParseError, match=r"took longer than 2\.5 s"):
            parser(fixture_bytes(name), late)
        assert parser(fixture_bytes(name), CTX).tallies  # no deadline: parsed as ever


def test_a_time_limit_sets_a_deadline_from_now() -> None:
    before = time.monotonic()
    ctx = CTX.with_time_limit(5.0)
    assert ctx.deadline is not None and before + 5.0 <= ctx.deadline <= time.monotonic() + 5.0
    assert ctx.time_limit_s == 5.0
    ctx.check_deadline()  # not yet
    assert CTX.deadline is None
    CTX.check_deadline()  # no deadline: never
