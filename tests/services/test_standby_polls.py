"""A standby's `/feeds poll:` reads the feed's state from the store, not what it remembered
from when it last led: the leader's polls have moved it on since (DESIGN §9)."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from bot.cli.root import build_runtime
from tests.support.jfk8 import jfk8
from tests.support.pipeline_rig import FEED, RecordingSender, pipeline_rig


async def test_a_standby_polls_from_the_stored_feed_state(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'tallybot.db'}"
    async with pipeline_rig(url, tmp_path) as former, aiohttp.ClientSession() as session:
        former.write(jfk8("counting", 10, 5))
        assert await former.poll() == "stored"  # it led then, and remembers this document
        leader = build_runtime(former.runtime.settings, former.store, session, RecordingSender())
        former.write(jfk8("counting", 20, 15))
        assert (await leader.poller.poll(FEED)).outcome == "stored"

        assert not former.runtime.leading
        report = await former.runtime.poll_now(FEED)
        assert report.outcome == "unchanged"  # the leader stored this document already
        assert report.posts == 0
