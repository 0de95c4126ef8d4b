"""One feed v1 election: the schema's judgement with readable findings (the slow path), the
hand-fed checks beyond the schema, and the tally it becomes.

Two layers, kept apart so the first stays equal to spec/feed-v1.schema.json (a test checks):
- `validate_election`: the schema. `x-` keys removed, unknown keys named with the closest
  known one, counts and text lengths explained, then the pydantic model for the rest.
- `handfed_findings`: DESIGN §4's checks of hand-fed input on a valid election: control
  characters and bidirectional overrides in texts, the round's length, totals, marks.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from bot.core.models import DEFAULT_ROUND, Choice, Election, SourceKind, Status, Tally
from bot.feeds.base import ParsedTally
from bot.feeds.parsers import handfed
from bot.feeds.parsers.handfed import Finding
from bot.feeds.parsers.native_models import (
    CHOICE_KEYS,
    CHOICE_NAME_LENGTH,
    DEFAULT_STATUS,
    DEFAULT_UNIT,
    ELECTION_KEYS,
    TEXT_LENGTHS,
    ElectionModel,
    election_adapter,
)

COUNT_KEYS = ("eligible_voters", "ballots_cast", "challenged", "void")
# The order `to_parsed` passes Tally's and Election's fields in.
TALLY_FIELDS = (
    "election_id",
    "round",
    "choices",
    "challenged",
    "void",
    "status",
    "ballots_cast",
    "eligible_voters",
    "determinative_flag",
    "updated_at",
    "source",
    "source_kind",
    "source_label",
    "note",
    "url",
)
ELECTION_FIELDS = (
    "id",
    "name",
    "short_name",
    "aliases",
    "case_number",
    "unit",
    "employer",
    "location",
    "url",
)
_ELECTION_KEYS = frozenset(ELECTION_KEYS)
_CHOICE_KEYS = frozenset(CHOICE_KEYS)
_STATUSES = {status.value: status for status in Status}
# How to write a value the model refused, by key: the schema's rule in words.
_HOW = {
    "id": "write a slug of lower-case letters, digits and dashes (at most 40), not `all`, "
    "e.g. `jfk8`",
    "aliases": 'write a list of at most 10 slugs, e.g. ["staten-island"]',
    "case_number": "write the NLRB case number as 29-RC-288020",
    "unit": "write one capital letter, e.g. A",
    "round": "write initial, rerun, runoff or revised, with suffixes when needed "
    "(rerun-2, revised-rerun, initial-sd)",
    "status": "write one of " + ", ".join(status.value for status in Status),
    "choices": 'write a list of 2 to 5 choices, each {"name": …, "votes": …}',
    "challenges_determinative": "write true or false, without quotes",
    "against": "write true or false, without quotes",
}


# --- the schema layer (slow path) ---------------------------------------------------------


def validate_election(raw: object) -> tuple[ElectionModel | None, list[Finding]]:
    """One election as the schema judges it: the validated election, or None and why."""
    if not isinstance(raw, dict):
        return None, [Finding("", f"{handfed.quote(raw)} is not an object", "not_object")]
    clean, findings = _screen(raw)
    try:
        item = election_adapter().validate_python(clean)
    except ValidationError as exc:
        found = {finding.path for finding in findings}
        for error in exc.errors():
            finding = _from_error(clean, error)
            if finding.path not in found and not any(
                finding.path.startswith(path + ".") for path in found
            ):
                found.add(finding.path)
                findings.append(finding)
        return None, findings
    return (None, findings) if findings else (item, [])


def _screen(raw: dict[str, Any]) -> tuple[dict[str, Any], list[Finding]]:
    """The election without its extensions, and what is wrong with its keys and values in
    words people can act on (the model catches the rest)."""
    clean: dict[str, Any] = {}
    findings: list[Finding] = []
    for key, value in raw.items():
        if handfed.is_extension(key):
            continue
        clean[key] = value
        if key not in _ELECTION_KEYS:
            findings.append(handfed.unknown_key(key, key, ELECTION_KEYS, "an election"))
        elif key in COUNT_KEYS:
            _append(findings, handfed.count_finding(key, value))
        elif key in TEXT_LENGTHS and isinstance(value, str) and len(value) > TEXT_LENGTHS[key]:
            _append(findings, handfed.text_finding(key, value, TEXT_LENGTHS[key]))
    choices = clean.get("choices")
    if isinstance(choices, list):
        clean["choices"] = [_screen_choice(i, c, findings) for i, c in enumerate(choices)]
    return clean, findings


def _screen_choice(index: int, raw: object, findings: list[Finding]) -> object:
    if not isinstance(raw, dict):
        return raw
    clean: dict[str, Any] = {}
    for key, value in raw.items():
        if handfed.is_extension(key):
            continue
        clean[key] = value
        path = f"choices.{index}.{key}"
        if key not in _CHOICE_KEYS:
            findings.append(handfed.unknown_key(path, key, CHOICE_KEYS, "a choice"))
        elif key == "votes":
            _append(findings, handfed.count_finding(path, value))
        elif key == "name" and isinstance(value, str) and len(value) > CHOICE_NAME_LENGTH:
            _append(findings, handfed.text_finding(path, value, CHOICE_NAME_LENGTH))
    return clean


def _append(findings: list[Finding], finding: Finding | None) -> None:
    if finding is not None:
        findings.append(finding)


def _from_error(clean: dict[str, Any], error: Any) -> Finding:
    """A pydantic error as a finding: the document's own path, the value, the rule."""
    path = dotted(error["loc"])
    key = next((part for part in reversed(path.split(".")) if not part.isdigit()), "")
    kind = error["type"]
    if kind == "missing":
        return Finding(path, f"`{key}` is missing: it is required", "missing")
    shown = handfed.quote(_value_at(clean, error["loc"]))
    how = _HOW.get(key)
    if how is not None:
        message = f"{shown} is not allowed here: {how}"
    elif kind == "string_type":
        message = f"{shown} is not text: write it between double quotes"
    elif kind == "string_too_short":
        message = f"{shown} is empty: write the name"
    else:
        message = f"{shown}: {error['msg'][:200]}"
    return Finding(path, message, "schema")


