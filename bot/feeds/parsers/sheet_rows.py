"""One row of a `sheet-csv` feed as a feed v1 election (spec/sheet-csv.md): numbers as
spreadsheets show them, blank cells as the spec says, unions and "No union" as choices.

Built for a sheet of thousands of rows: the header's layout is worked out once, and a row is
read by index; where each value came from is worked out again only for a row with a
problem (`cell_of`). A finding of this module names its cell's column (`@union votes`);
those of the schema and the hand-fed checks name a feed v1 key path (`choices.1.votes`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.models import DEFAULT_ROUND
from bot.feeds.parsers import handfed
from bot.feeds.parsers.handfed import Finding
from bot.feeds.parsers.sheet_columns import MAX_UNIONS, Column, Header

NO_UNION = "No union"
AGAINST_MISSING = (
    "the sheet has no `no union votes` column, and a ballot that is not a run-off between "
    "two unions has a no-union choice: add the column"
)
_GROUPED = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.0+)?")
_DOTTED = re.compile(r"\d{1,3}(?:\.\d{3})+")
# Column -> feed v1 key, for the texts and the counts (blank: none, or 0 where marked).
_WORDS = {
    "round": "round",
    "status": "status",
    "unit": "unit",
    "name": "name",
    "short name": "short_name",
    "case number": "case_number",
    "note": "note",
    "updated at": "updated_at",
}
_COUNTS = {
    "challenged": ("challenged", True),
    "void": ("void", True),
    "ballots cast": ("ballots_cast", False),
    "eligible voters": ("eligible_voters", False),
}
_COLUMN_OF = {key: name for name, key in _WORDS.items()} | {
    key: name for name, (key, _) in _COUNTS.items()
}


class Skip(Exception):
    """The row cannot be read; the finding says where and why."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding


def skip(path: str, message: str) -> Skip:
    return Skip(Finding(path, message, "sheet"))


def sheet_number(text: str, path: str) -> int:
    """A non-blank count cell as a spreadsheet shows it: `1,518` and `1518.0` are 1518."""
    if text.isascii() and text.isdigit():
        return int(text)
    match = _GROUPED.fullmatch(text)
    if match is not None and len(match.group(1)) <= 13:
        return int(match.group(1).replace(",", ""))
    raise skip(path, f"{handfed.quote(text)} is not a whole number: {_fix(text)}")


def _fix(text: str) -> str:
    if _DOTTED.fullmatch(text):
        digits = text.replace(".", "")
        return f"write {digits} or {int(digits):,} (a point is not a thousands separator here)"
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return "write a count such as 0 or 1,518"
    if value < 0:
        return "a count is 0 or more"
    return f"ballots are counted whole (write {int(value)} or {int(value) + 1})"


def _is_number(text: str) -> bool:
    return (text.isascii() and text.isdigit()) or _GROUPED.fullmatch(text) is not None


@dataclass(frozen=True, slots=True)
class Layout:
    """Where each column of the spec is in this sheet (indexes into a padded row), with
    what each needs, worked out once per sheet."""

    header: Header
    width: int
    id: int
    words: tuple[tuple[str, int, Callable[[str], str] | None], ...]  # key, index, normal
    counts: tuple[tuple[str, int, bool, str], ...]  # key, index, blank is 0, path
    unions: tuple[tuple[int | None, int | None, str], ...]  # name, votes, column: 1 … 4
    no_union: int | None

    @staticmethod
    def of(header: Header, width: int) -> Layout:
        columns = header.columns

        def index(name: str) -> int | None:
            column = columns.get(name)
            return None if column is None else column.index

        unions = []
        for n in range(1, MAX_UNIONS + 1):
            name = "union" if n == 1 else f"union {n}"
            unions.append((index(name), index(f"{name} votes"), name))
        return Layout(
            header=header,
            width=max(width, *(column.index + 1 for column in columns.values())),
            id=columns["id"].index,
            words=tuple(
                (key, columns[name].index, _NORMAL.get(key))
                for name, key in _WORDS.items()
                if name in columns
            ),
            counts=tuple(
                (key, columns[name].index, zero, f"@{name}")
                for name, (key, zero) in _COUNTS.items()
                if name in columns
            ),
            unions=tuple(unions),
            no_union=index("no union votes"),
        )


