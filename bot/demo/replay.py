"""Runs the demo: a temporary SQLite store, the replay feed, the real poller, outbox,
delivery worker and renderer; each post printed as a person reads it; charts written."""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

import aiohttp

from bot.config import ElectionSettings, FeedSettings, Settings
from bot.core.models import Election
from bot.core.plan import CONSOLE_TARGET, Subscriber
from bot.demo.server import ReplayFeed
from bot.render.charts import render_history_png_async
from bot.services.delivery import Sender
from bot.services.printer import PrinterSender
from bot.services.runtime import Runtime, sync_config
from bot.store import Store

# The composition root's builder (bot.cli.root.build_runtime), passed in by `cli demo`.
BuildRuntime = Callable[..., Runtime]

FEED_ID = "demo"


@dataclass(frozen=True)
class Step:
    narration: str
    illustration: bool
    document: dict[str, Any]


def load_steps() -> list[Step]:
    raw = json.loads(resources.files("bot.demo").joinpath("data/replay.json").read_text("utf-8"))
    return [Step(s["narration"], s["illustration"], s["document"]) for s in raw["steps"]]


async def run_demo(build: BuildRuntime, output_dir: Path, out: TextIO | None = None) -> list[Path]:
    """Replay every step, print the posts, write the charts; returns the chart paths."""
    stream = out or sys.stdout
    steps = load_steps()
    feed = ReplayFeed([s.document for s in steps])
    await feed.start()
    try:
        with tempfile.TemporaryDirectory(prefix="tallybot-demo-") as folder:
            store = await Store.open(f"sqlite+aiosqlite:///{folder}/demo.db")
            try:
                await store.migrate()
                await _replay(build, store, feed, steps, stream)
                return await _write_charts(store, output_dir)
            finally:
                await store.close()
    finally:
        await feed.stop()


async def _replay(
    build: BuildRuntime, store: Store, feed: ReplayFeed, steps: list[Step], stream: TextIO
) -> None:
    settings = Settings(
        feeds=(FeedSettings(id=FEED_ID, url=feed.url, format="native", interval=1.0),),
        elections=(ElectionSettings(id="jfk8", case_number="29-RC-288020"),),
    )
    await sync_config(store, settings)
    sender: Sender = PrinterSender("text", stream)
    async with aiohttp.ClientSession() as session:
        runtime = build(
            settings, store, session, sender, extra_subscribers=(Subscriber(CONSOLE_TARGET, "all"),)
        )
        for number, step in enumerate(steps, start=1):
            label = " [illustration]" if step.illustration else ""
            stream.write(f"\n▶ Step {number}/{len(steps)}{label}: {step.narration}\n\n")
            report = await runtime.poller.poll(FEED_ID)
            if report.outcome in ("failed", "rejected"):
                raise RuntimeError(f"the demo feed failed: {report.error}")
            while await runtime.worker.run_once():
                pass
            if report.posts == 0:
                stream.write("  (nothing posted: a first document is a silent baseline)\n")
            stream.flush()


async def _write_charts(store: Store, output_dir: Path) -> list[Path]:
    await asyncio.to_thread(output_dir.mkdir, parents=True, exist_ok=True)
    written = []
    async with store.read() as uow:
        elections: list[Election] = await uow.elections.list_all()
        histories = {e.id: await uow.tallies.history(e.id) for e in elections}
    for election in elections:
        history = {
            # The count's own clock when the feed gives it; else when the bot saw it.
            round_: [(row.tally.updated_at or row.seen_at, row.tally) for row in rows]
            for round_, rows in histories[election.id].items()
        }
        if not history:
            continue
        png = await render_history_png_async(election, history)
        path = output_dir / f"{election.id}.png"
        await asyncio.to_thread(path.write_bytes, png)
        written.append(path)
    return written


def closing_words(charts: list[Path]) -> str:
    listed = "\n".join(f"  {path}" for path in charts)
    return f"""
Charts of each count over time:
{listed}

That was the real pipeline: fetch (HTTP on 127.0.0.1) → parse → diff → store → outbox →
render, with every post printed instead of sent. To run it for real:
  1. cp config.example.yaml config.yaml, and list your feeds and elections in it
  2. python -m bot check-config        (every problem, with its line)
  3. python -m bot run --dry-run       (follow the real feeds, print the posts)
  4. export DISCORD_TOKEN=…; python -m bot sync; make run
See README.md ("Run it in your server").
"""


def now() -> datetime:
    return datetime.now(UTC)


def main(build: BuildRuntime, output_dir: Path) -> int:
    started = now()
    charts = asyncio.run(run_demo(build, output_dir))
    print(closing_words(charts))
    print(f"(demo took {(now() - started).total_seconds():.1f}s)")
    return 0
