"""Parse a spreadsheet saved or published as CSV (format `sheet-csv`, spec/sheet-csv.md): one
row per (election, round), read into a feed v1 election and checked exactly as a native
feed's (the schema, then every hand-fed check of DESIGN §4), each problem naming the row,
the election, the cell and the fix.

A sheet is read whole at every poll, and between two polls a handful of its thousands of
rows change; what a row gives depends only on the header, the row's cells and the feed, so
each feed remembers, by each row's raw text (csv_records), what its last parse read: an
unchanged row costs a lookup, wherever it moved, and only changed rows go through the csv
module and the checks. The memo holds the last parse's rows only, so it is as big as the
sheet, however big the sheet grows. One (election, round) in two rows is decided per sheet,
after the rows."""

from __future__ import annotations

import csv
import functools
import itertools
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from bot.core.models import DEFAULT_ROUND
from bot.feeds.base import (
    ParseContext,
    ParsedTally,
    ParseError,
    ParseResult,
    Problem,
    UnavailablePage,
)
from bot.feeds.parsers import handfed
from bot.feeds.parsers.csv_records import NOTHING_EARLIER, Earlier, cells, split_records
from bot.feeds.parsers.handfed import Finding
from bot.feeds.parsers.last_parse import LastParse
from bot.feeds.parsers.native_election import (
    choices_of,
    handfed_findings,
    timestamp,
    to_parsed,
    validate_election,
)
from bot.feeds.parsers.native_models import ElectionModel, election_adapter
from bot.feeds.parsers.sheet_columns import Header, letter, read_header
from bot.feeds.parsers.sheet_rows import AGAINST_MISSING, Layout, Skip, cell_of, row_election

DEADLINE_EVERY = 256
MAX_PROBLEMS_PER_ROW = 3
# Feed v1 keys that hand-fed messages name, as the sheet's columns.
_SHEET_NAMES = {"`ballots_cast`": "`ballots cast`", "`eligible_voters`": "`eligible voters`"}


@dataclass(frozen=True, slots=True)
class RowResult:
    """What one row gives, wherever it is in the sheet: its (election, round), its tally
    unless it is skipped, and what is wrong with it (problems name the row's number, so
    they are made when the sheet is assembled)."""

    key: tuple[str, str]
    parsed: ParsedTally | None
    findings: tuple[Finding, ...]


@dataclass(frozen=True, slots=True)
class SeenRow:
    """A row's text read once: its cells (padded to the header), the columns with no
    header it fills, and its result (None: no id, or a comment)."""

    cells: list[str]
    unnamed: tuple[int, ...]
    result: RowResult | None


@dataclass(slots=True)
class Memo:
    """A feed's last parse: row text -> what it gave, for this header."""

    header: tuple[str, ...]
    rows: dict[str, SeenRow] = field(default_factory=dict)
    last: str | None = None  # the sheet's last record (csv_records.Earlier)


memos: LastParse[Memo] = LastParse()


def parse_sheet_csv(body: bytes, ctx: ParseContext) -> ParseResult:
    """CSV bytes to tallies; ParseError when the sheet cannot be read as a whole."""
    previous = memos.get(ctx.source_id)
    try:
        earlier = Earlier(previous.rows, previous.last) if previous else NOTHING_EARLIER
        records = split_records(_decode(body), earlier)
        first, header_cells = _header_row(records)
        header, layout = _layout(header_cells)
        memo = Memo(header_cells, last=records[-1])
        known = previous.rows if previous and previous.header == header_cells else {}
        results = _read_rows(records[first:], first + 1, memo, known, ctx)
    except csv.Error as exc:
        raise ParseError(f"the CSV cannot be read: {exc}") from None
    memos.keep(ctx.source_id, memo)
    problems: list[tuple[int, Problem]] = [(0, problem) for problem in header.problems]
    used_unnamed = {index for _, seen in results for index in seen.unnamed}
    problems.extend((0, _unnamed(index)) for index in sorted(used_unnamed))
    rows = [(n, seen.cells, seen.result) for n, seen in results if seen.result is not None]
    tallies = _tallies(rows, layout, problems)
    ordered = tuple(problem for _, problem in sorted(problems, key=lambda pair: pair[0]))
    return ParseResult(tallies, ordered)


def _read_rows(
    records: list[str], start: int, memo: Memo, known: dict[str, SeenRow], ctx: ParseContext
) -> list[tuple[int, SeenRow]]:
    """(row number, what the row gives) of each row with an id, from the feed's last
    parse (`known`) for a row of the same text; `memo` gets every row of this one."""
    rows = memo.rows = {text: known[text] for text in records if text in known}
    for count, text in enumerate(text for text in records if text not in rows):
        if count % DEADLINE_EVERY == 0:
            ctx.check_deadline()
        if text not in rows:  # a new row given twice is read once
            rows[text] = _seen(text, memo.header, ctx)
    seen = zip(itertools.count(start), map(rows.__getitem__, records))
    return [(number, row) for number, row in seen if row.result is not None]


def _header_row(records: list[str]) -> tuple[int, tuple[str, ...]]:
    """The number of the header (the first row that is not empty: a spreadsheet's row
    number, a cell with a line break in it still makes one row) and its cells."""
    for number, text in enumerate(records, start=1):
        row = cells(text)
        if any(cell.strip() for cell in row):
            return number, tuple(row)
    raise ParseError("the sheet is empty: no header row")


