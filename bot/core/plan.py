"""The planner: one pure decision per poll (or /report) of what is published, what is posted
and to whom (DESIGN §2 "decide once"): source precedence, first sight, the diff, levels,
fan-out, coalescing and live messages. Values in, values out; the clock is passed in.

A plan is written in one transaction by the caller. Every decision that skips something
leaves a line in `Plan.notes` saying why (for debug logs), as reader's decider does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.diff import diff, has_started, passes
from bot.core.models import (
    RESERVED_ID,
    Change,
    DeliveryMode,
    Event,
    Level,
    Post,
    SourceKind,
    SubscriptionMode,
    Tally,
)
from bot.core.rules import valid

REPORT_SOURCE = "report"
CONSOLE_TARGET = "console"
_COUNT_ONLY = frozenset({Event.COUNT_UPDATED})
_LIVE_KINDS = ("channel:", "webhook:")

Key = tuple[str, str]  # (election id, round)
TargetKey = tuple[str, str, str]  # (target, election id, round)


def counted(tally: Tally) -> int:
    """Ballots counted so far: valid votes, void and challenged."""
    return valid(tally) + (tally.void or 0) + (tally.challenged or 0)


@dataclass(frozen=True, slots=True)
class SourceRanking:
    """Which source's tally of a round is published (DESIGN §4 sources and precedence).

    An official source when there is one (official sources in config order); else the
    unofficial tally with the most ballots counted, on equal counts config order, with
    sources no longer configured after the configured ones and `/report` last.
    """

    official: tuple[str, ...] = ()
    unofficial: tuple[str, ...] = ()

    @staticmethod
    def from_feeds(feeds: Iterable[tuple[str, SourceKind]]) -> SourceRanking:
        listed = list(feeds)
        return SourceRanking(
            tuple(fid for fid, kind in listed if kind is SourceKind.OFFICIAL),
            tuple(fid for fid, kind in listed if kind is not SourceKind.OFFICIAL),
        )

    def order(self, source: str) -> int:
        """Config order: official feeds, then unofficial ones, then unknown, then /report."""
        listed = self.official + self.unofficial
        if source == REPORT_SOURCE:
            return len(listed) + 1
        return listed.index(source) if source in listed else len(listed)

    def pick(self, candidates: Mapping[str, Tally]) -> Tally | None:
        """The published tally among each source's latest of one (election, round)."""
        if not candidates:
            return None
        official = [s for s, t in candidates.items() if t.source_kind is SourceKind.OFFICIAL]
        if official:
            return candidates[min(official, key=self.order)]
        best = min(candidates, key=lambda s: (-counted(candidates[s]), self.order(s)))
        return candidates[best]


@dataclass(frozen=True, slots=True)
class RoundState:
    """What the store knows of an (election, round) before this plan."""

    published: Tally | None = None
    count_started_posted: bool = False


@dataclass(frozen=True, slots=True)
class Subscriber:
    """A subscription as the planner sees it (the dry run's `console` has no id)."""

    target: str  # "channel:1", "webhook:2", "dm:3" or "console"
    election_id: str  # an election id, or "all"
    level: Level = Level.ALL
    mode: SubscriptionMode = SubscriptionMode.POST
    subscription_id: int | None = None
    language: str | None = None  # None: the guild's locale or the default, at render time
    guild_id: int | None = None
    mention_role_id: int | None = None

    @property
    def live(self) -> bool:
        """Live mode applies to channels and webhooks; DMs are always posts (DESIGN §5)."""
        return self.mode is SubscriptionMode.LIVE and self.target.startswith(_LIVE_KINDS)


@dataclass(frozen=True, slots=True)
class OpenDelivery:
    """A delivery not yet sent (queued, or claimed and being sent)."""

    id: int
    target: str
    election_id: str
    round: str
    mode: DeliveryMode
    events: tuple[Event, ...]
    queued: bool  # False: claimed, in flight: nothing may be merged into it
    mention_role_id: int | None = None

    @property
    def key(self) -> TargetKey:
        return (self.target, self.election_id, self.round)


@dataclass(frozen=True, slots=True)
class PlanInput:
    """Everything one plan decides from."""

    keys: Sequence[Key]  # the (election, round)s this poll touched, in document order
    latest: Mapping[Key, Mapping[str, Tally]]  # each source's latest tally per key
    before: Mapping[Key, RoundState]
    published_rounds: Mapping[str, Sequence[Tally]]  # each touched election's rounds now
    ranking: SourceRanking
    now: datetime
    silent: bool = False  # a feed's first document: a baseline, nothing posted
    declared: frozenset[str] = frozenset()  # elections known from the start (config)
    subscribers: Sequence[Subscriber] = ()
    open_deliveries: Sequence[OpenDelivery] = ()
    live_messages: frozenset[TargetKey] = frozenset()  # live messages that exist


