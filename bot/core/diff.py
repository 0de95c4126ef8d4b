"""Compare two published tallies of one (election, round) and name what changed (DESIGN §5);
decide whether a post passes a subscription level."""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.core.models import Change, Choice, Event, Level, Status, Tally
from bot.core.rules import (
    challenges_determinative,
    complete,
    decided,
    is_single_union,
    leader,
    valid,
)

# Status changes a `final` subscriber still wants to hear about.
_FINAL_LEVEL_STATUSES = frozenset(
    {
        Status.CERTIFIED,
        Status.OBJECTIONS,
        Status.RERUN_ORDERED,
        Status.WITHDRAWN,
        Status.DISMISSED,
    }
)
_FINAL_LEVEL_EVENTS = frozenset(
    {Event.COUNT_FINAL, Event.OUTCOME_DECIDED, Event.CORRECTION, Event.ROUND_OPENED}
)


def has_started(tally: Tally) -> bool:
    """A count has started once its status is `counting` or later, or votes exist."""
    return tally.status.has_started_counting or valid(tally) > 0


def diff(
    previous: Tally | None,
    current: Tally,
    *,
    opens_round: bool = False,
    already_started: bool | None = None,
) -> Change | None:
    """The events between two published tallies of one round, or None when nothing to post.

    `previous` is None when the round is first seen (it is diffed against an empty tally).
    `opens_round`: the election already has another published round. `already_started`:
    whether `count_started` was ever posted for this round (defaults to `previous`'s state),
    so it fires at most once per round.
    """
    before = previous or Tally.empty(current.election_id, current.round)
    started_before = has_started(before) if already_started is None else already_started
    events: list[Event] = []
    if opens_round:
        events.append(Event.ROUND_OPENED)
    if not started_before and has_started(current):
        events.append(Event.COUNT_STARTED)
    counts_changed = _counts_changed(before, current)
    if counts_changed and _is_correction(before, current):
        events.append(Event.CORRECTION)
    elif counts_changed:
        events.append(Event.COUNT_UPDATED)
    if _lead_changed(before, current):
        events.append(Event.LEAD_CHANGED)
    if decided(current) and not decided(before):
        events.append(Event.OUTCOME_DECIDED)
    if _determinative_changed(before, current):
        events.append(Event.CHALLENGES_DETERMINATIVE)
    events.extend(_status_events(before, current, Event.COUNT_STARTED in events))
    if not events and (before.note or None) != (current.note or None):
        events.append(Event.NOTE_CHANGED)  # only when nothing else moved (DESIGN §5)
    if not events:
        return None
    ordered = tuple(e for e in Event if e in events)
    return Change(current.election_id, current.round, ordered, before, current)


def _status_events(before: Tally, current: Tally, count_started: bool) -> list[Event]:
    if before.status == current.status:
        return []
    if current.status is Status.FINAL:
        return [Event.COUNT_FINAL]
    if count_started and current.status is Status.COUNTING:
        return []  # "count started" already says it
    return [Event.STATUS_CHANGED]


def _normal(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", name.casefold())


def match_choices(before: Iterable[Choice], current: Iterable[Choice]) -> list[tuple[int, int]]:
    """Pairs (old votes, new votes) of the same option on both sides; a missing side is 0.

    Sources name options differently ("No union", "Votes against", a union in capitals):
    "no union" matches by its `against` flag, a lone union matches the lone union, others
    by their name folded to letters and digits.
    """
    old, new = tuple(before), tuple(current)
    if is_single_union(old) and is_single_union(new):
        key = {c.against: c.votes for c in old}
        return [(key[c.against], c.votes) for c in new]
    old_by = {_choice_key(c): c.votes for c in old}
    new_by = {_choice_key(c): c.votes for c in new}
    return [(old_by.get(k, 0), new_by.get(k, 0)) for k in old_by.keys() | new_by.keys()]


def _choice_key(choice: Choice) -> str:
    return "\0against" if choice.against else _normal(choice.name)


def _counts_changed(before: Tally, current: Tally) -> bool:
    return (
        any(old != new for old, new in match_choices(before.choices, current.choices))
        or (before.challenged or 0) != (current.challenged or 0)
        or (before.void or 0) != (current.void or 0)
    )


def _is_correction(before: Tally, current: Tally) -> bool:
    """Votes or void went down; challenged fell by more than valid rose; or any count moved
    after the count was already final."""
    if before.status.is_final_or_later:
        return True
    if any(new < old for old, new in match_choices(before.choices, current.choices)):
        return True
    if (current.void or 0) < (before.void or 0):
        return True
    challenged_drop = (before.challenged or 0) - (current.challenged or 0)
    return challenged_drop > valid(current) - valid(before)


def _lead_changed(before: Tally, current: Tally) -> bool:
    if valid(before) <= 0 or valid(current) <= 0:
        return False
    return _leader_key(before) != _leader_key(current)


def _leader_key(tally: Tally) -> str | None:
    """The leader, named so that the same option matches across sources."""
    name = leader(tally)
    if name is None:
        return None
    choice = next(c for c in tally.choices if c.name == name)
    if is_single_union(tally.choices) and not choice.against:
        return "\0union"
    return _choice_key(choice)


def _determinative_changed(before: Tally, current: Tally) -> bool:
    """Only on a complete count: during one the flag moves with every batch, and is shown
    as a line, not announced (DESIGN §5)."""
    if not (before.challenged or current.challenged) or not complete(current):
        return False
    if not complete(before):
        return challenges_determinative(current)  # became complete with determinative ones
    return challenges_determinative(before) != challenges_determinative(current)


def passes(level: Level, change: Change) -> bool:
    """Whether a subscriber at `level` gets this post."""
    events = set(change.events)
    if level is Level.ALL:
        return bool(events)
    if level is Level.MAJOR:
        return bool(events - {Event.COUNT_UPDATED})
    if events & _FINAL_LEVEL_EVENTS:
        return True
    return Event.STATUS_CHANGED in events and change.current.status in _FINAL_LEVEL_STATUSES
