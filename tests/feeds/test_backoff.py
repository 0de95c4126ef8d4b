"""The backoff policy: grows from the interval, capped, jittered, reset on success."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.feeds.backoff import JITTER, MAX_DELAY_S, MAX_FACTOR, next_delay


def middle() -> float:
    return 0.5


def test_no_failures_is_the_interval() -> None:
    assert next_delay(0, 15.0, rand=middle) == 15.0
    assert next_delay(0, 600.0, rand=lambda: 0.99) == 600.0


def test_delay_doubles_per_failure_until_the_cap() -> None:
    delays = [next_delay(n, 15.0, rand=middle) for n in range(1, 12)]
    assert delays[:5] == [30.0, 60.0, 120.0, 240.0, 480.0]
    assert delays[5:] == [MAX_FACTOR * 15.0] * 6  # 32 x 15 s = 8 min, under the 30 min cap


def test_slow_feeds_cap_at_half_an_hour() -> None:
    assert next_delay(50, 600.0, rand=middle) == MAX_DELAY_S


def test_success_resets_the_delay() -> None:
    grown = next_delay(6, 1.0, rand=middle)
    assert grown == 32.0
    assert next_delay(0, 1.0, rand=middle) == 1.0


@pytest.mark.parametrize("rand", [0.0, 0.999999])
def test_jitter_stays_within_bounds(rand: float) -> None:
    delay = next_delay(2, 10.0, rand=lambda: rand)
    assert 40.0 * (1 - JITTER) - 1e-9 <= delay <= 40.0 * (1 + JITTER) + 1e-9
    assert delay != 40.0


@given(
    failures=st.integers(min_value=0, max_value=10_000),
    interval=st.floats(min_value=1.0, max_value=3600.0),
    rand=st.floats(min_value=0.0, max_value=1.0, exclude_max=True),
)
def test_delay_is_never_below_the_interval_nor_above_the_cap(
    failures: int, interval: float, rand: float
) -> None:
    delay = next_delay(failures, interval, rand=lambda: rand)
    assert interval <= delay <= max(interval, min(MAX_FACTOR * interval, MAX_DELAY_S))
