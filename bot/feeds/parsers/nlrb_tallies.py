"""Turn NLRB records (CSV rows, case-page and listing blocks) into tallies: identity, rounds,
statuses and choices by FORMATS.md §4, and the data traps of §5."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import TypeVar

from bot.core.models import Choice, Election, SourceKind, Status, Tally
from bot.feeds.base import ParseContext, ParsedTally, ParseResult, Problem
from bot.feeds.parsers.nlrb_choices import read_choices
from bot.feeds.parsers.nlrb_fields import (
    MAX_UNIONS,
    VOTE_FIELDS,
    RawRecord,
    ValueProblem,
    is_blank,
    normalise,
    parse_count,
    parse_date,
    parse_flag,
)

SOURCE_LABEL = "NLRB"
CASE_URL = "https://www.nlrb.gov/case/{case}"
_CASE = re.compile(r"[0-9]{2}-[A-Z]{2}-[0-9]{6}")
_UNIT = re.compile(r"[A-Z0-9]{1,3}")
T = TypeVar("T")


class SkipRecord(Exception):
    """This record yields no tally; the problem says why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.error)
        self.problem = problem


@dataclass(slots=True)
class Row:
    """One record read and checked: what a tally is built from."""

    record: RawRecord
    election: Election
    base_round: str
    tally_date: date | None
    unions: list[tuple[str, int | None, str]]  # name, votes, the votes field
    against: int | None
    valid: int | None
    challenged: int | None
    void: int | None
    eligible: int | None
    determinative: bool | None
    closed_as: Status | None  # certified / withdrawn / dismissed, from a closed case
    round: str = ""
    number: int = 0  # the record's, for the order of the document's output

    @property
    def is_two_union_runoff(self) -> bool:
        return self.base_round.removeprefix("revised-").startswith("runoff") and (
            len(self.unions) == 2
        )


@dataclass(slots=True)
class Built:
    """What records give, each item tagged with the number of the record it comes from (a
    merged row: its first record's). A document's problems come phase by phase (reading,
    merging, choosing), in record order within each, so builds of records that share no
    election combine by sorting each list on its tag (`combine`)."""

    read: list[tuple[int, Problem]] = dataclasses.field(default_factory=list)
    merged: list[tuple[int, Problem]] = dataclasses.field(default_factory=list)
    chosen: list[tuple[int, Problem]] = dataclasses.field(default_factory=list)
    tallies: list[tuple[int, ParsedTally]] = dataclasses.field(default_factory=list)
    elections: set[str] = dataclasses.field(default_factory=set)


def build_tallies(records: Iterable[RawRecord], ctx: ParseContext) -> ParseResult:
    """Records to tallies: read each, merge split rows, number repeated rounds, then build."""
    return combine([build_numbered(enumerate(records), ctx)])


def build_numbered(records: Iterable[tuple[int, RawRecord]], ctx: ParseContext) -> Built:
    """`build_tallies` of (number, record) pairs in order, each output tagged."""
    built = Built()
    rows: list[Row] = []
    for count, (number, record) in enumerate(records):
        if count % 256 == 0:
            ctx.check_deadline()
        if not record.has_tally():
            continue  # a case with no count yet (a short row): nothing to report
        problems: list[Problem] = []
        try:
            row = read_row(record, ctx, problems)
            row.number = number
            rows.append(row)
        except SkipRecord as skip:
            problems.append(skip.problem)
        built.read.extend((number, problem) for problem in problems)
    rows = merge_split_rows(rows, built.merged)
    number_rounds(rows)
    latest = _latest_dates(rows)
    built.elections.update(latest)
    for row in rows:
        problems = []
        choices = choose(row, problems)
        built.chosen.extend((row.number, problem) for problem in problems)
        if choices is not None:
            is_latest = (row.tally_date or date.min) == latest[row.election.id]
            built.tallies.append((row.number, _parsed(row, choices, is_latest, ctx)))
    return built


def combine(builds: Iterable[Built]) -> ParseResult:
    """One document's result from builds of records that share no election."""
    read: list[tuple[int, Problem]] = []
    merged: list[tuple[int, Problem]] = []
    chosen: list[tuple[int, Problem]] = []
    tallies: list[tuple[int, ParsedTally]] = []
    for built in builds:
        read += built.read
        merged += built.merged
        chosen += built.chosen
        tallies += built.tallies
    for part in (read, merged, chosen, tallies):
        part.sort(key=_tag)  # stable, and nearly sorted already: about linear
    problems = tuple(problem for _, problem in (*read, *merged, *chosen))
    return ParseResult(tuple(tally for _, tally in tallies), problems)


def _tag(item: tuple[int, object]) -> int:
    return item[0]


