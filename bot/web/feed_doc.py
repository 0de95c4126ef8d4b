"""The published tallies as a feed v1 document (spec/feed-v1.schema.json), so another
tallybot, a newsroom's script or a spreadsheet can follow this one as a `native` feed.

Pure: values in, JSON bytes out. Every value is kept within the schema: a text is cut to
its maxLength and cleared of control characters and bidirectional overrides (a reader's
hand-fed checks refuse those), a field that cannot match its pattern is left out, and a
round whose ballot the schema cannot hold (fewer than 2 or more than 5 choices) is left
out of the document rather than make the document invalid.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.core.models import Election, SourceKind, Tally

FEED_VERSION = 1
DOCUMENT_SOURCE = "tallybot (republished published tallies)"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_CASE = re.compile(r"^[0-9]{2}-[A-Z]{2}-[0-9]{6}$")
_UNIT = re.compile(r"^[A-Z]$")
_ROUND = re.compile(r"^(initial|rerun|runoff|revised)(-[a-z0-9]+)*$")
# C0 and C1 controls, and the bidirectional embeddings, overrides and isolates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]+")
_MAX_COUNT = 10_000_000
_MAX_ALIASES = 10
_MIN_CHOICES, _MAX_CHOICES = 2, 5
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def rfc3339(moment: datetime) -> str:
    """A UTC timestamp as RFC 3339 text: "2022-04-01T12:00:00Z"."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.isoformat().replace("+00:00", "Z")


def text(value: str | None, limit: int) -> str | None:
    """Feed text made safe for the schema and for readers' hand-fed checks; None when
    nothing is left."""
    if value is None:
        return None
    cleaned = " ".join(_UNSAFE.sub(" ", value).split())
    return cleaned[:limit] or None


def _count(value: int | None) -> int | None:
    if value is None or value < 0:
        return None
    return min(value, _MAX_COUNT)


def round_entry(
    election: Election, tally: Tally, *, updated_at: datetime | None = None
) -> dict[str, Any] | None:
    """One round of one election as a feed v1 election object, or None when the schema
    cannot hold it. `updated_at` stands in when the tally carries no time of its own."""
    if not _SLUG.match(election.id) or election.id == "all" or not _ROUND.match(tally.round):
        return None
    choices = []
    for choice in tally.choices:
        name = text(choice.name, 120)
        if name is None:
            return None
        item: dict[str, Any] = {"name": name, "votes": _count(choice.votes) or 0}
        if choice.against:
            item["against"] = True
        choices.append(item)
    if not _MIN_CHOICES <= len(choices) <= _MAX_CHOICES:
        return None
    entry: dict[str, Any] = {"id": election.id}
    _put(entry, "name", text(election.name, 200))
    _put(entry, "short_name", text(election.short_name, 40))
    aliases = [a for a in election.aliases if _SLUG.match(a) and a != "all"][:_MAX_ALIASES]
    if aliases:
        entry["aliases"] = aliases
    case = (election.case_number or "").strip().upper()
    if _CASE.match(case):
        entry["case_number"] = case
    if _UNIT.match(election.unit):
        entry["unit"] = election.unit
    entry["round"] = tally.round
    _put(entry, "employer", text(election.employer, 200))
    _put(entry, "location", text(election.location, 200))
    entry["status"] = tally.status.value
    _put(entry, "eligible_voters", _count(tally.eligible_voters))
    _put(entry, "ballots_cast", _count(tally.ballots_cast))
    entry["choices"] = choices
    entry["challenged"] = _count(tally.challenged) or 0
    entry["void"] = _count(tally.void) or 0
    stamp = tally.updated_at or updated_at
    if stamp is not None:
        entry["updated_at"] = rfc3339(stamp)
    _put(entry, "url", _url(tally.url or election.url))
    _put(entry, "note", text(tally.note, 500))
    # Only a source's own finding travels: the reader computes the rest itself (§3).
    if tally.source_kind is SourceKind.OFFICIAL and tally.determinative_flag is not None:
        entry["challenges_determinative"] = tally.determinative_flag
    _put(entry, "x-source", text(tally.source_label, 200))
    entry["x-source-kind"] = tally.source_kind.value
    return entry


def _put(entry: dict[str, Any], key: str, value: object) -> None:
    if value is not None:
        entry[key] = value


def _url(value: str | None) -> str | None:
    if not value or len(value) > 500 or any(ch.isspace() for ch in value):
        return None
    return value if value.startswith(("https://", "http://")) else None


def encode_entries(entries: Iterable[dict[str, Any]]) -> bytes:
    """Election objects as the comma-separated inside of the `elections` array."""
    return b",".join(_ENCODER.encode(entry).encode() for entry in entries)


def document(fragments: Sequence[bytes], *, updated_at: datetime | None) -> bytes:
    """A whole feed v1 document around already-encoded election fragments (each the output
    of `encode_entries`; empty ones are skipped): assembling 5,000 elections is one join."""
    head: dict[str, Any] = {"feed_version": FEED_VERSION}
    if updated_at is not None:
        head["updated_at"] = rfc3339(updated_at)
    head["source"] = DOCUMENT_SOURCE
    opening = _ENCODER.encode(head)[:-1].encode() + b',"elections":['
    return opening + b",".join(f for f in fragments if f) + b"]}"


def etag(body: bytes) -> str:
    """A strong entity tag for a body: its content hash, quoted."""
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
