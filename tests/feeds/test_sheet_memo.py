"""The sheet-csv parser's memo: poll after poll of mutated sheets (the stored fixtures, rows
edited, copied, moved, blanked, dropped, columns renamed), the parse that reuses the feed's
last parse gives exactly what a parse with nothing remembered gives."""

from __future__ import annotations

import csv
import io
import itertools
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.feeds.base import ParseContext, ParseResult
from bot.feeds.parsers import sheet_csv
from bot.feeds.parsers.csv_records import cells, split_records
from bot.feeds.parsers.last_parse import LastParse
from bot.feeds.parsers.sheet_csv import parse_sheet_csv
from tests.feeds.conftest import FEED_FIXTURES

SHEETS = [
    (FEED_FIXTURES / name).read_bytes()
    for name in ("sheet_counting.csv", "sheet_no_union_column.csv", "sheet_slips.csv")
]
VALUES = ["", "0", "7", "1,518", "1.518", "x", "-3", "final", "paused", "runoff", "#c", "A"]
_counter = itertools.count()


def fresh(body: bytes, ctx: ParseContext) -> ParseResult:
    """The parse with no feed remembered."""
    kept = sheet_csv.memos
    sheet_csv.memos = LastParse()
    try:
        return parse_sheet_csv(body, ctx)
    finally:
        sheet_csv.memos = kept


def mutated(body: bytes, rnd: random.Random) -> bytes:
    header, *rows = [cells(record) for record in split_records(body.decode("utf-8-sig"))]
    for _ in range(rnd.randint(1, 5)):
        if not rows:
            break
        i = rnd.randrange(len(rows))
        action = rnd.choice(["edit", "edit", "id", "copy", "swap", "blank", "drop", "header"])
        if action == "header":  # two columns' names swapped: every row reads otherwise
            a, b = rnd.randrange(len(header)), rnd.randrange(len(header))
            header[a], header[b] = header[b], header[a]
        elif action == "edit" and rows[i]:
            rows[i][rnd.randrange(len(rows[i]))] = rnd.choice(VALUES)
        elif action == "id" and rows[i]:  # another row's id: an (election, round) twice
            donor = rnd.choice(rows)
            rows[i][0] = donor[0] if donor else ""
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
    csv.writer(out, lineterminator="\r\n").writerows([header, *rows])
    return out.getvalue().encode()


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), which=st.integers(0, len(SHEETS) - 1))
def test_memoised_parse_is_the_fresh_parse(seed: int, which: int) -> None:
    rnd = random.Random(seed)
    body = SHEETS[which]
    ctx = ParseContext(f"sheet-memo-{next(_counter)}")
    for _ in range(4):
        assert parse_sheet_csv(body, ctx) == fresh(body, ctx)
        body = mutated(body, rnd)


def test_the_memo_holds_the_last_parse_only() -> None:
    ctx = ParseContext(f"sheet-memo-{next(_counter)}")
    for body in SHEETS:
        parse_sheet_csv(body, ctx)
        memo = sheet_csv.memos.get(ctx.source_id)
        assert memo is not None
        assert set(memo.rows) <= set(split_records(body.decode("utf-8-sig")))
