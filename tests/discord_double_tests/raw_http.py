"""Raw HTTP against the double, as a misbehaving bot would send it (no discord.py in between)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiohttp

from tests.discord_double import DiscordDouble


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: Any


async def call(
    double: DiscordDouble,
    method: str,
    path: str,
    body: Any = None,
    *,
    auth: bool = True,
    form: aiohttp.FormData | None = None,
    token: str = "test-token",
) -> Answer:
    """One request to the double's REST API; the JSON answer decoded when it is JSON."""
    headers = {"Authorization": f"Bot {token}"} if auth else {}
    data: Any = form
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body)
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, double.base_url + path, data=data, headers=headers) as response,
    ):
        raw = await response.read()
        is_json = response.headers.get("Content-Type") == "application/json"
        return Answer(response.status, dict(response.headers), json.loads(raw) if is_json else raw)


def message_path(double: DiscordDouble) -> str:
    return f"/channels/{double.channel.id}/messages"
