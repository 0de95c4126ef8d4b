"""The values the store hands out and takes in: frozen dataclasses, no database types."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.core.models import RESERVED_ID, DeliveryMode, Event, Level, Post, SubscriptionMode, Tally

Key = tuple[str, str]
"""(election id, round): the identity of one tally."""

ALL_ELECTIONS = RESERVED_ID  # a subscription to every election


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
    failures: int = 0  # consecutive fetch failures (a document that does not parse is none)
    next_attempt_at: datetime | None = None
    failed_hash: str | None = None  # the last document that did not parse: not parsed again
    problems: tuple[dict[str, str | None], ...] = ()  # the last document's first problems
    problem_count: int = 0


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
    mode: SubscriptionMode = SubscriptionMode.POST
    language: str | None = None
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
    mode: SubscriptionMode = SubscriptionMode.POST
    language: str | None = None

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


class DeliveryState(StrEnum):
    """queued → sending (leased) → sent | failed; back to queued for a retry (DESIGN §7)."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class StoredPost:
    """A post and its id in the store."""

    id: int
    post: Post


@dataclass(frozen=True, slots=True)
class Delivery:
    """A stored delivery: a post (or the span `first_post_id`..`post_id` of coalesced
    posts) to one target. `nonce` is its idempotency key (≤ 25 characters)."""

    id: int
    post_id: int
    first_post_id: int
    target: str
    subscription_id: int | None
    election_id: str
    round: str
    mode: DeliveryMode
    language: str | None
    guild_id: int | None
    mention_role_id: int | None
    events: tuple[Event, ...]
    generation: int
    seq: int
    state: DeliveryState
    lease_holder: str | None
    lease_expires_at: datetime | None
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    message_id: int | None
    created_at: datetime
    settled_at: datetime | None
    nonce: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.target, self.election_id, self.round)


@dataclass(frozen=True, slots=True)
class LiveMessage:
    """The live message of one (target, election, round)."""

    target: str
    election_id: str
    round: str
    message_id: int
    channel_id: int | None = None
    subscription_id: int | None = None
    post_id: int | None = None
