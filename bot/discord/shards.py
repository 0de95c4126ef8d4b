"""Gateway shards: `discord.shard_count` and this process's `discord.shard_ids` (the config
applies `TALLYBOT_SHARD_IDS`) turned into discord.py's AutoShardedBot options (DESIGN §9)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord


def gateway_options(shard_count: int | None, shard_ids: Sequence[int] | None) -> dict[str, Any]:
    """Keyword arguments for `commands.AutoShardedBot` (or `discord.AutoShardedClient`):

    - no count: `{}`: discord.py asks `/gateway/bot` how many shards, and connects them all
      (one process);
    - a count: `{"shard_count": n}`, and `"shard_ids"` when this process connects only some
      (the others connect the rest).

    Raises ValueError for ids without a count, out of range, or repeated (the config
    refuses them first; this keeps a hand-built Settings honest too).
    """
    ids = tuple(shard_ids) if shard_ids else None
    if shard_count is None:
        if ids is not None:
            raise ValueError("shard ids need discord.shard_count: the shards of how many?")
        return {}
    if shard_count < 1:
        raise ValueError(f"discord.shard_count must be 1 or more, not {shard_count}")
    if ids is None:
        return {"shard_count": shard_count}
    wrong = sorted({i for i in ids if not 0 <= i < shard_count})
    if wrong:
        raise ValueError(
            f"shard ids {wrong} are outside 0–{shard_count - 1} (discord.shard_count is "
            f"{shard_count})"
        )
    if len(set(ids)) != len(ids):
        raise ValueError(f"shard ids repeat: {list(ids)}")
    return {"shard_count": shard_count, "shard_ids": sorted(ids)}


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard that carries a guild's events and commands (Discord's formula)."""
    return (guild_id >> 22) % shard_count


def gateway_connected(client: discord.Client) -> bool:
    """Every shard this process runs is connected (for /healthz)."""
    if client.is_closed() or not client.is_ready():
        return False
    if isinstance(client, discord.AutoShardedClient):
        return bool(client.shards) and all(not s.is_closed() for s in client.shards.values())
    return True


def unsharded_warning(processes: int, shard_count: int | None) -> str | None:
    """What to tell the operator when several processes share the database but not the
    gateway: each then connects every shard, gets every command, and both answer it (the
    second answer fails). None when all is well."""
    if processes < 2 or shard_count is not None:
        return None
    return (
        f"{processes} processes share this database, but discord.shard_count is not set: "
        "each connects every gateway shard and answers every command, so all but one answer "
        "fail. Set discord.shard_count and give each process its shards "
        "(TALLYBOT_SHARD_IDS)."
    )
