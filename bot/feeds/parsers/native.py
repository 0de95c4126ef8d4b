"""Parse a feed v1 document (format `native`) into tallies, one bad election at a time.

The fast path validates the bytes in one call (pydantic, in Rust) and then runs the cheap
hand-fed checks election by election; anything the strict models refuse (an unknown key, an
`x-` extension, a bad value) takes the slow path, which finds out what and keeps every
election that is fine. A document is invalid as a whole when it is not JSON as RFC 8259
defines it (NaN, Infinity) or repeats a key in one object (DESIGN §4).
"""

from __future__ import annotations

import codecs
from typing import Any

import pydantic_core
from pydantic import ValidationError

from bot.core.models import DEFAULT_ROUND
from bot.feeds.base import (
    ParseContext,
    ParsedTally,
    ParseError,
    ParseResult,
    Problem,
    UnavailablePage,
)
from bot.feeds.parsers import handfed
from bot.feeds.parsers.native_checks import (
    Key,
    Problems,
    check_election,
    document_time,
    keys_are_unique,
    label_of,
    problems_of,
    raise_on_repeated_key,
    record,
    report_repeats,
    texts_are_clean,
)
from bot.feeds.parsers.native_delta import parse_delta
from bot.feeds.parsers.native_election import dotted, validate_election
from bot.feeds.parsers.native_extensions import count_keys, without_extensions
from bot.feeds.parsers.native_models import (
    DOCUMENT_KEYS,
    MAX_ELECTIONS,
    DocumentHead,
    ElectionModel,
    document_adapter,
    elections_adapter,
    head_adapter,
)

DEADLINE_EVERY = 256  # elections between two looks at the clock


def parse_native(body: bytes, ctx: ParseContext) -> ParseResult:
    """Feed v1 bytes to tallies. Raises ParseError when the document itself is unusable;
    an election that breaks the schema or a hand-fed check is skipped with a problem naming
    it, the key path, the value and the fix."""
    body = body.removeprefix(codecs.BOM_UTF8)
    delta = parse_delta(body, ctx)
    if delta is not None:
        return delta
    return parse_full(body, ctx)


def parse_full(body: bytes, ctx: ParseContext) -> ParseResult:
    """The whole document validated, built and checked, with no memo: what `parse_delta`
    must equal, and what decides every document it is unsure of."""
    body = body.removeprefix(codecs.BOM_UTF8)
    problems = Problems()
    try:
        document = document_adapter().validate_json(body)
    except ValidationError:
        return _slow(body, ctx, problems)
    head: DocumentHead = document
    entries = list(enumerate(document["elections"]))
    result = _build(head, entries, {}, ctx, problems, texts_clean=texts_are_clean(body))
    if not keys_are_unique(body, result.keys + len(document)):
        raise_on_repeated_key(body)
    return result.parse_result


def _slow(body: bytes, ctx: ParseContext, problems: Problems) -> ParseResult:
    """The document as Python values: the elections without their extensions validated in
    one call; those that fail, again one by one for their reasons (`validate_election`)."""
    raw = load_json(body)
    head = _head(raw, problems)
    items: list[Any] = raw["elections"]
    adapter = elections_adapter()
    cleaned = [without_extensions(item) for item in items]
    try:
        models = adapter.validate_python(cleaned)
        bad: set[int] = set()
    except ValidationError as exc:
        bad = {int(error["loc"][0]) for error in exc.errors()}
        models = adapter.validate_python([x for i, x in enumerate(cleaned) if i not in bad])
    good = iter(models)
    entries: list[tuple[int, ElectionModel]] = []
    rejected: dict[int, Key | None] = {}
    for index, item in enumerate(items):
        if index not in bad:
            entries.append((index, next(good)))
            continue
        if index % DEADLINE_EVERY == 0:
            ctx.check_deadline()
        _, findings = validate_election(item)
        rejected[index] = _raw_key(item)
        problems.extend(index, problems_of(index, _raw_id(item), findings))
    clean = texts_are_clean(body)
    return _build(head, entries, rejected, ctx, problems, texts_clean=clean).parse_result


