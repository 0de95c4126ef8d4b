"""The native (feed v1) parser: mapping to tallies, per-election problems, document failures."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.core.models import Choice, Election, SourceKind, Status
from bot.feeds.base import ParseContext, ParseError, Problem
from bot.feeds.parsers.native import parse_native

CTX = ParseContext("organizers")


def jfk8(**changes: Any) -> dict[str, Any]:
    election: dict[str, Any] = {
        "id": "jfk8",
        "name": "Amazon JFK8 (Staten Island, NY)",
        "case_number": "29-RC-288020",
        "employer": "Amazon.com Services LLC",
        "location": "Staten Island, NY",
        "status": "paused",
        "eligible_voters": 8325,
        "choices": [
            {"name": "Amazon Labor Union", "votes": 1518},
            {"name": "No union", "votes": 1154, "against": True},
        ],
        "challenged": 0,
        "void": 0,
        "note": "Count resumes Friday 10 a.m. ET",
    }
    election.update(changes)
    return election


def document(*elections: dict[str, Any], **head: Any) -> bytes:
    doc: dict[str, Any] = {
        "feed_version": 1,
        "updated_at": "2022-03-31T23:05:00Z",
        "source": "ALU count watchers, unofficial",
        "elections": list(elections),
    }
    doc.update(head)
    return json.dumps(doc).encode()


def test_the_schema_example_maps_to_a_tally_and_an_election() -> None:
    result = parse_native(document(jfk8()), CTX)
    assert result.problems == ()
    (parsed,) = result.tallies
    tally = parsed.tally
    assert tally.election_id == "jfk8"
    assert tally.round == "initial"
    assert tally.status is Status.PAUSED
    assert tally.choices == (
        Choice("Amazon Labor Union", 1518),
        Choice("No union", 1154, against=True),
    )
    assert (tally.challenged, tally.void, tally.eligible_voters) == (0, 0, 8325)
    assert tally.ballots_cast is None
    assert tally.determinative_flag is None
    assert tally.source == "organizers"
    assert tally.source_kind is SourceKind.NATIVE
    assert tally.source_label == "ALU count watchers, unofficial"
    assert tally.updated_at == datetime(2022, 3, 31, 23, 5, tzinfo=UTC)
    assert tally.note == "Count resumes Friday 10 a.m. ET"
    assert parsed.election == Election(
        id="jfk8",
        name="Amazon JFK8 (Staten Island, NY)",
        case_number="29-RC-288020",
        unit="A",
        employer="Amazon.com Services LLC",
        location="Staten Island, NY",
    )


def test_defaults_apply_when_keys_are_absent() -> None:
    minimal = {
        "id": "x",
        "choices": [{"name": "U", "votes": 1}, {"name": "N", "votes": 2, "against": True}],
    }
    body = json.dumps({"feed_version": 1, "elections": [minimal]}).encode()
    (parsed,) = parse_native(body, CTX).tallies
    tally = parsed.tally
    assert tally.status is Status.COUNTING
    assert tally.round == "initial"
    assert (tally.challenged, tally.void) == (0, 0)
    assert tally.choices[0].against is False
    assert tally.updated_at is None
    assert tally.source_label is None
    assert parsed.election.unit == "A"
    assert parsed.election.aliases == ()


def test_election_fields_win_over_document_fields() -> None:
    election = jfk8(
        updated_at="2022-04-01T18:30:00-04:00",
        round="rerun-2",
        unit="B",
        aliases=["staten-island"],
        ballots_cast=4869,
        challenges_determinative=True,
        url="https://example.org/jfk8",
    )
    (parsed,) = parse_native(document(election), CTX).tallies
    assert parsed.tally.updated_at == datetime(2022, 4, 1, 22, 30, tzinfo=UTC)
    assert parsed.tally.round == "rerun-2"
    assert parsed.tally.ballots_cast == 4869
    assert parsed.tally.determinative_flag is True
    assert parsed.tally.url == "https://example.org/jfk8"
    assert parsed.election.unit == "B"
    assert parsed.election.aliases == ("staten-island",)


def test_one_bad_election_is_skipped_and_named_with_its_field() -> None:
    bad = jfk8(id="bessemer")
    bad["choices"][1]["votes"] = -3
    good = jfk8()
    result = parse_native(document(bad, good), CTX)
    assert [p.tally.election_id for p in result.tallies] == ["jfk8"]
    (problem,) = result.problems
    assert problem.election == "bessemer"
    assert problem.field == "choices.1.votes"
    assert problem.error == (
        "elections[0]: -3 is negative: a count is 0 or more (election skipped)"
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": "all"}, "id"),
        ({"id": "JFK8"}, "id"),
        ({"case_number": "29-rc-288020"}, "case_number"),
        ({"unit": "AB"}, "unit"),
        ({"round": "second"}, "round"),
        ({"status": "over"}, "status"),
        ({"name": None}, "name"),
        ({"choices": [{"name": "Only", "votes": 3}]}, "choices"),
        (
            {"choices": [{"name": "A", "votes": 1}, {"name": "B", "votes": 2, "color": "red"}]},
            "choices.1.color",
        ),
        ({"challenged": True}, "challenged"),
        ({"void": "2"}, "void"),
        ({"eligible_voters": 10_000_001}, "eligible_voters"),
        ({"name": "x" * 201}, "name"),
        ({"aliases": ["ok"] * 11}, "aliases"),
        ({"challenges_determinative": "yes"}, "challenges_determinative"),
    ],
)
def test_schema_breaches_name_the_field(change: dict[str, Any], field: str) -> None:
    result = parse_native(document(jfk8(**change), jfk8(id="other")), CTX)
    assert [p.tally.election_id for p in result.tallies] == ["other"]
    assert result.problems
    assert result.problems[0].field == field


def test_an_election_that_is_not_an_object_is_a_problem() -> None:
    body = json.dumps({"feed_version": 1, "elections": ["jfk8", jfk8()]}).encode()
    result = parse_native(body, CTX)
    assert len(result.tallies) == 1
    assert result.problems == (
        Problem(None, None, 'elections[0]: "jfk8" is not an object (election skipped)'),
    )


def test_extension_keys_are_ignored_at_every_level() -> None:
    election = jfk8(**{"x-color": "red"})
    election["choices"][0]["x-seat"] = {"row": 1}
    result = parse_native(document(election, **{"x-generator": "sheet script"}), CTX)
    assert len(result.tallies) == 1
    assert result.problems == ()


def test_an_unknown_document_key_is_a_problem_and_the_document_goes_on() -> None:
    result = parse_native(document(jfk8(), sorce="typo"), CTX)
    assert len(result.tallies) == 1
    (problem,) = result.problems
    assert (problem.election, problem.field) == (None, "sorce")
    assert "did you mean `source`?" in problem.error


def test_integral_floats_are_counts() -> None:
    election = jfk8(challenged=3.0, eligible_voters=8325.0)
    election["choices"][0]["votes"] = 1518.0
    (parsed,) = parse_native(document(election), CTX).tallies
    assert parsed.tally.challenged == 3
    assert type(parsed.tally.challenged) is int
    assert type(parsed.tally.choices[0].votes) is int
    result = parse_native(document(jfk8(void=2.5)), CTX)
    assert result.tallies == ()


def test_a_bad_timestamp_is_a_problem_but_the_election_stays() -> None:
    result = parse_native(document(jfk8(updated_at="yesterday")), CTX)
    assert len(result.tallies) == 1
    assert result.tallies[0].tally.updated_at == datetime(2022, 3, 31, 23, 5, tzinfo=UTC)
    assert result.problems == (
        Problem(
            "jfk8",
            "updated_at",
            'elections[0]: "yesterday" is not an RFC 3339 date-time such as '
            "2022-03-31T23:05:00Z: ignored",
        ),
    )


def test_a_second_tally_of_the_same_round_skips_both() -> None:
    result = parse_native(document(jfk8(), jfk8(id="other"), jfk8(status="final")), CTX)
    assert [p.tally.election_id for p in result.tallies] == ["other"]
    (problem,) = result.problems
    assert (problem.election, problem.field) == ("jfk8", "round")
    assert "given 2 times (elections[0], elections[2])" in problem.error


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty"),
        (b"   ", "empty"),
        (b"<!DOCTYPE html><html><body>Sign in</body></html>", "HTML"),
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "JSON array, not an object"),
        (b'{"feed_version": 1}', "no `elections` list"),
        (b'{"feed_version": 1, "elections": {}}', "`elections` is a JSON object, not a list"),
        (b'{"feed_version": 2, "elections": []}', "feed_version 2 is not supported"),
        (b'{"feed_version": true, "elections": []}', "feed_version"),
        (b'{"elections": []}', "feed_version"),
        (b'{"feed_version": 1, "source": 7, "elections": []}', "source"),
    ],
)
def test_unusable_documents_are_parse_errors(body: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message.replace("[", r"\[")):
        parse_native(body, CTX)


def test_an_empty_election_list_is_a_good_document() -> None:
    result = parse_native(b'{"feed_version": 1.0, "elections": []}', CTX)
    assert result.tallies == ()
    assert result.problems == ()


def test_five_thousand_elections_parse_into_five_thousand_tallies() -> None:
    elections = [jfk8(id=f"e{i}", case_number=f"29-RC-{i:06d}") for i in range(5000)]
    elections[1234]["choices"] = []
    result = parse_native(document(*elections), CTX)
    assert len(result.tallies) == 4999
    assert [p.election for p in result.problems] == ["e1234"]
    assert result.tallies[-1].tally.election_id == "e4999"
