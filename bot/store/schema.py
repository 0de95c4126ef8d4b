"""The database schema as SQLAlchemy Core tables (the migrations create the same thing)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend (SQLite keeps naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the store takes timezone-aware datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def json_type() -> Any:
    """JSON text on SQLite, JSONB on PostgreSQL; Python None is SQL NULL."""
    return JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


def id_type() -> Any:
    """A 64-bit surrogate key that is SQLite's rowid alias there (so it autoincrements)."""
    return BigInteger().with_variant(Integer(), "sqlite")


ELECTION_ID = String(100)
ROUND = String(40)
SOURCE = String(100)
TARGET = String(64)

store_meta = Table(
    "store_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

elections = Table(
    "elections",
    metadata,
    Column("id", ELECTION_ID, primary_key=True),
    Column("name", Text),
    Column("short_name", Text),
    Column("aliases", json_type(), nullable=False),
    Column("case_number", String(40)),
    Column("unit", String(20), nullable=False),
    Column("employer", Text),
    Column("location", Text),
    Column("url", Text),
    Column("declared", Boolean, nullable=False),
    # The columns above hold the effective values: config's where it gives them, else
    # the feed's. For declared elections both sides are kept to merge again later.
    Column("config_meta", json_type()),  # the election as config declares it
    Column("feed_meta", json_type()),  # declared ones: the election as the feed says
    Column("feed_digest", String(32)),  # what the feed last said: unchanged costs no write
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "case_number"),
)

