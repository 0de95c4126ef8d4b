"""Live mode (DESIGN §11, issue 13): a 40-batch count followed by 100 live channels, through
the real bot (bench/botrig.py: compose_bot, the double enforcing 50 requests per fixed 1 s
window). Each batch lands in the feed at a random moment of the poll interval after the
previous one was fetched; every channel's one live message is created at the first batch
and edited (a queued edit takes the newer state) until it shows the last.

Measured: messages created (100), edits sent, 429s (0), and the time from the last batch
landing in the feed to the last edit arriving at the double, against the floor of the
requests actually needed after the last batch — (messages created + edits sent after the
poll that fetched it) / `discord.requests_per_second` — times 1.1, plus the poll interval;
and whether every live message shows the last batch's figures at the end."""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import dataclass
from typing import Any

from bench.botrig import MESSAGE, MESSAGES, BotRig, bot_on_double, poll_until
from bench.common import Figure
from bench.documents import native_election
from bot.core.models import SubscriptionMode

BATCHES = 40
CHANNELS = 100
UNION_PER_BATCH, AGAINST_PER_BATCH = 37, 29  # a batch's votes: distinct figures every time
ELIGIBLE = 8325
TARGET_RATIO = 1.1


@dataclass(frozen=True)
class LiveRun:
    """What one live-mode run saw (times on the event loop's clock, seconds)."""

    channels: int
    batches: int
    created: int
    edits: int
    after_last: int  # creations and edits that arrived after the poll that fetched it
    global_429s: int
    route_429s: int
    last_batch_to_edit_s: float
    fetch_to_edit_s: float
    final_shown: int  # live messages showing the last batch's figures
    messages_per_channel: int  # the most messages any one channel got
    requests_per_second: float
    interval_s: float
    peak_per_window: int

    @property
    def floor_s(self) -> float:
        return self.after_last / self.requests_per_second

    @property
    def target_s(self) -> float:
        return TARGET_RATIO * self.floor_s + self.interval_s


def batch(number: int, elections: int = 10) -> dict[str, Any]:
    """The feed after `number` batches of election 0's count (the others stand still)."""
    document = [native_election(i) for i in range(elections)]
    first = document[0]
    first["eligible_voters"] = ELIGIBLE
    first["challenged"] = first["void"] = 0
    first["choices"][0]["votes"] = UNION_PER_BATCH * number
    first["choices"][1]["votes"] = AGAINST_PER_BATCH * number
    return {"feed_version": 1, "source": "bench", "elections": document}


async def measure(
    channels: int = CHANNELS, batches: int = BATCHES, interval_s: float = 1.0, seed: int = 13
) -> list[Figure]:
    run = await live_run(channels, batches, interval_s, random.Random(seed))
    floor = f"(({run.after_last} requests after the last batch) / {run.requests_per_second:g}/s)"
    return [
        Figure(
            key="live",
            name=(
                f"Live mode, {batches} batches to {channels} live channels: last batch → last edit"
            ),
            value=run.last_batch_to_edit_s,
            unit="s",
            target=run.target_s,
            detail=(
                f"target 1.1 × the floor {floor} = {TARGET_RATIO * run.floor_s:.2f} s, plus "
                f"the {interval_s:g} s poll interval; from the poll that fetched the last batch "
                f"{run.fetch_to_edit_s:.2f} s ({run.fetch_to_edit_s / max(run.floor_s, 1e-9):.2f} "
                f"× the floor); {run.created} messages created, {run.edits} edits sent in all; "
                f"{run.final_shown} of {channels} live messages show the last batch's figures; "
                f"at most {run.messages_per_channel} message(s) in any channel; at most "
                f"{run.peak_per_window} requests in one 1 s window"
            ),
            extra={
                "channels": channels,
                "created": run.created,
                "edits": run.edits,
                "after_last": run.after_last,
                "floor_s": run.floor_s,
                "fetch_to_edit_s": run.fetch_to_edit_s,
                "final_shown": run.final_shown,
            },
        ),
        Figure(
            key="live",
            name=f"Live mode: messages created for {channels} live channels",
            value=run.created,
            unit="",
            target=channels,
            exact=True,
            detail=f"one per channel expected; {run.edits} edits sent over {batches} batches",
            extra={"edits": run.edits, "messages_per_channel": run.messages_per_channel},
        ),
        Figure(
            key="live",
            name="Live mode: live messages not showing the final figures at the end",
            value=channels - run.final_shown,
            unit="",
            target=0,
            exact=True,
            detail="read back from the double (`message(id)`: the message as its edits left it)",
        ),
        Figure(
            key="live",
            name="Live mode: 429s received",
            value=run.global_429s + run.route_429s,
            unit="",
            target=0,
            exact=True,
            detail=f"{run.global_429s} global, {run.route_429s} route; target 0",
        ),
    ]


async def live_run(channels: int, batches: int, interval_s: float, rng: random.Random) -> LiveRun:
    async with bot_on_double(
        channels, mode=SubscriptionMode.LIVE, baseline=batch(0), interval_s=interval_s
    ) as rig:
        loop = asyncio.get_running_loop()
        double, server = rig.double, rig.server
        before = (double.stats.global_429s, double.stats.route_429s)
        landed = fetched = 0.0
        for number in range(1, batches + 1):
            server.set_document(batch(number))
            landed = loop.time()
            await server.wait_fetched(1)
            fetched = loop.time()
            if number < batches:
                await asyncio.sleep(rng.uniform(0, interval_s))
        final = batch(batches)["elections"][0]["choices"]
        figures = (f"{final[0]['votes']:,}", f"{final[1]['votes']:,}")
        limit = 3 * (channels * 2) / rig.requests_per_second + 30
        await poll_until(lambda: _showing(rig, figures) == channels, limit, "the final state")
        return _summary(rig, before, landed, fetched, _showing(rig, figures))


def _showing(rig: BotRig, figures: tuple[str, ...]) -> int:
    """How many channels have one live message that shows `figures`."""
    shown = 0
    for channel in rig.targets:
        messages = rig.double.messages.get(channel, [])
        if not messages:
            continue
        current = rig.double.message(messages[0])
        text = "" if current is None else json.dumps(current, ensure_ascii=False)
        shown += all(figure in text for figure in figures)
    return shown


def _summary(
    rig: BotRig, before: tuple[int, int], landed: float, fetched: float, shown: int
) -> LiveRun:
    double = rig.double
    wanted = {str(c) for c in rig.targets}
    answered = [
        r
        for r in double.requests
        if r.status == 200 and r.template in (MESSAGES, MESSAGE) and r.path.split("/")[2] in wanted
    ]
    created = [r for r in answered if r.method == "POST" and r.template == MESSAGES]
    edits = [r for r in answered if r.method == "PATCH" and r.template == MESSAGE]
    last = max(r.at for r in answered)
    return LiveRun(
        channels=len(rig.targets),
        batches=BATCHES,
        created=len(created),
        edits=len(edits),
        after_last=sum(1 for r in answered if r.at > fetched),
        global_429s=double.stats.global_429s - before[0],
        route_429s=double.stats.route_429s - before[1],
        last_batch_to_edit_s=last - landed,
        fetch_to_edit_s=last - fetched,
        final_shown=shown,
        messages_per_channel=max(len(double.messages.get(c, [])) for c in rig.targets),
        requests_per_second=rig.requests_per_second,
        interval_s=rig.interval_s,
        peak_per_window=double.peak_requests_per_window,
    )
