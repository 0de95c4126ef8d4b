"""Gateway shards: `discord.shard_count` and this process's `discord.shard_ids` (env
`TALLYBOT_SHARD_IDS=0,1`) turned into discord.py's AutoShardedBot options (DESIGN §9)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import discord

SHARD_IDS_ENV = "TALLYBOT_SHARD_IDS"


def parse_shard_ids(text: str) -> tuple[int, ...]:
    """ "0,1" → (0, 1): comma-separated whole numbers, spaces allowed, at least one.

    Raises ValueError saying what is wrong.
    """
    parts = [part.strip() for part in text.split(",")]
    if not any(parts):
        raise ValueError("shard ids: none given (write them comma-separated, e.g. 0,1)")
    ids = []
    for part in parts:
        if not part.isascii() or not part.isdigit():
            raise ValueError(f"shard ids: {part!r} is not a whole number (e.g. 0,1)")
        ids.append(int(part))
    return tuple(ids)


def gateway_options(
    shard_count: int | None,
    shard_ids: Sequence[int] | None,
    env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Keyword arguments for `commands.AutoShardedBot`:

    - no count: `{}`, discord.py asks `/gateway/bot` how many shards and connects them all
      (one process);
    - a count: `{"shard_count": n}` and, when this process connects only some,
      `"shard_ids"`: `env[TALLYBOT_SHARD_IDS]` when set (it overrides the config), else
      `shard_ids`.

    Raises ValueError for ids without a count, ids out of range, or repeated.
    """
    text = (env or {}).get(SHARD_IDS_ENV, "").strip()
    ids = parse_shard_ids(text) if text else (tuple(shard_ids) if shard_ids else None)
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
