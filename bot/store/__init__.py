"""Storage: SQLite or PostgreSQL through SQLAlchemy async; one unit of work per transaction."""

from bot.store.database import Store
from bot.store.records import (
    ALL_ELECTIONS,
    EnqueueReport,
    FeedState,
    Key,
    OutboxItem,
    OutboxRow,
    OutboxState,
    Published,
    SourceTally,
    StaticSubscription,
    StaticSyncReport,
    Subscription,
    SubscriptionKind,
)
from bot.store.uow import UnitOfWork

__all__ = [
    "ALL_ELECTIONS",
    "EnqueueReport",
    "FeedState",
    "Key",
    "OutboxItem",
    "OutboxRow",
    "OutboxState",
    "Published",
    "SourceTally",
    "StaticSubscription",
    "StaticSyncReport",
    "Store",
    "Subscription",
    "SubscriptionKind",
    "UnitOfWork",
]
