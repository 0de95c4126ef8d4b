"""A token bucket that keeps the bot under Discord's global rate limit by pacing itself,
instead of learning the limit from 429s (DESIGN §7), and the share of that budget each of
several processes takes (DESIGN §9)."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable

# Any 1 s window sees at most rate + burst requests: 47 + 2 = 49 < 50, with no 429 to
# learn from, while 1,000 posts take 21.3 s (1.06 x the 20 s floor; 45/s would be 1.11 x).
DEFAULT_RATE = 47.0
DEFAULT_BURST = 2.0
MAX_LATENESS_S = 0.02  # a waiter's timer this late keeps what it earned meanwhile


class TokenBucket:
    """`rate` tokens per second, at most `capacity` saved up; `acquire` waits for one.

    Fair: waiters are served in arrival order, so a fan-out does not starve a DM.

    A waiter's timer fires late (the loop was busy, or the timer's resolution): the tokens
    earned meanwhile are kept, up to `lateness_s`, instead of being cut at `capacity`. A
    bucket of capacity 1 (a share of a budget split between processes) would otherwise lose
    every late wake-up, about 6 % of its rate on a busy machine. What it keeps is at most
    the fraction of a request that leaves `floor(rate + capacity)` the most it ever sends in
    any 1 s window, as without it.
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
        self.lateness_s = lateness_kept(self.rate, self.capacity)
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
        self.lateness_s = lateness_kept(rate, capacity)
        self._tokens = min(self._tokens, capacity)

    def _refill(self, late_s: float = 0.0) -> None:
        """Tokens earned since the last refill; `late_s`: how late a waiter woke up (what it
        earned in that time is kept beyond `capacity`, up to `lateness_s`)."""
        now = self._clock()
        kept = min(max(late_s, 0.0), self.lateness_s) * self.rate
        earned = self._tokens + (now - self._updated) * self.rate
        self._tokens = min(self.capacity + kept, earned)
        self._updated = now

    def pause(self, seconds: float) -> None:
        """Hold every sender back, e.g. after a global 429 with `retry_after`."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    async def acquire(self) -> None:
        async with self._lock:
            late_s = 0.0
            while True:
                pause = self._paused_until - self._clock()
                if pause > 0:
                    await asyncio.sleep(pause)
                    late_s = 0.0
                    continue
                self._refill(late_s)
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                wait = (1 - self._tokens) / self.rate
                due = self._clock() + wait
                await asyncio.sleep(wait)
                late_s = self._clock() - due


def lateness_kept(rate: float, capacity: float, most_s: float = MAX_LATENESS_S) -> float:
    """How much of a late wake-up a bucket may keep: a bucket sends at most
    `rate × (1 + lateness) + capacity` requests in any 1 s window, so keeping less than the
    fraction that reaches the next whole request (with a margin) leaves the whole-request
    bound `floor(rate + capacity)` as it is."""
    bound = rate + capacity
    room = math.floor(bound) + 1 - bound  # (0, 1]: the fraction of a request to spare
    return max(0.0, min(most_s, 0.9 * room / rate))


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
