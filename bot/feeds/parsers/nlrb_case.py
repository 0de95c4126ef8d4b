"""Parse an nlrb.gov case page (format `nlrb-case`, FORMATS.md §2): the first block is the case,
each later block one tally. A page with no tally block is a case with no count yet."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from bot.feeds.base import ParseContext, ParseResult
from bot.feeds.parsers.nlrb_fields import RawRecord
from bot.feeds.parsers.nlrb_html import load_page, not_results, read_block, text_of, top_level
from bot.feeds.parsers.nlrb_tallies import build_tallies

MAIN = "div#block-mainpagecontent"
BLOCK = "div.display-flex.flex-justify.flex-wrap"
TITLE = "h1.uswds-page-title"
DOCKET = "#case_docket_activity_data"
# Docket documents that close a case with a result: the case page has no "Reason Closed".
_CERTIFICATIONS = ("certification of representative", "certification of results")


def parse_nlrb_case(body: bytes, ctx: ParseContext) -> ParseResult:
    """Case page bytes to tallies; raises ParseError when the page is not a case page."""
    tree = load_page(body)
    main = tree.css_first(MAIN)
    if main is None:
        raise not_results(tree, f"not an nlrb.gov case page: no {MAIN}")
    blocks = top_level(main.css(BLOCK))
    if not blocks:
        raise not_results(tree, "not an nlrb.gov case page: no case information block")
    case = RawRecord("case information")
    read_block(blocks[0], case, ctx.check_deadline)
    if case.text("case") is None:
        raise not_results(tree, "not an nlrb.gov case page: its first block has no Case Number")
    case.put("Case Name", text_of(tree.css_first(TITLE)) or "")
    if _certified_in_docket(tree):
        case.put("Reason Closed", "Certification (docket)")
    records = []
    for number, block in enumerate(blocks[1:], start=1):
        ctx.check_deadline()
        record = RawRecord(f"tally block {number}")
        read_block(block, record, ctx.check_deadline)
        for name, value in case.values.items():
            # Case-level facts fill what the tally block leaves out.
            record.put(case.labels.get(name, name), value)
        records.append(record)
    return build_tallies(records, ctx)


def _certified_in_docket(tree: LexborHTMLParser) -> bool:
    """Whether the docket lists a certification, read as one text per docket table (its
    rows' texts, each row read once even when tables nest)."""
    for table in top_level(tree.css(DOCKET)):
        text = " ".join(table.text(separator=" ").split()).lower()
        if any(name in text for name in _CERTIFICATIONS):
            return True
    return False
