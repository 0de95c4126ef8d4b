from tests.discord_double.fixtures import discord_double, patched_discord  # noqa: F401
