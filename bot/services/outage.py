"""Store outages: one log line when one begins and one when it ends, never one per poll;
meanwhile polls and claims back off (DESIGN §7 store faults)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from bot.store.faults import describe_store_error

log = logging.getLogger(__name__)

FIRST_WAIT_S = 1.0
LONGEST_WAIT_S = 30.0


class StoreHealth:
    """Shared by the poller and the delivery worker of one process."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._since: float | None = None
        self._wait = FIRST_WAIT_S
        self._next_try = 0.0
        self.failures = 0

    @property
    def down(self) -> bool:
        return self._since is not None

    def may_try(self) -> bool:
        """False while backing off during an outage: skip this poll or claim."""
        return self._since is None or self._clock() >= self._next_try

    def seconds_to_wait(self) -> float:
        """How long until the next try during an outage (0 when the store is up)."""
        return 0.0 if self._since is None else max(0.0, self._next_try - self._clock())

    def failed(self, error: BaseException, what: str) -> None:
        """A store operation failed because the database is unavailable."""
        now = self._clock()
        self.failures += 1
        if self._since is None:
            self._since = now
            self._wait = FIRST_WAIT_S
            log.error(
                "store unavailable (%s, while %s): polls and deliveries wait for it",
                describe_store_error(error),
                what,
            )
        else:
            self._wait = min(LONGEST_WAIT_S, self._wait * 2)
        self._next_try = now + self._wait

    def succeeded(self) -> None:
        """A store operation went through: an outage, if any, is over."""
        if self._since is None:
            return
        lasted = self._clock() - self._since
        log.warning("store available again after %.0fs (%d failed attempts)", lasted, self.failures)
        self._since = None
        self.failures = 0
        self._wait = FIRST_WAIT_S
