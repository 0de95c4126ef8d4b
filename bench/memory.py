"""Figure 6: peak RSS of the bot's process (a fresh subprocess) holding N elections and M
channel subscriptions, after one update is delivered to all M. The child is the real TallyBot
logged in to a Discord double that runs in this (the parent) process, so discord.py's cache of
the M channels counts; its services are the ones bot.cli.root.build_runtime builds, as
bot.cli.discord_run.compose_bot wires them, but the M posts go to a counting sender (M
through the double's 50 requests/s would take M/50 s: Figure 4 measures that path).

The peak is the process's VmHWM (/proc/self/status). `ru_maxrss` is reported beside it but
is not the figure: Linux carries it across fork and exec, so a child forked from a 200 MB
parent starts with a 200 MB `ru_maxrss` whatever it does itself."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import text

from bench.common import (
    REPO_ROOT,
    CountingSender,
    Figure,
    bench_feed,
    bench_settings,
    child_env,
    openapi_spec,
    sqlite_store,
    subscribe_channels,
)
from bench.documents import election_id, native_feed

TARGET_MB = 200.0
CHANGED = 10
CHANNELS_PER_GUILD = 500  # Discord's own cap
TOKEN = "test-token"


async def measure(
    elections: int = 5000, subscriptions: int = 10_000, delivered: int | None = None
) -> list[Figure]:
    """Peak RSS once `delivered` (default: all) of the `subscriptions` deliveries went out."""
    result = await run_child(elections, subscriptions, delivered or subscriptions)
    planned = int(result["planned"])
    sent = (
        f"all {planned:,}"
        if result["delivered"] >= planned
        else f"the first {result['delivered']:,} of the {planned:,} planned"
    )
    return [
        Figure(
            key="memory",
            name=f"Peak RSS, {elections:,} elections and {subscriptions:,} subscriptions",
            value=result["peak_rss_mb"],
            unit="MB",
            target=TARGET_MB,
            detail=(
                f"after delivering one update ({CHANGED} elections changed) to {sent} "
                "subscribed channels with a counting sender; the real "
                f"TallyBot logged in to the double with {result['channels']:,} channels in "
                f"{result['guilds']} guilds cached; peak after imports "
                f"{result['after_imports_mb']:.0f} MB, after login and the baseline poll "
                f"{result['after_baseline_mb']:.0f} MB; the deliveries took "
                f"{result['deliver_s']:.1f} s ({result['renders']} renders); matplotlib "
                f"imported: {result['matplotlib']}; "
                f"ru_maxrss {result['ru_maxrss_mb']:.0f} MB (inherited from the parent: "
                "see bench/memory.py)"
            ),
            extra={
                "elections": elections,
                "subscriptions": subscriptions,
                **{k: float(v) for k, v in result.items() if isinstance(v, int | float)},
            },
        )
    ]


async def run_child(elections: int, subscriptions: int, delivered: int) -> dict[str, Any]:
    """Serve a double here with `subscriptions` channels; measure the bot in a child process."""
    from tests.discord_double import DiscordDouble

    async with DiscordDouble(openapi_spec(), validate=False) as double:
        world = double.world
        for start in range(0, subscriptions, CHANNELS_PER_GUILD):
            guild = world.add_guild(f"guild-{start // CHANNELS_PER_GUILD}")
            for n in range(start, min(start + CHANNELS_PER_GUILD, subscriptions)):
                world.add_channel(guild, f"follow-{n}")
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.memory",
            "--port",
            str(double.port),
            "--elections",
            str(elections),
            "--subscriptions",
            str(subscriptions),
            "--delivered",
            str(delivered),
            stdout=asyncio.subprocess.PIPE,
            cwd=REPO_ROOT,
            env=child_env(),
        )
        out, _ = await child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"the memory child failed (exit {child.returncode})")
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result


def peak_rss_mb() -> float:
    """This process image's peak resident set (VmHWM), in MB; ru_maxrss where /proc lacks it."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return maxrss_mb()


def maxrss_mb() -> float:
    """getrusage's ru_maxrss (kilobytes on Linux), inherited across fork and exec."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _child(port: int, elections: int, subscriptions: int, delivered: int) -> dict[str, Any]:
    # What `python -m bot run` imports, and the discord edge it starts.
    import bot.cli.discord_run
    import bot.cli.main  # noqa: F401
    from bot.cli.root import build_runtime
    from bot.discord.client import TallyBot, point_discord_py_at

    after_imports = peak_rss_mb()
    sender = CountingSender()
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        folder = Path(tmp)
        feed = folder / "feed.json"
        feed.write_bytes(native_feed(elections))
        settings = bench_settings(bench_feed("memory", feed.as_uri(), interval=1.0))
        async with sqlite_store(folder) as store, aiohttp.ClientSession() as session:
            await point_discord_py_at(f"http://127.0.0.1:{port}/api/v10", TOKEN, session)
            # compose_bot, with the counting sender in the Discord sender's place.
            client = TallyBot(
                settings=settings, store=store, session=session, guild_ready_timeout=0.05
            )
            runtime = build_runtime(settings, store, session, sender, locale_of=client.language_of)
            client.attach(runtime)
            await client.login(TOKEN)
            connection = asyncio.create_task(client.connect(reconnect=False))
            try:
                await asyncio.wait_for(client.wait_until_ready(), 120)
                await _until_baseline(store)
                after_baseline = peak_rss_mb()
                channels = [
                    c.id
                    for guild in client.guilds
                    for c in guild.text_channels
                    if c.name.startswith("follow-")
                ]
                await subscribe_channels(store, channels, [election_id(i) for i in range(CHANGED)])
                started = time.perf_counter()
                feed.write_bytes(native_feed(elections, changed=CHANGED, bump=1))
                await sender.wait_for(delivered, 30 + delivered / 20)
                deliver_s = time.perf_counter() - started
                result = {
                    "peak_rss_mb": peak_rss_mb(),
                    "ru_maxrss_mb": maxrss_mb(),
                    "after_imports_mb": after_imports,
                    "after_baseline_mb": after_baseline,
                    "delivered": sender.count,
                    "planned": await _planned(store),
                    "deliver_s": deliver_s,
                    "channels": len(channels),
                    "guilds": len(client.guilds),
                    "matplotlib": "matplotlib" in sys.modules,
                    "renders": runtime.worker.renders,
                }
            finally:
                await client.close()
                await asyncio.wait_for(connection, 10)
    return result


async def _until_baseline(store: Any) -> None:
    while True:
        async with store.read() as uow:
            state = await uow.feeds.get("memory")
        if state is not None and state.baseline_done:
            return
        await asyncio.sleep(0.05)


async def _planned(store: Any) -> int:
    async with store.read() as uow:
        return int(await uow.connection.scalar(text("SELECT COUNT(*) FROM deliveries")) or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description="the memory benchmark's child process")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--elections", type=int, required=True)
    parser.add_argument("--subscriptions", type=int, required=True)
    parser.add_argument("--delivered", type=int, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    # A poll of 20,000 elections outlasts the 1 s interval: APScheduler's "skipped" lines.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    logging.getLogger("discord").setLevel(logging.ERROR)
    result = asyncio.run(_child(args.port, args.elections, args.subscriptions, args.delivered))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