def _value_at(data: object, loc: Sequence[Any]) -> object:
    for part in loc:
        found = (isinstance(data, list) and isinstance(part, int) and part < len(data)) or (
            isinstance(data, dict) and part in data
        )
        if found:
            data = data[part]  # type: ignore[index]
        elif not _is_tag(str(part)):
            break
    return data


def dotted(loc: Sequence[Any]) -> str:
    """A pydantic location as the document's own path: `choices.1.votes`. Pydantic adds
    union-member and validator tags ("int", "function-after[...]"); people want the path."""
    return ".".join(str(p) for p in loc if isinstance(p, int) or not _is_tag(str(p)))


def _is_tag(part: str) -> bool:
    return (
        part in {"str", "int", "float", "bool"}
        or "[" in part
        or part.startswith(("constrained-", "function-"))
    )


# --- the hand-fed layer -------------------------------------------------------------------


def choices_of(item: ElectionModel) -> tuple[Choice, ...]:
    return tuple([_choice(c["name"], c["votes"], c.get("against", False)) for c in item["choices"]])


# Frozen values built from the same fields are equal, so one built at the previous poll can
# stand for the next: a big feed repeats nearly every election and choice from one poll to
# the next, and a cache hit costs a tenth of building one (bounded: a feed holds at most
# 20,000 elections of at most 5 choices).
@functools.lru_cache(maxsize=65_536)
def _choice(name: str, votes: int, against: bool) -> Choice:
    return Choice(name, votes, against)


@functools.lru_cache(maxsize=32_768)
def _election(
    id_: str,
    name: str | None,
    short_name: str | None,
    aliases: tuple[str, ...],
    case_number: str | None,
    unit: str,
    employer: str | None,
    location: str | None,
    url: str | None,
) -> Election:
    return Election(id_, name, short_name, aliases, case_number, unit, employer, location, url)


def handfed_findings(
    item: ElectionModel, choices: Sequence[Choice], *, texts_clean: bool = False
) -> list[Finding]:
    """DESIGN §4's checks beyond the schema on one valid election; empty when all is well.

    `texts_clean`: the caller knows no text can hold a control character or an override
    (the document has no escape and no byte beyond ASCII), so they are not looked for."""
    findings = [] if texts_clean else _text_findings(item, choices)
    round_ = item.get("round", DEFAULT_ROUND)
    if len(round_) > handfed.MAX_ROUND:
        findings.append(
            Finding(
                "round",
                f"{handfed.quote(round_)} is {len(round_)} characters long, more than the "
                f"{handfed.MAX_ROUND} a round may have: shorten it",
                "text_length",
            )
        )
    if findings:
        return findings
    figures = (
        round_,
        item.get("status", DEFAULT_STATUS),
        choices,
        item.get("challenged", 0),
        item.get("void", 0),
        item.get("ballots_cast"),
        item.get("eligible_voters"),
    )
    if handfed.tally_looks_fine(*figures):
        return []
    return handfed.tally_findings(*figures)


def _text_findings(item: ElectionModel, choices: Sequence[Choice]) -> list[Finding]:
    findings: list[Finding] = []
    for key in TEXT_LENGTHS:
        text = item.get(key)
        if isinstance(text, str) and not text.isprintable():
            _append(findings, handfed.text_finding(key, text))
    for index, choice in enumerate(choices):
        if not choice.name.isprintable():
            _append(findings, handfed.text_finding(f"choices.{index}.name", choice.name))
    return findings


# --- the tally ----------------------------------------------------------------------------


def timestamp(value: str) -> datetime | None:
    """An RFC 3339 date-time (UTC when it has no offset), or None when it is not one."""
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def to_parsed(
    item: ElectionModel,
    choices: tuple[Choice, ...],
    when: datetime | None,
    label: str | None,
    source_id: str,
) -> ParsedTally:
    """The tally and election of one valid, checked election."""
    election_id = item["id"]
    # Positional, in TALLY_FIELDS order (a test pins it to the dataclass): keyword
    # arguments cost a fifth more, on every election of every changed poll.
    tally = Tally(
        election_id,
        item.get("round", DEFAULT_ROUND),
        choices,
        item.get("challenged", 0),
        item.get("void", 0),
        _STATUSES[item.get("status", DEFAULT_STATUS)],
        item.get("ballots_cast"),
        item.get("eligible_voters"),
        item.get("challenges_determinative"),
        when,
        source_id,
        SourceKind.NATIVE,
        label,
        item.get("note"),
        item.get("url"),
    )
    election = _election(
        election_id,
        item.get("name"),
        item.get("short_name"),
        tuple(item.get("aliases", ())),
        item.get("case_number"),
        item.get("unit", DEFAULT_UNIT),
        item.get("employer"),
        item.get("location"),
        item.get("url"),
    )
    return ParsedTally(tally, election)
