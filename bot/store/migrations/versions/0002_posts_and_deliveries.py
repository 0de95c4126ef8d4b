"""Posts stored once and deliveries pointing at them (with leases), live messages,
processes; subscriptions get a mode and a language, feed state its failed document and
problems. The outbox's undelivered rows move over, keeping their ids (so their nonces).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> Any:
    return sa.JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


def _id() -> Any:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when(name: str, nullable: bool = True) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    _posts_and_deliveries()
    _live_messages_and_processes()
    op.add_column(
        "subscriptions", sa.Column("mode", sa.String(8), server_default="post", nullable=False)
    )
    op.add_column("subscriptions", sa.Column("language", sa.String(8)))
    op.add_column("elections", sa.Column("short_name", sa.Text()))
    op.add_column("feed_state", sa.Column("failed_hash", sa.String(128)))
    op.add_column("feed_state", sa.Column("problems", _json()))
    op.add_column(
        "feed_state", sa.Column("problem_count", sa.Integer(), server_default="0", nullable=False)
    )
    _move_outbox()
    op.drop_table("outbox")


def _posts_and_deliveries() -> None:
    op.create_table(
        "posts",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("election_id", sa.String(100), nullable=False),
        sa.Column("round", sa.String(40), nullable=False),
        sa.Column("events", _json(), nullable=False),
        sa.Column("tally", _json(), nullable=False),
        sa.Column("previous", _json()),
        sa.Column("other_rounds", _json(), nullable=False),
        _when("planned_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_posts"),
    )
    op.create_index("ix_posts_planned_at", "posts", ["planned_at"])
    op.create_table(
        "deliveries",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("post_id", _id(), nullable=False),
        sa.Column("first_post_id", _id(), nullable=False),
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("subscription_id", _id()),
        sa.Column("election_id", sa.String(100), nullable=False),
        sa.Column("round", sa.String(40), nullable=False),
        sa.Column("mode", sa.String(12), nullable=False),
        sa.Column("language", sa.String(8)),
        sa.Column("guild_id", sa.BigInteger()),
        sa.Column("mention_role_id", sa.BigInteger()),
        sa.Column("events", _json(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("lease_holder", sa.String(64)),
        _when("lease_expires_at"),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("next_attempt_at", nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("message_id", sa.BigInteger()),
        _when("created_at", nullable=False),
        _when("settled_at"),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], name="fk_deliveries_post_id_posts"),
        sa.ForeignKeyConstraint(
            ["first_post_id"], ["posts.id"], name="fk_deliveries_first_post_id_posts"
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name="fk_deliveries_subscription_id_subscriptions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_deliveries"),
        sqlite_autoincrement=True,
    )
    for column in ("subscription_id", "post_id", "first_post_id"):
        op.create_index(f"ix_deliveries_{column}", "deliveries", [column])
    queued = sa.text("state = 'queued'")
    open_ = sa.text("state IN ('queued', 'sending')")
    settled = sa.text("state IN ('sent', 'failed')")
    op.create_index(
        "ix_deliveries_queued",
        "deliveries",
        ["seq", "id"],
        postgresql_where=queued,
        sqlite_where=queued,
    )
    op.create_index(
        "ix_deliveries_open_key",
        "deliveries",
        ["target", "election_id", "round", "id"],
        postgresql_where=open_,
        sqlite_where=open_,
    )
    op.create_index(
        "ix_deliveries_settled",
        "deliveries",
        ["settled_at"],
        postgresql_where=settled,
        sqlite_where=settled,
    )


def _live_messages_and_processes() -> None:
    op.create_table(
        "live_messages",
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("election_id", sa.String(100), nullable=False),
        sa.Column("round", sa.String(40), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("channel_id", sa.BigInteger()),
        sa.Column("subscription_id", _id()),
        sa.Column("post_id", _id()),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name="fk_live_messages_subscription_id_subscriptions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("target", "election_id", "round", name="pk_live_messages"),
    )
    op.create_index("ix_live_messages_subscription_id", "live_messages", ["subscription_id"])
    op.create_table(
        "processes",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("leader", sa.Boolean(), nullable=False),
        sa.Column("shard_ids", sa.String(200)),
        _when("started_at", nullable=False),
        _when("heartbeat_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_processes"),
    )
    op.create_index("ix_processes_heartbeat_at", "processes", ["heartbeat_at"])


def _move_outbox() -> None:
    """Each queued or in-flight outbox row becomes a post and a delivery with the row's id,
    so the nonce a crashed send used is the one its retry uses."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, target, subscription_id, election_id, round, events, tally, "
            "mention_role_id, generation, attempts, next_attempt_at, created_at "
            "FROM outbox WHERE state IN ('queued', 'sending') ORDER BY id"
        )
    ).all()
    posts = sa.table(
        "posts",
        sa.column("id", _id()),
        sa.column("election_id", sa.String()),
        sa.column("round", sa.String()),
        sa.column("events", _json()),
        sa.column("tally", _json()),
        sa.column("previous", _json()),
        sa.column("other_rounds", _json()),
        sa.column("planned_at", sa.DateTime(timezone=True)),
    )
    deliveries = sa.table(
        "deliveries",
        *(
            sa.column(name, type_)
            for name, type_ in (
                ("id", _id()),
                ("post_id", _id()),
                ("first_post_id", _id()),
                ("target", sa.String()),
                ("subscription_id", _id()),
                ("election_id", sa.String()),
                ("round", sa.String()),
                ("mode", sa.String()),
                ("mention_role_id", sa.BigInteger()),
                ("events", _json()),
                ("generation", sa.Integer()),
                ("seq", sa.Integer()),
                ("state", sa.String()),
                ("attempts", sa.Integer()),
                ("next_attempt_at", sa.DateTime(timezone=True)),
                ("created_at", sa.DateTime(timezone=True)),
            )
        ),
    )
    for row in rows:
        post_id = bind.execute(
            posts.insert()
            .values(
                election_id=row.election_id,
                round=row.round,
                events=_loaded(row.events),
                tally=_loaded(row.tally),
                previous=None,
                other_rounds=[],
                planned_at=_moment(row.created_at),
            )
            .returning(posts.c.id)
        ).scalar_one()
        bind.execute(
            deliveries.insert().values(
                id=row.id,
                post_id=post_id,
                first_post_id=post_id,
                target=row.target,
                subscription_id=row.subscription_id,
                election_id=row.election_id,
                round=row.round,
                mode="post",
                mention_role_id=row.mention_role_id,
                events=_loaded(row.events),
                generation=row.generation,
                seq=0,
                state="queued",
                attempts=row.attempts,
                next_attempt_at=_moment(row.next_attempt_at),
                created_at=_moment(row.created_at),
            )
        )
    _continue_ids_after(bind, bind.execute(sa.text("SELECT MAX(id) FROM outbox")).scalar())


def _continue_ids_after(bind: Any, last: int | None) -> None:
    """New deliveries get ids above every outbox id ever used: a sent row's nonce is never
    reused (Discord would answer a repeated nonce with the old message)."""
    if not last:
        return
    if bind.dialect.name == "postgresql":
        bind.execute(
            sa.text("SELECT setval(pg_get_serial_sequence('deliveries', 'id'), :last)"),
            {"last": last},
        )
        return
    bind.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = 'deliveries'"))
    bind.execute(
        sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES ('deliveries', :last)"),
        {"last": last},
    )


def _moment(value: Any) -> datetime:
    """A timestamp as read back: SQLite's raw reads give text (naive UTC)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)  # type: ignore[no-any-return]


def _loaded(value: Any) -> Any:
    """A JSON column as read back: text on SQLite's raw reads, already decoded elsewhere."""
    return json.loads(value) if isinstance(value, str) else value


def downgrade() -> None:
    raise NotImplementedError("0002 moves the outbox into posts and deliveries: no way back")
