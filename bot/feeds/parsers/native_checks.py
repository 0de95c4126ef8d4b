"""What the full parse of a feed v1 document (native.py) and its delta parse
(native_delta.py) share: problems in document order, one valid election through the
hand-fed checks, repeated (election, round)s, and the document-wide byte checks."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.feeds.base import ParsedTally, ParseError, Problem
from bot.feeds.parsers import handfed
from bot.feeds.parsers.handfed import Finding
from bot.feeds.parsers.native_election import choices_of, handfed_findings, timestamp, to_parsed
from bot.feeds.parsers.native_models import MAX_ELECTIONS, DocumentHead, ElectionModel

MAX_PROBLEMS_PER_ELECTION = 5
_WHITESPACE_COLON = re.compile(rb'"\s+:')
Key = tuple[str, str]


class Problems:
    """Problems in document order: the document's own first, then each election's by its
    index (whichever pass found them), then the repeated (election, round)s."""

    DOCUMENT, REPEATS = -1, MAX_ELECTIONS + 1

    def __init__(self) -> None:
        self._found: list[tuple[int, Problem]] = []

    def add(self, index: int, problem: Problem) -> None:
        self._found.append((index, problem))

    def extend(self, index: int, problems: Iterator[Problem]) -> None:
        self._found.extend((index, problem) for problem in problems)

    def ordered(self) -> tuple[Problem, ...]:
        return tuple(problem for _, problem in sorted(self._found, key=lambda pair: pair[0]))


@dataclass(frozen=True, slots=True)
class Checked:
    """One valid election after the hand-fed checks, wherever it stands in the document:
    its findings, an `updated_at` that is no date-time, and its tally (None: skipped).
    `own_time`: the tally's time is the election's own, not the document's."""

    findings: tuple[Finding, ...]
    bad_stamp: str | None
    parsed: ParsedTally | None
    own_time: bool


def check_election(
    item: ElectionModel,
    doc_time: datetime | None,
    label: str | None,
    source_id: str,
    texts_clean: bool,
) -> Checked:
    """One valid election through the hand-fed checks."""
    choices = choices_of(item)
    findings = tuple(handfed_findings(item, choices, texts_clean=texts_clean))
    if not all(finding.keeps for finding in findings):
        return Checked(findings, None, None, own_time=False)
    stamp = item.get("updated_at")
    own = None if stamp is None else timestamp(stamp)
    bad = stamp if stamp is not None and own is None else None
    when = doc_time if own is None else own
    return Checked(findings, bad, to_parsed(item, choices, when, label, source_id), own is not None)


def record(index: int, election: str, checked: Checked, problems: Problems) -> ParsedTally | None:
    """The problems of the election at `index`, added; its tally, or None when skipped."""
    if checked.findings:
        problems.extend(index, problems_of(index, election, list(checked.findings)))
    if checked.bad_stamp is not None:
        problems.add(index, bad_time(election, f"elections[{index}]", checked.bad_stamp))
    return checked.parsed


def report_repeats(places: dict[Key, list[int]], problems: Problems) -> set[Key]:
    """Every (election, round) given at more than one index, each with a problem."""
    repeated = {key for key, where in places.items() if len(where) > 1}
    for key in sorted(repeated, key=lambda key: places[key][0]):  # in document order
        where = [f"elections[{i}]" for i in sorted(places[key])]
        message = handfed.duplicate_message(key[0], key[1], where)
        problems.add(Problems.REPEATS, Problem(key[0], "round", message))
    return repeated


def problems_of(index: int, election: str | None, findings: list[Finding]) -> Iterator[Problem]:
    for finding in findings[:MAX_PROBLEMS_PER_ELECTION]:
        error = f"elections[{index}]: {finding.message}"
        if not finding.keeps:
            error += " (election skipped)"
        yield Problem(election, finding.path or None, error)
    if len(findings) > MAX_PROBLEMS_PER_ELECTION:
        more = len(findings) - MAX_PROBLEMS_PER_ELECTION
        yield Problem(election, None, f"elections[{index}]: {more} more problems")


# --- the document -------------------------------------------------------------------------


def document_time(head: DocumentHead, problems: Problems) -> datetime | None:
    stamp = head.get("updated_at")
    if stamp is None:
        return None
    when = timestamp(stamp)
    if when is None:
        problems.add(Problems.DOCUMENT, bad_time(None, "the document", stamp))
    return when


def bad_time(election: str | None, where: str, stamp: str) -> Problem:
    return Problem(
        election,
        "updated_at",
        f"{where}: {handfed.quote(stamp)} is not an RFC 3339 date-time such as "
        "2022-03-31T23:05:00Z: ignored",
    )


def label_of(head: DocumentHead, problems: Problems) -> str | None:
    """The publisher's name for posts; one with control characters is not shown."""
    source = head.get("source")
    if source is None or source.isprintable():
        return source
    finding = handfed.text_finding("source", source)
    if finding is None:
        return source
    problem = Problem(None, "source", f"{finding.message} (not shown in posts)")
    problems.add(Problems.DOCUMENT, problem)
    return None


def texts_are_clean(body: bytes) -> bool:
    """True when no string of the document can hold a control character or an override:
    JSON refuses raw control characters below U+0020, so the others need an escape, DEL,
    or a byte beyond ASCII. Three scans in C, a fraction of a millisecond for megabytes."""
    return b"\\" not in body and b"\x7f" not in body and body.isascii()


def keys_are_unique(body: bytes, parsed_keys: int) -> bool:
    """True when the document cannot have repeated a key: its parse kept as many keys as the
    bytes hold. Every key is followed by a colon, so colons >= keys >= parsed keys, and one
    byte count settles the common case; strings with colons (times, URLs) need a second
    look: with no escaped quote every `":` ends a key or opens a string, and a key spaced
    from its colon is found by a search. False means "look closer", not "repeated"."""
    if body.count(b":") == parsed_keys:
        return True
    return (
        b'\\"' not in body
        and _WHITESPACE_COLON.search(body) is None
        and body.count(b'":') == parsed_keys
    )


def raise_on_repeated_key(body: bytes) -> None:
    """The exact check, in Python: ParseError naming the first key given twice in one
    object; returns when there is none."""

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for key, value in pairs:
            if key in found:
                raise ParseError(
                    f"the feed gives the key `{handfed.quote(key)[1:-1]}` twice in one "
                    "object: JSON keys must be unique (which value was meant is unknown)"
                )
            found[key] = value
        return found

    json.loads(body.decode("utf-8", errors="replace"), object_pairs_hook=unique)
