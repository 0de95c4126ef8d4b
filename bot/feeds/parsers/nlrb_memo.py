"""The records of an `nlrb-csv` file read case by case, reusing the feed's previous parse.

Between two polls of a big export a handful of its thousands of cases change. Everything
`build_tallies` works out for a case (rows merged, rounds numbered, the latest tally, the
choices) depends only on that case's records, their numbers (problems name the row) and
the context, as long as no election takes records from two cases (a configured identity
could; then the whole file is built at once). So a case whose records are the same text at
the same numbers as last time gives what it gave last time: the records are compared with
the last parse's number by number, and only the cases of the numbers that differ are read.
Each feed remembers its last parse only: memory stays flat, whatever the history."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from bot.core.models import Election
from bot.feeds.base import ParseContext, ParseResult
from bot.feeds.parsers.csv_records import NOTHING_EARLIER, Earlier, cells
from bot.feeds.parsers.last_parse import LastParse
from bot.feeds.parsers.nlrb_fields import MAX_VALUE, RawRecord, clean
from bot.feeds.parsers.nlrb_tallies import Built, build_numbered, combine

Columns = dict[int, tuple[str, str]]  # column index -> (canonical field, header as written)
DEADLINE_EVERY = 256


@dataclass(frozen=True, slots=True)
class Values:
    """One record's cells by canonical field, and the case it belongs to."""

    values: dict[str, str]
    case: str

    def record(self, number: int, labels: dict[str, str]) -> RawRecord:
        # A cell missing from a short row is as blank as an empty one; a column missing
        # from the header is unknown (`labels` holds the header's columns).
        return RawRecord(f"row {number}", self.values, labels, absent_votes_are_zero=False)


@dataclass(frozen=True, slots=True)
class Case:
    """What one case's records gave: (number, raw text) of each, and the build."""

    rows: tuple[tuple[int, str], ...]
    built: Built


@dataclass(slots=True)
class Memo:
    """A feed's last parse: valid for the same header lines and configured identities.
    `texts` is empty when `cases` cannot be reused (a build of the whole file)."""

    header: list[str]
    identities: dict[tuple[str, str], Election]
    texts: list[str] = field(default_factory=list)  # the records after the header
    # Raw record -> its case (None: a blank row). Not its cells: a changed case's records
    # are read again from their text, so what is kept is the file's size, not its cells'.
    records: dict[str, str | None] = field(default_factory=dict)
    cases: dict[str, Case] = field(default_factory=dict)
    last: str | None = None  # the file's last record (csv_records.Earlier)


memos: LastParse[Memo] = LastParse()


def read_cases(
    header: list[str], records: list[str], columns: Columns, ctx: ParseContext
) -> ParseResult:
    """The tallies of the records after the header (numbered from 1), as `build_tallies`
    gives them for the whole file."""
    memo = Memo(header, dict(ctx.identities), records)
    memo.last = (header + records[-1:])[-1] if header or records else None
    previous = _recall(ctx.source_id, memo)
    known = previous.records
    memo.records = {text: known[text] for text in records if text in known}
    labels = {name: label for name, label in columns.values()}  # shared: records only read it
    wanted = [(index, name) for index, (name, _) in columns.items()]
    memo.cases = dict(previous.cases)
    for case, rows in _changed_cases(records, previous, memo, wanted, ctx).items():
        if rows:
            memo.cases[case] = Case(tuple(rows), _build(rows, wanted, labels, ctx))
        else:
            memo.cases.pop(case, None)  # none of its records is left
    if _shared_elections(memo.cases):
        every = sorted(row for case in memo.cases.values() for row in case.rows)
        memo.texts, memo.cases = [], {}  # each case's build was not its own: none to reuse
        result = combine([_build(every, wanted, labels, ctx)])
    else:
        result = combine(case.built for case in memo.cases.values())
    memos.keep(ctx.source_id, memo)
    return result


