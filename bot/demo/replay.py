"""Runs the demo: a temporary SQLite store, the replay feed, the real poller, outbox,
delivery worker and renderer; each post printed as a person reads it; charts written; all
of it in one language (DESIGN §6, §13).

The narration of each step is written in English next to the document it narrates
(data/replay.json), and that English is its message id: its translations live in the
message catalogues with every other string (context "demo"), so the catalogue test fails
when a step is added or reworded without them, and a translator works in one file.
"""

from __future__ import annotations

import asyncio
import itertools
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

from bot.config import DefaultsSettings, ElectionSettings, FeedSettings, Settings
from bot.core.models import DEFAULT_LANGUAGE, Election
from bot.core.plan import CONSOLE_TARGET, Subscriber
from bot.demo.server import ReplayFeed
from bot.render.charts import render_history_png_async
from bot.render.i18n import Translator, translator
from bot.render.labels import round_label
from bot.render.text import render_text
from bot.services.delivery import Outgoing, Sender
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


class DemoPrinter:
    """The demo's sender: each post as a person reads it, under a line naming where it
    would go, in the demo's language."""

    def __init__(self, t: Translator, stream: TextIO) -> None:
        self._t = t
        self._stream = stream
        self._ids = itertools.count(1)  # message ids it "creates", as the dry run's printer

    async def send(self, outgoing: Outgoing) -> int | None:
        post = outgoing.post
        header = self._t.pgettext("demo", "── to {target} · {election} · {round} ──").format(
            target=outgoing.target,
            election=post.election_id,
            round=round_label(self._t, post.round),
        )
        self._stream.write(header + "\n" + render_text(outgoing.message).rstrip() + "\n\n")
        self._stream.flush()
        return next(self._ids)


async def run_demo(
    build: BuildRuntime,
    output_dir: Path,
    out: TextIO | None = None,
    *,
    language: str = DEFAULT_LANGUAGE,
    feed_format: str = "native",
) -> list[Path]:
    """Replay every step, print the posts, write the charts, all in `language`; returns
    the chart paths. `feed_format`: the steps as a native feed, or as a published sheet
    (`sheet-csv`)."""
    stream = out or sys.stdout
    steps = load_steps()
    feed = ReplayFeed([s.document for s in steps], sheet=feed_format == "sheet-csv")
    await feed.start()
    try:
        with tempfile.TemporaryDirectory(prefix="tallybot-demo-") as folder:
            store = await Store.open(f"sqlite+aiosqlite:///{folder}/demo.db")
            try:
                await store.migrate()
                t = translator(language)
                await _replay(build, store, feed, steps, stream, t, feed_format)
                return await _write_charts(store, output_dir, language)
            finally:
                await store.close()
    finally:
        await feed.stop()


def step_heading(t: Translator, number: int, total: int, step: Step) -> str:
    """ "▶ Step 3/10 [illustration]: JFK8: a first batch is counted …" in `t`'s language."""
    narration = t.pgettext("demo", step.narration)
    if step.illustration:
        template = t.pgettext("demo", "▶ Step {number}/{total} [illustration]: {narration}")
    else:
        template = t.pgettext("demo", "▶ Step {number}/{total}: {narration}")
    return template.format(number=t.number(number), total=t.number(total), narration=narration)


async def _replay(
    build: BuildRuntime,
    store: Store,
    feed: ReplayFeed,
    steps: list[Step],
    stream: TextIO,
    t: Translator,
    feed_format: str,
) -> None:
    settings = Settings(
        defaults=DefaultsSettings.model_validate({"language": t.language}),  # console: no guild
        feeds=(
            FeedSettings.model_validate(
                {"id": FEED_ID, "url": feed.url, "format": feed_format, "interval": 1.0}
            ),
        ),
        elections=(ElectionSettings(id="jfk8", case_number="29-RC-288020"),),
    )
    await sync_config(store, settings)
    sender: Sender = DemoPrinter(t, stream)
    async with aiohttp.ClientSession() as session:
        runtime = build(
            settings, store, session, sender, extra_subscribers=(Subscriber(CONSOLE_TARGET, "all"),)
        )
        for number, step in enumerate(steps, start=1):
            stream.write("\n" + step_heading(t, number, len(steps), step) + "\n\n")
            report = await runtime.poller.poll(FEED_ID)
            if report.outcome in ("failed", "rejected"):
                raise RuntimeError(f"the demo feed failed: {report.error}")
            while await runtime.worker.run_once():
                pass
            if report.posts == 0:
                silent = t.pgettext(
                    "demo", "(nothing posted: a first document is a silent baseline)"
                )
                stream.write("  " + silent + "\n")
            stream.flush()


async def _write_charts(store: Store, output_dir: Path, language: str) -> list[Path]:
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
        png = await render_history_png_async(election, history, language=language)
        path = output_dir / f"{election.id}.png"
        await asyncio.to_thread(path.write_bytes, png)
        written.append(path)
    return written


def closing_words(charts: list[Path], language: str = DEFAULT_LANGUAGE) -> str:
    """What the demo showed and how to run the bot for real, in `language`."""
    t = translator(language)
    listed = "\n".join(f"  {path}" for path in charts)
    text = t.pgettext(
        "demo",
        """Charts of each count over time:
{charts}

That was the real pipeline: fetch (HTTP on 127.0.0.1) → parse → diff → store → outbox →
render, with every post printed instead of sent. To run it for real:
  1. cp config.example.yaml config.yaml, and list your feeds and elections in it
  2. python -m bot check-config        (every problem, with its line)
  3. python -m bot run --dry-run       (follow the real feeds, print the posts)
  4. export DISCORD_TOKEN=…; python -m bot sync; make run
See README.md ("Run it in your server").""",
    )
    return "\n" + text.format(charts=listed) + "\n"


def took(seconds: float, language: str = DEFAULT_LANGUAGE) -> str:
    """ "(demo took 4.2 s)" in `language`."""
    t = translator(language)
    return t.pgettext("demo", "(demo took {seconds} s)").format(seconds=t.decimal(seconds))


def now() -> datetime:
    return datetime.now(UTC)


def main(
    build: BuildRuntime,
    output_dir: Path,
    language: str = DEFAULT_LANGUAGE,
    feed_format: str = "native",
) -> int:
    started = now()
    charts = asyncio.run(run_demo(build, output_dir, language=language, feed_format=feed_format))
    print(closing_words(charts, language))
    print(took((now() - started).total_seconds(), language))
    return 0
