"""Run a real discord.Client (or Bot) against the double: log in, connect, wait, close."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TypeVar

import discord

ClientT = TypeVar("ClientT", bound=discord.Client)


@contextlib.asynccontextmanager
async def running(
    client: ClientT, token: str = "test-token", ready_timeout: float = 10.0
) -> AsyncIterator[ClientT]:
    """Log in, connect in a task, wait for `on_ready`; close cleanly on exit.

    Build the client with `guild_ready_timeout=0.05` or `on_ready` waits two seconds. The
    patch points must be in place first (`patch_discord_py`, or the bot's own `api_base`).
    If the connection dies before READY, its exception is raised here.
    """
    await client.login(token)
    connection = asyncio.create_task(client.connect(reconnect=True), name="discord-connect")
    ready = asyncio.create_task(client.wait_until_ready(), name="discord-ready")
    try:
        done, _ = await asyncio.wait(
            {connection, ready}, timeout=ready_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if connection in done:
            connection.result()  # raises what ended the connection
            raise RuntimeError("the client disconnected before it was ready")
        if ready not in done:
            raise TimeoutError(f"the client was not ready after {ready_timeout} s")
        yield client
    finally:
        ready.cancel()
        await client.close()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(connection, timeout=5.0)
