"""Checks of hand-fed input (native feeds, sheet-csv, /report), on one election as plain
values: each returns findings that name the key path, quote the value and say how to fix it
(DESIGN §4, "Hand-fed input is checked, not trusted").

A finding skips its election unless it `keeps` it. The parsers turn findings into problems
with their own "where" (`elections[3]`, `line 5`) and may word a fix in their own terms by
the finding's `kind`.
"""

from __future__ import annotations

import functools
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.core.models import Choice

MAX_COUNT = 10_000_000  # the schema's `count` maximum
# The store's round column holds 40 characters (the schema sets no length on `round`).
MAX_ROUND = 40
# A choice is the no-union one when its whole folded name is one of these (DESIGN §4).
NO_UNION_NAMES = frozenset(
    {
        "no union",
        "none",
        "neither",
        "no",
        "against",
        "no representative",
        "ningun sindicato",
        "ninguno",
    }
)
_FINAL_OR_LATER = frozenset(
    {"final", "certified", "objections", "rerun_ordered", "withdrawn", "dismissed"}
)
_BIDI = frozenset([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_CONTROL_NAMES = {0x00: "NUL", 0x09: "a tab", 0x0A: "a line break", 0x0D: "a carriage return"}
_DOTTED_THOUSANDS = re.compile(r"^\d{1,3}(?:\.\d{3})+$")
_QUOTE_MAX = 60


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing wrong with one election: where (a key path such as `choices.1.votes`),
    what (a message quoting the value and saying how to fix it), and whether the tally is
    kept all the same."""

    path: str
    message: str
    kind: str
    keeps: bool = False


def quote(value: object) -> str:
    """A JSON value as the publisher wrote it, cut to a readable length. Characters that
    are not printable (a bidirectional override, a surrogate) are shown escaped, so a
    problem never carries what it complains about into a log or a reply."""
    text = json.dumps(value, ensure_ascii=False)
    if not text.isprintable():
        text = "".join(char if char.isprintable() else _escaped(char) for char in text)
    return text if len(text) <= _QUOTE_MAX else text[: _QUOTE_MAX - 1] + "…"


def _escaped(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


# --- keys ---------------------------------------------------------------------------------


def is_extension(key: str) -> bool:
    """Keys that begin with `x-` are extensions: readers that do not know them ignore them."""
    return key.startswith("x-")


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions) between two short names."""
    previous = list(range(len(b) + 1))
    for i, left in enumerate(a, start=1):
        current = [i]
        for j, right in enumerate(b, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (left != right))
            )
        previous = current
    return previous[-1]


def closest(name: str, known: Iterable[str]) -> tuple[str, int]:
    """The known name nearest to `name`, and how far it is (ties: the first in `known`)."""
    return min(((key, edit_distance(name, key)) for key in known), key=lambda pair: pair[1])


def is_near(name: str, distance: int) -> bool:
    """Close enough to be a slip of the known name rather than another word."""
    return distance <= max(2, len(name) // 3)


def unknown_key(path: str, key: str, known: Iterable[str], of: str) -> Finding:
    """A key the format does not know (`of`: "an election", "a choice")."""
    best, distance = closest(key, known)
    shown = quote(key)[1:-1]
    if is_near(key, distance):
        message = f"`{shown}` is not a key of {of}: did you mean `{best}`?"
    else:
        message = (
            f"`{shown}` is not a key of {of} (the closest is `{best}`): correct it, or begin "
            "it with `x-` if it is an extension"
        )
    return Finding(path, message, "unknown_key")


# --- counts and texts ---------------------------------------------------------------------


def is_count(value: object) -> bool:
    """A whole number from 0 to MAX_COUNT; 1518.0 is 1518 (JSON Schema's integer)."""
    if type(value) is int:
        return 0 <= value <= MAX_COUNT
    return type(value) is float and value.is_integer() and 0 <= value <= MAX_COUNT


def count_finding(path: str, value: object) -> Finding | None:
    """None for a good count; else what is wrong with `value` and how to write it."""
    if is_count(value):
        return None
    return Finding(path, _count_message(path, value), "count")


def _count_message(path: str, value: object) -> str:
    shown = quote(value)
    if isinstance(value, str):
        return f"{shown} is text, not a number: {_how_to_write(value)}"
    if value is None:
        key = path.rsplit(".", 1)[-1]
        return f"null is not a number: write a whole number such as 0, or leave `{key}` out"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{shown} is not a number: write a whole number such as 0"
    if value < 0:
        return f"{shown} is negative: a count is 0 or more"
    if value > MAX_COUNT:
        return f"{shown} is more than {MAX_COUNT:,}, the largest count there can be: check it"
    low = math.floor(value)
    return (
        f"{shown} is not a whole number: ballots are counted whole "
        f"(write {low} or {low + 1}, without a decimal point)"
    )


def _how_to_write(text: str) -> str:
    """The fix for a count written as text: the number it most likely means."""
    stripped = text.strip()
    digits = stripped.replace(",", "").replace(" ", "").replace("\u00a0", "")
    if _DOTTED_THOUSANDS.match(stripped):
        digits = stripped.replace(".", "")
    if digits.isascii() and digits.isdigit() and len(digits) <= 9:
        return f"write {int(digits)}, without quotes or commas"
    return "write a whole number such as 0, without quotes"


def bad_character(text: str) -> str | None:
    """The first control character or bidirectional override in `text`, described; None
    when there is none. Cheap on good text: `isprintable` is one pass in C, and every
    character refused here is also unprintable."""
    if text.isprintable():
        return None
    for position, char in enumerate(text, start=1):
        code = ord(char)
        category = unicodedata.category(char)
        if category == "Cc":
            name = _CONTROL_NAMES.get(code, "a control character")
            return f"{name} (U+{code:04X}) at character {position}"
        if category == "Cs":
            return f"an unpaired surrogate (U+{code:04X}) at character {position}"
        if code in _BIDI:
            name = unicodedata.name(char).lower()
            return (
                f"a bidirectional override, {name} (U+{code:04X}), at character {position}, "
                "which can make the text read other than it is stored"
            )
    return None


def text_finding(path: str, value: str, max_length: int | None = None) -> Finding | None:
    """None for a good text; else the character or the length that is wrong."""
    problem = bad_character(value)
    if problem is not None:
        return Finding(path, f"{quote(value)} holds {problem}: remove it", "text")
    if max_length is not None and len(value) > max_length:
        return Finding(
            path,
            f"{quote(value)} is {len(value):,} characters long, more than the {max_length:,} "
            "allowed here: shorten it",
            "text_length",
        )
    return None


# --- the tally ----------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def fold(name: str) -> str:
    """A name compared loosely: accents, case, punctuation and spacing folded."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    return " ".join("".join(char if char.isalnum() else " " for char in bare).split())


def is_no_union_name(name: str) -> bool:
    """True when the whole folded name says "no union" ("No Union", "Ningún sindicato")."""
    return fold(name) in NO_UNION_NAMES


def is_runoff(round_: str) -> bool:
    """A run-off round (`runoff`, `runoff-2`, `revised-runoff`): it may have no against."""
    return round_.removeprefix("revised-").startswith("runoff")


def tally_looks_fine(
    round_: str,
    status: str,
    choices: Sequence[Choice],
    challenged: int | None,
    void: int | None,
    ballots_cast: int | None,
    eligible_voters: int | None,
) -> bool:
    """True exactly when `tally_findings` finds nothing: the cheap test run on every
    election of a big feed, so that only a suspect one pays for the findings."""
    valid = marked = 0
    for choice in choices:
        valid += choice.votes
        if choice.against:
            marked += 1
        elif fold(choice.name) in NO_UNION_NAMES:
            return False
    if marked != 1 and (marked or not is_runoff(round_)):
        return False
    if ballots_cast is not None:
        counted = valid + (void or 0) + (challenged or 0)
        if counted > ballots_cast or (counted < ballots_cast and status in _FINAL_OR_LATER):
            return False
    return eligible_voters is None or valid <= eligible_voters


def tally_findings(
    round_: str,
    status: str,
    choices: Sequence[Choice],
    challenged: int | None,
    void: int | None,
    ballots_cast: int | None,
    eligible_voters: int | None,
) -> list[Finding]:
    """The checks of one tally's figures and marks, once each value is well formed."""
    findings = against_findings(round_, choices)
    valid = 0
    for choice in choices:
        valid += choice.votes
    counted = valid + (void or 0) + (challenged or 0)
    if ballots_cast is not None and counted > ballots_cast:
        findings.append(
            Finding(
                "ballots_cast",
                f"{counted:,} ballots are counted (valid {valid:,} + void {void or 0:,} + "
                f"challenged {challenged or 0:,}) but `ballots_cast` is {ballots_cast:,}: "
                "ballots cast are every ballot returned, counted or not; correct "
                "`ballots_cast` or the counts",
                "over_cast",
            )
        )
    elif ballots_cast is not None and counted < ballots_cast and status in _FINAL_OR_LATER:
        findings.append(
            Finding(
                "ballots_cast",
                f"the round is `{status}` but only {counted:,} of the {ballots_cast:,} ballots "
                f"cast are counted: kept, with the other {ballots_cast - counted:,} taken as "
                "not counted",
                "final_short",
                keeps=True,
            )
        )
    if eligible_voters is not None and valid > eligible_voters:
        findings.append(
            Finding(
                "eligible_voters",
                f"{valid:,} valid votes but only {eligible_voters:,} `eligible_voters`: "
                "correct one of them",
                "over_eligible",
            )
        )
    return findings


def against_findings(round_: str, choices: Sequence[Choice]) -> list[Finding]:
    """The `against` marks: at most one; one unless a run-off; every no-union name marked."""
    findings: list[Finding] = []
    marked = [index for index, choice in enumerate(choices) if choice.against]
    if len(marked) > 1:
        names = ", ".join(quote(choices[index].name) for index in marked)
        findings.append(
            Finding(
                "choices",
                f"{len(marked)} choices are marked against ({names}): mark only the "
                "no-union choice",
                "against_twice",
            )
        )
    elif not marked and not is_runoff(round_):
        findings.append(
            Finding(
                "choices",
                'no choice is marked `"against": true`: mark the no-union choice (only a '
                "run-off between two unions has none)",
                "against_missing",
            )
        )
    for index, choice in enumerate(choices):
        if not choice.against and is_no_union_name(choice.name):
            findings.append(
                Finding(
                    f"choices.{index}.against",
                    f"{quote(choice.name)} is the no-union choice but is not marked against: "
                    'add `"against": true`',
                    "against_unmarked",
                )
            )
    return findings


def duplicate_message(election: str, round_: str, places: Sequence[str]) -> str:
    """One (election, round) given more than once in one document: all of them skipped."""
    return (
        f"`{election}` round `{round_}` is given {len(places)} times ({', '.join(places)}): "
        "all of them are skipped; keep one"
    )
