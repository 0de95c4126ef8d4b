"""DESIGN §7–§8 end to end: real discord.py against the double (issue: Discord)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from tests.discord_double import Perm
from tests.discord_e2e.conftest import BotRig
from tests.support.jfk8 import jfk8

pytestmark = pytest.mark.e2e

PNG = b"\x89PNG\r\n\x1a\n"


def text_of(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)


async def subscribe(rig: BotRig, **options: object) -> dict[str, Any]:
    handle = await rig.double.send_interaction(
        "subscribe", {"election": "jfk8", **options}, user=rig.double.organizer
    )
    return await handle.response()


async def test_logs_in_and_syncs_every_command(rig: BotRig) -> None:
    names = {c["name"] for c in rig.double.commands(rig.double.guild)}
    assert names >= {
        "status",
        "history",
        "elections",
        "subscribe",
        "unsubscribe",
        "subscriptions",
        "alerts",
        "report",
        "feeds",
        "sync",
    }


async def test_subscribe_then_a_feed_change_posts_exactly_once(rig: BotRig) -> None:
    answer = await subscribe(rig)
    assert answer["data"]["flags"] & 64  # ephemeral
    await rig.publish(jfk8("paused", 1518, 1154))
    [message] = await rig.double.wait_for_messages(rig.double.channel)
    assert "1,518" in text_of(message) and "1,154" in text_of(message)
    assert message["nonce"]
    await asyncio.sleep(1.5)
    assert len(rig.double.channel_messages(rig.double.channel)) == 1

    status = await (await rig.double.send_interaction("status", {"election": "jfk8"})).response()
    assert not status["data"].get("flags", 0) & 64  # /status is public
    assert "1,518" in text_of(status) and "1,154" in text_of(status)


async def test_autocomplete_offers_jfk8_for_jf(rig: BotRig) -> None:
    handle = await rig.double.send_autocomplete("status", {"election": "jf"}, "election")
    answer = await handle.response()
    choices = answer["data"]["choices"]
    assert any(c["value"] == "jfk8" for c in choices) and len(choices) <= 25


async def test_history_answers_with_a_png(rig: BotRig) -> None:
    await rig.publish(jfk8("counting", 200, 150))
    handle = await rig.double.send_interaction("history", {"election": "jfk8"})
    await handle.original_message(timeout=30)  # a chart is drawn off the loop: seconds
    [(name, data)] = [upload for uploads in handle.files.values() for upload in uploads]
    assert name.endswith(".png") and data.startswith(PNG)


async def test_a_member_without_manage_channels_cannot_subscribe(rig: BotRig) -> None:
    handle = await rig.double.send_interaction(
        "subscribe", {"election": "jfk8"}, user=rig.double.member
    )
    answer = await handle.response()
    assert answer["data"]["flags"] & 64
    await rig.publish(jfk8("counting", 300, 200))
    await asyncio.sleep(1.0)
    assert rig.double.channel_messages(rig.double.channel) == []


async def test_a_channel_without_embed_links_is_refused_with_the_reason(rig: BotRig) -> None:
    bot_role = rig.double.world.bot_role(rig.double.guild)
    rig.double.world.set_overwrite(rig.double.channel, bot_role, deny=Perm.EMBED_LINKS)
    await rig.double.push_channel_update(rig.double.channel)
    await asyncio.sleep(0.2)
    answer = await subscribe(rig)
    assert "embed links" in text_of(answer).lower()


async def test_a_403_disables_the_subscription_and_subscriptions_says_why(rig: BotRig) -> None:
    await subscribe(rig)
    rig.double.fail_next(rig.double.channel.id, 403, times=None)
    await rig.publish(jfk8("counting", 400, 300))
    await asyncio.sleep(1.5)
    rig.double.clear_failures()
    handle = await rig.double.send_interaction("subscriptions", {}, user=rig.double.organizer)
    listing = text_of(await handle.response()).lower()
    assert "disabled" in listing and "403" in listing


async def test_a_429_delays_but_does_not_lose_the_post(rig: BotRig) -> None:
    await subscribe(rig)
    rig.double.fail_next(rig.double.channel.id, 429, retry_after=1.0)
    await rig.publish(jfk8("counting", 500, 400))
    [message] = await rig.double.wait_for_messages(rig.double.channel, timeout=10)
    assert "500" in text_of(message)
    assert rig.double.stats.injected_failures == 1  # the 429 was answered, then retried


async def test_an_election_named_everyone_pings_nobody(rig: BotRig) -> None:
    await rig.double.send_interaction("subscribe", {"election": "all"}, user=rig.double.organizer)
    hostile = jfk8("counting", 1, 1)
    hostile["elections"][0]["name"] = "@everyone <@&123> @here"
    hostile["elections"][0]["id"] = "hostile"
    await rig.publish(hostile)
    [message] = await rig.double.wait_for_messages(rig.double.channel, timeout=10)
    assert message["mention_everyone"] is False
    assert message["mention_roles"] == [] and message["mentions"] == []


async def test_a_dm_alert_arrives(rig: BotRig) -> None:
    handle = await rig.double.send_interaction(
        "alerts", {"election": "jfk8", "level": "all"}, user=rig.double.member
    )
    await handle.response()
    await rig.publish(jfk8("paused", 600, 500))
    found = await rig.double.wait_until(
        lambda: rig.double.dm_messages(rig.double.member) or None, 10, "a DM"
    )
    assert "600" in text_of(found[0])


async def test_a_restart_mid_fan_out_sends_no_duplicates(rig: BotRig) -> None:
    channels = []
    for n in range(12):
        channel = rig.double.world.add_channel(rig.double.guild, f"c{n}")
        await rig.double.push_channel_update(channel)
        channels.append(channel)
    await asyncio.sleep(0.2)
    for channel in channels:
        await subscribe(rig, channel=channel)
    rig.double.fail_next("POST /channels/*/messages", 500, times=6)  # a slow, failing start
    await rig.publish(jfk8("counting", 700, 600))
    await asyncio.sleep(0.3)
    await rig.stop()
    await rig.start()
    for channel in channels:
        await rig.double.wait_for_messages(channel, timeout=20)
    await asyncio.sleep(1.0)
    for channel in channels:
        assert len(rig.double.channel_messages(channel)) == 1
    # Not one delivery went out twice: the double's nonce check had nothing to swallow (it
    # would hide a duplicate send from the message count above).
    assert rig.double.stats.nonce_hits == 0


async def test_the_dry_run_body_is_the_body_the_sender_sends(rig: BotRig) -> None:
    from bot.core.models import Election
    from bot.services.rendering import RenderCache, render_delivery_body

    await subscribe(rig)
    document = jfk8("paused", 1518, 1154)
    document["elections"][0]["updated_at"] = "2022-03-31T23:05:00Z"
    await rig.publish(document)
    [sent] = await rig.double.wait_for_messages(rig.double.channel)
    assert rig.store is not None
    async with rig.store.read() as uow:
        [delivery] = [d for i in range(1, 5) if (d := await uow.deliveries.get(i))]
        post = (await uow.posts.get_many([delivery.post_id]))[delivery.post_id]
        election = await uow.elections.get("jfk8")
    assert delivery.target == f"channel:{rig.double.channel.id}"
    # What the dry run's printer is handed for this delivery: the same cache, the same body.
    printed = RenderCache(render_delivery_body).render(
        election or Election("jfk8"), post, delivery, "en", delivery.mode
    )
    assert sent["content"] == printed["content"]
    [embed] = sent["embeds"]
    for key, value in printed["embeds"][0].items():
        assert embed[key] == value, key
    assert sent["nonce"] == delivery.nonce


async def test_config_subscriptions_are_listed_in_their_server(rig: BotRig) -> None:
    from bot.core.models import Level
    from bot.store import StaticSubscription, SubscriptionKind

    assert rig.store is not None and rig.bot is not None
    async with rig.store.transaction() as uow:
        entry = StaticSubscription(
            SubscriptionKind.CHANNEL, rig.double.channel.id, "jfk8", Level.FINAL
        )
        await uow.subscriptions.sync_static([entry])
    bot, channel_id = rig.bot, rig.double.channel.id
    await rig.double.wait_until(lambda: bot.get_channel(channel_id), 5, "the channel cached")
    assert await bot.place_config_subscriptions() == 1
    handle = await rig.double.send_interaction("subscriptions", {}, user=rig.double.organizer)
    assert "jfk8" in text_of(await handle.response())


async def test_a_webhook_subscription_posts_through_the_webhook(rig: BotRig) -> None:
    from bot.store import SubscriptionKind

    hook = rig.double.world.add_webhook(rig.double.channel)
    assert rig.store is not None
    async with rig.store.transaction() as uow:
        await uow.subscriptions.add(SubscriptionKind.WEBHOOK, hook.id, "jfk8", webhook_url=hook.url)
    await rig.publish(jfk8("paused", 800, 700))
    [message] = await rig.double.wait_for_messages(rig.double.channel, timeout=10)
    assert "800" in text_of(message)
    assert message["author"]["username"] == "tallybot"  # discord.webhook_username


async def test_a_nul_in_an_option_is_refused_by_real_discord_py_before_the_store(
    rig: BotRig,
) -> None:
    handle = await rig.double.send_interaction("status", {"election": "jf\x00k8"})
    answer = await handle.response()
    assert answer["data"]["flags"] & 64  # ephemeral
    assert "The `election` option holds a control character (U+0000)" in text_of(answer)
    complete = await rig.double.send_autocomplete("status", {"election": "jf\u202e"}, "election")
    assert (await complete.response())["data"]["choices"] == []
