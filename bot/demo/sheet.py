"""The demo's steps as a spreadsheet would publish them (format `sheet-csv`, the layout of
spec/sheet-csv.md): one row per (election, round), numbers as a spreadsheet shows them."""

from __future__ import annotations

import csv
import io
from typing import Any

COLUMNS = (
    "id",
    "name",
    "short name",
    "round",
    "status",
    "union",
    "union votes",
    "no union votes",
    "challenged",
    "void",
    "ballots cast",
    "eligible voters",
    "case number",
    "note",
    "updated at",
)


def sheet_of(document: dict[str, Any]) -> bytes:
    """A feed v1 document of single-union elections as sheet-csv bytes (UTF-8, CRLF line
    ends and thousands commas, as Google Sheets publishes them)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for election in document["elections"]:
        writer.writerow(_row(election, document.get("updated_at")))
    return out.getvalue().encode("utf-8")


def _row(election: dict[str, Any], updated_at: str | None) -> list[str]:
    union = next(c for c in election["choices"] if not c.get("against"))
    against = next(c for c in election["choices"] if c.get("against"))
    return [
        election["id"],
        election.get("name", ""),
        election.get("short_name", ""),
        election.get("round", "initial"),
        election.get("status", "counting"),
        union["name"],
        _number(union["votes"]),
        _number(against["votes"]),
        _number(election.get("challenged", 0)),
        _number(election.get("void", 0)),
        _number(election.get("ballots_cast")),
        _number(election.get("eligible_voters")),
        election.get("case_number", ""),
        election.get("note", ""),
        election.get("updated_at") or updated_at or "",
    ]


def _number(value: int | None) -> str:
    return "" if value is None else f"{value:,}"
