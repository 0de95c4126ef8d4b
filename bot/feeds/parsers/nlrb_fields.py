"""NLRB field names and values: header and label aliases (FORMATS.md §1–3), and the reading of
counts, dates and Y/N flags, where a blank is unknown, never 0 or No."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime

MAX_UNIONS = 3
# The fields we read are names, counts and dates: a longer value is cut, which also bounds
# what the small memo caches below can hold.
MAX_VALUE = 1_000

# Canonical field -> the normalised names it goes by (export, FOIA spreadsheet, case page,
# listing, other scrapers). Normalised: lower case, only letters and digits.
_ALIASES: dict[str, tuple[str, ...]] = {
    "case": ("case", "casenumber", "casenum", "caseno"),
    "case_name": ("casename", "employer"),
    "status": ("status", "casestatus"),
    "reason_closed": ("reasonclosed", "closedreason"),
    "unit": ("unitid", "unit"),
    "ballot_type": ("ballottype", "tallycategory"),
    "tally_type": ("tallytype",),
    "tally_date": ("tallydate", "tallyissueddate"),
    "eligible": ("noofeligiblevoters", "numeligiblevoters", "numberofeligiblevoters"),
    "void": ("voidballots", "numvoidballots"),
    "against": ("votesagainst", "votescastagainstlabororg"),
    "valid": ("totalballotscounted", "numvalidvotescounted"),
    "challenged": ("challengedballots", "numchallengedballots"),
    "determinative": (
        "challengesaredeterminative",
        "challengesrdeterminitive",
        "challengesrdeterminative",
        "challengesdeterminative",
    ),
    "runoff_required": ("runoffrequired",),
    "city": ("city", "unitcity"),
    "state": ("state", "unitstate"),
    "location": ("location", "unitlocation"),
}
for _n in range(1, MAX_UNIONS + 1):
    _ALIASES[f"union{_n}_name"] = (f"laborunion{_n}", f"labororganization{_n}name")
    _ALIASES[f"union{_n}_votes"] = (f"votesforlaborunion{_n}", f"votesforlabororg{_n}")
# A case page with one union says "Labor Union" and "Votes for Labor Union", unnumbered.
_ALIASES["union1_name"] += ("laborunion",)
_ALIASES["union1_votes"] += ("votesforlaborunion",)

CANONICAL: dict[str, str] = {alias: name for name, names in _ALIASES.items() for alias in names}

# Fields that only a tally carries: a listing block or page block with none is no tally.
TALLY_FIELDS = frozenset(
    {"tally_type", "tally_date", "against", "valid", "challenged", "union1_votes", "void"}
)
# The counts of a tally: a record that carries one of them carries a tally, and its blank
# counts are 0 (the export never writes a literal 0, FORMATS.md §1).
VOTE_FIELDS = ("against", *(f"union{n}_votes" for n in range(1, MAX_UNIONS + 1)))
COUNT_FIELDS = frozenset({*VOTE_FIELDS, "valid", "challenged", "void"})
# Values that mean "nothing here" on nlrb.gov pages and in exports.
_BLANKS = frozenset({"", "-", "n/a", "na", "none", "null", "data is not available"})
_LONGEST_BLANK = max(len(blank) for blank in _BLANKS)

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}


@functools.lru_cache(maxsize=1024)
def normalise(name: str) -> str:
    """Case, spaces and punctuation folded: "No. of Eligible Voters" -> "noofeligiblevoters".

    Cached: headers, labels, statuses and ballot types repeat on every row."""
    return "".join(ch for ch in name.lower() if ch.isalnum())


def canonical(name: str) -> str | None:
    """The canonical field a header or label stands for, or None when we don't read it."""
    return CANONICAL.get(normalise(name[:200]))


@functools.lru_cache(maxsize=2048)
def clean(value: str | None) -> str | None:
    """Whitespace collapsed; None for a blank (empty, "-", "data is not available" …)."""
    if not value:
        return None
    text = value.strip()
    if "  " in text or "\n" in text or "\t" in text or "\r" in text:
        text = " ".join(text.split())
    if len(text) <= _LONGEST_BLANK and text.lower() in _BLANKS:
        return None
    return text


