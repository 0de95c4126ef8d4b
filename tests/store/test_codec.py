"""Tallies, choices and elections survive the trip to JSON and back exactly."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from bot.core.models import Choice, Election, SourceKind, Status, Tally
from bot.store.codec import (
    dumps,
    election_from_json,
    election_to_json,
    encode_tally,
    tally_digest,
    tally_from_json,
    tally_to_json,
)

FULL = Tally(
    election_id="bessemer",
    round="rerun",
    choices=(
        Choice("Retail, Wholesale and Department Store Union", 875),
        Choice("No union", 993, against=True),
    ),
    challenged=416,
    void=None,
    status=Status.FINAL,
    ballots_cast=2375,
    eligible_voters=6153,
    determinative_flag=True,
    updated_at=datetime(2022, 3, 31, 18, 5, 7, 123456, tzinfo=timezone(timedelta(hours=-5))),
    source="nlrb",
    source_kind=SourceKind.OFFICIAL,
    source_label="NLRB Tally of Ballots",
    note='Counted in Birmingham; "challenged" ballots unresolved',
    url="https://www.nlrb.gov/case/10-RC-269250",
)


@pytest.mark.parametrize(
    "value",
    [
        FULL,
        dataclasses.replace(FULL, updated_at=datetime(2022, 4, 1, 21, 0, tzinfo=UTC)),
        dataclasses.replace(FULL, updated_at=datetime(2022, 4, 1, 21, 0)),  # naive stays naive
        dataclasses.replace(FULL, updated_at=None, choices=(), determinative_flag=None),
        Tally(election_id="jfk8"),
    ],
)
def test_a_tally_round_trips_through_json_text(value: Tally) -> None:
    back = tally_from_json(json.loads(encode_tally(value)))
    assert back == value
    assert back.updated_at == value.updated_at
    assert (back.updated_at and back.updated_at.utcoffset()) == (
        value.updated_at and value.updated_at.utcoffset()
    )


def test_choices_keep_their_order_and_against_flag() -> None:
    back = tally_from_json(tally_to_json(FULL))
    assert back.choices == FULL.choices
    assert [c.against for c in back.choices] == [False, True]


def test_an_election_round_trips() -> None:
    election = Election(
        id="jfk8",
        name="Amazon JFK8 (Staten Island, NY)",
        aliases=("staten-island", "jfk-8"),
        case_number="29-RC-288020",
        unit="A",
        employer="Amazon.com Services LLC",
        location="Staten Island, NY",
        url="https://www.nlrb.gov/case/29-RC-288020",
    )
    assert election_from_json(json.loads(dumps(election_to_json(election)))) == election


def test_the_digest_ignores_only_updated_at() -> None:
    base = tally_digest(FULL)
    assert tally_digest(dataclasses.replace(FULL, updated_at=None)) == base
    changes: dict[str, Any] = {
        "election_id": "other",
        "round": "initial",
        "choices": FULL.choices[:1],
        "challenged": 415,
        "void": 0,
        "status": Status.CERTIFIED,
        "ballots_cast": 2376,
        "eligible_voters": 6154,
        "determinative_flag": False,
        "source": "organizers",
        "source_kind": SourceKind.NATIVE,
        "source_label": "someone else",
        "note": None,
        "url": None,
    }
    fields = {f.name for f in dataclasses.fields(Tally)} - {"updated_at"}
    assert set(changes) == fields, "a new Tally field must be part of the digest"
    for name, value in changes.items():
        assert tally_digest(dataclasses.replace(FULL, **{name: value})) != base, name


def test_a_vote_moving_between_choices_changes_the_digest() -> None:
    moved = dataclasses.replace(
        FULL, choices=(Choice(FULL.choices[0].name, 876), Choice("No union", 992, against=True))
    )
    assert tally_digest(moved) != tally_digest(FULL)
