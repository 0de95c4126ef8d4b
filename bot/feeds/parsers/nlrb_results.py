"""Parse the nlrb.gov Recent Election Results listing (format `nlrb-results`, FORMATS.md §3):
one `div.rer-content` block per tally, read by label."""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

from bot.feeds.base import ParseContext, ParseError, ParseResult, Problem
from bot.feeds.parsers.nlrb_fields import TALLY_FIELDS, RawRecord
from bot.feeds.parsers.nlrb_html import (
    MAX_LABEL,
    NOT_AVAILABLE,
    TEXT_NODES,
    bounded_text,
    load_page,
    not_results,
    page_text,
    read_block,
    text_of,
    top_level,
)
from bot.feeds.parsers.nlrb_tallies import build_tallies

BLOCK = "div.rer-content"
EMPLOYER = "div.rer-head h3"
HEADER_CANDIDATES = 200  # bold texts searched for "Displaying 1 - 20 of N" (it comes first)
# Over the header's extracted text, never over HTML: "Displaying 1 - 20 of 33422".
_HEADER = re.compile(r"displaying\s+[\d,]+\s*-\s*[\d,]+\s+of\s*([\d,]*)", re.IGNORECASE)


def parse_nlrb_results(body: bytes, ctx: ParseContext) -> ParseResult:
    """Listing bytes to tallies; raises ParseError when the page holds no results."""
    tree = load_page(body)
    _check_header(tree)
    blocks = top_level(tree.css(BLOCK))
    if not blocks:
        raise not_results(tree, f"no result blocks ({BLOCK}): not a Recent Election Results page")
    records: list[RawRecord] = []
    for number, block in enumerate(blocks, start=1):
        ctx.check_deadline()
        record = RawRecord(f"block {number}")
        read_block(block, record, ctx.check_deadline)
        record.put("Case Name", text_of(block.css_first(EMPLOYER)) or "")
        if TALLY_FIELDS.intersection(record.values):
            records.append(record)
    if not records:
        raise not_results(
            tree,
            f"none of the {len(blocks)} blocks carries tally labels (Tally Type, Votes "
            "Against …): not a Recent Election Results page (the Recent Filings page?)",
        )
    result = build_tallies(records, ctx)
    if not result.tallies and NOT_AVAILABLE in page_text(tree).lower():
        raise ParseError(f"the page says {NOT_AVAILABLE!r} instead of counts")
    skipped = len(blocks) - len(records)
    if skipped:
        note = Problem(None, None, f"{skipped} blocks without tally labels: skipped")
        return ParseResult(result.tallies, (*result.problems, note))
    return result


def _check_header(tree: LexborHTMLParser) -> None:
    """A header that counts nothing ("Displaying 1 - 20 of") is a page in trouble."""
    for node in tree.css("b, strong, div.grid-col-3")[:HEADER_CANDIDATES]:
        match = _HEADER.search(" ".join(bounded_text(node, TEXT_NODES, MAX_LABEL)[0].split()))
        if match is None:
            continue
        if not match.group(1):
            raise ParseError(
                "the listing header reads 'Displaying … of' with no count: nlrb.gov "
                "served an incomplete page (maintenance?)"
            )
        return