def read_row(record: RawRecord, ctx: ParseContext, problems: list[Problem]) -> Row:
    """Check one record; raises SkipRecord when it cannot be a tally."""
    case = (record.text("case") or "").upper()
    if not _CASE.fullmatch(case):
        raise SkipRecord(_problem(record, None, "case", f"case number {case[:30]!r} is unusable"))
    unit = (record.text("unit") or "A").upper()
    if not _UNIT.fullmatch(unit):
        raise SkipRecord(_problem(record, None, "unit", f"unit {unit[:10]!r} is unusable"))
    election = identify(case, unit, record, ctx)
    ballot = record.text("ballot_type") or ""
    if normalise(ballot) in ("ud", "deauthorization") or case[3:5] == "UD":
        raise SkipRecord(
            _problem(record, election.id, "ballot_type", "a UD (deauthorization) vote: skipped")
        )
    base_round = _round(record, election.id)
    if not record.has_count():
        raise SkipRecord(
            _problem(record, election.id, None, "no vote count at all: not a tally (yet)")
        )
    return Row(
        record=record,
        election=election,
        base_round=base_round,
        tally_date=_read(record, election.id, "tally_date", parse_date, problems),
        unions=_unions(record, election.id, problems),
        against=_count(record, election.id, "against", problems),
        valid=_read(record, election.id, "valid", parse_count, problems),
        challenged=_count(record, election.id, "challenged", problems),
        void=_count(record, election.id, "void", problems),
        eligible=_read(record, election.id, "eligible", parse_count, problems),
        determinative=_read(record, election.id, "determinative", parse_flag, problems),
        closed_as=_closed_as(record),
    )


def identify(case: str, unit: str, record: RawRecord, ctx: ParseContext) -> Election:
    """The configured election for (case, unit), else the slug `29-rc-288020-a` (DESIGN §4)."""
    name = record.text("case_name")
    location = record.text("location") or ", ".join(
        part for part in (record.text("city"), record.text("state")) if part
    )
    url = CASE_URL.format(case=case)
    configured = ctx.identities.get((case, unit))
    if configured is None:
        return Election(
            id=f"{case.lower()}-{unit.lower()}",
            name=name,
            case_number=case,
            unit=unit,
            employer=name,
            location=location or None,
            url=url,
        )
    return replace(
        configured,
        name=configured.name or name,
        case_number=configured.case_number or case,
        employer=configured.employer or name,
        location=configured.location or location or None,
        url=configured.url or url,
    )


def _round(record: RawRecord, election: str) -> str:
    """Round from Tally Type x Ballot Type (FORMATS.md §4), before numbering repeats."""
    kind = normalise(record.text("tally_type") or "")
    ballot = normalise(record.text("ballot_type") or "")
    base = next((name for name in ("initial", "rerun", "runoff") if kind.startswith(name)), None)
    if base is None:
        shown = record.text("tally_type") or "blank"
        raise SkipRecord(_problem(record, election, "tally_type", f"unknown tally type {shown!r}"))
    if "revised" in ballot:
        base = "revised" if base == "initial" else f"revised-{base}"
    if "selfdetermination" in ballot:
        base += "-sd"
    return base


def _unions(
    record: RawRecord, election: str, problems: list[Problem]
) -> list[tuple[str, int | None, str]]:
    unions: list[tuple[str, int | None, str]] = []
    for n in range(1, MAX_UNIONS + 1):
        field = f"union{n}_votes"
        name = record.text(f"union{n}_name")
        votes = _read(record, election, field, parse_count, problems)
        if name is None and not votes:
            continue  # an unused slot ("0" or blank with no name)
        if votes is None and is_blank(record.values.get(field)) and _blank_is_zero(record, field):
            votes = 0
        if name is None:
            name = f"Labor Union {n}"
            problems.append(
                _problem(record, election, field, f"{votes} votes for an unnamed union")
            )
        unions.append((name, votes, field))
    return unions


def _blank_is_zero(record: RawRecord, field: str) -> bool:
    """A blank count of a tally is 0 when the source has the field (the export never
    writes a literal 0) or, for votes, when a page leaves out the label of a zero."""
    if record.has_field(field):
        return True
    return record.absent_votes_are_zero and field in VOTE_FIELDS


def _count(record: RawRecord, election: str, field: str, problems: list[Problem]) -> int | None:
    """A count of a record that carries a tally: blank is 0 where the source has the field,
    unknown where it has not (FORMATS.md §1, §2)."""
    value = _read(record, election, field, parse_count, problems)
    if value is None and is_blank(record.values.get(field)) and _blank_is_zero(record, field):
        return 0
    return value


def _closed_as(record: RawRecord) -> Status | None:
    if normalise(record.text("status") or "") != "closed":
        return None
    reason = normalise(record.text("reason_closed") or "")
    if reason.startswith("certific"):
        return Status.CERTIFIED
    if reason.startswith("withdraw"):
        return Status.WITHDRAWN
    if reason.startswith("dismiss"):
        return Status.DISMISSED
    return None