def _changed_cases(
    records: list[str],
    previous: Memo,
    memo: Memo,
    wanted: list[tuple[int, str]],
    ctx: ParseContext,
) -> dict[str, list[tuple[int, str]]]:
    """The cases with a record that changed, was added or went (a number whose text is not
    the last parse's), each with all its rows now, in order. Every other case has the same
    records at the same numbers as last time: its build is reused as it is."""
    old = previous.texts
    changed = _changed(records, old)
    cases: dict[str, list[tuple[int, str]]] = {}
    for count, index in enumerate(changed):
        if count % DEADLINE_EVERY == 0:
            ctx.check_deadline()
        was = previous.records[old[index]] if index < len(old) else None
        if was is not None:
            cases.setdefault(was, [])
        now = None
        if index < len(records):
            now = _case_of(records[index], memo.records, previous.records, wanted)
        if now is not None:
            cases.setdefault(now, []).append((index + 1, records[index]))
    numbers = {index + 1 for index in changed}
    for case, rows in cases.items():
        kept = previous.cases.get(case)
        if kept is not None:
            rows.extend(row for row in kept.rows if row[0] not in numbers)
        rows.sort()
    return cases


def _changed(records: list[str], old: list[str]) -> list[int]:
    """The indexes where the records differ from the last parse's, or only one has one."""
    if records == old:
        return []
    pairs = zip(records, old, strict=False)  # past the shorter one, the range below
    changed = [i for i, (now, was) in enumerate(pairs) if now != was]
    changed += range(min(len(records), len(old)), max(len(records), len(old)))
    return changed


def _case_of(
    text: str,
    records: dict[str, str | None],
    previous: dict[str, str | None],
    wanted: list[tuple[int, str]],
) -> str | None:
    """A record's case: from this parse or the last one when its text is the same."""
    if text in records:
        return records[text]
    if text in previous:
        case = previous[text]
    else:
        values = _read(text, wanted)
        case = None if values is None else values.case
    records[text] = case
    return case


def _read(text: str, wanted: list[tuple[int, str]]) -> Values | None:
    row = cells(text)
    if not any(row) or not "".join(row).strip():
        return None
    width = len(row)
    values = {name: row[index][:MAX_VALUE] for index, name in wanted if index < width}
    # As read_row reads the case number; a record without one is a case of its own kind.
    return Values(values, (clean(values.get("case")) or "").upper())


def _build(
    rows: tuple[tuple[int, str], ...] | list[tuple[int, str]],
    wanted: list[tuple[int, str]],
    labels: dict[str, str],
    ctx: ParseContext,
) -> Built:
    return build_numbered(_numbered(rows, wanted, labels), ctx)


def _numbered(
    rows: tuple[tuple[int, str], ...] | list[tuple[int, str]],
    wanted: list[tuple[int, str]],
    labels: dict[str, str],
) -> Iterator[tuple[int, RawRecord]]:
    for number, text in rows:
        values = _read(text, wanted)
        assert values is not None  # blank rows are never grouped
        yield number, values.record(number, labels)


def _shared_elections(cases: dict[str, Case]) -> bool:
    """Whether an election has tallies from two cases (configured identities can say so)."""
    seen: set[str] = set()
    for case in cases.values():
        elections = case.built.elections
        if not seen.isdisjoint(elections):
            return True
        seen |= elections
    return False


def known_records(source_id: str) -> Earlier:
    """The raw records of the feed's last parse (to cut the file by, csv_records)."""
    memo = memos.get(source_id)
    return Earlier(memo.records, memo.last) if memo is not None else NOTHING_EARLIER


def _recall(source_id: str, current: Memo) -> Memo:
    """The feed's last parse when it still applies (same header lines, same configured
    identities), else an empty one."""
    memo = memos.get(source_id)
    if memo is None or memo.header != current.header or memo.identities != current.identities:
        return Memo(current.header, {})
    return memo
