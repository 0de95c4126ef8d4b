"""Delivery guarantees across a crash, and source precedence, end to end (DESIGN §4, §7)."""

from __future__ import annotations

import asyncio
import shutil
import signal
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.support.botproc import BotProcess, write_config
from tests.support.feed_server import serve_feed
from tests.support.jfk8 import jfk8

pytestmark = pytest.mark.e2e

SUBSCRIBERS = 20


def static_channels(count: int) -> str:
    lines = ["subscriptions:"]
    for n in range(count):
        lines += ["  - election: jfk8", f"    channel_id: {100000000000000000 + n}"]
    return "\n".join(lines) + "\n"


def sent_targets(database: Path) -> set[str]:
    with sqlite3.connect(database) as conn:
        rows = conn.execute("SELECT target FROM deliveries WHERE state = 'sent'").fetchall()
    return {target for (target,) in rows}


async def test_kill_9_while_deliveries_are_queued_loses_nothing(tmp_path: Path) -> None:
    async with serve_feed() as server:
        server.set_document(jfk8("counting", 10, 5))
        config = write_config(
            tmp_path,
            [{"id": "organizers", "url": server.url, "format": "native", "interval": "1s"}],
            extra=static_channels(SUBSCRIBERS),
        )
        database = tmp_path / "tally.db"
        url = f"sqlite+aiosqlite:///{database}"
        first = BotProcess(config, url, tmp_path / "first.log", slow_printer_s=0.4)
        await first.start()
        await server.wait_fetched(1)
        server.set_document(jfk8("counting", 40, 25))
        printed_before = [(await first.next_post())["target"] for _ in range(9)]
        await first.stop(signal.SIGKILL)
        marked_sent = sent_targets(database)
        assert marked_sent, "some deliveries were marked sent before the crash"
        assert len(marked_sent) < SUBSCRIBERS + 1, "the crash came while posts were queued"

        second = BotProcess(config, url, tmp_path / "second.log")
        await second.start()
        printed_after: list[str] = []
        try:
            while len(set(printed_before) | set(printed_after)) < SUBSCRIBERS + 1:
                printed_after.append((await second.next_post())["target"])
            await second.no_post_within(1.5)
        finally:
            assert await second.stop() == 0
    assert not marked_sent & set(printed_after), "a post marked sent went out again"
    everyone = {"console"} | {f"channel:{100000000000000000 + n}" for n in range(SUBSCRIBERS)}
    assert set(printed_before) | set(printed_after) == everyone
    assert sent_targets(database) == everyone


async def test_the_official_tally_takes_over_and_a_lagging_feed_posts_no_correction(
    tmp_path: Path,
) -> None:
    csv_path = tmp_path / "results.csv"
    async with serve_feed() as server:
        server.set_document(jfk8("counting", 2000, 1700))
        config = write_config(
            tmp_path,
            [
                {"id": "organizers", "url": server.url, "format": "native", "interval": "1s"},
                {"id": "nlrb", "url": f"file://{csv_path}", "format": "nlrb-csv", "interval": "1s"},
            ],
            extra="elections:\n  - id: jfk8\n    case_number: 29-RC-288020\n",
        )
        bot = BotProcess(config, f"sqlite+aiosqlite:///{tmp_path}/t.db", tmp_path / "bot.log")
        await bot.start()
        try:
            first = await bot.next_post()  # jfk8 is declared: its first tally posts
            assert first["tally"]["valid"] == 3700
            shutil.copy(FIXTURES / "pipeline" / "jfk8_results_export.csv", csv_path)
            official = await bot.next_post()
            assert official["events"] == ["count_updated", "outcome_decided", "count_final"]
            assert official["tally"]["choices"][0]["votes"] == 2654
            assert official["tally"]["challenged"] == 67
            server.set_document(jfk8("counting", 2600, 2100))  # the native feed lags behind
            await server.wait_fetched(2)
            await bot.no_post_within(2.0)
        finally:
            assert await bot.stop() == 0
        assert "unofficial" not in str(official["message"]).lower()


async def test_sigterm_during_a_poll_lets_it_finish_and_exits_cleanly(tmp_path: Path) -> None:
    """SIGTERM during a poll: the poll's transaction finishes, the process exits 0."""
    async with serve_feed() as server:
        server.set_document(jfk8("counting", 1, 1))
        config = write_config(
            tmp_path,
            [{"id": "organizers", "url": server.url, "format": "native", "interval": "1s"}],
        )
        bot = BotProcess(config, f"sqlite+aiosqlite:///{tmp_path}/t.db", tmp_path / "bot.log")
        await bot.start()
        await server.wait_fetched(1)
        await asyncio.sleep(0.05)
        assert await bot.stop(signal.SIGTERM, timeout=8) == 0
    assert "Traceback" not in bot.log()
