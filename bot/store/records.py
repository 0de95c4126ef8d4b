"""The values the store hands out and takes in: frozen dataclasses, no database types."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.core.models import Event, Level, Tally

Key = tuple[str, str]
"""(election id, round): the identity of one tally."""

ALL_ELECTIONS = "all"


@dataclass(frozen=True, slots=True)
class SourceTally:
    """One source's report of one (election, round), and when the store first saw it."""

    tally: Tally
    seen_at: datetime

    @property
    def source(self) -> str:
        return self.tally.source


@dataclass(frozen=True, slots=True)
class Published:
    """The published tally of one (election, round) and what was already posted for it.

    On write the store sets `updated_at` (and `first_published_at` the first time); the
    values given are ignored.
    """

    tally: Tally
    count_started_posted: bool = False
    updated_at: datetime | None = None
    first_published_at: datetime | None = None

    @property
    def key(self) -> Key:
        return (self.tally.election_id, self.tally.round)

    @property
    def source(self) -> str:
        return self.tally.source


@dataclass(frozen=True, slots=True)
class FeedState:
    """What the poller remembers of one feed between polls and restarts."""

    feed_id: str
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    baseline_done: bool = False  # the feed's first good document was stored (first sight)
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    failures: int = 0  # consecutive
    next_attempt_at: datetime | None = None


class SubscriptionKind(StrEnum):
    CHANNEL = "channel"
    WEBHOOK = "webhook"
    DM = "dm"


@dataclass(frozen=True, slots=True)
class Subscription:
    """A subscriber to the posts of one election (or "all") at one level."""

    id: int
    kind: SubscriptionKind
    target_id: int  # channel id, webhook id or user id
    election_id: str  # an election id, or "all"
    level: Level
    created_at: datetime
    guild_id: int | None = None
    mention_role_id: int | None = None
    created_by: int | None = None
    static: bool = False
    static_key: str | None = None
    disabled_reason: str | None = None
    disabled_at: datetime | None = None
    webhook_url: str | None = field(default=None, repr=False)  # holds a token

    @property
    def target(self) -> str:
        """The outbox target string, e.g. "channel:123"."""
        return f"{self.kind.value}:{self.target_id}"

    @property
    def disabled(self) -> bool:
        return self.disabled_at is not None


@dataclass(frozen=True, slots=True)
class StaticSubscription:
    """A subscription as the config declares it; matched to the store by `key`."""

    kind: SubscriptionKind
    target_id: int
    election_id: str
    level: Level = Level.ALL
    mention_role_id: int | None = None
    guild_id: int | None = None
    webhook_url: str | None = field(default=None, repr=False)

    @property
    def key(self) -> str:
        return f"{self.kind.value}:{self.target_id}:{self.election_id}"


@dataclass(frozen=True, slots=True)
class StaticSyncReport:
    """What `sync_static` did, for the caller to log."""

    added: tuple[Subscription, ...] = ()
    changed: tuple[Subscription, ...] = ()
    removed: tuple[Subscription, ...] = ()
    still_disabled: tuple[Subscription, ...] = ()


class OutboxState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One post to enqueue for one target."""

    target: str  # "channel:123", "webhook:9", "dm:5" or "console"
    election_id: str
    round: str
    events: tuple[Event, ...]
    tally: Tally
    subscription_id: int | None = None
    mention_role_id: int | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.target, self.election_id, self.round)


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """A stored delivery. `nonce` is its idempotency key (≤ 25 characters)."""

    id: int
    target: str
    election_id: str
    round: str
    events: tuple[Event, ...]
    tally: Tally
    subscription_id: int | None
    mention_role_id: int | None
    generation: int
    nonce: str
    state: OutboxState
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class EnqueueReport:
    """How `enqueue_many` placed its items."""

    inserted: int = 0
    coalesced: int = 0
