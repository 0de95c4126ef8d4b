"""A CSV document cut into the raw text of each record, exactly where `csv.reader` (excel
dialect, as the CSV parsers use it) would cut it, without reading the cells.

A big feed changes in a handful of records between two polls: the parsers key what they
remember by a record's text, so an unchanged record costs a dictionary lookup instead of a
pass of the csv module over its cells. Only a line with a quote in it can run on to the
next line (a quoted cell with a line break), and only for a line whose quotes are not plain
(`_WHOLE_LINE`) is the csv module asked where the record ends; a record's cells are read
again from its text alone (`cells`), which gives what the whole-document reader gives,
since the reader starts each record afresh."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Container, Iterator
from dataclasses import dataclass

# A line whose every quote opens a cell, is doubled inside it or closes it before a comma or
# the line's end: the reader ends its record there, so the line is one whole record. Any
# other line with a quote (a cell that runs on, a stray quote) is left to the csv module.
_CELL = r'(?:[^",\r\n]*|"(?:[^"]|"")*")'
_WHOLE_LINE = re.compile(rf"{_CELL}(?:,{_CELL})*\r?\n?")


@dataclass(frozen=True, slots=True)
class Earlier:
    """The records an earlier parse cut out. A line that was a whole record is one again
    (the reader starts each record afresh, and ends it where it did), so it need not be
    looked into; but not the earlier file's last record, which may have ended only because
    the file did, inside an open quote (`"` and a line break, then the end)."""

    records: Container[str]
    last: str | None

    def whole(self, line: str) -> bool:
        return line != self.last and line in self.records


NOTHING_EARLIER = Earlier((), None)


def split_records(text: str, earlier: Earlier = NOTHING_EARLIER) -> list[str]:
    """Each record's raw text, line breaks included, in order; an empty line is a record
    (`csv.reader` yields `[]` for it), as is an unfinished quoted cell at the end."""
    # The lines the reader reads: StringIO(newline="") cuts at \n, \r and \r\n, as given.
    lines = io.StringIO(text, newline="").readlines()
    if '"' not in text:
        return lines
    records: list[str] = []
    rest = iter(lines)
    for line in rest:
        if '"' in line and not earlier.whole(line) and not _WHOLE_LINE.fullmatch(line):
            line = _quoted_record(line, rest)
        records.append(line)
    return records


def _quoted_record(first: str, rest: Iterator[str]) -> str:
    """The record that starts with `first`, taking from `rest` the lines its quoted cells
    run on to (the reader reads a line only when the record needs it)."""
    taken = [first]

    def source() -> Iterator[str]:
        yield first
        for line in rest:
            taken.append(line)
            yield line

    next(csv.reader(source(), strict=False), None)
    return "".join(taken)


def cells(record: str) -> list[str]:
    """A record's cells, as the whole-document reader gives them; raises csv.Error as it
    would (a cell past the field size limit)."""
    return next(csv.reader(io.StringIO(record, newline=""), strict=False), [])
