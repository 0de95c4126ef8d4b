"""Shard settings → discord.py options: automatic without a count, this process's ids from
the config or TALLYBOT_SHARD_IDS, clear errors for ids that cannot be."""

from __future__ import annotations

import pytest

from bot.discord.shards import gateway_options, parse_shard_ids, shard_of


def test_without_a_shard_count_discord_py_decides() -> None:
    assert gateway_options(None, None) == {}


def test_a_count_alone_connects_every_shard_here() -> None:
    assert gateway_options(4, None) == {"shard_count": 4}
    assert gateway_options(4, []) == {"shard_count": 4}


def test_this_processs_ids_come_from_the_config_or_the_environment() -> None:
    assert gateway_options(4, [3, 1]) == {"shard_count": 4, "shard_ids": [1, 3]}
    env = {"TALLYBOT_SHARD_IDS": " 0, 2 "}
    assert gateway_options(4, [3, 1], env) == {"shard_count": 4, "shard_ids": [0, 2]}
    assert gateway_options(4, [1], {"TALLYBOT_SHARD_IDS": ""}) == {
        "shard_count": 4,
        "shard_ids": [1],
    }


@pytest.mark.parametrize(
    ("count", "ids", "env", "error"),
    [
        (None, [0], None, "need discord.shard_count"),
        (None, None, {"TALLYBOT_SHARD_IDS": "0"}, "need discord.shard_count"),
        (2, [2], None, r"\[2\] are outside 0–1"),
        (2, [0, 0], None, "repeat"),
        (0, None, None, "1 or more"),
        (2, None, {"TALLYBOT_SHARD_IDS": "0;1"}, "'0;1' is not a whole number"),
        (2, None, {"TALLYBOT_SHARD_IDS": "1,-1"}, "'-1' is not a whole number"),
        (2, None, {"TALLYBOT_SHARD_IDS": ","}, "none given"),
        (2, None, {"TALLYBOT_SHARD_IDS": "١"}, "not a whole number"),
    ],
)
def test_impossible_shards_are_refused_with_a_reason(
    count: int | None, ids: list[int] | None, env: dict[str, str] | None, error: str
) -> None:
    with pytest.raises(ValueError, match=error):
        gateway_options(count, ids, env)


def test_shard_ids_parse_from_comma_separated_text() -> None:
    assert parse_shard_ids("0,1") == (0, 1)
    assert parse_shard_ids("7") == (7,)


def test_a_guild_lives_on_the_shard_of_its_creation_time() -> None:
    guild_id = 197038439483310086  # Discord's own example id
    assert shard_of(guild_id, 1) == 0
    assert shard_of(guild_id, 2) == (guild_id >> 22) % 2
