"""Feed documents of any size for the benchmarks: native feed v1 JSON, a sheet-csv
spreadsheet (spec/sheet-csv.md) and the NLRB results CSV export, each with `n` elections,
and the same with `changed` of them moved on."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

# The current export's 31 columns (fixtures/nlrb/FORMATS.md §1).
CSV_HEADER = [
    "Region",
    "Case",
    "Case Name",
    "Status",
    "Date Filed",
    "Date Closed",
    "Reason Closed",
    "City",
    "State",
    "Unit ID",
    "Ballot Type",
    "Tally Type",
    "Tally Date",
    "No of Eligible Voters",
    "Void Ballots",
    "Labor Union1",
    "Votes for Labor Union1",
    "Labor Union2",
    "Votes for Labor Union2",
    "Labor Union3",
    "Votes for Labor Union3",
    "Votes Against",
    "Total Ballots Counted",
    "Runoff Required",
    "Challenged Ballots",
    "Challenges are Determinative",
    "Union to Certify",
    "Voting Unit (Unit A)",
    "Voting Unit (Unit B)",
    "Voting Unit (Unit C)",
    "Voting Unit (Unit D)",
]


def election_id(index: int) -> str:
    return f"e{index}"


def case_number(index: int) -> str:
    return f"{10 + index % 30:02d}-RC-{index:06d}"


def _votes(index: int, bump: int) -> tuple[int, int]:
    return 40 + index % 97 + bump, 30 + index % 61


def native_election(index: int, bump: int = 0) -> dict[str, Any]:
    union, against = _votes(index, bump)
    return {
        "id": election_id(index),
        "name": f"Warehouse {index} (Springfield)",
        "case_number": case_number(index),
        "status": "counting",
        "eligible_voters": 400,
        "choices": [
            {"name": "Workers United", "votes": union},
            {"name": "No union", "votes": against, "against": True},
        ],
        "challenged": index % 7,
        "void": index % 3,
    }


def native_feed(n: int, changed: int = 0, bump: int = 1) -> bytes:
    """A feed v1 document of `n` elections; the first `changed` have `bump` more votes."""
    elections = [native_election(i, bump if i < changed else 0) for i in range(n)]
    document = {"feed_version": 1, "source": "bench", "elections": elections}
    return json.dumps(document).encode()


def csv_feed(n: int, changed: int = 0, bump: int = 1) -> bytes:
    """An NLRB Recent Election Results CSV export of `n` initial tallies (one per case)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for i in range(n):
        union, against = _votes(i, bump if i < changed else 0)
        row = {
            "Region": f"Region {10 + i % 30:02d}",
            "Case": case_number(i),
            "Case Name": f"Warehouse {i} LLC",
            "Status": "Closed",
            "Date Filed": "01/07/2025",
            "Date Closed": "03/20/2025",
            "Reason Closed": "Certific. of Representative",
            "City": "Springfield",
            "State": "IL",
            "Unit ID": "A",
            "Ballot Type": "Single Labor Organization",
            "Tally Type": "Initial",
            "Tally Date": "03/05/2025",
            "No of Eligible Voters": "400",
            "Void Ballots": str(i % 3),
            "Labor Union1": "Workers United",
            "Votes for Labor Union1": str(union),
            "Votes Against": str(against),
            "Total Ballots Counted": str(union + against),
            "Runoff Required": "N",
            "Challenged Ballots": str(i % 7),
            "Union to Certify": "",
        }
        writer.writerow([row.get(column, "") for column in CSV_HEADER])
    return out.getvalue().encode()


SHEET_HEADER = [
    "id",
    "name",
    "round",
    "status",
    "union",
    "union votes",
    "no union votes",
    "challenged",
    "void",
    "eligible voters",
    "case number",
    "note",
]


def sheet_feed(n: int, changed: int = 0, bump: int = 1) -> bytes:
    """A sheet-csv document of `n` rows (one election each, the native feed's figures), as
    a spreadsheet saves it: a byte-order mark, CRLF, numbers with thousands separators."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(SHEET_HEADER)
    for i in range(n):
        union, against = _votes(i, bump if i < changed else 0)
        writer.writerow(
            [
                election_id(i),
                f"Warehouse {i} (Springfield)",
                "initial",
                "counting",
                "Workers United",
                f"{union:,}",
                f"{against:,}",
                str(i % 7),
                str(i % 3),
                f"{1400 + i % 500:,}",
                case_number(i),
                "" if i % 10 else "Count resumes Friday 10 a.m.",
            ]
        )
    return ("\ufeff" + out.getvalue()).encode()
