"""Connections of their own to PostgreSQL, outside the store's pool: the leader's advisory
lock and `LISTEN` live as long as their session, so they cannot borrow pooled ones."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from bot.store.urls import resolve

log = logging.getLogger(__name__)

# The server notices a silent peer (a machine powered off, a cable pulled) after
# idle + interval × count = 4 + 2 × 2 = 8 s, and drops its session with the leader lock in
# it: a standby retrying every second then leads within 10 s (DESIGN §9). On a Unix socket
# these settings do nothing, and nothing is needed: the kernel tells the server at once.
KEEPALIVE_SETTINGS = {
    "tcp_keepalives_idle": "4",
    "tcp_keepalives_interval": "2",
    "tcp_keepalives_count": "2",
    "tcp_user_timeout": "8000",  # ms: unacknowledged data gives up as quickly
}
CONNECT_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class DedicatedConnector:
    """Opens one asyncpg connection at a time to the store's PostgreSQL database.

    `safe` is the URL with its password masked; the DSN itself never appears in a repr.
    """

    dsn: str = field(repr=False)
    safe: str
    ssl: Any = field(default=None, repr=False)

    async def connect(
        self, purpose: str, *, timeout_s: float = CONNECT_TIMEOUT_S
    ) -> asyncpg.Connection:
        """A new connection named `tallybot-<purpose>` in pg_stat_activity, with keepalives.

        Raises the driver's error (or TimeoutError) when the database cannot be reached.
        """
        settings = {**KEEPALIVE_SETTINGS, "application_name": f"tallybot-{purpose}"}
        kwargs: dict[str, Any] = {"server_settings": settings, "timeout": timeout_s}
        if self.ssl is not None:
            kwargs["ssl"] = self.ssl
        return await asyncpg.connect(self.dsn, **kwargs)


def dedicated_connector(url: str) -> DedicatedConnector | None:
    """A connector for a PostgreSQL URL (any form `Store.open` takes); None for SQLite.

    Raises ValueError for a URL that is neither.
    """
    target = resolve(url)
    if target.is_sqlite:
        return None
    plain = target.url.set(drivername="postgresql")
    return DedicatedConnector(
        dsn=plain.render_as_string(hide_password=False),
        safe=target.safe,
        ssl=target.connect_args.get("ssl"),
    )
