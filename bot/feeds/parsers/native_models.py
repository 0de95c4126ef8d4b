"""Pydantic models of feed v1 (spec/feed-v1.schema.json), kept equal to the schema by a test.

They mirror the schema exactly: patterns, lengths, bounds, enums, defaults, `all` reserved,
no unknown keys in an election or a choice. Keys that begin with `x-` (extensions) are
allowed by the schema; the parser removes them before these models see them (pydantic has no
pattern for extra keys), and the fast path, which validates the raw bytes, forbids every
extra key, so a document with extensions or unknown keys takes the slow path. Notes:
- TypedDicts, not BaseModels: pydantic validates them about twice as fast (no model
  instance per election and per choice), and an optional key typed without `None` rejects
  an explicit JSON null exactly as the schema does. Defaults live in `DEFAULTS`.
- `integer` accepts 3.0, as JSON Schema does (a number without a fraction), never true or
  "3"; the parser turns such a value into an int.
- Patterns are ECMA-262 (pydantic's Rust engine): `$` does not match before a trailing
  newline, where Python's `re` (used by the jsonschema package) would.
- `format` (date-time, uri) is an annotation in JSON Schema 2020-12, not an assertion: the
  strings stay strings here and the parser reports a bad date-time as a problem.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Annotated, Any, Literal, NotRequired

from pydantic import AfterValidator, ConfigDict, Field, TypeAdapter, with_config
from typing_extensions import TypedDict

from bot.core.models import DEFAULT_ROUND, RESERVED_ID

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,39}$"
CASE_PATTERN = r"^[0-9]{2}-[A-Z]{2}-[0-9]{6}$"
UNIT_PATTERN = r"^[A-Z]$"
ROUND_PATTERN = r"^(initial|rerun|runoff|revised)(-[a-z0-9]+)*$"
MAX_COUNT = 10_000_000
MAX_ELECTIONS = 20_000

# The schema's `default` values, applied by the parser when a key is absent.
DEFAULT_UNIT = "A"
DEFAULT_STATUS = "counting"
DEFAULTS: dict[str, object] = {
    "unit": DEFAULT_UNIT,
    "round": DEFAULT_ROUND,
    "status": DEFAULT_STATUS,
    "challenged": 0,
    "void": 0,
    "against": False,
}

StatusName = Literal[
    "scheduled",
    "voting",
    "counting",
    "paused",
    "final",
    "certified",
    "objections",
    "rerun_ordered",
    "withdrawn",
    "dismissed",
]


def _not_reserved(value: str) -> str:
    if value == RESERVED_ID:
        raise ValueError(f"'{RESERVED_ID}' is reserved (it means every election)")
    return value


def _strict(**constraints: Any) -> Any:
    return Field(strict=True, **constraints)


# An int, or a float without a fraction (JSON Schema's `integer`) turned into an int; strict:
# no bools, no strings. The Python step runs for such floats only: ints stay in Rust.
# Type checkers see the result, an int.
if TYPE_CHECKING:
    Count = int
else:
    Count = (
        Annotated[int, _strict(ge=0, le=MAX_COUNT)]
        | Annotated[float, _strict(ge=0, le=MAX_COUNT, multiple_of=1), AfterValidator(int)]
    )
Slug = Annotated[str, _strict(pattern=SLUG_PATTERN)]
Text40 = Annotated[str, _strict(max_length=40)]
Text200 = Annotated[str, _strict(max_length=200)]
Text500 = Annotated[str, _strict(max_length=500)]
Timestamp = Annotated[str, _strict()]  # format: date-time (an annotation only)
StrictBool = Annotated[bool, _strict()]


@with_config(ConfigDict(extra="forbid"))
class ChoiceModel(TypedDict):
    """One option on the ballot; no unknown keys (additionalProperties: false)."""

    name: Annotated[str, _strict(min_length=1, max_length=120)]
    votes: Count
    against: NotRequired[StrictBool]


@with_config(ConfigDict(extra="forbid"))
class ElectionModel(TypedDict):
    """One tally: one round of one election, as the publisher sees it now; no unknown keys."""

    id: Annotated[str, _strict(pattern=SLUG_PATTERN), AfterValidator(_not_reserved)]
    name: NotRequired[Text200]
    short_name: NotRequired[Text40]
    aliases: NotRequired[Annotated[list[Slug], _strict(max_length=10)]]
    case_number: NotRequired[Annotated[str, _strict(pattern=CASE_PATTERN)]]
    unit: NotRequired[Annotated[str, _strict(pattern=UNIT_PATTERN)]]
    round: NotRequired[Annotated[str, _strict(pattern=ROUND_PATTERN)]]
    employer: NotRequired[Text200]
    location: NotRequired[Text200]
    status: NotRequired[StatusName]
    eligible_voters: NotRequired[Count]
    ballots_cast: NotRequired[Count]
    choices: Annotated[list[ChoiceModel], _strict(min_length=2, max_length=5)]
    challenged: NotRequired[Count]
    void: NotRequired[Count]
    updated_at: NotRequired[Timestamp]
    url: NotRequired[Text500]
    note: NotRequired[Text500]
    challenges_determinative: NotRequired[StrictBool]


def _version_one(value: int) -> int:
    if value != 1:
        raise ValueError(f"feed_version {value} is not supported: this bot reads version 1")
    return value


@with_config(ConfigDict(extra="forbid"))
class DocumentHead(TypedDict):
    """The document's own keys apart from `elections` (validated election by election).

    An unknown key here is a problem, not a failure: the slow path reports and removes it."""

    feed_version: Annotated[Count, AfterValidator(_version_one)]
    updated_at: NotRequired[Timestamp]
    source: NotRequired[Text200]


@with_config(ConfigDict(extra="forbid"))
class Document(DocumentHead):
    """A whole feed v1 document: the fast path validates it straight from the bytes, and
    any key the schema does not name sends it down the slow path."""

    elections: Annotated[list[ElectionModel], _strict(max_length=MAX_ELECTIONS)]


def _keys(model: type) -> tuple[str, ...]:
    return tuple(model.__annotations__)


# Every key each object may have, in the schema's order (for "did you mean").
DOCUMENT_KEYS = (*_keys(DocumentHead), "elections")
ELECTION_KEYS = _keys(ElectionModel)
CHOICE_KEYS = _keys(ChoiceModel)
# The schema's maxLength of each free text, by key (patterns bound the other strings).
TEXT_LENGTHS: dict[str, int] = {
    "name": 200,
    "short_name": 40,
    "employer": 200,
    "location": 200,
    "url": 500,
    "note": 500,
}
CHOICE_NAME_LENGTH = 120
SOURCE_LENGTH = 200


# Built once, on first use: validators are immutable, like compiled regular expressions.
@functools.cache
def document_adapter() -> TypeAdapter[Document]:
    return TypeAdapter(Document)


@functools.cache
def head_adapter() -> TypeAdapter[DocumentHead]:
    return TypeAdapter(DocumentHead)


@functools.cache
def election_adapter() -> TypeAdapter[ElectionModel]:
    return TypeAdapter(ElectionModel)


@functools.cache
def elections_adapter() -> TypeAdapter[list[ElectionModel]]:
    return TypeAdapter(list[ElectionModel])
