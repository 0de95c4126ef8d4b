"""Fixtures for the double's own tests: the double, patched into discord.py."""

from __future__ import annotations

from tests.discord_double.fixtures import discord_double, patched_discord  # noqa: F401
