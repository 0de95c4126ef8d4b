"""The parsers, one per feed format, each a pure function from bytes to tallies and problems."""

from __future__ import annotations

from collections.abc import Callable

from bot.feeds.base import FeedFormat, ParseContext, ParseResult
from bot.feeds.parsers.native import parse_native
from bot.feeds.parsers.nlrb_case import parse_nlrb_case
from bot.feeds.parsers.nlrb_csv import parse_nlrb_csv
from bot.feeds.parsers.nlrb_results import parse_nlrb_results
from bot.feeds.parsers.sheet_csv import parse_sheet_csv

Parser = Callable[[bytes, ParseContext], ParseResult]

PARSERS: dict[FeedFormat, Parser] = {
    FeedFormat.NATIVE: parse_native,
    FeedFormat.SHEET_CSV: parse_sheet_csv,
    FeedFormat.NLRB_CSV: parse_nlrb_csv,
    FeedFormat.NLRB_CASE: parse_nlrb_case,
    FeedFormat.NLRB_RESULTS: parse_nlrb_results,
}


def parse(fmt: FeedFormat, body: bytes, ctx: ParseContext) -> ParseResult:
    """Parse `body` as `fmt`. Raises ParseError when the whole document fails, or when the
    parse runs past `ctx.deadline` (parsers also check it in their loops)."""
    ctx.check_deadline()
    result = PARSERS[fmt](body, ctx)
    ctx.check_deadline()
    return result


__all__ = ["PARSERS", "Parser", "parse"]