@dataclass(frozen=True, slots=True)
class PublishedUpdate:
    tally: Tally
    count_started_posted: bool


@dataclass(frozen=True, slots=True)
class NewDelivery:
    """One post to one target; `seq` is its rank in its post's fan-out, so claims of
    different polls interleave (DESIGN §7)."""

    post: int  # index into Plan.posts
    target: str
    mode: DeliveryMode
    seq: int
    subscription_id: int | None = None
    language: str | None = None
    guild_id: int | None = None
    mention_role_id: int | None = None


@dataclass(frozen=True, slots=True)
class Merge:
    """A queued delivery takes a newer post: it then spans from its first post to this one,
    with the union of their events. `new_nonce`: a post whose content changed gets a new
    nonce; a live message's creation keeps its own (DESIGN §7)."""

    delivery_id: int
    post: int
    events: tuple[Event, ...]
    new_nonce: bool
    mention_role_id: int | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    published: tuple[PublishedUpdate, ...] = ()
    posts: tuple[Post, ...] = ()
    deliveries: tuple[NewDelivery, ...] = ()
    merges: tuple[Merge, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def changed_elections(self) -> frozenset[str]:
        """Elections whose published state this plan changes (for live pages)."""
        return frozenset(update.tally.election_id for update in self.published)


def plan(inp: PlanInput) -> Plan:
    """The new published state, the posts and their deliveries for one poll."""
    notes: list[str] = []
    published, changes = _publish(inp, notes)
    rounds = _rounds_after(inp.published_rounds, published)
    posts: list[Post] = []
    deliveries: list[NewDelivery] = []
    merges: list[Merge] = []
    open_by_key = _open_by_key(inp.open_deliveries)
    for change, previous in changes:
        others = tuple(t for t in rounds.get(change.election_id, ()) if t.round != change.round)
        posts.append(
            Post(
                election_id=change.election_id,
                round=change.round,
                events=change.events,
                tally=change.current,
                previous=previous,
                other_rounds=others,
                planned_at=inp.now,
            )
        )
        fan = _FanOut(len(posts) - 1, change, open_by_key, inp.live_messages, notes)
        for subscriber in _subscribers_of(change.election_id, inp.subscribers):
            fan.add(subscriber)
        deliveries.extend(fan.deliveries)
        merges.extend(fan.merges)
    return Plan(tuple(published), tuple(posts), tuple(deliveries), tuple(merges), tuple(notes))


Speaking = tuple[Change, Tally | None]  # a change, and the published tally it was made from


def _publish(inp: PlanInput, notes: list[str]) -> tuple[list[PublishedUpdate], list[Speaking]]:
    """Precedence and first sight for each touched round; one change per election: when
    several of its rounds changed at once, the last in document order speaks."""
    published: list[PublishedUpdate] = []
    speaking: dict[str, Speaking] = {}
    opened = {eid for eid, rounds in inp.published_rounds.items() if rounds}
    for key in dict.fromkeys(inp.keys):
        election_id, round_ = key
        winner = inp.ranking.pick(inp.latest.get(key, {}))
        if winner is None:
            continue
        state = inp.before.get(key, RoundState())
        if state.published is not None and state.published == winner:
            continue
        change = diff(
            state.published,
            winner,
            opens_round=state.published is None and election_id in opened,
            already_started=state.count_started_posted
            or (state.published is not None and has_started(state.published)),
        )
        opened.add(election_id)
        started = state.count_started_posted or has_started(winner)
        published.append(PublishedUpdate(winner, started))
        if change is None:
            notes.append(f"{election_id} {round_}: published from {winner.source}, no event")
        elif inp.silent and election_id not in inp.declared:
            notes.append(f"{election_id} {round_}: first sight of the feed, stored silently")
        else:
            if election_id in speaking:
                earlier = speaking[election_id][0].round
                notes.append(f"{election_id} {earlier}: stored silently, a later round speaks")
            speaking[election_id] = (change, state.published)
    return published, list(speaking.values())


def _rounds_after(
    before: Mapping[str, Sequence[Tally]], updates: Sequence[PublishedUpdate]
) -> dict[str, list[Tally]]:
    """Each election's published rounds once this plan is written, first published first."""
    rounds = {eid: list(tallies) for eid, tallies in before.items()}
    for update in updates:
        listed = rounds.setdefault(update.tally.election_id, [])
        index = next((i for i, t in enumerate(listed) if t.round == update.tally.round), None)
        if index is None:
            listed.append(update.tally)
        else:
            listed[index] = update.tally
    return rounds


def _subscribers_of(election_id: str, subscribers: Sequence[Subscriber]) -> list[Subscriber]:
    """One subscriber per target: a target following the election and `all` gets one
    delivery, the specific subscription's (its level, mode and role) first."""
    chosen: dict[str, Subscriber] = {}
    for wanted in (election_id, RESERVED_ID):
        for sub in subscribers:
            if sub.election_id == wanted:
                chosen.setdefault(sub.target, sub)
    return list(chosen.values())


def _open_by_key(deliveries: Sequence[OpenDelivery]) -> dict[TargetKey, list[OpenDelivery]]:
    grouped: dict[TargetKey, list[OpenDelivery]] = {}
    for delivery in sorted(deliveries, key=lambda d: d.id):
        grouped.setdefault(delivery.key, []).append(delivery)
    return grouped


@dataclass
class _FanOut:
    """The deliveries of one post, subscriber by subscriber."""

    post: int
    change: Change
    open_by_key: Mapping[TargetKey, list[OpenDelivery]]
    live_messages: frozenset[TargetKey]
    notes: list[str]
    deliveries: list[NewDelivery] = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)

    def add(self, sub: Subscriber) -> None:
        key = (sub.target, self.change.election_id, self.change.round)
        opened = self.open_by_key.get(key, [])
        if sub.live:
            self._live(sub, key, opened)
        elif passes(sub.level, self.change):
            self._post(sub, opened, sub.mention_role_id)
        else:
            self.notes.append(f"{sub.target}: level {sub.level.value} skips {self._what()}")

    def _what(self) -> str:
        events = "+".join(e.value for e in self.change.events)
        return f"{self.change.election_id} {self.change.round} ({events})"

    def _post(self, sub: Subscriber, opened: list[OpenDelivery], role: int | None) -> None:
        """A post, coalesced into the newest queued count-only post of the same target and
        round when there is one; other events never merge away (DESIGN §7)."""
        posts = [d for d in opened if d.mode is DeliveryMode.POST]
        newest = posts[-1] if posts else None
        if newest is not None and newest.queued and set(newest.events) <= _COUNT_ONLY:
            self.notes.append(f"{sub.target}: {self._what()} coalesced into delivery {newest.id}")
            self._merge(newest, new_nonce=True, role=role)
            return
        self._new(sub, DeliveryMode.POST, role)

    def _live(self, sub: Subscriber, key: TargetKey, opened: list[OpenDelivery]) -> None:
        """One live message per (target, election, round), edited to the newest state; a
        change that passes `final` also posts (and may ping), unless this very change
        creates the live message, which is then both (DESIGN §5)."""
        final = passes(Level.FINAL, self.change)
        role = sub.mention_role_id if final else None
        creating = next((d for d in opened if d.mode is DeliveryMode.LIVE_CREATE), None)
        if creating is None and key not in self.live_messages:
            self._new(sub, DeliveryMode.LIVE_CREATE, role)
            return
        edit = next((d for d in opened if d.mode is DeliveryMode.LIVE_EDIT and d.queued), None)
        if creating is not None and creating.queued:
            # Not sent yet: it keeps its nonce, and pings if either state called for it.
            self._merge(creating, new_nonce=False, role=role or creating.mention_role_id)
        elif edit is not None:
            self._merge(edit, new_nonce=False, role=None)  # a newer state replaces it
        else:
            self._new(sub, DeliveryMode.LIVE_EDIT, None)
        if final and not (creating is not None and creating.queued):
            self._post(sub, opened, sub.mention_role_id)

    def _new(self, sub: Subscriber, mode: DeliveryMode, role: int | None) -> None:
        self.deliveries.append(
            NewDelivery(
                post=self.post,
                target=sub.target,
                mode=mode,
                seq=len(self.deliveries),
                subscription_id=sub.subscription_id,
                language=sub.language,
                guild_id=sub.guild_id,
                mention_role_id=role,
            )
        )

    def _merge(self, delivery: OpenDelivery, *, new_nonce: bool, role: int | None) -> None:
        events = tuple(e for e in Event if e in {*delivery.events, *self.change.events})
        self.merges.append(Merge(delivery.id, self.post, events, new_nonce, role))