election_aliases = Table(
    "election_aliases",
    metadata,
    Column("alias", String(100), primary_key=True),
    Column(
        "election_id",
        ELECTION_ID,
        ForeignKey("elections.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Index(None, "election_id"),
)

# Every distinct tally each source ever reported, in order: /history charts the rows of
# the publishing source. Each source's newest row of an (election, round) is flagged
# `latest` (at most one, enforced): precedence chooses from those, and whether a report is
# new is one narrow indexed read of its source's latest digests, however long the history.
source_tallies = Table(
    "source_tallies",
    metadata,
    Column("id", id_type(), primary_key=True, autoincrement=True),
    Column("election_id", ELECTION_ID, ForeignKey("elections.id"), nullable=False),
    Column("round", ROUND, nullable=False),
    Column("source", SOURCE, nullable=False),
    Column("digest", String(32), nullable=False),  # content hash, updated_at left out
    Column("latest", Boolean, nullable=False),
    Column("tally", json_type(), nullable=False),
    Column("seen_at", UTCDateTime, nullable=False),
    Index(None, "election_id", "round", "source", "id"),
    Index(
        "ux_source_tallies_latest",
        "source",
        "election_id",
        "round",
        unique=True,
        postgresql_where=text("latest"),
        sqlite_where=text("latest"),
    ),
)

published = Table(
    "published",
    metadata,
    Column("election_id", ELECTION_ID, ForeignKey("elections.id"), primary_key=True),
    Column("round", ROUND, primary_key=True),
    Column("source", SOURCE, nullable=False),
    Column("tally", json_type(), nullable=False),
    Column("count_started_posted", Boolean, nullable=False),
    Column("first_published_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

feed_state = Table(
    "feed_state",
    metadata,
    Column("feed_id", String(100), primary_key=True),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("content_hash", String(128)),
    Column("baseline_done", Boolean, nullable=False),
    Column("last_success_at", UTCDateTime),
    Column("last_error", Text),
    Column("last_error_at", UTCDateTime),
    Column("failures", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime),
    # The last document that fetched but did not parse: not parsed or logged twice.
    Column("failed_hash", String(128)),
    # The last document's problems (the first few) and how many there were, for /feeds.
    Column("problems", json_type()),
    Column("problem_count", Integer, nullable=False, server_default="0"),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", id_type(), primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("target_id", BigInteger, nullable=False),
    Column("webhook_url", Text),  # holds a token: never logged, never in a repr
    Column("guild_id", BigInteger),
    Column("election_id", ELECTION_ID, nullable=False),  # an election id, or "all"
    Column("level", String(8), nullable=False),
    Column("mode", String(8), nullable=False, server_default="post"),
    Column("language", String(8)),
    Column("mention_role_id", BigInteger),
    Column("created_by", BigInteger),
    Column("static", Boolean, nullable=False),
    Column("static_key", String(200), unique=True),
    Column("disabled_reason", Text),
    Column("disabled_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("kind", "target_id", "election_id"),
    Index(None, "guild_id"),
    Index(None, "election_id"),
)

# One change of one (election, round), stored once however many targets it has (DESIGN §7).
posts = Table(
    "posts",
    metadata,
    Column("id", id_type(), primary_key=True, autoincrement=True),
    Column("election_id", ELECTION_ID, nullable=False),
    Column("round", ROUND, nullable=False),
    Column("events", json_type(), nullable=False),
    Column("tally", json_type(), nullable=False),
    Column("previous", json_type()),  # NULL: the round had no published tally before
    Column("other_rounds", json_type(), nullable=False),
    Column("planned_at", UTCDateTime, nullable=False),
    Index(None, "planned_at"),
)

# One post (or a span of coalesced posts, first_post_id..post_id) to one target.
# State machine: queued -> sending (claimed: lease_holder until lease_expires_at) ->
# sent | failed, or back to queued (retry later); an expired lease is claimable again.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", id_type(), primary_key=True, autoincrement=True),
    Column("post_id", id_type(), ForeignKey("posts.id"), nullable=False),
    Column("first_post_id", id_type(), ForeignKey("posts.id"), nullable=False),
    Column("target", TARGET, nullable=False),
    Column(
        "subscription_id",
        id_type(),
        ForeignKey("subscriptions.id", ondelete="CASCADE"),
    ),
    Column("election_id", ELECTION_ID, nullable=False),
    Column("round", ROUND, nullable=False),
    Column("mode", String(12), nullable=False),
    Column("language", String(8)),  # NULL: the guild's locale or the default, at render time
    Column("guild_id", BigInteger),
    Column("mention_role_id", BigInteger),
    Column("events", json_type(), nullable=False),  # of the whole span
    Column("generation", Integer, nullable=False),  # part of the nonce: new content, new nonce
    Column("seq", Integer, nullable=False),  # rank in its post's fan-out: claims interleave
    Column("state", String(8), nullable=False),
    Column("lease_holder", String(64)),
    Column("lease_expires_at", UTCDateTime),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("last_error", Text),
    Column("message_id", BigInteger),  # the message it created (live messages edit it)
    Column("created_at", UTCDateTime, nullable=False),
    Column("settled_at", UTCDateTime),  # sent or failed
    Index(None, "subscription_id"),
    Index(None, "post_id"),
    Index(None, "first_post_id"),
    Index(
        "ix_deliveries_queued",
        "seq",
        "id",
        postgresql_where=text("state = 'queued'"),
        sqlite_where=text("state = 'queued'"),
    ),
    Index(
        "ix_deliveries_open_key",
        "target",
        "election_id",
        "round",
        "id",
        postgresql_where=text("state IN ('queued', 'sending')"),
        sqlite_where=text("state IN ('queued', 'sending')"),
    ),
    Index(
        "ix_deliveries_settled",
        "settled_at",
        postgresql_where=text("state IN ('sent', 'failed')"),
        sqlite_where=text("state IN ('sent', 'failed')"),
    ),
    sqlite_autoincrement=True,  # ids never reused: nonces derive from them
)

# The one live message of a (target, election, round), edited at every change (DESIGN §5).
live_messages = Table(
    "live_messages",
    metadata,
    Column("target", TARGET, primary_key=True),
    Column("election_id", ELECTION_ID, primary_key=True),
    Column("round", ROUND, primary_key=True),
    Column("message_id", BigInteger, nullable=False),
    Column("channel_id", BigInteger),
    Column(
        "subscription_id",
        id_type(),
        ForeignKey("subscriptions.id", ondelete="CASCADE"),
    ),
    Column("post_id", id_type()),  # the newest post it shows
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "subscription_id"),
)

# Every running `run` process: heartbeats share the request budget and tell who leads.
processes = Table(
    "processes",
    metadata,
    Column("id", String(64), primary_key=True),  # host:pid:random, new at every start
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("leader", Boolean, nullable=False),  # as of its last heartbeat
    Column("shard_ids", String(200)),  # "0,1": the gateway shards it connects, if fixed
    Column("started_at", UTCDateTime, nullable=False),
    Column("heartbeat_at", UTCDateTime, nullable=False),
    Index(None, "heartbeat_at"),
)
