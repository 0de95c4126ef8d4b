"""The unit of work: every repository over one connection and one transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.deliveries import DeliveryRepo
from bot.store.elections import ElectionRepo
from bot.store.feeds import FeedStateRepo
from bot.store.live import LiveMessageRepo
from bot.store.posts import PostRepo
from bot.store.subscriptions import SubscriptionRepo
from bot.store.tallies import PublishedRepo, SourceTallyRepo


class UnitOfWork:
    """What `Store.transaction()` yields: all of it commits together, or none of it.

    `elections`, `tallies` (source tallies and history), `published`, `feeds` (feed state),
    `subscriptions`, `posts`, `deliveries`, `live` (live messages).
    """

    def __init__(self, conn: AsyncConnection, nonce_salt: Callable[[], Awaitable[str]]) -> None:
        self.connection = conn
        self.elections = ElectionRepo(conn)
        self.tallies = SourceTallyRepo(conn)
        self.published = PublishedRepo(conn)
        self.feeds = FeedStateRepo(conn)
        self.subscriptions = SubscriptionRepo(conn)
        self.posts = PostRepo(conn)
        self.deliveries = DeliveryRepo(conn, nonce_salt)
        self.live = LiveMessageRepo(conn)
