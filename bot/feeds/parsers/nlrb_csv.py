"""Parse the NLRB Recent Election Results CSV export, or the FOIA spreadsheet saved as CSV
(format `nlrb-csv`): columns found by normalised name with aliases, never by position.

The file is cut into records by their raw text (csv_records), and read case by case with
what the feed's previous parse gave for its unchanged cases (nlrb_memo)."""

from __future__ import annotations

import csv

from bot.feeds.base import ParseContext, ParseError, ParseResult, UnavailablePage
from bot.feeds.parsers.csv_records import cells, split_records
from bot.feeds.parsers.nlrb_fields import canonical
from bot.feeds.parsers.nlrb_memo import Columns, known_records, read_cases

# Without these a file cannot be read as tallies at all.
REQUIRED = {"case": "Case", "tally_type": "Tally Type"}
COUNTS = ("against", "valid", "union1_votes")
HEADER_SEARCH_ROWS = 5  # the FOIA spreadsheet can carry a title row above its header


def parse_nlrb_csv(body: bytes, ctx: ParseContext) -> ParseResult:
    """CSV bytes to tallies; raises ParseError when the file is not an NLRB results CSV."""
    text = _decode(body)
    if text.lstrip()[:1] == "<":
        raise UnavailablePage("the feed is an HTML page, not CSV (a firewall or error page?)")
    try:
        records = split_records(text, known_records(ctx.source_id))
        columns, start = _header(records)
        return read_cases(records[:start], records[start:], columns, ctx)
    except csv.Error as exc:
        raise ParseError(f"the CSV cannot be read: {exc}") from None


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Windows saves CSV as cp1252.
        return body.decode("cp1252", errors="replace")


def _header(records: list[str]) -> tuple[Columns, int]:
    """Column index -> (canonical field, header as written), from the first header-like
    row, and the index of the record after it."""
    best: Columns = {}
    for index, record in enumerate(records[:HEADER_SEARCH_ROWS]):
        columns: Columns = {}
        taken: set[str] = set()
        for column, cell in enumerate(cells(record)):
            name = canonical(cell[:200])
            if name is not None and name not in taken:  # the first column of a name wins
                columns[column] = (name, cell.strip())
                taken.add(name)
        if set(REQUIRED) <= taken and taken.intersection(COUNTS):
            return columns, index + 1
        best = columns if len(columns) > len(best) else best
    found = {name for name, _ in best.values()}
    missing = [label for name, label in REQUIRED.items() if name not in found]
    if not found.intersection(COUNTS):
        missing.append("a vote count (Votes Against, Total Ballots Counted …)")
    raise ParseError("not an NLRB election results CSV: no column for " + ", ".join(missing))
