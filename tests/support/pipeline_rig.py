"""The tests' own composition root: the production builder (bot.cli.root) with a recording
sender, a file:// feed the test rewrites, and a clock the test moves. Runs on SQLite or
PostgreSQL (the `database_url` fixture of tests/store)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bot.cli.root import build_runtime
from bot.config import ElectionSettings, FeedSettings, Settings
from bot.core.models import Level, SubscriptionMode
from bot.core.plan import CONSOLE_TARGET, Subscriber
from bot.services.delivery import Outgoing, SendFailure
from bot.services.runtime import Runtime, sync_config
from bot.store import Store, SubscriptionKind
from tests.conftest import fresh_store

FEED = "organizers"


@dataclass
class RecordingSender:
    """Records what it sends; fails targets listed in `failures`; `delay_s` slows a target."""

    sent: list[Outgoing] = field(default_factory=list)
    failures: dict[str, SendFailure] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)
    next_id: int = 1000
    returned: list[int | None] = field(default_factory=list)  # message ids, in send order

    async def send(self, outgoing: Outgoing) -> int | None:
        delay = self.delays.get(outgoing.target)
        if delay:
            await asyncio.sleep(delay)
        failure = self.failures.get(outgoing.target)
        if failure is not None:
            raise failure
        self.sent.append(outgoing)
        self.next_id += 1
        message_id = outgoing.live.message_id if outgoing.live else self.next_id
        self.returned.append(message_id)
        return message_id

    def to(self, target: str) -> list[Outgoing]:
        return [o for o in self.sent if o.target == target]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2022, 3, 31, 20, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Rig:
    """A runtime whose feed is a file and whose sender records."""

    def __init__(
        self, store: Store, runtime: Runtime, sender: RecordingSender, path: Path, clock: Clock
    ) -> None:
        self.store = store
        self.runtime = runtime
        self.sender = sender
        self.path = path
        self.clock = clock

    def write(self, document: dict[str, Any] | str) -> None:
        text = document if isinstance(document, str) else json.dumps(document)
        self.path.write_text(text, encoding="utf-8")

    async def poll(self) -> str:
        return (await self.runtime.poller.poll(FEED)).outcome

    async def deliver(self) -> int:
        total = 0
        while claimed := await self.runtime.worker.run_once():
            total += claimed
        return total

    async def publish(self, document: dict[str, Any]) -> int:
        """Write the feed, poll it, deliver everything due; returns how many were claimed."""
        self.write(document)
        outcome = await self.poll()
        assert outcome in ("stored", "unchanged"), outcome
        return await self.deliver()

    async def subscribe(
        self,
        target: int,
        election: str,
        level: Level = Level.ALL,
        kind: SubscriptionKind = SubscriptionKind.CHANNEL,
        mode: SubscriptionMode = SubscriptionMode.POST,
        role: int | None = None,
    ) -> int:
        async with self.store.transaction() as uow:
            sub, _ = await uow.subscriptions.add(
                kind, target, election, level=level, mode=mode, mention_role_id=role
            )
        return sub.id


def settings_for(path: Path, **overrides: Any) -> Settings:
    base = Settings(
        feeds=(FeedSettings(id=FEED, url=path.as_uri(), format="native", interval=1.0),),
        elections=(ElectionSettings(id="jfk8", case_number="29-RC-288020"),),
    )
    return base.model_copy(update=overrides) if overrides else base


@asynccontextmanager
async def pipeline_rig(
    database_url: str,
    folder: Path,
    *,
    console: bool = True,
    settings: Settings | None = None,
    sender: RecordingSender | None = None,
    subscribers: Sequence[Subscriber] = (),
) -> AsyncIterator[Rig]:
    store = await fresh_store(database_url)
    path = folder / "feed.json"
    clock = Clock()
    recording = sender or RecordingSender()
    extra = [*subscribers, *([Subscriber(CONSOLE_TARGET, "all")] if console else [])]
    try:
        async with aiohttp.ClientSession() as session:
            runtime = build_runtime(
                settings or settings_for(path),
                store,
                session,
                recording,
                extra_subscribers=extra,
                clock=clock,
            )
            await sync_config(store, runtime.settings)
            yield Rig(store, runtime, recording, path, clock)
    finally:
        await store.close()


async def eventually(
    predicate: Callable[[], bool], timeout: float = 5.0, step: float = 0.01
) -> None:
    """Wait until `predicate()` holds; AssertionError after `timeout` seconds."""
    for _ in range(int(timeout / step) + 1):
        if predicate():
            return
        await asyncio.sleep(step)
    raise AssertionError(f"not within {timeout}s")
