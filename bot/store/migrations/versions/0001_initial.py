"""Initial schema: elections, source tallies, published tallies, feed state, subscriptions,
outbox, and the store's own settings (the nonce salt).

Revision ID: 0001
Revises:
Create Date: 2024-06-01
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NONCE_SALT_LENGTH = 4
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def _json() -> Any:
    return sa.JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


def _id() -> Any:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when(name: str, nullable: bool = True) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    _meta_and_elections()
    _tallies()
    _feeds_and_subscriptions()
    _outbox()


def _meta_and_elections() -> None:
    meta = op.create_table(
        "store_meta",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_store_meta"),
    )
    salt = "".join(secrets.choice(_DIGITS) for _ in range(NONCE_SALT_LENGTH))
    op.bulk_insert(meta, [{"key": "nonce_salt", "value": salt}])

    op.create_table(
        "elections",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("name", sa.Text()),
        sa.Column("aliases", _json(), nullable=False),
        sa.Column("case_number", sa.String(40)),
        sa.Column("unit", sa.String(20), nullable=False),
        sa.Column("employer", sa.Text()),
        sa.Column("location", sa.Text()),
        sa.Column("url", sa.Text()),
        sa.Column("declared", sa.Boolean(), nullable=False),
        sa.Column("config_meta", _json()),
        sa.Column("feed_meta", _json()),
        sa.Column("feed_digest", sa.String(32)),
        _when("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_elections"),
    )
    op.create_index("ix_elections_case_number", "elections", ["case_number"])
    op.create_table(
        "election_aliases",
        sa.Column("alias", sa.String(100), nullable=False),
        sa.Column("election_id", sa.String(100), nullable=False),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["elections.id"],
            name="fk_election_aliases_election_id_elections",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("alias", "election_id", name="pk_election_aliases"),
    )
    op.create_index("ix_election_aliases_election_id", "election_aliases", ["election_id"])


def _tallies() -> None:
    op.create_table(
        "source_tallies",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("election_id", sa.String(100), nullable=False),
        sa.Column("round", sa.String(40), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("digest", sa.String(32), nullable=False),
        sa.Column("latest", sa.Boolean(), nullable=False),
        sa.Column("tally", _json(), nullable=False),
        _when("seen_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["election_id"], ["elections.id"], name="fk_source_tallies_election_id_elections"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_source_tallies"),
    )
    op.create_index(
        "ix_source_tallies_election_id_round_source_id",
        "source_tallies",
        ["election_id", "round", "source", "id"],
    )
    latest = sa.text("latest")
    op.create_index(
        "ux_source_tallies_latest",
        "source_tallies",
        ["source", "election_id", "round"],
        unique=True,
        postgresql_where=latest,
        sqlite_where=latest,
    )
    op.create_table(
        "published",
        sa.Column("election_id", sa.String(100), nullable=False),
        sa.Column("round", sa.String(40), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("tally", _json(), nullable=False),
        sa.Column("count_started_posted", sa.Boolean(), nullable=False),
        _when("first_published_at", nullable=False),
        _when("updated_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["election_id"], ["elections.id"], name="fk_published_election_id_elections"
        ),
        sa.PrimaryKeyConstraint("election_id", "round", name="pk_published"),
    )


def _feeds_and_subscriptions() -> None:
    op.create_table(
        "feed_state",
        sa.Column("feed_id", sa.String(100), nullable=False),
        sa.Column("etag", sa.Text()),
        sa.Column("last_modified", sa.Text()),
        sa.Column("content_hash", sa.String(128)),
        sa.Column("baseline_done", sa.Boolean(), nullable=False),
        _when("last_success_at"),
        sa.Column("last_error", sa.Text()),
        _when("last_error_at"),
        sa.Column("failures", sa.Integer(), nullable=False),
        _when("next_attempt_at"),
        sa.PrimaryKeyConstraint("feed_id", name="pk_feed_state"),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("webhook_url", sa.Text()),
        sa.Column("guild_id", sa.BigInteger()),
        sa.Column("election_id", sa.String(100), nullable=False),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("mention_role_id", sa.BigInteger()),
        sa.Column("created_by", sa.BigInteger()),
        sa.Column("static", sa.Boolean(), nullable=False),
        sa.Column("static_key", sa.String(200)),
        sa.Column("disabled_reason", sa.Text()),
        _when("disabled_at"),
        _when("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_subscriptions"),
        sa.UniqueConstraint(
            "kind", "target_id", "election_id", name="uq_subscriptions_kind_target_id_election_id"
        ),
        sa.UniqueConstraint("static_key", name="uq_subscriptions_static_key"),
    )
    op.create_index("ix_subscriptions_guild_id", "subscriptions", ["guild_id"])
    op.create_index("ix_subscriptions_election_id", "subscriptions", ["election_id"])


def _outbox() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("subscription_id", _id()),
        sa.Column("election_id", sa.String(100), nullable=False),
        sa.Column("round", sa.String(40), nullable=False),
        sa.Column("events", _json(), nullable=False),
        sa.Column("tally", _json(), nullable=False),
        sa.Column("mention_role_id", sa.BigInteger()),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("next_attempt_at", nullable=False),
        sa.Column("last_error", sa.Text()),
        _when("created_at", nullable=False),
        _when("sent_at"),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name="fk_outbox_subscription_id_subscriptions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_outbox_subscription_id", "outbox", ["subscription_id"])
    queued = sa.text("state = 'queued'")
    open_ = sa.text("state IN ('queued', 'sending')")
    op.create_index(
        "ix_outbox_queued", "outbox", ["id"], postgresql_where=queued, sqlite_where=queued
    )
    op.create_index(
        "ix_outbox_open_key",
        "outbox",
        ["election_id", "round", "target"],
        postgresql_where=open_,
        sqlite_where=open_,
    )


def downgrade() -> None:
    for table in (
        "outbox",
        "subscriptions",
        "feed_state",
        "published",
        "source_tallies",
        "election_aliases",
        "elections",
        "store_meta",
    ):
        op.drop_table(table)
