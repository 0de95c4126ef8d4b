"""SQLite serves one process (DESIGN §9): a second `run` on the same SQLite file, real or
dry, exits 2 at start saying so and pointing at PostgreSQL, and the first keeps running."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from tests.discord_double import DiscordDouble
from tests.replicas.rig import (
    REPO_ROOT,
    TOKEN,
    Cluster,
    Setup,
    environment_without,
    serve_logged_feed,
)
from tests.support.jfk8 import jfk8

pytestmark = pytest.mark.e2e


async def second_run(config: Path, *extra: str) -> tuple[int, str]:
    env = environment_without(("DATABASE_URL", "PORT"))
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--config",
        str(config),
        *extra,
        cwd=REPO_ROOT,
        env={**env, "DISCORD_TOKEN": TOKEN},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, err.decode()


async def test_a_second_run_on_the_same_sqlite_file_exits_2_and_the_first_runs_on(
    discord_double: DiscordDouble, tmp_path: Path
) -> None:
    database = tmp_path / "data" / "tallybot.db"
    async with serve_logged_feed() as feed:
        feed.set_document(jfk8("counting", 10, 5))
        setup = Setup(
            discord_double.base_url,
            f"sqlite+aiosqlite:///{database}",
            feed.url,
            [discord_double.channel.id],
            shard_count=None,
        )
        async with Cluster(tmp_path, setup, names=("first",)) as cluster:
            first = cluster["first"]
            await cluster.start()
            await cluster.settled(alive=1)
            await discord_double.wait_until_ready(timeout=30)

            for extra in ((), ("--dry-run",)):
                code, err = await second_run(first.config, *extra)
                assert code == 2, err
                assert f"already running on the SQLite database {database}" in err
                assert "SQLite serves one process" in err and "PostgreSQL" in err

            assert first.running
            fetched = time.monotonic()
            await feed.wait_fetch_after(fetched, "first", timeout=10)  # it still polls
            async with aiohttp.ClientSession() as session:
                status, _health = await first.healthz(session)
            assert status == 200
            feed.set_document(jfk8("paused", 20, 15))
            [message] = await discord_double.wait_for_messages(discord_double.channel, timeout=15)
            assert "20–15" in message["content"]
            assert await first.stop() == 0, first.log()