def merge_split_rows(rows: list[Row], problems: list[tuple[int, Problem]]) -> list[Row]:
    """Trap 1: one ballot stored as several rows with the same (case, unit, round, date)."""
    groups: dict[tuple[str, str, date | None], list[Row]] = {}
    for row in rows:
        groups.setdefault((row.election.id, row.base_round, row.tally_date), []).append(row)
    merged: list[Row] = []
    for group in groups.values():
        first = group[0]
        if len(group) > 1 and _adds_up_merged(group):
            first.unions = [union for row in group for union in row.unions]
        elif len(group) > 1 and any(_counts(row) != _counts(first) for row in group[1:]):
            others = ", ".join(row.record.where for row in group[1:])
            message = (
                f"{others}: another tally for round {first.base_round!r} on the same "
                "date that does not add up with this one: skipped"
            )
            problem = _problem(first.record, first.election.id, None, message)
            problems.append((first.number, problem))
        merged.append(first)
    return merged


def _counts(row: Row) -> tuple[object, ...]:
    return (tuple(row.unions), row.against, row.valid, row.challenged, row.void)


def _adds_up_merged(group: list[Row]) -> bool:
    valid, against = group[0].valid, group[0].against
    if valid is None or against is None:
        return False
    if any(row.valid != valid or row.against != against for row in group):
        return False
    votes = [v for row in group for _, v, _ in row.unions]
    return None not in votes and sum(v or 0 for v in votes) + against == valid


def number_rounds(rows: list[Row]) -> None:
    """A round repeated on a later date gets the next number: rerun, then rerun-2."""
    groups: dict[tuple[str, str], list[Row]] = {}
    for row in rows:
        groups.setdefault((row.election.id, row.base_round), []).append(row)
    for group in groups.values():
        group.sort(key=lambda row: row.tally_date or date.min)
        for index, row in enumerate(group):
            row.round = row.base_round if index == 0 else f"{row.base_round}-{index + 1}"


def _latest_dates(rows: list[Row]) -> dict[str, date]:
    """Per election, the date of its latest tally: a closed case's outcome belongs to it."""
    latest: dict[str, date] = {}
    for row in rows:
        when = row.tally_date or date.min
        latest[row.election.id] = max(when, latest.get(row.election.id, date.min))
    return latest


def choose(row: Row, problems: list[Problem]) -> tuple[Choice, ...] | None:
    """The ballot's choices (traps 2 and 3, in nlrb_choices): None, with a problem, when a
    count the ballot needs is unknown."""
    election = row.election.id
    if not row.unions:
        problems.append(_problem(row.record, election, "union1_name", "no union on the ballot"))
        return None
    unions: list[tuple[str, int, str]] = []
    for name, votes, field in row.unions:
        if votes is None:
            problems.append(_problem(row.record, election, field, f"no vote count for {name}"))
            return None
        unions.append((name, votes, field))
    if row.against is None and not row.is_two_union_runoff:
        problems.append(_problem(row.record, election, "against", "no count of votes against"))
        return None
    reading = read_choices(
        unions, row.against, row.valid, row.challenged, row.is_two_union_runoff, row.record.label
    )
    if reading.note is not None:
        problems.append(_problem(row.record, election, "valid", reading.note))
    return reading.choices


def _parsed(row: Row, choices: tuple[Choice, ...], latest: bool, ctx: ParseContext) -> ParsedTally:
    status = row.closed_as if latest and row.closed_as is not None else Status.FINAL
    cast = None
    if row.void is not None and row.challenged is not None:
        cast = sum(c.votes for c in choices) + row.void + row.challenged
    when = None
    if row.tally_date is not None:
        when = datetime(row.tally_date.year, row.tally_date.month, row.tally_date.day, tzinfo=UTC)
    tally = Tally(
        election_id=row.election.id,
        round=row.round,
        choices=choices,
        challenged=row.challenged,
        void=row.void,
        status=status,
        ballots_cast=cast,
        eligible_voters=row.eligible,
        determinative_flag=row.determinative,
        updated_at=when,
        source=ctx.source_id,
        source_kind=SourceKind.OFFICIAL,
        source_label=SOURCE_LABEL,
        url=row.election.url,
    )
    return ParsedTally(tally, row.election)


def _read(
    record: RawRecord,
    election: str,
    field: str,
    read: Callable[[str | None], T | None],
    problems: list[Problem],
) -> T | None:
    """A field's value; a value that cannot be read is reported and taken as unknown."""
    try:
        return read(record.values.get(field))
    except ValueProblem as exc:
        problems.append(_problem(record, election, field, f"{exc}: taken as unknown"))
        return None


def _problem(record: RawRecord, election: str | None, field: str | None, error: str) -> Problem:
    label = record.label(field) if field is not None else None
    return Problem(election, label, f"{record.where}: {error}")
