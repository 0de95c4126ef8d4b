"""The pydantic models stay equal to spec/feed-v1.schema.json: both judge the same documents
and elections the same way (jsonschema Draft 2020-12 on the shared file, read in place).

The parser's hand-fed checks (DESIGN §4: totals, `against` marks, control characters …) go
beyond the schema: they may refuse what it accepts, never accept what it refuses."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from bot.feeds.base import ParseContext, ParseError
from bot.feeds.parsers.native import parse_native
from bot.feeds.parsers.native_election import validate_election
from bot.feeds.parsers.native_models import (
    CASE_PATTERN,
    DEFAULTS,
    MAX_COUNT,
    MAX_ELECTIONS,
    ROUND_PATTERN,
    SLUG_PATTERN,
    UNIT_PATTERN,
    StatusName,
)
from tests.feeds.conftest import SCHEMA

CTX = ParseContext("schema-test")

VALID_ELECTION: dict[str, Any] = {
    "id": "jfk8",
    "name": "Amazon JFK8 (Staten Island, NY)",
    "short_name": "JFK8",
    "aliases": ["staten-island"],
    "case_number": "29-RC-288020",
    "unit": "A",
    "round": "initial",
    "employer": "Amazon.com Services LLC",
    "location": "Staten Island, NY",
    "status": "counting",
    "eligible_voters": 8325,
    "ballots_cast": 4869,
    "choices": [
        {"name": "Amazon Labor Union", "votes": 1518},
        {"name": "No union", "votes": 1154, "against": True},
    ],
    "challenged": 0,
    "void": 0,
    "updated_at": "2022-03-31T23:05:00Z",
    "url": "https://example.org/jfk8",
    "note": "Count resumes Friday",
    "challenges_determinative": False,
}

# Values worth trying in any field: edges of every rule in the schema. No string ends in a
# newline: Python's `re` (jsonschema) lets `$` match before one, ECMA-262 (pydantic) does not.
INTERESTING: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    -1,
    2.0,
    2.5,
    MAX_COUNT,
    MAX_COUNT + 1,
    "",
    "a",
    "all",
    "A",
    "AB",
    "jfk8",
    "JFK8",
    "-jfk8",
    "x" * 40,
    "x" * 41,
    "x" * 120,
    "x" * 121,
    "x" * 200,
    "x" * 201,
    "x" * 501,
    "29-RC-288020",
    "29-rc-288020",
    "initial",
    "initial-sd",
    "rerun-2",
    "revised-rerun",
    "runoff_2",
    "final",
    "rerun_ordered",
    "over",
    [],
    ["a"],
    ["a"] * 11,
    ["BAD"],
    {},
    [{"name": "A", "votes": 1}],
    [{"name": "A", "votes": 1}, {"name": "B", "votes": 2, "against": True}],
    [{"name": "A", "votes": 1}, {"name": "B", "votes": 2, "extra": 1}],
    [{"name": "A", "votes": 1}, {"name": "", "votes": 2}],
    [{"name": "A", "votes": 1}, {"votes": 2}],
    [{"name": "A", "votes": 1}, {"name": "B", "votes": True}],
    [{"name": "A", "votes": 1}, {"name": "B", "votes": 2, "against": "yes"}],
    [{"name": str(i), "votes": i} for i in range(5)],
    [{"name": str(i), "votes": i} for i in range(6)],
    [{"name": "x" * 120, "votes": 1}, {"name": "B", "votes": MAX_COUNT}],
    [{"name": "x" * 121, "votes": 1}, {"name": "B", "votes": 2}],
    [{"name": "A", "votes": 1}, {"name": "B", "votes": MAX_COUNT + 1}],
    [{"name": "A", "votes": 1.0}, {"name": "B", "votes": 2, "against": None}],
    [{"name": "A", "votes": 1}, "B"],
    [{"name": "A", "votes": 1, "x-seat": [1]}, {"name": "B", "votes": 2, "against": True}],
    [{"name": "A", "votes": 1, "x": 1}, {"name": "B", "votes": 2, "against": True}],
]
FIELDS = [*VALID_ELECTION, "unknown_key", "challanged", "x-extension", "x-", "X-upper"]


@pytest.fixture(scope="module")
def validator(shared_dir: Path) -> Draft202012Validator:
    schema = json.loads((shared_dir / SCHEMA).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def election_accepted(election: object) -> bool:
    """The schema layer of the parser: what the models (and `x-` handling) accept."""
    model, findings = validate_election(copy.deepcopy(election))
    assert (model is None) == bool(findings)
    return model is not None


def election_parsed(election: object) -> bool:
    """The whole parser: the schema layer, then the hand-fed checks."""
    body = json.dumps({"feed_version": 1, "elections": [election]}).encode()
    return len(parse_native(body, CTX).tallies) == 1


def document_accepted(body: bytes) -> bool:
    try:
        parse_native(body, CTX)
    except ParseError:
        return False
    return True


def schema_accepts_election(validator: Draft202012Validator, election: object) -> bool:
    return validator.is_valid({"feed_version": 1, "elections": [election]})


def test_patterns_enums_and_defaults_are_the_schemas(validator: Draft202012Validator) -> None:
    schema = validator.schema
    election = schema["$defs"]["election"]["properties"]
    assert election["id"]["pattern"] == SLUG_PATTERN
    assert election["aliases"]["items"]["pattern"] == SLUG_PATTERN
    assert election["case_number"]["pattern"] == CASE_PATTERN
    assert election["unit"]["pattern"] == UNIT_PATTERN
    assert election["round"]["pattern"] == ROUND_PATTERN
    assert election["status"]["enum"] == list(StatusName.__args__)
    assert schema["$defs"]["count"]["maximum"] == MAX_COUNT
    assert schema["properties"]["elections"]["maxItems"] == MAX_ELECTIONS
    defaults = {name: spec["default"] for name, spec in election.items() if "default" in spec}
    choice = election["choices"]["items"]["properties"]
    defaults |= {name: spec["default"] for name, spec in choice.items() if "default" in spec}
    assert defaults == DEFAULTS


def test_models_and_schema_agree_on_every_field_edge(validator: Draft202012Validator) -> None:
    disagreements = []
    for field in FIELDS:
        for value in INTERESTING:
            election = copy.deepcopy(VALID_ELECTION)
            election[field] = copy.deepcopy(value)
            ours, theirs = election_accepted(election), schema_accepts_election(validator, election)
            if ours != theirs:
                disagreements.append((field, repr(value)[:40], ours, theirs))
    assert disagreements == []


@pytest.mark.parametrize("field", [f for f in VALID_ELECTION if f not in ("id", "choices")])
def test_optional_fields_may_be_left_out(validator: Draft202012Validator, field: str) -> None:
    election = copy.deepcopy(VALID_ELECTION)
    del election[field]
    assert election_accepted(election)
    assert schema_accepts_election(validator, election)


@pytest.mark.parametrize("field", ["id", "choices"])
def test_required_fields_are_required(validator: Draft202012Validator, field: str) -> None:
    election = copy.deepcopy(VALID_ELECTION)
    del election[field]
    assert not election_accepted(election)
    assert not schema_accepts_election(validator, election)


@given(
    changes=st.dictionaries(
        st.sampled_from(FIELDS), st.sampled_from(INTERESTING), min_size=1, max_size=4
    ),
    removed=st.sets(st.sampled_from(list(VALID_ELECTION)), max_size=3),
)
def test_models_and_schema_agree_on_mixed_changes(
    validator: Draft202012Validator, changes: dict[str, Any], removed: set[str]
) -> None:
    election = copy.deepcopy(VALID_ELECTION)
    for field in removed:
        election.pop(field, None)
    election.update(copy.deepcopy(changes))
    assert election_accepted(election) == schema_accepts_election(validator, election)
    if election_parsed(election):
        assert election_accepted(election)


def test_the_valid_election_passes_the_hand_fed_checks_too() -> None:
    assert election_parsed(VALID_ELECTION)


DOCUMENTS: list[Any] = [
    {"feed_version": 1, "elections": []},
    {"feed_version": 1.0, "elections": []},
    {"feed_version": True, "elections": []},
    {"feed_version": 2, "elections": []},
    {"feed_version": "1", "elections": []},
    {"elections": []},
    {"feed_version": 1},
    {"feed_version": 1, "elections": {}},
    {"feed_version": 1, "elections": None},
    {"feed_version": 1, "elections": [], "source": "x" * 200},
    {"feed_version": 1, "elections": [], "source": "x" * 201},
    {"feed_version": 1, "elections": [], "source": None},
    {"feed_version": 1, "elections": [], "updated_at": 5},
    {"feed_version": 1, "elections": [], "updated_at": "2022-03-31T23:05:00Z"},
    {"feed_version": 1, "elections": [], "anything": {"else": [1, 2]}},
    [],
    "feed",
    None,
]


@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda d: json.dumps(d)[:50])
def test_models_and_schema_agree_on_documents(validator: Draft202012Validator, doc: Any) -> None:
    assert document_accepted(json.dumps(doc).encode()) == validator.is_valid(doc)


def test_too_many_elections_fails_both(validator: Draft202012Validator) -> None:
    doc = {"feed_version": 1, "elections": [VALID_ELECTION] * (MAX_ELECTIONS + 1)}
    assert not validator.is_valid(doc)
    assert not document_accepted(json.dumps(doc).encode())


def test_patterns_are_ecma_not_python_at_a_trailing_newline(
    validator: Draft202012Validator,
) -> None:
    """The one known difference: Python's `re` (used by jsonschema) lets `$` match before a
    final newline; ECMA-262, which JSON Schema specifies, does not. The models follow ECMA."""
    election = {**VALID_ELECTION, "id": "jfk8\n"}
    assert not election_accepted(election)
    assert schema_accepts_election(validator, election)  # jsonschema's leniency, not ours
