"""Discord senders: channel messages (with a nonce), webhooks (wait=True) and DMs, paced
under the global limit, with Discord's failures mapped to retry or disable (DESIGN §7)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import aiohttp
import discord

from bot.render.body import AllowedMentions, MessageBody
from bot.services.delivery import Delivery, Sender, SendFailure
from bot.services.pacing import TokenBucket

if TYPE_CHECKING:
    from bot.discord.client import TallyBot

log = logging.getLogger(__name__)


def to_allowed_mentions(spec: AllowedMentions) -> discord.AllowedMentions:
    """Nothing pings except the listed roles; never @everyone, users or replies."""
    roles: Sequence[discord.abc.Snowflake] | bool = [
        discord.Object(int(role)) for role in spec.get("roles", [])
    ] or False
    return discord.AllowedMentions(everyone=False, users=False, roles=roles, replied_user=False)


def send_kwargs(body: MessageBody) -> dict[str, Any]:
    """discord.py keyword arguments for a rendered body."""
    return {
        "content": body.get("content") or None,
        "embeds": [discord.Embed.from_dict(dict(e)) for e in body.get("embeds", [])],
        "allowed_mentions": to_allowed_mentions(body["allowed_mentions"]),
    }


def failure_of(exc: Exception) -> SendFailure:
    """403 and 404 are for good (disable the subscription); the rest may pass."""
    if isinstance(exc, discord.Forbidden):
        return SendFailure(f"Discord refused: 403 {exc.text or 'Missing Access'}", permanent=True)
    if isinstance(exc, discord.NotFound):
        return SendFailure(f"Discord: 404 {exc.text or 'Unknown Channel'}", permanent=True)
    if isinstance(exc, discord.HTTPException):
        return SendFailure(f"Discord: HTTP {exc.status} {exc.text}".strip())
    return SendFailure(f"network: {exc.__class__.__name__}: {exc}".rstrip(": "))


class DiscordSender(Sender):
    """Routes a delivery by its target: channel:<id>, webhook:<id>, dm:<user id>."""

    def __init__(self, bot: TallyBot, pacer: TokenBucket) -> None:
        self._bot = bot
        self._pacer = pacer

    async def send(self, delivery: Delivery) -> None:
        kind, _, ident = delivery.target.partition(":")
        await self._pacer.acquire()
        try:
            if kind == "channel":
                await self._to_channel(int(ident), delivery)
            elif kind == "dm":
                await self._to_dm(int(ident), delivery)
            elif kind == "webhook":
                await self._to_webhook(delivery)
            else:
                raise SendFailure(f"unknown target {delivery.target!r}", permanent=True)
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            raise failure_of(exc) from exc

    async def _to_channel(self, channel_id: int, delivery: Delivery) -> None:
        channel = self._bot.get_partial_messageable(channel_id)
        await channel.send(**send_kwargs(delivery.message), nonce=delivery.nonce)

    async def _to_dm(self, user_id: int, delivery: Delivery) -> None:
        dm = await self._bot.create_dm(discord.Object(user_id))
        await self._pacer.acquire()  # opening the DM was a request too
        await dm.send(**send_kwargs(delivery.message), nonce=delivery.nonce)

    async def _to_webhook(self, delivery: Delivery) -> None:
        sub = delivery.subscription
        if sub is None or not sub.webhook_url:
            raise SendFailure("webhook subscription has no URL", permanent=True)
        webhook = discord.Webhook.from_url(sub.webhook_url, client=self._bot)
        settings = self._bot.settings.discord
        await webhook.send(
            **send_kwargs(delivery.message),
            username=settings.webhook_username,
            avatar_url=settings.webhook_avatar_url or discord.utils.MISSING,
            wait=True,
        )
