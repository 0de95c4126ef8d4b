"""End to end without Discord: a real feed server on 127.0.0.1, `python -m bot run
--dry-run --output jsonl` as a subprocess, the JFK8 count replayed (DESIGN §4–§6)."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest

from tests.support.botproc import BotProcess, write_config
from tests.support.feed_server import FeedServer, serve_feed
from tests.support.jfk8 import DAY_ONE_TALLY_JSON, REPLAY, jfk8

pytestmark = pytest.mark.e2e

CONTENT_LIMIT, EMBEDS_LIMIT = 2000, 6000


def embed_chars(embed: dict[str, Any]) -> int:
    fields = embed.get("fields", [])
    return sum(
        len(str(x))
        for x in (
            embed.get("title", ""),
            embed.get("description", ""),
            embed.get("footer", {}).get("text", ""),
            embed.get("author", {}).get("name", ""),
            *(f["name"] for f in fields),
            *(f["value"] for f in fields),
        )
    )


def assert_valid_message(post: dict[str, Any]) -> None:
    message = post["message"]
    assert set(message) >= {"content", "embeds", "allowed_mentions"}
    assert len(message["content"]) <= CONTENT_LIMIT
    assert sum(embed_chars(e) for e in message["embeds"]) <= EMBEDS_LIMIT
    assert "nonce" not in message and "enforce_nonce" not in message
    assert message["allowed_mentions"]["parse"] == []


async def start_bot(tmp_path: Path, server: FeedServer, name: str = "bot") -> BotProcess:
    config = write_config(
        tmp_path,
        [
            {
                "id": "organizers",
                "url": server.url,
                "format": "native",
                "interval": "1s",
                "timeout": "2s",
            }
        ],
    )
    bot = BotProcess(config, f"sqlite+aiosqlite:///{tmp_path}/tally.db", tmp_path / f"{name}.log")
    await bot.start()
    return bot


async def step(server: FeedServer, bot: BotProcess, document: dict[str, Any]) -> dict[str, Any]:
    server.set_document(document)
    post = await bot.next_post()
    assert_valid_message(post)
    return post


async def test_jfk8_replay_prints_the_posts_of_design_5(tmp_path: Path) -> None:
    async with serve_feed() as server:
        server.set_document(REPLAY[0])
        bot = await start_bot(tmp_path, server)
        try:
            await server.wait_fetched(2)  # the baseline was stored, and polled again
            await bot.no_post_within(0.5)

            started = await step(server, bot, REPLAY[1])
            assert started["events"] == ["count_started"]
            # The silent baseline's state is the previous of the first post after it.
            assert started["previous"]["status"] == "scheduled" and started["mode"] == "post"
            assert (started["target"], started["election"], started["round"]) == (
                "console",
                "jfk8",
                "initial",
            )

            paused = await step(server, bot, REPLAY[2])
            assert paused["events"] == ["count_updated", "status_changed"]
            tally = paused["tally"]
            assert tally == DAY_ONE_TALLY_JSON
            assert paused["previous"] == started["tally"]  # what the change is counted from
            assert "paused" in paused["message"]["embeds"][0]["title"].lower()

            resumed = await step(server, bot, REPLAY[3])
            assert resumed["events"] == ["status_changed"]
            assert "resumed" in resumed["message"]["embeds"][0]["title"].lower()

            final = await step(server, bot, REPLAY[4])
            assert final["events"] == ["count_updated", "outcome_decided", "count_final"]
            assert final["tally"]["decided"] is True
            assert final["tally"]["remaining"] == 0
            assert (final["tally"]["challenged"], final["tally"]["void"]) == (67, 17)
            assert "2,654" in str(final["message"])

            await bot.no_post_within(2.5)  # the same document again posts nothing
        finally:
            assert await bot.stop() == 0


async def test_restart_posts_nothing_twice_and_a_change_made_while_down_once(
    tmp_path: Path,
) -> None:
    async with serve_feed() as server:
        server.set_document(REPLAY[0])
        bot = await start_bot(tmp_path, server, "first")
        await server.wait_fetched(1)
        await step(server, bot, REPLAY[2])
        assert await bot.stop() == 0

        server.set_document(REPLAY[4])  # changes while the bot is down
        again = await start_bot(tmp_path, server, "second")
        try:
            post = await again.next_post()
            assert post["events"] == ["count_updated", "outcome_decided", "count_final"]
            await again.no_post_within(2.5)
        finally:
            assert await again.stop() == 0


@pytest.mark.parametrize("fault", ["500", "slow", "truncated", "huge", "firewall"])
async def test_faults_post_nothing_log_one_line_and_recover(tmp_path: Path, fault: str) -> None:
    async with serve_feed() as server:
        server.set_document(jfk8("counting", 100, 90))
        bot = await start_bot(tmp_path, server)
        try:
            await server.wait_fetched(1)
            server.set_fault(fault)
            await server.wait_fetched(1, timeout=20)
            await bot.no_post_within(1.5)
            server.fault = None
            server.set_document(jfk8("counting", 150, 120))
            post = await bot.next_post(timeout=20)  # backoff: the retry may wait a little
            assert post["tally"]["valid"] == 270
        finally:
            assert await bot.stop() == 0
    # A document that fetched but does not parse is rejected (not backed off: its publisher
    # is fixing it); everything else is a failed fetch, backed off (DESIGN §4).
    said = "was rejected" if fault == "truncated" else "failure"
    lines = [line for line in bot.log().splitlines() if "feed organizers:" in line and said in line]
    assert len(lines) == 1 if fault == "truncated" else lines, bot.log()
    assert all("Traceback" not in line for line in bot.log().splitlines())


async def test_sigint_stops_quickly(tmp_path: Path) -> None:
    async with serve_feed() as server:
        server.set_document(REPLAY[0])
        bot = await start_bot(tmp_path, server)
        await server.wait_fetched(1)
        assert await bot.stop(signal.SIGINT, timeout=5) == 0


async def test_a_live_subscription_prints_its_creation_then_its_edits(tmp_path: Path) -> None:
    """DESIGN §6: a live target's lines show its creation once, then its edits; a change
    that passes `final` prints its `post` line as well."""
    channel = "channel:123456789012345678"
    async with serve_feed() as server:
        server.set_document(REPLAY[1])
        config = write_config(
            tmp_path,
            [{"id": "organizers", "url": server.url, "format": "native", "interval": "1s"}],
            extra=(
                "subscriptions:\n  - election: jfk8\n    channel_id: 123456789012345678\n"
                "    mode: live\n    mention_role_id: 42\n"
            ),
        )
        bot = BotProcess(config, f"sqlite+aiosqlite:///{tmp_path}/t.db", tmp_path / "bot.log")
        await bot.start()
        try:
            await server.wait_fetched(2)
            lines: list[dict[str, Any]] = []
            for document, expected in ((REPLAY[2], 2), (REPLAY[3], 2), (REPLAY[4], 3)):
                server.set_document(document)
                lines += [await bot.next_post() for _ in range(expected)]
            await bot.no_post_within(1.5)
        finally:
            assert await bot.stop() == 0
    live = [(line["mode"], line["events"][-1]) for line in lines if line["target"] == channel]
    assert live == [
        ("live_create", "status_changed"),
        ("live_edit", "status_changed"),
        ("live_edit", "count_final"),
        ("post", "count_final"),
    ]
    edits = [line for line in lines if line["mode"] == "live_edit"]
    assert all(line["message"]["allowed_mentions"] == {"parse": []} for line in edits)
    [final_post] = [line for line in lines if line["target"] == channel and line["mode"] == "post"]
    assert final_post["message"]["allowed_mentions"] == {"parse": [], "roles": ["42"]}
