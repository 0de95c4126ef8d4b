"""Parse the NLRB Recent Election Results CSV export, or the FOIA spreadsheet saved as CSV
(format `nlrb-csv`): columns found by normalised name with aliases, never by position."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from bot.feeds.base import ParseContext, ParseError, ParseResult, UnavailablePage
from bot.feeds.parsers.nlrb_fields import MAX_VALUE, RawRecord, canonical
from bot.feeds.parsers.nlrb_tallies import build_tallies

# Without these a file cannot be read as tallies at all.
REQUIRED = {"case": "Case", "tally_type": "Tally Type"}
COUNTS = ("against", "valid", "union1_votes")
HEADER_SEARCH_ROWS = 5  # the FOIA spreadsheet can carry a title row above its header


def parse_nlrb_csv(body: bytes, ctx: ParseContext) -> ParseResult:
    """CSV bytes to tallies; raises ParseError when the file is not an NLRB results CSV."""
    text = _decode(body)
    if text.lstrip()[:1] == "<":
        raise UnavailablePage("the feed is an HTML page, not CSV (a firewall or error page?)")
    rows = csv.reader(io.StringIO(text, newline=""), strict=False)
    try:
        columns = _header(rows)
        records = list(_records(rows, columns, ctx))
    except csv.Error as exc:
        raise ParseError(f"the CSV cannot be read: {exc}") from None
    return build_tallies(records, ctx)


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Windows saves CSV as cp1252.
        return body.decode("cp1252", errors="replace")


def _header(rows: Iterator[list[str]]) -> dict[int, tuple[str, str]]:
    """Column index -> (canonical field, header as written), from the first header-like row."""
    best: dict[int, tuple[str, str]] = {}
    for _, cells in zip(range(HEADER_SEARCH_ROWS), rows, strict=False):
        columns: dict[int, tuple[str, str]] = {}
        taken: set[str] = set()
        for index, cell in enumerate(cells):
            name = canonical(cell[:200])
            if name is not None and name not in taken:  # the first column of a name wins
                columns[index] = (name, cell.strip())
                taken.add(name)
        if set(REQUIRED) <= taken and taken.intersection(COUNTS):
            return columns
        best = columns if len(columns) > len(best) else best
    found = {name for name, _ in best.values()}
    missing = [label for name, label in REQUIRED.items() if name not in found]
    if not found.intersection(COUNTS):
        missing.append("a vote count (Votes Against, Total Ballots Counted …)")
    raise ParseError("not an NLRB election results CSV: no column for " + ", ".join(missing))


def _records(
    rows: Iterator[list[str]], columns: dict[int, tuple[str, str]], ctx: ParseContext
) -> Iterator[RawRecord]:
    labels = {name: label for name, label in columns.values()}  # shared: records only read it
    wanted = [(index, name) for index, (name, _) in columns.items()]
    for number, cells in enumerate(rows, start=1):
        if number % 256 == 0:
            ctx.check_deadline()
        if not any(cells) or not "".join(cells).strip():
            continue
        width = len(cells)
        values = {name: cells[index][:MAX_VALUE] for index, name in wanted if index < width}
        # A cell missing from a short row is as blank as an empty one; a column missing
        # from the header is unknown (`labels` holds the header's columns).
        yield RawRecord(f"row {number}", values, labels, absent_votes_are_zero=False)
