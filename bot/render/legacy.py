"""The old render input, kept until the delivery worker calls `render_post(election, post)`:
`PostView` carried one target's mention and a clock. Remove with its last caller."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.models import Change, Election, Event, Post, Tally


@dataclass(frozen=True, slots=True, kw_only=True)
class PostView:
    """Deprecated: a post for one target. Use `Post` and `render_post(election, post)`,
    then `with_mention(body, role_id)` per delivery."""

    election: Election
    tally: Tally
    events: tuple[Event, ...] = ()
    earlier: tuple[Tally, ...] = ()
    mention_role_id: int | None = None
    now: datetime
    previous: Tally | None = None

    @classmethod
    def from_change(
        cls,
        election: Election,
        change: Change,
        *,
        now: datetime,
        earlier: tuple[Tally, ...] = (),
        mention_role_id: int | None = None,
    ) -> PostView:
        return cls(
            election=election,
            tally=change.current,
            events=change.events,
            earlier=earlier,
            mention_role_id=mention_role_id,
            now=now,
            previous=change.previous,
        )

    def to_post(self) -> Post:
        """The post this view describes; `now` stands in for the tally's missing time."""
        return Post(
            election_id=self.election.id,
            round=self.tally.round,
            events=self.events,
            tally=self.tally,
            previous=self.previous,
            other_rounds=self.earlier,
            planned_at=self.now,
        )
