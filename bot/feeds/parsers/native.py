"""Parse a feed v1 document (format `native`) into tallies, one bad election at a time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pydantic_core
from pydantic import ValidationError

from bot.core.models import DEFAULT_ROUND, Choice, Election, SourceKind, Status, Tally
from bot.feeds.base import (
    ParseContext,
    ParsedTally,
    ParseError,
    ParseResult,
    Problem,
    UnavailablePage,
)
from bot.feeds.parsers.native_models import (
    DEFAULT_STATUS,
    DEFAULT_UNIT,
    MAX_ELECTIONS,
    DocumentHead,
    ElectionModel,
    document_adapter,
    elections_adapter,
    head_adapter,
)

MAX_PROBLEMS_PER_ELECTION = 5
_STATUSES = {status.value: status for status in Status}


def parse_native(body: bytes, ctx: ParseContext) -> ParseResult:
    """Feed v1 bytes to tallies. Raises ParseError when the document itself is unusable;
    an election that breaks the schema is skipped with a problem naming it and its field."""
    problems: list[Problem] = []
    try:
        # Fast path: one pass from bytes to validated dicts, in Rust.
        document = document_adapter().validate_json(body)
        head: DocumentHead = document
        elections: list[ElectionModel] = document["elections"]
    except ValidationError:
        # Slow path: find out what is wrong, and keep every election that is fine.
        raw = _load_json(body)
        head = _head(raw)
        elections = _validate_elections(raw["elections"], problems)
    doc_time = _timestamp(head.get("updated_at"), None, problems)
    label = head.get("source")
    tallies: list[ParsedTally] = []
    seen: set[tuple[str, str]] = set()
    for item in elections:
        parsed = _to_parsed(item, doc_time, label, ctx.source_id, problems)
        key = (parsed.tally.election_id, parsed.tally.round)
        if key in seen:
            problems.append(Problem(key[0], "round", f"a second tally for round {key[1]!r}"))
            continue
        seen.add(key)
        tallies.append(parsed)
    return ParseResult(tuple(tallies), tuple(problems))


def _load_json(body: bytes) -> dict[str, Any]:
    try:
        raw = pydantic_core.from_json(body)
    except ValueError as exc:
        raise ParseError(_not_json_message(body, exc)) from None
    if not isinstance(raw, dict):
        raise ParseError(f"the feed is a JSON {_json_type(raw)}, not an object")
    if "elections" not in raw:
        raise ParseError("the feed has no `elections` list: not a feed v1 document")
    if not isinstance(raw["elections"], list):
        raise ParseError(f"`elections` is a JSON {_json_type(raw['elections'])}, not a list")
    if len(raw["elections"]) > MAX_ELECTIONS:
        raise ParseError(f"`elections` has more than {MAX_ELECTIONS:,} entries")
    return raw


def _json_type(value: object) -> str:
    names = {list: "array", dict: "object", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")


def _not_json_message(body: bytes, exc: ValueError) -> str:
    start = body.lstrip()[:1]
    if not start:
        return "the feed is empty: no JSON document"
    if start == b"<":
        raise UnavailablePage("the feed is an HTML or XML page, not JSON (an error or login page?)")
    return f"the feed is not valid JSON: {exc}"


def _head(raw: dict[str, Any]) -> DocumentHead:
    try:
        return head_adapter().validate_python(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise ParseError(f"document key `{_dotted(error['loc'])}`: {error['msg']}") from None


def _validate_elections(elections: list[Any], problems: list[Problem]) -> list[ElectionModel]:
    """Validate the list in one call; when some fail, report each bad one and validate the
    rest again, so one bad election never stops the others."""
    adapter = elections_adapter()
    try:
        return adapter.validate_python(elections)
    except ValidationError as exc:
        errors = exc.errors()
    by_index: dict[int, list[Any]] = {}
    for error in errors:
        by_index.setdefault(int(error["loc"][0]), []).append(error)
    for index, found in sorted(by_index.items()):
        problems.extend(_problems(index, elections[index], found))
    return adapter.validate_python([e for i, e in enumerate(elections) if i not in by_index])


def _problems(index: int, raw: object, errors: Sequence[Any]) -> list[Problem]:
    if not isinstance(raw, dict):
        return [Problem(None, None, f"elections[{index}] is not an object: skipped")]
    raw_id = raw.get("id")
    election = raw_id[:60] if isinstance(raw_id, str) and raw_id else None
    # A count is a union (int, or float without a fraction): keep one error per field.
    by_field: dict[str, str] = {}
    for error in errors:
        by_field.setdefault(_dotted(error["loc"][1:]), error["msg"])
    problems = [
        Problem(election, field or None, f"elections[{index}]: {message}")
        for field, message in list(by_field.items())[:MAX_PROBLEMS_PER_ELECTION]
    ]
    if len(by_field) > MAX_PROBLEMS_PER_ELECTION:
        more = len(by_field) - MAX_PROBLEMS_PER_ELECTION
        problems.append(Problem(election, None, f"elections[{index}]: {more} more errors"))
    return problems


def _dotted(loc: Sequence[Any]) -> str:
    # Pydantic adds union-member and validator tags ("int", "function-after[...]") to
    # locations; people want the document's own path.
    return ".".join(str(p) for p in loc if isinstance(p, int) or not _is_tag(str(p)))


def _is_tag(part: str) -> bool:
    return (
        part in {"str", "int", "float", "bool"}
        or "[" in part
        or part.startswith(("constrained-", "function-"))
    )


def _timestamp(value: str | None, election: str | None, problems: list[Problem]) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        problems.append(
            Problem(election, "updated_at", f"{value[:40]!r} is not an RFC 3339 date-time")
        )
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _to_parsed(
    item: ElectionModel,
    doc_time: datetime | None,
    label: str | None,
    source_id: str,
    problems: list[Problem],
) -> ParsedTally:
    election_id = item["id"]
    stamp = item.get("updated_at")
    when = doc_time if stamp is None else _timestamp(stamp, election_id, problems) or doc_time
    choices = tuple(
        [Choice(c["name"], c["votes"], c.get("against", False)) for c in item["choices"]]
    )
    tally = Tally(
        election_id=election_id,
        round=item.get("round", DEFAULT_ROUND),
        choices=choices,
        challenged=item.get("challenged", 0),
        void=item.get("void", 0),
        status=_STATUSES[item.get("status", DEFAULT_STATUS)],
        ballots_cast=item.get("ballots_cast"),
        eligible_voters=item.get("eligible_voters"),
        determinative_flag=item.get("challenges_determinative"),
        updated_at=when,
        source=source_id,
        source_kind=SourceKind.NATIVE,
        source_label=label,
        note=item.get("note"),
        url=item.get("url"),
    )
    election = Election(
        id=election_id,
        name=item.get("name"),
        short_name=item.get("short_name"),
        aliases=tuple(item.get("aliases", ())),
        case_number=item.get("case_number"),
        unit=item.get("unit", DEFAULT_UNIT),
        employer=item.get("employer"),
        location=item.get("location"),
        url=item.get("url"),
    )
    return ParsedTally(tally, election)
