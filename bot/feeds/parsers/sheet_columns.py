"""The header of a `sheet-csv` feed (spec/sheet-csv.md): names folded (case, spaces, `_` and
`-` ignored), columns in any order, an unknown column a problem, and one within an edit
distance of 2 of a known name a reason to reject the whole sheet ("did you mean …?"),
because a misspelt column would otherwise read as zeros."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.feeds.base import ParseError, Problem
from bot.feeds.parsers import handfed

MAX_UNIONS = 4
NEAR_MISS = 2  # edit distance, on folded names
REQUIRED = ("id", "union", "union votes")

# The columns, as the spec writes them. Their folded forms are what headers are matched by.
KNOWN: tuple[str, ...] = (
    "id",
    "round",
    "name",
    "short name",
    "status",
    "union",
    "union votes",
    *(f"union {n}{part}" for n in range(2, MAX_UNIONS + 1) for part in ("", " votes")),
    "no union votes",
    "challenged",
    "void",
    "ballots cast",
    "eligible voters",
    "case number",
    "unit",
    "note",
    "updated at",
)


def fold(name: str) -> str:
    """`Union votes`, `union_votes` and `UNION-VOTES` are one name: `unionvotes`."""
    return "".join(name.split()).lower().replace("_", "").replace("-", "")


_BY_FOLDED = {fold(name): name for name in KNOWN}
# "union 1" is what a volunteer writes next to "union 2": the same column as "union".
_BY_FOLDED |= {"union1": "union", "union1votes": "union votes"}


def letter(index: int) -> str:
    """A column's letter as a spreadsheet shows it: A … Z, AA …"""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the sheet: where it is, the spec's name, the header as written."""

    index: int
    name: str
    header: str

    @property
    def letter(self) -> str:
        return letter(self.index)


@dataclass(frozen=True, slots=True)
class Header:
    """The sheet's known columns by the spec's name, and the problems of the others."""

    columns: dict[str, Column]
    unnamed: tuple[int, ...]  # columns with a blank header: their values are looked at
    problems: tuple[Problem, ...]


def read_header(cells: Sequence[str]) -> Header:
    """The header row; ParseError when the sheet cannot be read safely."""
    if len(cells) == 1 and ";" in cells[0]:
        raise ParseError(
            "the sheet is separated by semicolons, not commas: save or publish it as "
            "comma-separated values"
        )
    columns: dict[str, Column] = {}
    unnamed: list[int] = []
    problems: list[Problem] = []
    for index, cell in enumerate(cells):
        header = cell.strip()
        if not fold(header):
            unnamed.append(index)
        elif header.lower().startswith("x-"):
            continue  # an extension: the publisher's own column
        elif (name := _BY_FOLDED.get(fold(header))) is not None:
            if name in columns:
                raise ParseError(
                    f"columns {columns[name].letter} and {letter(index)} are both "
                    f"`{name}`: which one is meant is unknown; keep one"
                )
            columns[name] = Column(index, name, header)
        else:
            problems.append(_unknown(index, header))
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        shown = ", ".join(f"`{name}`" for name in missing)
        raise ParseError(
            f"the sheet has no {shown} column: the first non-empty row must be the header "
            f"(at least `id`, `union`, `union votes`; see docs/sheet-template.csv)"
        )
    return Header(columns, tuple(unnamed), tuple(problems))


def _unknown(index: int, header: str) -> Problem:
    """An unknown column: a problem, or the whole sheet rejected when it is a near miss."""
    shown = handfed.quote(header)[1:-1]
    folded = fold(header)
    if folded.startswith("union") and folded.removesuffix("votes")[5:].isdigit():
        raise ParseError(
            f"column {letter(index)} `{shown}`: a sheet has at most {MAX_UNIONS} unions "
            f"(`union` … `union {MAX_UNIONS}`)"
        )
    best, distance = handfed.closest(folded, _BY_FOLDED)
    known = _BY_FOLDED[best]
    # Within 2 edits, but never all of a name ("x" is 2 edits from "id", and no slip of it).
    if distance <= min(NEAR_MISS, len(best) - 1):
        raise ParseError(
            f"column {letter(index)} `{shown}` is not a sheet-csv column: did you mean "
            f"`{known}`? The whole sheet is rejected, since a misspelt column would read as "
            "zeros (begin an extra column's name with `x-`, like `x-{shown}`, to keep it)"
        )
    return Problem(
        None,
        header,
        f"column {letter(index)} `{shown}` is not a sheet-csv column (the closest is "
        f"`{known}`): its values are ignored; begin its name with `x-` to say it is yours",
    )
