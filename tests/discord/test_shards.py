"""Shard settings → discord.py options: automatic without a count, this process's ids when
given, clear errors for ids that cannot be."""

from __future__ import annotations

import pytest

from bot.discord.shards import gateway_options, shard_of, unsharded_warning


def test_without_a_shard_count_discord_py_decides() -> None:
    assert gateway_options(None, None) == {}


def test_a_count_alone_connects_every_shard_here() -> None:
    assert gateway_options(4, None) == {"shard_count": 4}
    assert gateway_options(4, ()) == {"shard_count": 4}


def test_this_processs_ids_are_passed_in_order() -> None:
    assert gateway_options(4, (3, 1)) == {"shard_count": 4, "shard_ids": [1, 3]}


@pytest.mark.parametrize(
    ("count", "ids", "error"),
    [
        (None, (0,), "need discord.shard_count"),
        (2, (2,), r"\[2\] are outside 0–1"),
        (2, (0, 0), "repeat"),
        (0, None, "1 or more"),
    ],
)
def test_impossible_shards_are_refused_with_a_reason(
    count: int | None, ids: tuple[int, ...] | None, error: str
) -> None:
    with pytest.raises(ValueError, match=error):
        gateway_options(count, ids)


def test_a_guild_lives_on_the_shard_of_its_creation_time() -> None:
    guild_id = 197038439483310086  # Discord's own example id
    assert shard_of(guild_id, 1) == 0
    assert shard_of(guild_id, 2) == (guild_id >> 22) % 2


def test_processes_sharing_a_database_but_not_the_gateway_are_told_to_shard() -> None:
    assert unsharded_warning(1, None) is None
    assert unsharded_warning(2, 2) is None
    warning = unsharded_warning(2, None)
    assert warning is not None
    assert "discord.shard_count" in warning and "TALLYBOT_SHARD_IDS" in warning