def is_blank(value: str | None) -> bool:
    return clean(value) is None


@dataclass(slots=True)
class RawRecord:
    """One tally as a source wrote it: canonical field -> text, and where it came from.

    `labels` keeps the source's own name of each field, for problems people can read: a
    CSV record shares its header's, so a field in `labels` is a column the file has.
    `absent_votes_are_zero`: a page leaves out a vote label when nobody voted that way
    (FORMATS.md §2, §3); a CSV file without a vote column says nothing about it."""

    where: str
    values: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    absent_votes_are_zero: bool = True

    def put(self, label: str, value: str) -> None:
        """Record a label's value; the first non-blank value of a field wins."""
        name = canonical(label)
        if name is None or not is_blank(self.values.get(name)):
            return
        self.values[name] = value[:MAX_VALUE]
        self.labels[name] = " ".join(label.split()).rstrip(":")

    def text(self, name: str) -> str | None:
        return clean(self.values.get(name))

    def label(self, name: str) -> str:
        return self.labels.get(name, name)

    def has_tally(self) -> bool:
        values = self.values
        return any(values.get(name) and not is_blank(values[name]) for name in TALLY_FIELDS)

    def has_count(self) -> bool:
        """Any vote or ballot count at all: a record without one is no tally (yet)."""
        values = self.values
        return any(values.get(name) and not is_blank(values[name]) for name in COUNT_FIELDS)

    def has_field(self, name: str) -> bool:
        """The source has this field, blank or not (a CSV column, a page label)."""
        return name in self.labels


class ValueProblem(ValueError):
    """A value that cannot be read; the message says which and why."""


@functools.lru_cache(maxsize=2048)
def parse_count(text: str | None) -> int | None:
    """ "8,325" -> 8325; blank -> None (unknown). Raises ValueProblem otherwise."""
    value = clean(text)
    if value is None:
        return None
    digits = value.replace(",", "").replace(" ", "")
    if digits.endswith(".0"):  # spreadsheets saved as CSV
        digits = digits[:-2]
    if not digits.isascii() or not digits.isdigit():
        raise ValueProblem(f"{value[:40]!r} is not a count")
    if len(digits) > 9:
        raise ValueProblem(f"{value[:40]!r} is too large to be a count")
    return int(digits)


def parse_flag(text: str | None) -> bool | None:
    """Y/Yes -> True, N/No -> False, blank -> None (unknown, not No)."""
    value = clean(text)
    if value is None:
        return None
    folded = value.lower()
    if folded in ("y", "yes", "true"):
        return True
    if folded in ("n", "no", "false"):
        return False
    raise ValueProblem(f"{value[:40]!r} is not Y or N")


@functools.lru_cache(maxsize=1024)
def parse_date(text: str | None) -> date | None:
    """MM/DD/YYYY, ISO YYYY-MM-DD (with or without a time), or "05 March 2025"."""
    value = clean(text)
    if value is None:
        return None
    try:
        return _parse_date(value)
    except (ValueError, IndexError, KeyError):
        raise ValueProblem(f"{value[:40]!r} is not a date") from None


def _parse_date(value: str) -> date:
    if "/" in value:
        month, day, year = (int(part) for part in value.split("/"))
        return date(year if year >= 100 else 2000 + year, month, day)
    if value[:1].isdigit() and "-" in value[:5]:
        return (
            datetime.fromisoformat(value).date() if "T" in value else date.fromisoformat(value[:10])
        )
    parts = value.replace(",", " ").split()
    if len(parts) != 3:
        raise ValueError(value)
    if parts[0].isdigit():  # 05 March 2025
        day, month, year = int(parts[0]), _MONTHS[parts[1].lower()], int(parts[2])
    else:  # March 5, 2025
        month, day, year = _MONTHS[parts[0].lower()], int(parts[1]), int(parts[2])
    return date(year, month, day)
