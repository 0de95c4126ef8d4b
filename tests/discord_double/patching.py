"""Point discord.py at the double: both class attributes, restored afterwards."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TypeVar

import discord.gateway
import discord.http
import yarl

from .server import DoubleServer

ServerT = TypeVar("ServerT", bound=DoubleServer)


@contextlib.contextmanager
def patch_discord_py(double: ServerT) -> Iterator[ServerT]:
    """Set `Route.BASE` and `DiscordWebSocket.DEFAULT_GATEWAY` to the double; undo on exit.

    Both are needed: discord.py falls back to `DEFAULT_GATEWAY` after an invalidated session,
    and a client with a fixed shard count never asks `/gateway/bot`.
    """
    route = discord.http.Route
    websocket = discord.gateway.DiscordWebSocket
    saved_base, saved_gateway = route.BASE, websocket.DEFAULT_GATEWAY
    route.BASE = f"http://127.0.0.1:{double.port}/api/v10"
    websocket.DEFAULT_GATEWAY = yarl.URL(f"ws://127.0.0.1:{double.port}/gateway")
    try:
        yield double
    finally:
        route.BASE = saved_base
        websocket.DEFAULT_GATEWAY = saved_gateway
