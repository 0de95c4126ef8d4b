"""Gateway shards with real discord.py: two AutoShardedClients built from `gateway_options`
(as two processes with different `shard_ids`) each get only their shard's guilds and events
from the double; one without a shard count connects every shard /gateway/bot advises."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

import discord
import pytest

from bot.discord.shards import gateway_connected, gateway_options, shard_of
from bot.web.health import HealthChecks, gateway_check
from tests.discord_double import DiscordDouble
from tests.discord_double.running import running
from tests.web.health_support import healthz


class ShardedClient(discord.AutoShardedClient):
    """Records the guild of every channel update it is given."""

    def __init__(self, **options: Any) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(intents=intents, guild_ready_timeout=0.05, **options)
        self.updates: list[int] = []
        self.updated = asyncio.Event()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """No 5 s between the shards' IDENTIFYs: Discord's pace, not the double's."""

    async def on_guild_channel_update(
        self, _before: discord.abc.GuildChannel, after: discord.abc.GuildChannel
    ) -> None:
        self.updates.append(after.guild.id)
        self.updated.set()


async def test_two_processes_with_their_own_shards_get_only_their_guilds_events(
    patched_discord: DiscordDouble,
) -> None:
    double = patched_discord
    assert shard_of(double.guild.id, 2) == 0
    other = double.world.add_guild("Staten Island Local", shard=(1, 2))
    other_channel = double.world.add_channel(other, "count-night")
    assert shard_of(other.id, 2) == 1

    first = ShardedClient(**gateway_options(2, [0]))
    second = ShardedClient(**gateway_options(2, (1,)))
    async with running(first), running(second):
        assert [g.id for g in first.guilds] == [double.guild.id]
        assert [g.id for g in second.guilds] == [other.id]
        assert sorted(double.gateway.shards) == [(0, 2), (1, 2)]
        assert gateway_connected(first) and gateway_connected(second)

        await double.push_channel_update(other_channel)
        await double.push_channel_update(double.channel)
        await asyncio.wait_for(first.updated.wait(), 5)
        await asyncio.wait_for(second.updated.wait(), 5)
        await asyncio.sleep(0.1)  # nothing else arrives late

        assert first.updates == [double.guild.id]
        assert second.updates == [other.id]
        assert double.gateway.connected_shards() == {(0, 2), (1, 2)}
    assert not gateway_connected(first)
    double.check()


async def test_a_process_without_a_shard_count_connects_every_advised_shard(
    patched_discord: DiscordDouble,
) -> None:
    double = patched_discord
    double.world.recommended_shards = 3
    guilds = [double.world.add_guild(f"Local {n}", shard=(n, 3)) for n in (1, 2)]

    client = ShardedClient(**gateway_options(None, None))
    async with running(client):
        await double.wait_until_ready(identifies=3)
        await double.wait_until(lambda: len(client.guilds) == 3, what="three guilds")
        assert sorted(double.gateway.shards) == [(0, 3), (1, 3), (2, 3)]
        assert client.shard_count == 3
        by_shard = defaultdict(list)
        for guild in client.guilds:
            by_shard[guild.shard_id].append(guild.id)
        assert by_shard == {0: [double.guild.id], 1: [guilds[0].id], 2: [guilds[1].id]}


async def test_a_dropped_shard_resumes_alone(patched_discord: DiscordDouble) -> None:
    double = patched_discord
    other = double.world.add_guild("Staten Island Local", shard=(1, 2))
    client = ShardedClient(**gateway_options(2, None))
    async with running(client):
        await double.wait_until_ready(identifies=2)
        await double.wait_until(lambda: len(client.guilds) == 2, what="two guilds")
        await double.drop_gateway(shard=1)
        await double.wait_until(lambda: double.gateway.resumes == 1, what="a RESUME")
        await double.wait_until(
            lambda: double.gateway.connected_shards() == {(0, 2), (1, 2)}, what="both shards"
        )
        assert double.gateway.identifies == 2  # shard 0 never noticed
        assert {g.id for g in client.guilds} == {double.guild.id, other.id}


async def test_an_identify_with_an_impossible_shard_is_closed_4010(
    patched_discord: DiscordDouble,
) -> None:
    double = patched_discord
    client = discord.Client(
        intents=discord.Intents.none(), shard_id=2, shard_count=2, guild_ready_timeout=0.05
    )
    with pytest.raises((discord.ConnectionClosed, RuntimeError, TimeoutError)):
        async with running(client, ready_timeout=3):
            pass
    assert [p.kind for p in double.take_problems()][:1] == ["invalid shard"]


async def test_the_healthz_gateway_check_follows_a_real_discord_py_connection(
    patched_discord: DiscordDouble,
) -> None:
    client = discord.AutoShardedClient(
        intents=discord.Intents.none(), shard_count=1, guild_ready_timeout=0.05
    )
    checks = HealthChecks({"gateway": gateway_check(lambda: gateway_connected(client))})
    assert (await healthz(checks))[0] == 503  # not connected yet
    async with running(client):
        status, body = await healthz(checks)
        assert status == 200 and body["checks"]["gateway"] == {"ok": True}
    assert (await healthz(checks))[0] == 503  # closed
