"""What the several-process benchmarks (bench/failover.py, bench/fanout_two.py) share: the
PostgreSQL server they make a database on, and the figure of a run that could not be made.

They drive real `python -m bot run` processes through tests/replicas/rig.py (the rig of the
several-process end-to-end test) against the Discord double. PostgreSQL comes from
`TALLYBOT_BENCH_PG_URL`, else `TALLYBOT_TEST_PG_URL` (a server URL such as
`postgresql+asyncpg://root@127.0.0.1:5432/test`: each run creates a database of its own and
drops it at the end).
"""

from __future__ import annotations

import math
import os
import sys

from bench.common import Figure

PG_ENV = ("TALLYBOT_BENCH_PG_URL", "TALLYBOT_TEST_PG_URL")


def pg_server_url() -> str | None:
    for name in PG_ENV:
        value = os.environ.get(name)
        if value:
            return value
    return None


def not_measured(key: str, name: str, unit: str) -> list[Figure]:
    """The figure of a benchmark that needs PostgreSQL when there is none (shown as —,
    without a target, so the report does not count it as a miss)."""
    why = f"not measured: it needs PostgreSQL ({' or '.join(PG_ENV)})"
    print(f"  {name}: {why}", file=sys.stderr)
    return [Figure(key=key, name=name, value=math.nan, unit=unit, detail=why)]
