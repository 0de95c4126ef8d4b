"""Domain values: elections, tallies (one round of one election), events. Pure and frozen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

DEFAULT_ROUND = "initial"
RESERVED_ID = "all"  # an election id meaning "every election" in subscriptions
LANGUAGES = ("en", "es")  # what posts, replies and the page speak (DESIGN §13)
DEFAULT_LANGUAGE = "en"


class Status(StrEnum):
    """Where a round of an election stands, in the order a count usually moves."""

    SCHEDULED = "scheduled"
    VOTING = "voting"
    COUNTING = "counting"
    PAUSED = "paused"
    FINAL = "final"
    CERTIFIED = "certified"
    OBJECTIONS = "objections"
    RERUN_ORDERED = "rerun_ordered"
    WITHDRAWN = "withdrawn"
    DISMISSED = "dismissed"

    @property
    def is_final_or_later(self) -> bool:
        """True once the count is over: nothing remains to be counted."""
        return self in _FINAL_OR_LATER

    @property
    def has_started_counting(self) -> bool:
        """True for `counting` or any later status."""
        return self not in (Status.SCHEDULED, Status.VOTING)


_FINAL_OR_LATER = frozenset(
    {
        Status.FINAL,
        Status.CERTIFIED,
        Status.OBJECTIONS,
        Status.RERUN_ORDERED,
        Status.WITHDRAWN,
        Status.DISMISSED,
    }
)


class SourceKind(StrEnum):
    """How far a source is to be trusted; official beats native beats /report."""

    OFFICIAL = "official"  # nlrb-csv, nlrb-case, nlrb-results
    NATIVE = "native"  # hand-fed feed v1
    REPORT = "report"  # the /report command

    @property
    def is_unofficial(self) -> bool:
        return self is not SourceKind.OFFICIAL


class Event(StrEnum):
    """What a diff of two published tallies can find (DESIGN §5)."""

    ROUND_OPENED = "round_opened"
    COUNT_STARTED = "count_started"
    COUNT_UPDATED = "count_updated"
    LEAD_CHANGED = "lead_changed"
    OUTCOME_DECIDED = "outcome_decided"
    CHALLENGES_DETERMINATIVE = "challenges_determinative"
    COUNT_FINAL = "count_final"
    STATUS_CHANGED = "status_changed"
    NOTE_CHANGED = "note_changed"
    CORRECTION = "correction"


# Title precedence, highest first (DESIGN §5).
EVENT_PRECEDENCE: tuple[Event, ...] = (
    Event.CORRECTION,
    Event.COUNT_FINAL,
    Event.OUTCOME_DECIDED,
    Event.CHALLENGES_DETERMINATIVE,
    Event.LEAD_CHANGED,
    Event.ROUND_OPENED,
    Event.COUNT_STARTED,
    Event.STATUS_CHANGED,
    Event.COUNT_UPDATED,
    Event.NOTE_CHANGED,
)


class Level(StrEnum):
    """Subscription levels: how much of the stream a subscriber wants."""

    ALL = "all"
    MAJOR = "major"
    FINAL = "final"


class SubscriptionMode(StrEnum):
    """`post`: a new message per post; `live`: one message per round, edited (DESIGN §5)."""

    POST = "post"
    LIVE = "live"


class DeliveryMode(StrEnum):
    """What one delivery does at its target: post a message, or create or edit a live one."""

    POST = "post"
    LIVE_CREATE = "live_create"
    LIVE_EDIT = "live_edit"


@dataclass(frozen=True, slots=True)
class Choice:
    """One option on the ballot and its valid votes so far; `against` marks "no union"."""

    name: str
    votes: int
    against: bool = False


@dataclass(frozen=True, slots=True)
class Election:
    """What we know of an election apart from its counts."""

    id: str
    name: str | None = None
    short_name: str | None = None  # post titles: "JFK8" (DESIGN §6 `short_name`)
    aliases: tuple[str, ...] = ()
    case_number: str | None = None
    unit: str = "A"
    employer: str | None = None
    location: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Tally:
    """The state of one round of one election, as one source sees it.

    Counts that a source leaves blank are `None` (unknown), never 0.
    """

    election_id: str
    round: str = DEFAULT_ROUND
    choices: tuple[Choice, ...] = ()
    challenged: int | None = 0
    void: int | None = 0
    status: Status = Status.COUNTING
    ballots_cast: int | None = None
    eligible_voters: int | None = None
    determinative_flag: bool | None = None  # the source's own finding, wins when present
    updated_at: datetime | None = None
    source: str = ""  # source id: a feed id, or "report"
    source_kind: SourceKind = SourceKind.NATIVE
    source_label: str | None = None  # shown in posts, e.g. "ALU count watchers, unofficial"
    note: str | None = None
    url: str | None = None

    @staticmethod
    def empty(election_id: str, round_: str = DEFAULT_ROUND) -> Tally:
        """The tally a round is diffed against when it is first seen."""
        return Tally(election_id=election_id, round=round_, status=Status.SCHEDULED)


@dataclass(frozen=True, slots=True)
class DeclaredBallot:
    """A ballot the config declares for one round (DESIGN §4, declared ballots): `/report`
    works from the first batch, posts show these names, and the declared figures fill in
    what a source leaves out. Choices carry no votes (0)."""

    election_id: str
    round: str = DEFAULT_ROUND
    choices: tuple[Choice, ...] = ()
    eligible_voters: int | None = None
    ballots_cast: int | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """The events one poll found for one (election, round): at most one post."""

    election_id: str
    round: str
    events: tuple[Event, ...]
    previous: Tally
    current: Tally

    @property
    def title_event(self) -> Event:
        """The event that names the post (DESIGN §5 precedence)."""
        return min(self.events, key=EVENT_PRECEDENCE.index)


@dataclass(frozen=True, slots=True)
class Post:
    """One change of one (election, round), stored once and rendered once per (language,
    mode) however many targets it has (DESIGN §2, §7).

    `previous` is the published tally the change was computed from (None when the round had
    none before); for a coalesced delivery, which spans several posts, it is the oldest
    post's `previous` and `events` the union of theirs. `other_rounds`: the election's other
    published rounds as they were when the post was planned.
    """

    election_id: str
    round: str
    events: tuple[Event, ...]
    tally: Tally
    previous: Tally | None = None
    other_rounds: tuple[Tally, ...] = ()
    planned_at: datetime | None = None

    @property
    def title_event(self) -> Event:
        """The event that names the post (DESIGN §5 precedence)."""
        return min(self.events, key=EVENT_PRECEDENCE.index)
