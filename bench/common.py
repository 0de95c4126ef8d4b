"""What every benchmark shares: the Figure record, percentiles, a fresh SQLite store, the
shared folder, channel subscriptions in bulk, a counting sender, the settings of one feed,
and the machine's description."""

from __future__ import annotations

import asyncio
import math
import os
import platform
import sys
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot.config import DatabaseSettings, FeedSettings, Settings
from bot.core.models import Level, SubscriptionMode
from bot.services.delivery import Outgoing
from bot.store import Store, SubscriptionKind
from bot.store.schema import subscriptions as subscriptions_table

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Figure:
    """One measured figure, with its target (None: reported, not judged): at most `target`,
    or exactly `target` when `exact`. A NaN value was not measured."""

    key: str  # the command's argument: `python -m bench <key>`
    name: str
    value: float
    unit: str
    target: float | None = None
    detail: str = ""
    extra: dict[str, float] = field(default_factory=dict)
    exact: bool = False

    @property
    def measured(self) -> bool:
        return not math.isnan(self.value)

    @property
    def ratio(self) -> float | None:
        if self.target is None or self.target == 0 or self.exact or not self.measured:
            return None
        return self.value / self.target

    @property
    def met(self) -> bool | None:
        if self.target is None or not self.measured:
            return None
        return self.value == self.target if self.exact else self.value <= self.target


@dataclass(frozen=True)
class GrowthPoint:
    """One figure at one scale, for the growth table."""

    figure: str
    scale: float
    size: str
    value: float
    unit: str


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100), linearly interpolated between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def shared_dir() -> Path:
    """`TALLYBOT_SHARED`, else `../shared` beside the repository root (as tests do)."""
    configured = os.environ.get("TALLYBOT_SHARED")
    path = Path(configured) if configured else REPO_ROOT.parent / "shared"
    if not path.is_dir():
        raise FileNotFoundError(f"the shared folder is missing: {path} (set TALLYBOT_SHARED)")
    return path


def openapi_spec() -> Path:
    return shared_dir() / "discord-openapi" / "openapi.json"


@asynccontextmanager
async def sqlite_store(folder: Path, name: str = "bench.db") -> AsyncIterator[Store]:
    """A fresh, migrated SQLite file store in `folder`."""
    store = await Store.open(f"sqlite+aiosqlite:///{folder / name}")
    try:
        await store.migrate()
        yield store
    finally:
        await store.close()


async def subscribe_channels(
    store: Store,
    channel_ids: Iterable[int],
    elections: Sequence[str],
    *,
    guild_id: int | None = None,
    mode: SubscriptionMode = SubscriptionMode.POST,
) -> int:
    """Subscribe each channel (level all) to one of `elections`, round robin, in one bulk
    insert: setting up 40,000 one `/subscribe` at a time would cost a minute."""
    now = datetime.now(UTC)
    rows = [
        {
            "kind": SubscriptionKind.CHANNEL.value,
            "target_id": channel_id,
            "election_id": elections[n % len(elections)],
            "level": Level.ALL.value,
            "mode": mode.value,
            "guild_id": guild_id,
            "static": False,
            "created_at": now,
        }
        for n, channel_id in enumerate(channel_ids)
    ]
    if rows:
        async with store.transaction() as uow:
            await uow.connection.execute(subscriptions_table.insert(), rows)
    return len(rows)


class CountingSender:
    """Counts what it is handed and sends nothing; `wait_for(n)` returns once `n` have come.
    Returns a new message id for each (a live message's own id for its edits)."""

    def __init__(self) -> None:
        self.count = 0
        self.outgoing: list[Outgoing] = []
        self.keep = False  # True: remember every Outgoing (small runs only)
        self._arrived = asyncio.Event()

    async def send(self, outgoing: Outgoing) -> int | None:
        self.count += 1
        if self.keep:
            self.outgoing.append(outgoing)
        self._arrived.set()
        return outgoing.live.message_id if outgoing.live else 10_000_000 + self.count

    async def wait_for(self, count: int, limit_s: float) -> None:
        async with asyncio.timeout(limit_s):
            while self.count < count:
                self._arrived.clear()
                await self._arrived.wait()


def bench_feed(
    feed_id: str, url: str, fmt: str = "native", interval: float = 600.0
) -> FeedSettings:
    """One feed, with a big `max_bytes` (4× is 5.4 MB, over the 5 MB default)."""
    return FeedSettings.model_validate(
        {"id": feed_id, "url": url, "format": fmt, "interval": interval, "max_bytes": 500_000_000}
    )


def bench_settings(
    *feeds: FeedSettings, retention_s: float | None = None, **extra: object
) -> Settings:
    """Settings with these feeds (and `retention_s`: `database.retention`)."""
    database = (
        DatabaseSettings() if retention_s is None else DatabaseSettings(retention=retention_s)
    )
    return Settings.model_validate({"feeds": feeds, "database": database, **extra})


def child_env() -> dict[str, str]:
    """The environment of a benchmark's child process: this one, with the repository first
    on the module path (children run `python -m bench.…`)."""
    paths = [str(REPO_ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def machine() -> dict[str, str]:
    """nproc, CPU model, Python version, platform."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": str(os.cpu_count() or "?"),
        "cpu": model,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }
