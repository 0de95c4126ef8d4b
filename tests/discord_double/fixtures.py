"""Pytest fixtures: a started double (failing the test on any problem), and a patched one.

Use them from a conftest.py: `from tests.discord_double.fixtures import discord_double,
patched_discord  # noqa: F401`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from .double import DiscordDouble
from .patching import patch_discord_py


def spec_path(shared_dir: Path) -> Path:
    return shared_dir / "discord-openapi" / "openapi.json"


@pytest.fixture
async def discord_double(shared_dir: Path) -> AsyncIterator[DiscordDouble]:
    """A started double; the test fails at teardown on any unknown route or invalid body."""
    async with DiscordDouble(spec_path(shared_dir)) as double:
        yield double
    if double.problems:
        lines = "\n".join(f"  {p}" for p in double.problems)
        pytest.fail(f"the Discord double saw problems:\n{lines}", pytrace=False)


@pytest.fixture
def patched_discord(discord_double: DiscordDouble) -> Iterator[DiscordDouble]:
    """The started double with discord.py pointed at it (both patch points)."""
    with patch_discord_py(discord_double) as double:
        yield double
