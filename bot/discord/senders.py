"""Discord senders: channel messages (with a nonce), webhooks (wait=True), DMs, and the
creation and edits of live messages; paced under the global limit, with Discord's failures
mapped to retry, disable, or post again (DESIGN §7)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import aiohttp
import discord

from bot.core.models import DeliveryMode
from bot.render.body import AllowedMentions, MessageBody
from bot.services.delivery import Outgoing, SendFailure
from bot.services.pacing import TokenBucket

if TYPE_CHECKING:
    from bot.discord.client import TallyBot

log = logging.getLogger(__name__)

UNKNOWN_MESSAGE = 10008  # a live message someone deleted


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
    """403 and 404 are for good (disable the subscription), except a live message that is
    gone (post it again); the rest may pass."""
    if isinstance(exc, discord.Forbidden):
        return SendFailure(f"Discord refused: 403 {exc.text or 'Missing Access'}", permanent=True)
    if isinstance(exc, discord.NotFound):
        if exc.code == UNKNOWN_MESSAGE:
            return SendFailure("Discord: 404 Unknown Message", message_gone=True)
        return SendFailure(f"Discord: 404 {exc.text or 'Unknown Channel'}", permanent=True)
    if isinstance(exc, discord.HTTPException):
        return SendFailure(f"Discord: HTTP {exc.status} {exc.text}".strip())
    return SendFailure(f"network: {exc.__class__.__name__}")


class DiscordSender:
    """Routes a delivery by its target (channel:<id>, webhook:<id>, dm:<user id>) and mode
    (post, live_create, live_edit); returns the id of the message it created."""

    def __init__(self, bot: TallyBot, pacer: TokenBucket) -> None:
        self._bot = bot
        self._pacer = pacer

    async def send(self, outgoing: Outgoing) -> int | None:
        kind, _, ident = outgoing.target.partition(":")
        await self._pacer.acquire()
        try:
            if kind == "channel":
                return await self._to_channel(int(ident), outgoing)
            if kind == "dm":
                return await self._to_dm(int(ident), outgoing)
            if kind == "webhook":
                return await self._to_webhook(outgoing)
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            raise failure_of(exc) from exc
        raise SendFailure(f"unknown target {outgoing.target!r}", permanent=True)

    async def _to_channel(self, channel_id: int, outgoing: Outgoing) -> int | None:
        channel = self._bot.get_partial_messageable(channel_id)
        if outgoing.mode is DeliveryMode.LIVE_EDIT and outgoing.live is not None:
            message = channel.get_partial_message(outgoing.live.message_id)
            await message.edit(**send_kwargs(outgoing.message))
            return outgoing.live.message_id
        sent = await channel.send(**send_kwargs(outgoing.message), nonce=outgoing.nonce)
        return sent.id

    async def _to_dm(self, user_id: int, outgoing: Outgoing) -> int | None:
        dm = await self._bot.create_dm(discord.Object(user_id))
        await self._pacer.acquire()  # opening the DM was a request too
        sent = await dm.send(**send_kwargs(outgoing.message), nonce=outgoing.nonce)
        return sent.id

    async def _to_webhook(self, outgoing: Outgoing) -> int | None:
        sub = outgoing.subscription
        if sub is None or not sub.webhook_url:
            raise SendFailure("webhook subscription has no URL", permanent=True)
        webhook = discord.Webhook.from_url(sub.webhook_url, client=self._bot)
        if outgoing.mode is DeliveryMode.LIVE_EDIT and outgoing.live is not None:
            await webhook.edit_message(outgoing.live.message_id, **send_kwargs(outgoing.message))
            return outgoing.live.message_id
        settings = self._bot.settings.discord
        sent = await webhook.send(
            **send_kwargs(outgoing.message),
            username=settings.webhook_username,
            avatar_url=settings.webhook_avatar_url or discord.utils.MISSING,
            wait=True,
        )
        return sent.id
