"""JSON forms of the domain values the store keeps (Tally, Choice, Election), both ways, exactly."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from bot.core.models import Choice, Election, SourceKind, Status, Tally

JSONDict = dict[str, Any]


def choice_to_json(choice: Choice) -> JSONDict:
    """A choice as a JSON object."""
    return {"name": choice.name, "votes": choice.votes, "against": choice.against}


def choice_from_json(data: JSONDict) -> Choice:
    """The choice a `choice_to_json` object describes."""
    return Choice(name=data["name"], votes=data["votes"], against=data["against"])


def tally_to_json(tally: Tally) -> JSONDict:
    """Every field of a tally as a JSON object (datetimes as ISO 8601 text)."""
    return {
        "election_id": tally.election_id,
        "round": tally.round,
        "choices": [choice_to_json(c) for c in tally.choices],
        "challenged": tally.challenged,
        "void": tally.void,
        "status": tally.status.value,
        "ballots_cast": tally.ballots_cast,
        "eligible_voters": tally.eligible_voters,
        "determinative_flag": tally.determinative_flag,
        "updated_at": _datetime_to_json(tally.updated_at),
        "source": tally.source,
        "source_kind": tally.source_kind.value,
        "source_label": tally.source_label,
        "note": tally.note,
        "url": tally.url,
    }


def tally_from_json(data: JSONDict) -> Tally:
    """The tally a `tally_to_json` object describes."""
    return Tally(
        election_id=data["election_id"],
        round=data["round"],
        choices=tuple(choice_from_json(c) for c in data["choices"]),
        challenged=data["challenged"],
        void=data["void"],
        status=Status(data["status"]),
        ballots_cast=data["ballots_cast"],
        eligible_voters=data["eligible_voters"],
        determinative_flag=data["determinative_flag"],
        updated_at=_datetime_from_json(data["updated_at"]),
        source=data["source"],
        source_kind=SourceKind(data["source_kind"]),
        source_label=data["source_label"],
        note=data["note"],
        url=data["url"],
    )


def encode_tally(tally: Tally) -> EncodedJSON:
    """A tally as JSON text, ready for a JSON column."""
    return EncodedJSON(dumps(tally_to_json(tally)))


def tally_digest(tally: Tally) -> str:
    """A hash of everything a tally says except `updated_at`.

    Two tallies with the same digest are the same report: a feed that only bumps its
    timestamp adds no history row. Built from a tuple's repr, not JSON: the poller hashes
    every tally of a changed document, and this is three times cheaper.
    """
    content = (
        tally.election_id,
        tally.round,
        tuple([(c.name, c.votes, c.against) for c in tally.choices]),
        tally.challenged,
        tally.void,
        tally.status.value,
        tally.ballots_cast,
        tally.eligible_voters,
        tally.determinative_flag,
        tally.source,
        tally.source_kind.value,
        tally.source_label,
        tally.note,
        tally.url,
    )
    return _digest(repr(content))


def election_to_json(election: Election) -> JSONDict:
    """Every field of an election as a JSON object."""
    return {
        "id": election.id,
        "name": election.name,
        "short_name": election.short_name,
        "aliases": list(election.aliases),
        "case_number": election.case_number,
        "unit": election.unit,
        "employer": election.employer,
        "location": election.location,
        "url": election.url,
    }


def election_from_json(data: JSONDict) -> Election:
    """The election an `election_to_json` object describes."""
    return Election(
        id=data["id"],
        name=data["name"],
        short_name=data.get("short_name"),
        aliases=tuple(data["aliases"]),
        case_number=data["case_number"],
        unit=data["unit"],
        employer=data["employer"],
        location=data["location"],
        url=data["url"],
    )


def election_digest(election: Election) -> str:
    """A hash of everything an election's metadata says."""
    content = (
        election.id,
        election.name,
        election.short_name,
        tuple(election.aliases),
        election.case_number,
        election.unit,
        election.employer,
        election.location,
        election.url,
    )
    return _digest(repr(content))


class EncodedJSON(str):
    """JSON text already encoded: `json_serializer` passes it through untouched, so a value
    is encoded once however many rows carry it."""

    __slots__ = ()


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def dumps(value: Any) -> str:
    """Compact JSON text (one prepared encoder: json.dumps with options builds one a call)."""
    return _ENCODER.encode(value)


def json_serializer(value: Any) -> str:
    """The engine's JSON serializer: EncodedJSON as is, anything else encoded."""
    return str(value) if isinstance(value, EncodedJSON) else dumps(value)


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _datetime_to_json(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _datetime_from_json(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)