def row_election(cells: list[str], layout: Layout) -> dict[str, Any]:
    """The row (padded to the layout's width) as a feed v1 election; Skip when a cell
    cannot be read. Plain digits, the common cell, are read inline; the id is lower-cased
    (`JFK8` is the election `jfk8`)."""
    item: dict[str, Any] = {"id": cells[layout.id].strip().lower()}
    for key, index, normal in layout.words:
        text = cells[index].strip()
        if text:
            item[key] = normal(text) if normal is not None else text
    for key, index, zero, path in layout.counts:
        text = cells[index].strip()
        if text:
            item[key] = int(text) if text.isdigit() and text.isascii() else sheet_number(text, path)
        elif zero:
            item[key] = 0
    item["choices"] = _choices(cells, layout, item.get("round", DEFAULT_ROUND))
    return item


def _status(text: str) -> str:
    return "_".join(text.lower().split())


# Words as feed v1 writes them: `Paused` is `paused`, `rerun ordered` `rerun_ordered`, the
# unit and the case number upper-case.
_NORMAL: dict[str, Callable[[str], str]] = {
    "round": str.lower,
    "status": _status,
    "unit": str.upper,
    "case_number": str.upper,
}


def _choices(cells: list[str], layout: Layout, round_: str) -> list[dict[str, Any]]:
    """The unions named in the row, then "No union" (the against choice): a blank is 0,
    except on a run-off between two unions, which has no such choice."""
    choices: list[dict[str, Any]] = []
    for name_index, votes_index, column in layout.unions:
        union = "" if name_index is None else cells[name_index].strip()
        text = "" if votes_index is None else cells[votes_index].strip()
        votes = 0
        if text:
            votes = (
                int(text)
                if text.isdigit() and text.isascii()
                else sheet_number(text, "@" + column + " votes")
            )
        if union:
            if union[0].isdigit() and _is_number(union):  # a count in the name's column
                raise skip(
                    f"@{column}",
                    f"the union's name is the number {union}: is a count in the wrong column?",
                )
            choices.append({"name": union, "votes": votes})
        elif column == "union":
            raise skip("@union", "the `union` cell is blank: write the union's name")
        elif votes:
            raise skip(
                f"@{column} votes",
                f"{votes:,} votes for `{column}`, which has no name: write its name",
            )
    runoff_of_unions = len(choices) >= 2 and handfed.is_runoff(round_)
    if layout.no_union is None:
        if not runoff_of_unions:
            raise skip("@no union votes", AGAINST_MISSING)
        return choices
    text = cells[layout.no_union].strip()
    if text or not runoff_of_unions:
        votes = 0
        if text:
            votes = (
                int(text)
                if text.isdigit() and text.isascii()
                else sheet_number(text, "@no union votes")
            )
        choices.append({"name": NO_UNION, "votes": votes, "against": True})
    return choices


def cell_of(path: str, cells: Sequence[str], layout: Layout) -> Column | None:
    """The column a finding's path points at in this row (None: the sheet has none)."""
    columns = layout.header.columns
    if path.startswith("@"):
        return columns.get(path[1:])
    if not path.startswith("choices"):
        return columns.get(_COLUMN_OF.get(path, path))
    parts = path.split(".")
    if len(parts) < 2:  # the marks: the no-union choice
        return columns.get("no union votes")
    present = [
        column for name, _, column in layout.unions if name is not None and cells[name].strip()
    ]
    choice = int(parts[1])
    if choice >= len(present):  # past the unions: "No union"
        return columns.get("no union votes")
    votes = len(parts) > 2 and parts[2] == "votes"
    return columns.get(f"{present[choice]} votes" if votes else present[choice])
