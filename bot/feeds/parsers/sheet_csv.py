"""Parse a spreadsheet saved or published as CSV (format `sheet-csv`, spec/sheet-csv.md): one
row per (election, round), read into a feed v1 election and checked exactly as a native
feed's (the schema, then every hand-fed check of DESIGN §4), each problem naming the row,
the election, the cell and the fix.

A sheet is read whole at every poll, and between two polls a handful of its thousands of
rows change; what a row gives depends only on the header, the row (its number and cells)
and the feed, so each row's result is memoised (`_row`, bounded): an unchanged row costs a
lookup, wherever it moved. One (election, round) in two rows is decided per sheet, after
the rows."""

from __future__ import annotations

import csv
import functools
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
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
from bot.feeds.parsers.handfed import Finding
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
ROWS_REMEMBERED = 16_384
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


def parse_sheet_csv(body: bytes, ctx: ParseContext) -> ParseResult:
    """CSV bytes to tallies; ParseError when the sheet cannot be read as a whole."""
    records = _records(_decode(body))
    first = next(records, None)
    if first is None:
        raise ParseError("the sheet is empty: no header row")
    header_cells = tuple(first[1])
    header, layout = _layout(header_cells)
    problems: list[tuple[int, Problem]] = [(0, problem) for problem in header.problems]
    results: list[tuple[int, list[str], RowResult]] = []
    used_unnamed: set[int] = set()
    for number, cells in records:
        if number % DEADLINE_EVERY == 0:
            ctx.check_deadline()
        if len(cells) < layout.width:
            cells = cells + [""] * (layout.width - len(cells))
        election = cells[layout.id].strip()
        if not election or election.startswith("#"):
            continue  # no id: ignored; `#…`: a comment
        if header.unnamed:
            used_unnamed.update(i for i in header.unnamed if cells[i].strip())
        results.append((number, cells, _row(header_cells, ctx.source_id, tuple(cells))))
    problems.extend((0, _unnamed(index)) for index in sorted(used_unnamed))
    tallies = _tallies(results, layout, problems)
    ordered = tuple(problem for _, problem in sorted(problems, key=lambda pair: pair[0]))
    return ParseResult(tallies, ordered)


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


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) of the header, the first row that is not empty, then of every
    row after it (a row without an id is ignored by the caller). The row number is the one a
    spreadsheet shows: a cell with a line break in it still makes one row."""
    reader = enumerate(csv.reader(io.StringIO(text, newline="")), start=1)
    try:
        for number, cells in reader:
            if any(cell.strip() for cell in cells):
                yield number, cells
                break
        yield from reader
    except csv.Error as exc:
        raise ParseError(f"the CSV cannot be read: {exc}") from None


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
    for number, cells, result in results:
        once = times[result.key] == 1
        for finding in result.findings[:MAX_PROBLEMS_PER_ROW]:
            # A row given twice is skipped: what would have kept it no longer holds.
            if once or not finding.keeps:
                problem = _problem(number, cells, layout, result.key[0], finding)
                problems.append((number, problem))
        if once and result.parsed is not None:
            built.append(result.parsed)
    for key, count in times.items():
        if count > 1:
            numbers = [number for number, _, result in results if result.key == key]
            message = handfed.duplicate_message(key[0], key[1], [f"row {n}" for n in numbers])
            problems.append((numbers[-1], Problem(key[0], "round", message)))
    return tuple(built)


@functools.lru_cache(maxsize=ROWS_REMEMBERED)
def _row(header_cells: tuple[str, ...], source_id: str, row: tuple[str, ...]) -> RowResult:
    """One row: read, validated by the schema, checked as hand-fed, built (memoised)."""
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
