"""When to poll a feed next after failures: exponential from its interval, capped, jittered."""

from __future__ import annotations

from collections.abc import Callable

MAX_DELAY_S = 30 * 60.0  # a dead feed is still tried every half hour
MAX_FACTOR = 32  # ... or at 32 times its interval, whichever comes first
JITTER = 0.2  # +-20%: feeds that failed together do not retry together


def next_delay(failures: int, interval_s: float, *, rand: Callable[[], float]) -> float:
    """Seconds until the next poll after `failures` failures in a row (0: back to normal).

    `rand` returns a float in [0, 1) (e.g. `random.random`); it is passed in so the
    policy stays pure. The delay doubles per failure from the interval, never drops below
    the interval and never exceeds the cap.
    """
    if failures <= 0:
        return interval_s
    cap = max(interval_s, min(MAX_FACTOR * interval_s, MAX_DELAY_S))
    base = min(interval_s * 2.0 ** min(failures, 32), cap)
    jittered = base * (1.0 + JITTER * (2.0 * rand() - 1.0))
    return min(max(jittered, interval_s), cap)
