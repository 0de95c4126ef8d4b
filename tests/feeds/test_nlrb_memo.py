"""The nlrb-csv parser's memo (nlrb_memo): poll after poll of mutated real files, the parse
that reuses the feed's last one gives exactly what the whole-file reading gives."""

from __future__ import annotations

import csv
import io
import itertools
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.models import Election
from bot.feeds.base import ParseContext, ParseResult
from bot.feeds.parsers import nlrb_memo
from bot.feeds.parsers.csv_records import cells, split_records
from bot.feeds.parsers.last_parse import FEEDS_REMEMBERED
from bot.feeds.parsers.nlrb_csv import _decode, _header, parse_nlrb_csv
from bot.feeds.parsers.nlrb_fields import MAX_VALUE, RawRecord, canonical
from bot.feeds.parsers.nlrb_tallies import build_tallies
from tests.feeds.conftest import FOIA_CSV, fixture_bytes

# Values that touch the traps: blanks (0 on a tally row), counts that do or don't add up,
# run-offs, revised and self-determination ballots, UD, closed cases, bad dates and counts.
VALUES = [
    "", "0", "1", "7", "14", "20", "49", "115", "x", "-", "Y", "N", "Closed", "Open",
    "Initial", "Rerun", "Run-off", "Revised Single Labor Organization", "Self Determination",
    "Two Labor Organizations", "UD", "Certification of Results", "Withdrawal Adjusted",
    "2021-04-09", "03/05/2025", "not a date", "B", "Union, Local 1", 'say "no"', "a\nb",
]  # fmt: skip
_counter = itertools.count()


def reference(body: bytes, ctx: ParseContext) -> ParseResult:
    """The parse as it was before the memo: the csv module over the whole file."""
    text = _decode(body)
    columns, start = _header(split_records(text))
    labels = {name: label for name, label in columns.values()}
    rows = list(csv.reader(io.StringIO(text, newline=""), strict=False))[start:]
    records = []
    for number, row in enumerate(rows, start=1):
        if not any(row) or not "".join(row).strip():
            continue
        values = {name: row[i][:MAX_VALUE] for i, (name, _) in columns.items() if i < len(row)}
        records.append(RawRecord(f"row {number}", values, labels, absent_votes_are_zero=False))
    return build_tallies(records, ctx)


@pytest.fixture(scope="module")
def files(shared_dir: Path) -> list[bytes]:
    return [(shared_dir / FOIA_CSV).read_bytes(), fixture_bytes("nlrb_export_sample.csv")]


def mutated(body: bytes, rnd: random.Random) -> bytes:
    """A few rows edited, moved, copied, blanked or dropped; the header kept."""
    text = _decode(body)
    header, *rows = [cells(record) for record in split_records(text)]
    case = next(i for i, name in enumerate(header) if canonical(name) == "case")
    for _ in range(rnd.randint(1, 6)):
        if not rows:
            break
        i = rnd.randrange(len(rows))
        action = rnd.choice(["edit", "edit", "edit", "case", "copy", "swap", "blank", "drop"])
        if action == "edit" and rows[i]:
            rows[i][rnd.randrange(len(rows[i]))] = rnd.choice(VALUES)
        elif action == "case" and len(rows[i]) > case:  # another's number: cases interleave
            donor = rnd.choice(rows)
            rows[i][case] = donor[case] if len(donor) > case else ""
        elif action == "copy":
            rows.insert(rnd.randrange(len(rows) + 1), list(rows[i]))
        elif action == "swap":
            j = rnd.randrange(len(rows))
            rows[i], rows[j] = rows[j], rows[i]
        elif action == "blank":
            rows[i] = []
        else:
            del rows[i]
    out = io.StringIO()
    csv.writer(out, lineterminator=rnd.choice(["\r\n", "\n"])).writerows([header, *rows])
    return out.getvalue().encode()


def _identities(case: str, other: str) -> list[dict[tuple[str, str], Election]]:
    shared = Election(id="shared", name="Configured")
    return [
        {},
        {(case, "A"): Election(id="configured", name="Configured")},
        {(case, "A"): shared, (other, "A"): shared},  # two cases, one election
    ]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(seed=st.integers(0, 2**32 - 1), file=st.integers(0, 1), which=st.integers(0, 2))
def test_memoised_parse_is_the_whole_file_parse(
    files: list[bytes], seed: int, file: int, which: int
) -> None:
    rnd = random.Random(seed)
    body = files[file]
    first = [cells(r) for r in split_records(_decode(body))[1:3]]
    identities = _identities(first[0][0].upper(), first[1][0].upper())[which]
    ctx = ParseContext(f"memo-{next(_counter)}", identities=identities)
    for _ in range(4):
        assert parse_nlrb_csv(body, ctx) == reference(body, ctx)
        body = mutated(body, rnd)


def test_the_same_file_twice_reuses_every_case(
    files: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    body = files[0]
    ctx = ParseContext(f"memo-{next(_counter)}")
    first = parse_nlrb_csv(body, ctx)
    built: list[object] = []
    real = nlrb_memo.build_numbered
    monkeypatch.setattr(nlrb_memo, "build_numbered", lambda *a: built.append(a) or real(*a))
    assert parse_nlrb_csv(body, ctx) == first
    assert built == []


def test_the_memo_holds_the_last_parse_only(files: list[bytes]) -> None:
    rnd = random.Random(7)
    body = files[0]
    ctx = ParseContext(f"memo-{next(_counter)}")
    for _ in range(5):
        parse_nlrb_csv(body, ctx)
        memo = nlrb_memo.memos.get(ctx.source_id)
        assert memo is not None
        assert len(memo.records) <= len(split_records(_decode(body)))
        body = mutated(body, rnd)
    assert len(nlrb_memo.memos) <= FEEDS_REMEMBERED
