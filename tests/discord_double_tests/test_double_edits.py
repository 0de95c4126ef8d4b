"""Message edits in the double (issue 13's live messages): channel and webhook messages edited
by real discord.py and by raw requests, validated against the spec, recorded per message;
404 Unknown Message once deleted or on demand; only the bot's own messages."""

from __future__ import annotations

import aiohttp
import discord
import pytest

from tests.discord_double import DiscordDouble
from tests.discord_double.running import running
from tests.discord_double_tests.raw_http import call, message_path

NO_PINGS = {"parse": []}


def rest_client() -> discord.Client:
    return discord.Client(intents=discord.Intents.none(), guild_ready_timeout=0.05)


async def test_discord_py_edits_a_channel_message_in_place(patched_discord: DiscordDouble) -> None:
    double = patched_discord
    async with running(rest_client()) as client:
        channel = client.get_partial_messageable(double.channel.id)
        sent = await channel.send("JFK8: 1,518–1,154", nonce="live-1")
        await sent.edit(
            content="JFK8: 2,210–1,789", allowed_mentions=discord.AllowedMentions.none()
        )
        edited = await sent.edit(
            content="JFK8: 2,654–2,131",
            embed=discord.Embed(title="Count final"),
            allowed_mentions=discord.AllowedMentions.none(),
        )

    [message] = double.channel_messages(double.channel)
    assert message["content"] == "JFK8: 2,654–2,131" == edited.content
    assert message["embeds"][0]["title"] == "Count final"
    assert message["edited_timestamp"] is not None
    edits = double.edits(message)
    assert [e.body["content"] for e in edits] == ["JFK8: 2,210–1,789", "JFK8: 2,654–2,131"]
    assert all(e.channel_id == double.channel.id for e in edits)
    assert double.message(message) is message
    double.check()  # discord.py's edit bodies satisfy the strict spec


async def test_discord_py_edits_a_message_its_webhook_sent(patched_discord: DiscordDouble) -> None:
    double = patched_discord
    hook = double.world.add_webhook(double.channel)
    async with aiohttp.ClientSession() as session:
        webhook = discord.Webhook.from_url(hook.url, session=session)
        sent = await webhook.send("JFK8: 1,518–1,154", username="tallybot", wait=True)
        await webhook.edit_message(
            sent.id, content="JFK8: 2,654–2,131", allowed_mentions=discord.AllowedMentions.none()
        )

    [message] = double.channel_messages(double.channel)
    assert message["content"] == "JFK8: 2,654–2,131"
    assert message["webhook_id"] == str(hook.id)
    [edit] = double.edits(message)
    assert edit.body["allowed_mentions"] == NO_PINGS
    double.check()


async def test_an_edit_without_allowed_mentions_would_ping(discord_double: DiscordDouble) -> None:
    double = discord_double
    role = double.organizers
    posted = await call(double, "POST", message_path(double), {"content": "hi"})
    path = f"{message_path(double)}/{posted.body['id']}"

    await call(double, "PATCH", path, {"content": f"<@&{role.id}> count final"})
    await call(
        double,
        "PATCH",
        path,
        {"content": f"<@&{role.id}> count final", "allowed_mentions": NO_PINGS},
    )

    careless, careful = double.edits(int(posted.body["id"]))
    assert careless.pings.roles == [role.id]  # Discord parses everything by default
    assert careful.pings.roles == [] and not careful.pings.everyone


async def test_a_deleted_message_is_unknown_to_an_edit(discord_double: DiscordDouble) -> None:
    double = discord_double
    posted = await call(double, "POST", message_path(double), {"content": "live"})
    double.delete_message(int(posted.body["id"]))

    answer = await call(
        double, "PATCH", f"{message_path(double)}/{posted.body['id']}", {"content": "newer"}
    )

    assert answer.status == 404 and answer.body["code"] == 10008
    assert answer.body["message"] == "Unknown Message"
    assert double.channel_messages(double.channel) == []


async def test_a_deleted_webhook_message_is_unknown_to_discord_py(
    patched_discord: DiscordDouble,
) -> None:
    double = patched_discord
    hook = double.world.add_webhook(double.channel)
    async with aiohttp.ClientSession() as session:
        webhook = discord.Webhook.from_url(hook.url, session=session)
        sent = await webhook.send("live", wait=True)
        double.delete_message(sent.id)
        with pytest.raises(discord.NotFound) as caught:
            await webhook.edit_message(sent.id, content="newer")
    assert caught.value.code == 10008


async def test_unknown_message_on_demand_for_one_message(patched_discord: DiscordDouble) -> None:
    double = patched_discord
    async with running(rest_client()) as client:
        channel = client.get_partial_messageable(double.channel.id)
        first = await channel.send("first")
        second = await channel.send("second")
        double.fail_next(first.id, 404)
        with pytest.raises(discord.NotFound) as caught:
            await first.edit(content="x", allowed_mentions=discord.AllowedMentions.none())
        await second.edit(content="y", allowed_mentions=discord.AllowedMentions.none())

    assert caught.value.code == 10008
    assert double.edits(first.id) == [] and len(double.edits(second.id)) == 1


async def test_only_the_bots_own_messages_can_be_edited(discord_double: DiscordDouble) -> None:
    double = discord_double
    hook = double.world.add_webhook(double.channel)
    other = double.world.add_webhook(double.channel)
    hooked = await call(
        double, "POST", f"/webhooks/{hook.id}/{hook.token}?wait=true", {"content": "w"}, auth=False
    )
    message_id = hooked.body["id"]

    as_bot = await call(double, "PATCH", f"{message_path(double)}/{message_id}", {"content": "x"})
    as_other = await call(
        double,
        "PATCH",
        f"/webhooks/{other.id}/{other.token}/messages/{message_id}",
        {"content": "x"},
        auth=False,
    )

    assert as_bot.status == 403 and as_bot.body["code"] == 50005
    assert as_other.status == 404 and as_other.body["code"] == 10008
    assert double.edits(int(message_id)) == []


async def test_an_edit_body_is_checked_against_the_spec(discord_double: DiscordDouble) -> None:
    double = discord_double
    posted = await call(double, "POST", message_path(double), {"content": "x"})
    path = f"{message_path(double)}/{posted.body['id']}"

    unknown_key = await call(double, "PATCH", path, {"content": "y", "colour": 3})
    too_long = await call(double, "PATCH", path, {"content": "z" * 2001})

    assert unknown_key.status == too_long.status == 400
    problems = [p.detail for p in double.take_problems()]
    assert any("colour" in p for p in problems)
    assert any("2,001 characters" in p for p in problems)
    assert double.edits(int(posted.body["id"])) == []


async def test_edits_share_the_global_window_and_are_counted_per_second(
    discord_double: DiscordDouble,
) -> None:
    double = discord_double
    posted = await call(double, "POST", message_path(double), {"content": "x"})
    for n in range(5):
        await call(
            double, "PATCH", f"{message_path(double)}/{posted.body['id']}", {"content": str(n)}
        )

    assert double.peak_in_any_window(1.0) == 6
    assert double.peak_requests_per_window <= 6  # fixed windows may split them
    final = double.message(int(posted.body["id"]))
    assert final is not None and final["content"] == "4"
