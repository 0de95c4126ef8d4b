"""What the store's columns can hold, checked before a write: a value that does not fit
would fail the whole transaction on PostgreSQL, and with it every other election of the
same poll (DESIGN §4 failures)."""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.models import Election, Tally

# Column widths (bot/store/schema.py); Text columns have no limit but take no NUL.
ELECTION_ID_MAX = 100
ROUND_MAX = 40
SOURCE_MAX = 100
CASE_MAX = 40
UNIT_MAX = 20
ALIAS_MAX = 100


def unwritable(election: Election, tally: Tally) -> str | None:
    """Why this election's data cannot be stored, or None when it can."""
    for field, value, limit in _texts(election, tally):
        if "\x00" in value:
            return f"{field} holds a NUL character"
        if limit is not None and len(value) > limit:
            return f"{field} is {len(value)} characters long; the most the store holds is {limit}"
    return None


def _texts(election: Election, tally: Tally) -> Iterator[tuple[str, str, int | None]]:
    yield "id", election.id, ELECTION_ID_MAX
    yield "round", tally.round, ROUND_MAX
    yield "source", tally.source, SOURCE_MAX
    for field, value, limit in (
        ("case_number", election.case_number, CASE_MAX),
        ("unit", election.unit, UNIT_MAX),
        ("name", election.name, None),
        ("short_name", election.short_name, None),
        ("employer", election.employer, None),
        ("location", election.location, None),
        ("url", election.url, None),
        ("note", tally.note, None),
        ("source label", tally.source_label, None),
        ("url", tally.url, None),
    ):
        if value is not None:
            yield field, value, limit
    for alias in election.aliases:
        yield "aliases", alias, ALIAS_MAX
    for choice in tally.choices:
        yield "choices.name", choice.name, None