class _Built:
    """What the election loop produced, and how many keys its objects held."""

    def __init__(self, result: ParseResult, keys: int) -> None:
        self.parse_result = result
        self.keys = keys


def _build(
    head: DocumentHead,
    entries: list[tuple[int, ElectionModel]],
    rejected: dict[int, Key | None],
    ctx: ParseContext,
    problems: Problems,
    *,
    texts_clean: bool,
) -> _Built:
    """Check and build each valid election; skip every (election, round) given twice."""
    doc_time = document_time(head, problems)
    label = label_of(head, problems)
    built: list[tuple[Key, int, ParsedTally]] = []
    places: dict[Key, list[int]] = {}
    for index, key in rejected.items():
        if key is not None:
            places.setdefault(key, []).append(index)
    keys = 0
    for index, item in entries:
        if index % DEADLINE_EVERY == 0:
            ctx.check_deadline()
        keys += len(item) + sum(map(len, item["choices"]))
        key = (item["id"], item.get("round", DEFAULT_ROUND))
        if key in places:
            places[key].append(index)
            continue
        places[key] = [index]
        checked = check_election(item, doc_time, label, ctx.source_id, texts_clean)
        parsed = record(index, item["id"], checked, problems)
        if parsed is not None:
            built.append((key, index, parsed))
    repeated = report_repeats(places, problems)
    tallies = tuple(parsed for key, _, parsed in built if key not in repeated)
    return _Built(ParseResult(tallies, problems.ordered()), keys)


def _raw_id(raw: object) -> str | None:
    """The election's id as a problem may show it: only a short printable one."""
    value = raw.get("id") if isinstance(raw, dict) else None
    if isinstance(value, str) and value and len(value) <= 60 and value.isprintable():
        return value
    return None


def _raw_key(raw: object) -> Key | None:
    """(id, round) of an election the schema refused, for the duplicate check."""
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        return None
    round_ = raw.get("round", DEFAULT_ROUND)
    return (raw["id"], round_) if isinstance(round_, str) else None


# --- the document -------------------------------------------------------------------------


def load_json(body: bytes) -> dict[str, Any]:
    """The document as Python values; ParseError when it is not a feed v1 JSON object."""
    try:
        raw = pydantic_core.from_json(body, allow_inf_nan=False)
    except ValueError as exc:
        raise ParseError(_not_json_message(body, exc)) from None
    if not isinstance(raw, dict):
        raise ParseError(f"the feed is a JSON {_json_type(raw)}, not an object")
    if not keys_are_unique(body, count_keys(raw)):
        raise_on_repeated_key(body)
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
    if b"NaN" in body or b"Infinity" in body:
        try:
            pydantic_core.from_json(body, allow_inf_nan=True)
        except ValueError:
            pass
        else:
            return (
                "the feed holds NaN or Infinity, which are not JSON numbers (RFC 8259): "
                "write a number, or leave the key out"
            )
    return f"the feed is not valid JSON: {exc}"


def _head(raw: dict[str, Any], problems: Problems) -> DocumentHead:
    """The document's own keys; an unknown one is a problem and the document goes on."""
    known: dict[str, Any] = {}
    for key, value in raw.items():
        if handfed.is_extension(key) or key == "elections":
            continue
        if key in DOCUMENT_KEYS:
            known[key] = value
        else:
            finding = handfed.unknown_key(key, key, DOCUMENT_KEYS, "a feed v1 document")
            problems.add(Problems.DOCUMENT, Problem(None, key, f"{finding.message} (ignored)"))
    try:
        return head_adapter().validate_python(known)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise ParseError(f"document key `{dotted(error['loc'])}`: {error['msg']}") from None