def _seen(text: str, header_cells: tuple[str, ...], ctx: ParseContext) -> SeenRow:
    """A row not in the feed's last parse: its cells read, then checked (`_row`)."""
    header, layout = _layout(header_cells)
    row = cells(text)
    if len(row) < layout.width:
        row = row + [""] * (layout.width - len(row))
    election = row[layout.id].strip()
    if not election or election.startswith("#"):
        return SeenRow(row, (), None)  # no id: ignored; `#…`: a comment
    unnamed = tuple(i for i in header.unnamed if row[i].strip())
    return SeenRow(row, unnamed, _row(header_cells, ctx.source_id, tuple(row)))


def _decode(body: bytes) -> str:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ParseError(
            "the sheet is not UTF-8 text: save it as 'CSV UTF-8' (Excel) or publish it as "
            "CSV (Google Sheets, LibreOffice)"
        ) from None
    if text.lstrip()[:1] == "<":
        raise UnavailablePage(
            "the feed is an HTML page, not CSV: is the sheet published to the web as "
            "comma-separated values?"
        )
    return text


@functools.lru_cache(maxsize=16)
def _layout(header_cells: tuple[str, ...]) -> tuple[Header, Layout]:
    header = read_header(header_cells)
    return header, Layout.of(header, len(header_cells))


def _tallies(
    results: list[tuple[int, list[str], RowResult]],
    layout: Layout,
    problems: list[tuple[int, Problem]],
) -> tuple[ParsedTally, ...]:
    """Every row's tally, but none of an (election, round) given in several rows."""
    times = Counter(result.key for _, _, result in results)
    built: list[ParsedTally] = []
    for number, row, result in results:
        once = times[result.key] == 1
        if once and not result.findings:  # most rows: nothing to say, the tally as it is
            if result.parsed is not None:
                built.append(result.parsed)
            continue
        for finding in result.findings[:MAX_PROBLEMS_PER_ROW]:
            # A row given twice is skipped: what would have kept it no longer holds.
            if once or not finding.keeps:
                problem = _problem(number, row, layout, result.key[0], finding)
                problems.append((number, problem))
        if once and result.parsed is not None:
            built.append(result.parsed)
    for key, count in times.items():
        if count > 1:
            numbers = [number for number, _, result in results if result.key == key]
            message = handfed.duplicate_message(key[0], key[1], [f"row {n}" for n in numbers])
            problems.append((numbers[-1], Problem(key[0], "round", message)))
    return tuple(built)


def _row(header_cells: tuple[str, ...], source_id: str, row: tuple[str, ...]) -> RowResult:
    """One row: read, validated by the schema, checked as hand-fed, built."""
    _, layout = _layout(header_cells)
    cells = list(row) + [""] * (layout.width - len(row))
    election = cells[layout.id].strip().lower()
    try:
        item = row_election(cells, layout)
    except Skip as skip:
        return RowResult((election, _round_of(cells, layout)), None, (skip.finding,))
    model, findings = _validated(item)
    parsed = None
    if model is not None:
        parsed, findings = _checked(model, source_id)
    return RowResult((election, item.get("round", DEFAULT_ROUND)), parsed, tuple(findings))


def _round_of(cells: list[str], layout: Layout) -> str:
    index = next((index for key, index, _ in layout.words if key == "round"), None)
    text = "" if index is None else cells[index].strip().lower()
    return text or DEFAULT_ROUND


def _validated(item: dict[str, Any]) -> tuple[ElectionModel | None, list[Finding]]:
    """The schema's judgement: the model, or (once it fails) the reasons in words."""
    try:
        return election_adapter().validate_python(item), []
    except ValidationError:
        return validate_election(item)


def _checked(model: ElectionModel, source_id: str) -> tuple[ParsedTally | None, list[Finding]]:
    """A valid row through the hand-fed checks: its tally (None when skipped), and why."""
    choices = choices_of(model)
    findings = handfed_findings(model, choices)
    stamp = model.get("updated_at")
    when = None if stamp is None else timestamp(stamp)
    if stamp is not None and when is None:
        message = (
            f"{handfed.quote(stamp)} is not an ISO 8601 date and time such as "
            "2022-03-31T23:05:00Z: ignored"
        )
        findings.append(Finding("updated_at", message, "time", keeps=True))
    if not all(finding.keeps for finding in findings):
        return None, findings
    return to_parsed(model, choices, when, None, source_id), findings


def _problem(
    number: int, cells: list[str], layout: Layout, election: str, finding: Finding
) -> Problem:
    """A finding in the sheet's terms: the row, its id, the cell, the fix."""
    column = cell_of(finding.path, cells, layout)
    cell = f", cell {column.letter}{number} (`{column.header}`)" if column else ""
    message = AGAINST_MISSING if finding.kind == "against_missing" else finding.message
    for key, name in _SHEET_NAMES.items():
        message = message.replace(key, name)
    if finding.kind == "against_unmarked":
        name = message.split(" is the no-union choice")[0]
        message = (
            f"{name} is the no-union choice: put its votes in the `no union votes` column instead"
        )
    error = f"row {number} ({election}){cell}: {message}"
    if not finding.keeps:
        error += " (row skipped)"
    return Problem(election, column.header if column else None, error)


def _unnamed(index: int) -> Problem:
    return Problem(
        None,
        None,
        f"column {letter(index)} has values but no header: they are ignored (name the "
        "column, or begin its name with `x-` to say it is yours)",
    )
