"""Storage: SQLite or PostgreSQL through SQLAlchemy async; one unit of work per transaction."""

from bot.store.database import Store
from bot.store.records import (
    ALL_ELECTIONS,
    Delivery,
    DeliveryState,
    FeedState,
    Key,
    LiveMessage,
    Published,
    SourceTally,
    StaticSubscription,
    StaticSyncReport,
    StoredPost,
    Subscription,
    SubscriptionKind,
)
from bot.store.uow import UnitOfWork

__all__ = [
    "ALL_ELECTIONS",
    "Delivery",
    "DeliveryState",
    "FeedState",
    "Key",
    "LiveMessage",
    "Published",
    "SourceTally",
    "StaticSubscription",
    "StaticSyncReport",
    "Store",
    "StoredPost",
    "Subscription",
    "SubscriptionKind",
    "UnitOfWork",
]
