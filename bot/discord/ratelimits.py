"""Counting Discord's 429s: discord.py waits them out itself (REST and webhooks) and says so
in its log; this handler turns those lines into `tallybot_discord_429_total`."""

from __future__ import annotations

import logging
from collections.abc import Callable

# discord.py 2.7's own words, in discord/http.py and discord/webhook/async_.py.
_LOGGERS = ("discord.http", "discord.webhook.async_")
_RATE_LIMITED = ("rate limited", "responded with 429")


class RateLimitCounter(logging.Handler):
    """Calls `count()` for each 429 discord.py logs (at any level it logs them)."""

    def __init__(self, count: Callable[[], None]) -> None:
        super().__init__(level=logging.DEBUG)
        self._count = count

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().lower()
        if any(words in message for words in _RATE_LIMITED):
            self._count()

    def install(self) -> None:
        for name in _LOGGERS:
            logger = logging.getLogger(name)
            logger.addHandler(self)
            if logger.getEffectiveLevel() > logging.WARNING:
                logger.setLevel(logging.WARNING)

    def uninstall(self) -> None:
        for name in _LOGGERS:
            logging.getLogger(name).removeHandler(self)
