"""A token bucket that keeps the bot under Discord's global rate limit by pacing itself,
instead of learning the limit from 429s (DESIGN §7), and the share of that budget each of
several processes takes (DESIGN §9)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

# Any 1 s window sees at most rate + burst requests: 47 + 2 = 49 < 50, with no 429 to
# learn from, while 1,000 posts take 21.3 s (1.06 x the 20 s floor; 45/s would be 1.11 x).
DEFAULT_RATE = 47.0
DEFAULT_BURST = 2.0


class TokenBucket:
    """`rate` tokens per second, at most `capacity` saved up; `acquire` waits for one.

    Fair: waiters are served in arrival order, so a fan-out does not starve a DM.
    """

    def __init__(
        self,
        rate: float = DEFAULT_RATE,
        capacity: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.capacity = capacity if capacity is not None else DEFAULT_BURST
        self._clock = clock
        self._tokens = self.capacity
        self._updated = clock()
        self._lock = asyncio.Lock()
        self._paused_until = 0.0

    def set_rate(self, rate: float, capacity: float) -> None:
        """Pace at a new rate from now on (tokens saved so far are kept, up to `capacity`)."""
        if rate <= 0 or capacity < 1:
            raise ValueError("rate must be positive and capacity at least 1")
        self._refill()
        self.rate = rate
        self.capacity = capacity
        self._tokens = min(self._tokens, capacity)

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    def pause(self, seconds: float) -> None:
        """Hold every sender back, e.g. after a global 429 with `retry_after`."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                pause = self._paused_until - self._clock()
                if pause > 0:
                    await asyncio.sleep(pause)
                    continue
                self._refill()
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await asyncio.sleep((1 - self._tokens) / self.rate)


def share_of(total_rate: float, burst: float, processes: int) -> tuple[float, float]:
    """(rate, capacity) of one of `processes` buckets that together send at most
    `total_rate + burst` requests in any 1 s window, as one bucket of `total_rate` and
    `burst` does alone.

    A bucket sends at most rate + capacity in a second, and its capacity must be 1 at least
    (a token is a whole request), so the burst is split while it lasts and the rest comes off
    the rates: 45/s with a burst of 2 is 45 + 2 for one process, 22.5 + 1 each for two,
    13.67 + 1 each for three (47 in all, every time).
    """
    n = max(1, processes)
    capacity = max(1.0, burst / n)
    # Positive while n < total_rate + burst: beyond that no share keeps the bound anyway.
    rate = max((total_rate + burst) / n - capacity, 0.01)
    return rate, capacity


class SharedBudget:
    """Keeps a bucket at this process's share of the bot's `requests_per_second`.

    `update(alive)` (the heartbeat's callback) sets the share. The processes already running
    see a newcomer only at their next heartbeat; until then they pace at their old, larger
    shares, so a newcomer that finds others holds its own requests back for `join_grace_s`
    (a heartbeat interval and a margin) before taking its share.
    """

    def __init__(
        self,
        bucket: TokenBucket,
        total_rate: float,
        burst: float = DEFAULT_BURST,
        *,
        join_grace_s: float = 0.0,
    ) -> None:
        if total_rate <= 0:
            raise ValueError("total_rate must be positive")
        self.bucket = bucket
        self.total_rate = total_rate
        self.burst = burst
        self.join_grace_s = join_grace_s
        self.processes = 0  # none counted yet
        bucket.set_rate(*share_of(total_rate, burst, 1))

    def update(self, alive: int) -> None:
        """`alive` processes share the budget now (this one included)."""
        alive = max(1, alive)
        if self.processes == 0 and alive > 1 and self.join_grace_s > 0:
            self.bucket.pause(self.join_grace_s)
        if alive != self.processes:
            self.bucket.set_rate(*share_of(self.total_rate, self.burst, alive))
            self.processes = alive
