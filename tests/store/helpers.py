"""Test data builders for the store tests."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.models import Choice, Election, SourceKind, Status, Tally
from bot.store import Store

T0 = datetime(2022, 4, 1, 12, 0, tzinfo=UTC)


def tally(
    election_id: str = "jfk8",
    union: int = 0,
    against: int = 0,
    *,
    round_: str = "initial",
    source: str = "organizers",
    kind: SourceKind = SourceKind.NATIVE,
    status: Status = Status.COUNTING,
    challenged: int | None = 0,
    updated_at: datetime | None = None,
) -> Tally:
    """A single-union tally (Amazon Labor Union against "No union")."""
    return Tally(
        election_id=election_id,
        round=round_,
        choices=(Choice("Amazon Labor Union", union), Choice("No union", against, against=True)),
        challenged=challenged,
        void=0,
        status=status,
        eligible_voters=8325,
        updated_at=updated_at,
        source=source,
        source_kind=kind,
    )


async def seed_elections(store: Store, *ids: str) -> None:
    """Elections must exist before their tallies (foreign keys)."""
    async with store.transaction() as uow:
        await uow.elections.upsert_from_feed([Election(id=i) for i in ids], now=T0)
