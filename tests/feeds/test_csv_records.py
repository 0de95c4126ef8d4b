"""csv_records cuts a document where csv.reader does, and reads each record's cells as it."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from bot.feeds.parsers.csv_records import Earlier, cells, split_records

# The characters that decide where a record ends: quotes, delimiters, every line break.
PIECES = st.sampled_from(["a", "b", ",", '"', '""', "\n", "\r", "\r\n", " ", 'x"y'])


@given(st.lists(PIECES, max_size=40).map("".join))
def test_records_are_the_readers(text: str) -> None:
    records = split_records(text)
    assert "".join(records) == text
    expected = list(csv.reader(io.StringIO(text, newline=""), strict=False))
    assert [cells(record) for record in records] == expected


def test_a_quoted_line_break_stays_in_its_record() -> None:
    text = 'a,"one\r\ntwo",b\r\nc\n'
    assert split_records(text) == ['a,"one\r\ntwo",b\r\n', "c\n"]


@given(st.lists(PIECES, max_size=40).map("".join), st.lists(PIECES, max_size=40).map("".join))
def test_records_of_an_earlier_parse_cut_the_same(text: str, earlier: str) -> None:
    """A line that was a whole record earlier is taken as one without a look inside."""
    for before in (earlier, earlier + text, text):
        records = split_records(before)
        known = Earlier(set(records), records[-1] if records else None)
        assert split_records(text, known) == split_records(text)


def test_a_last_record_ended_by_the_file_is_no_whole_record() -> None:
    earlier = split_records('a\n"\n')  # the quote opened on the last line never closes
    assert earlier == ["a\n", '"\n']
    known = Earlier(set(earlier), earlier[-1])
    assert split_records('"\nb\n', known) == ['"\nb\n']
