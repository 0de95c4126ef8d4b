"""Real discord.py 2.7 against the double: log in, post, webhook, DM, slash commands, resume."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import discord
import pytest
from discord import app_commands

from tests.discord_double import DiscordDouble, Perm, patch_discord_py, running
from tests.discord_double.fixtures import spec_path

pytestmark = pytest.mark.e2e


def make_client(
    double: DiscordDouble,
) -> tuple[discord.Client, app_commands.CommandTree[discord.Client], list[object]]:
    """A client with one guild command, /status, that answers and autocompletes."""
    client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    tree = app_commands.CommandTree(client)
    seen: list[object] = []

    @tree.command(
        name="status", description="The latest count", guild=discord.Object(double.guild.id)
    )
    @app_commands.describe(election="An election id")
    async def status(interaction: discord.Interaction, election: str) -> None:
        embed = discord.Embed(title=f"{election}: union leads", description="1,518–1,154")
        sent = await interaction.response.send_message(
            f"Count for {election}", embed=embed, allowed_mentions=discord.AllowedMentions.none()
        )
        seen.append(sent)

    @status.autocomplete("election")
    async def elections(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        ids = ["jfk8", "bessemer", "ldj5"]
        return [app_commands.Choice(name=i, value=i) for i in ids if i.startswith(current)]

    return client, tree, seen


async def test_a_real_client_posts_everywhere_and_answers_a_slash_command(
    patched_discord: DiscordDouble,
) -> None:
    double = patched_discord
    client, tree, seen = make_client(double)
    guild = discord.Object(double.guild.id)
    webhook = double.world.add_webhook(double.channel)

    async with running(client):
        assert [g.name for g in client.guilds] == ["Union Hall"]
        assert client.application_id == double.application_id
        synced = await tree.sync(guild=guild)

        embed = discord.Embed(title="JFK8: union takes the lead", description="2,654–2,131")
        embed.add_field(name="Challenged", value="67")
        channel = client.get_partial_messageable(double.channel.id)
        posted = await channel.send(
            embed=embed, nonce="outbox-1", allowed_mentions=discord.AllowedMentions.none()
        )
        again = await channel.send(embed=embed, nonce="outbox-1")
        hook = discord.Webhook.from_url(webhook.url, client=client)
        hooked = await hook.send("via webhook", embed=embed, wait=True, username="tallybot")
        user = await client.fetch_user(double.member.id)
        dm = await user.create_dm()
        await user.send("DM alert")

        answer = await double.send_interaction("status", {"election": "jfk8"})
        callback = await answer.response()
        completion = await double.send_autocomplete("status", {"election": "jf"}, "election")
        choices = (await completion.response())["data"]["choices"]

    assert [c.name for c in synced] == ["status"]
    [command] = double.commands(double.guild)
    assert command["options"][0]["name"] == "election"
    assert command["options"][0]["autocomplete"] is True
    messages = double.channel_messages(double.channel)
    assert [m["id"] for m in messages] == [str(posted.id), str(hooked.id)]
    assert again.id == posted.id  # the repeated nonce returned the first message
    assert messages[0]["embeds"][0]["title"] == "JFK8: union takes the lead"
    assert messages[0]["nonce"] == "outbox-1"
    assert messages[1]["webhook_id"] == str(webhook.id)
    assert messages[1]["author"]["username"] == "tallybot"
    assert dm.id == double.world.dm_channels[double.member.id].id
    assert [m["content"] for m in double.dm_messages(double.member)] == ["DM alert"]
    assert callback["type"] == 4
    assert callback["data"]["content"] == "Count for jfk8"
    assert callback["data"]["embeds"][0]["title"] == "jfk8: union leads"
    assert isinstance(seen[0], discord.InteractionCallbackResponse)
    assert seen[0].message_id == int(answer.original["id"])  # type: ignore[index]
    assert choices == [{"name": "jfk8", "value": "jfk8"}]
    assert all(r.template is not None for r in double.requests)
    double.check()


async def test_a_deferred_answer_is_edited_with_a_file_and_followed_up(
    patched_discord: DiscordDouble,
) -> None:
    double = patched_discord
    client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    tree = app_commands.CommandTree(client)

    @tree.command(name="history", description="A chart", guild=discord.Object(double.guild.id))
    async def history(interaction: discord.Interaction, election: str) -> None:
        await interaction.response.defer(thinking=True)
        chart = discord.File(io.BytesIO(b"\x89PNG\r\n\x1a\nfake"), filename="history.png")
        await interaction.edit_original_response(
            content=f"{election} over time", attachments=[chart]
        )
        await interaction.followup.send("and one more thing", ephemeral=True)

    async with running(client):
        await tree.sync(guild=discord.Object(double.guild.id))
        handle = await double.send_interaction("history", {"election": "jfk8"})
        original = await handle.original_message()
        followup = await handle.followup(0)

    assert handle.callbacks == [{"type": 5}]
    assert original["content"] == "jfk8 over time"
    assert [a["filename"] for a in original["attachments"]] == ["history.png"]
    assert [name for files in handle.files.values() for name, _ in files] == ["history.png"]
    assert followup["content"] == "and one more thing"
    assert followup["flags"] & 64
    assert double.channel_messages(double.channel) == []  # interaction answers are not posts


async def test_the_client_resumes_at_the_resume_gateway_url(patched_discord: DiscordDouble) -> None:
    double = patched_discord
    client, tree, _ = make_client(double)
    resumed = []

    @client.event
    async def on_resumed() -> None:
        resumed.append(True)

    async with running(client):
        await tree.sync(guild=discord.Object(double.guild.id))
        await double.drop_gateway()
        await double.wait_until(lambda: resumed, what="RESUMED")
        handle = await double.send_interaction("status", {"election": "bessemer"})
        callback = await handle.response()

    assert [c.split("?")[0] for c in double.gateway.connections] == ["/gateway", "/resume-gateway"]
    assert "v=10" in double.gateway.connections[0]
    assert (double.gateway.identifies, double.gateway.resumes) == (1, 1)
    assert callback["data"]["content"] == "Count for bessemer"


async def test_a_429_delays_a_post_and_a_403_refuses_one(patched_discord: DiscordDouble) -> None:
    double = patched_discord
    client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    double.fail_next(double.channel, 429, retry_after=0.2)

    async with running(client):
        channel = client.get_partial_messageable(double.channel.id)
        await channel.send("after a 429")
        double.fail_next(double.channel, 403, code=50013)
        with pytest.raises(discord.Forbidden) as refused:
            await channel.send("refused")

    assert [m["content"] for m in double.channel_messages(double.channel)] == ["after a 429"]
    assert refused.value.code == 50013
    statuses = [r.status for r in double.requests if r.path.endswith("/messages")]
    assert statuses == [429, 200, 403]


async def test_a_wrong_token_is_refused(patched_discord: DiscordDouble) -> None:
    client = discord.Client(intents=discord.Intents.default())

    with pytest.raises(discord.LoginFailure):
        await client.login("not-the-token")
    await client.close()


async def test_options_permissions_and_overwrites_reach_the_bot(
    patched_discord: DiscordDouble,
) -> None:
    double = patched_discord
    world = double.world
    updates = world.add_channel(double.guild, "updates")
    world.set_overwrite(updates, world.bot_role(double.guild), deny=Perm.EMBED_LINKS)
    client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    tree = app_commands.CommandTree(client)
    seen: list[tuple[object, ...]] = []

    @tree.command(name="subscribe", description="Follow", guild=discord.Object(double.guild.id))
    async def subscribe(
        interaction: discord.Interaction,
        election: str,
        channel: discord.TextChannel | None = None,
        role: discord.Role | None = None,
    ) -> None:
        assert interaction.guild is not None
        target = channel or interaction.channel
        assert isinstance(target, discord.TextChannel)
        mine = target.permissions_for(interaction.guild.me)
        seen.append(
            (
                interaction.permissions.manage_channels,
                interaction.app_permissions.embed_links,
                mine.embed_links,
                target.id,
                role.id if role else None,
            )
        )
        await interaction.response.send_message("noted", ephemeral=True)

    async with running(client):
        await tree.sync(guild=discord.Object(double.guild.id))
        by_organizer = await double.send_interaction(
            "subscribe",
            {"election": "jfk8", "channel": updates, "role": double.organizers},
            user=double.organizer,
        )
        await by_organizer.response()
        by_member = await double.send_interaction("subscribe", {"election": "jfk8"})
        await by_member.response()
        world.set_overwrite(double.channel, world.bot_role(double.guild), deny=Perm.EMBED_LINKS)
        await double.push_channel_update(double.channel)
        general = client.get_channel(double.channel.id)
        assert isinstance(general, discord.TextChannel)
        await double.wait_until(
            lambda: not general.permissions_for(general.guild.me).embed_links, what="the update"
        )

    assert seen == [
        (True, True, False, updates.id, double.organizers.id),
        (False, True, True, double.channel.id, None),
    ]
    assert (
        by_organizer.payload["data"]["resolved"]["channels"][str(updates.id)]["name"] == "updates"
    )
    assert double.gateway.intents == discord.Intents.default().value
    assert not discord.Intents.default().message_content


async def test_a_late_callback_is_refused_and_reported(shared_dir: Path) -> None:
    double = DiscordDouble(spec_path(shared_dir), callback_deadline=0.05)
    client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    tree = app_commands.CommandTree(client)
    errors: list[BaseException] = []

    @tree.command(name="status", description="Slow", guild=discord.Object(double.guild.id))
    async def status(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.1)
        await interaction.response.send_message("too late")

    @tree.error
    async def on_error(interaction: discord.Interaction, error: Exception) -> None:
        errors.append(error.__cause__ or error)

    async with double:
        with patch_discord_py(double):
            async with running(client):
                await tree.sync(guild=discord.Object(double.guild.id))
                handle = await double.send_interaction("status")
                await double.wait_until(lambda: errors, what="the bot's error")

    assert handle.callbacks == []
    assert isinstance(errors[0], discord.NotFound)
    [problem] = double.take_problems()
    assert problem.kind == "late interaction callback"


async def test_a_command_in_a_dm_carries_the_user(patched_discord: DiscordDouble) -> None:
    double = patched_discord
    client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    tree = app_commands.CommandTree(client)
    seen: list[tuple[object, ...]] = []

    @tree.command(name="alerts", description="DM alerts")
    async def alerts(interaction: discord.Interaction, election: str) -> None:
        seen.append((interaction.guild_id, interaction.user.id, type(interaction.channel)))
        await interaction.response.send_message(f"alerts for {election} on", ephemeral=True)

    async with running(client):
        await tree.sync()
        handle = await double.send_interaction("alerts", {"election": "jfk8"}, dm=True)
        callback = await handle.response()

    assert [c["name"] for c in double.commands()] == ["alerts"]
    assert seen == [(None, double.member.id, discord.DMChannel)]
    assert callback["data"]["flags"] == 64
