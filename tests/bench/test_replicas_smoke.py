"""The several-process benchmarks at tiny sizes (real processes on PostgreSQL, the double),
so they cannot rot unnoticed; no timing target is asserted here."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bench import failover, fanout_two

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


async def test_failover_bench_kills_each_leader_and_times_the_takeover(
    pg_url: str, shared_dir: Path
) -> None:
    [figure] = await failover.measure(scale=0.1)  # two kills
    assert figure.extra["kills"] == 2
    assert 0 < figure.extra["p50_s"] <= figure.value == figure.extra["max_s"] < 30
    assert figure.target == 10.0


async def test_two_process_fan_out_bench_times_every_channel(pg_url: str, shared_dir: Path) -> None:
    ratio, rejected = await fanout_two.measure(scale=0.004)  # four channels
    assert ratio.extra["channels"] == 4 and ratio.extra["total_s"] > 0
    assert not math.isnan(ratio.value) and ratio.target == 1.1
    assert rejected.value >= 0
