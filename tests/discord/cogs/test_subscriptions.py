"""/subscribe, /unsubscribe, /subscriptions and /alerts: permissions and what is stored."""

from __future__ import annotations

from typing import Any

import discord
import pytest
from babel.lists import format_list
from discord import app_commands

from bot.core.models import Level
from bot.discord.cogs import _subscriptions
from bot.discord.cogs.subscriptions import Subscriptions
from bot.store import LiveMessage, StaticSubscription, Store, SubscriptionKind
from tests.discord.cogs.fakes import (
    CHANNEL_ID,
    GUILD_ID,
    MANAGER,
    MEMBER_ID,
    ORGANIZER_ID,
    OTHER_CHANNEL_ID,
    POSTING,
    T0,
    answer_of,
    invoke,
    make_interaction,
    make_member,
    make_role,
    other_channel,
)


def organizer(bot: Any, **options: Any) -> Any:
    return make_interaction(bot, user=make_member(ORGANIZER_ID), permissions=MANAGER, **options)


async def channel_subs(store: Store, channel_id: int = CHANNEL_ID) -> list[Any]:
    async with store.read() as uow:
        return await uow.subscriptions.list_by_target(SubscriptionKind.CHANNEL, channel_id)


async def test_subscribe_without_manage_channels_is_refused(store: Store, bot: Any) -> None:
    cog = Subscriptions(bot)
    interaction = make_interaction(bot, permissions=discord.Permissions(send_messages=True))
    await invoke(cog.subscribe, cog, interaction, election="jfk8")
    answer = answer_of(interaction)
    assert answer.ephemeral and "Manage Channels" in answer.text
    assert await channel_subs(store) == []


async def test_manage_channels_here_is_not_enough_for_another_channel(
    store: Store, bot: Any
) -> None:
    cog = Subscriptions(bot)
    interaction = organizer(bot)
    target = other_channel(member=discord.Permissions(view_channel=True), bot=POSTING)
    await invoke(cog.subscribe, cog, interaction, election="jfk8", channel=target)
    assert "Manage Channels" in answer_of(interaction).text
    assert await channel_subs(store, OTHER_CHANNEL_ID) == []


async def test_a_channel_without_embed_links_is_refused_naming_it(store: Store, bot: Any) -> None:
    cog = Subscriptions(bot)
    no_embeds = discord.Permissions(view_channel=True, send_messages=True, attach_files=True)
    interaction = organizer(bot, app_permissions=no_embeds)
    await invoke(cog.subscribe, cog, interaction, election="jfk8")
    answer = answer_of(interaction)
    assert answer.ephemeral
    assert "missing Embed Links" in answer.text and "Send Messages" not in answer.text
    assert await channel_subs(store) == []


async def test_another_channel_is_checked_with_the_bots_own_permissions_there(
    store: Store, bot: Any
) -> None:
    cog = Subscriptions(bot)
    interaction = organizer(bot)  # the bot can post here, but not there
    target = other_channel(member=MANAGER, bot=discord.Permissions(view_channel=True), cached=False)
    await invoke(cog.subscribe, cog, interaction, election="jfk8", channel=target)
    named = format_list(["Send Messages", "Embed Links", "Attach Files"], locale="en_US")
    assert named in answer_of(interaction).text
    target.fetch.assert_awaited_once()  # not in the cache: fetched, not guessed
    assert await channel_subs(store, OTHER_CHANNEL_ID) == []


async def test_a_good_subscribe_is_stored_and_a_second_one_is_idempotent(
    store: Store, bot: Any
) -> None:
    cog = Subscriptions(bot)
    first = organizer(bot)
    role = make_role(555)
    await invoke(cog.subscribe, cog, first, election="staten-island", level="major", role=role)
    answer = answer_of(first)
    assert answer.ephemeral and answer.text.startswith(f"Subscribed <#{CHANNEL_ID}> to `jfk8`")
    [sub] = await channel_subs(store)
    assert (sub.kind, sub.election_id, sub.level) == (SubscriptionKind.CHANNEL, "jfk8", Level.MAJOR)
    assert (sub.guild_id, sub.created_by, sub.mention_role_id) == (GUILD_ID, ORGANIZER_ID, role.id)

    again = organizer(bot)
    await invoke(cog.subscribe, cog, again, election="jfk8", level="major", role=role)
    assert "already follows" in answer_of(again).text
    assert await channel_subs(store) == [sub]

    changed = organizer(bot)
    await invoke(cog.subscribe, cog, changed, election="jfk8", level="final")
    assert answer_of(changed).text.startswith("Updated")
    [after] = await channel_subs(store)
    assert (after.id, after.level, after.mention_role_id) == (sub.id, Level.FINAL, None)


async def test_subscribe_takes_all_and_refuses_an_unknown_election(store: Store, bot: Any) -> None:
    cog = Subscriptions(bot)
    everything = organizer(bot)
    await invoke(cog.subscribe, cog, everything, election="all")
    assert "every election" in answer_of(everything).text
    unknown = organizer(bot)
    await invoke(cog.subscribe, cog, unknown, election="bessmer")
    assert "`bessemer`" in answer_of(unknown).text
    assert [s.election_id for s in await channel_subs(store)] == ["all"]


async def test_subscriptions_shows_a_disabled_ones_reason(store: Store, bot: Any) -> None:
    cog = Subscriptions(bot)
    await invoke(cog.subscribe, cog, organizer(bot), election="jfk8")
    await invoke(cog.subscribe, cog, organizer(bot), election="bessemer")
    [jfk8, _] = await channel_subs(store)
    async with store.transaction() as uow:
        await uow.subscriptions.disable(jfk8.id, "403 Forbidden: Missing Access")
    interaction = organizer(bot, command="subscriptions")
    await invoke(cog.subscriptions, cog, interaction)
    answer = answer_of(interaction)
    assert answer.ephemeral
    [embed] = answer.embeds
    assert "2, 1 disabled" in embed["title"]
    first, *rest = embed["description"].split("\n")
    assert "`jfk8`" in first  # disabled ones first
    assert "**Disabled" in rest[0] and "403 Forbidden: Missing Access" in rest[0]
    assert any("`bessemer`" in line for line in rest)

    again = organizer(bot)  # subscribing again is the retry: it re-enables
    await invoke(cog.subscribe, cog, again, election="jfk8")
    assert answer_of(again).text.startswith("Re-enabled")
    assert not any(s.disabled for s in await channel_subs(store))


async def test_unsubscribe_removes_and_says_what_the_channel_follows(
    store: Store, bot: Any
) -> None:
    cog = Subscriptions(bot)
    await invoke(cog.subscribe, cog, organizer(bot), election="jfk8")
    await invoke(cog.subscribe, cog, organizer(bot), election="bessemer")
    gone = organizer(bot)
    await invoke(cog.unsubscribe, cog, gone, election="staten-island")
    assert answer_of(gone).text == f"Unsubscribed <#{CHANNEL_ID}> from `jfk8`."
    assert [s.election_id for s in await channel_subs(store)] == ["bessemer"]

    missing = organizer(bot)
    await invoke(cog.unsubscribe, cog, missing, election="jfk8")
    answer = answer_of(missing)
    assert answer.ephemeral and "doesn't follow `jfk8`" in answer.text
    assert "It follows: `bessemer`" in answer.text

    member = make_interaction(bot, permissions=discord.Permissions.none())
    await invoke(cog.unsubscribe, cog, member, election="bessemer")
    assert "Manage Channels" in answer_of(member).text
    assert len(await channel_subs(store)) == 1


async def test_unsubscribe_autocomplete_offers_the_channels_subscriptions(bot: Any) -> None:
    cog = Subscriptions(bot)
    await invoke(cog.subscribe, cog, organizer(bot), election="bessemer")
    choices = await cog._unsubscribe_election(make_interaction(bot, channel=None), "")
    assert [c.value for c in choices] == ["bessemer"]


async def test_a_config_subscription_can_be_retried_but_not_changed(store: Store, bot: Any) -> None:
    async with store.transaction() as uow:
        await uow.subscriptions.sync_static(
            [StaticSubscription(SubscriptionKind.CHANNEL, CHANNEL_ID, "jfk8")]
        )
    cog = Subscriptions(bot)
    change = organizer(bot)
    await invoke(cog.subscribe, cog, change, election="jfk8", level="final")
    assert "config file" in answer_of(change).text
    remove = organizer(bot)
    await invoke(cog.unsubscribe, cog, remove, election="jfk8")
    assert "config file" in answer_of(remove).text
    [sub] = await channel_subs(store)
    assert sub.static and sub.level is Level.ALL


async def test_alerts_adds_then_removes_a_dm_subscription(store: Store, bot: Any) -> None:
    cog = Subscriptions(bot)
    interaction = make_interaction(bot, in_guild=False)  # anyone, even in DMs
    await invoke(cog.alerts, cog, interaction, election="jfk8")
    answer = answer_of(interaction)
    assert answer.ephemeral and "You'll get DMs for `jfk8` at level major" in answer.text
    async with store.read() as uow:
        [sub] = await uow.subscriptions.list_by_target(SubscriptionKind.DM, MEMBER_ID)
    assert (sub.election_id, sub.level, sub.created_by) == ("jfk8", Level.MAJOR, MEMBER_ID)
    assert sub.guild_id is None  # a person's alerts are not the server's subscriptions

    again = make_interaction(bot)
    await invoke(cog.alerts, cog, again, election="jfk8", level="major")
    assert answer_of(again).text.startswith("You already get")

    off = make_interaction(bot)
    await invoke(cog.alerts, cog, off, election="jfk8", state="off")
    assert answer_of(off).text == "Your DM alerts for `jfk8` turned off."
    async with store.read() as uow:
        assert await uow.subscriptions.list_by_target(SubscriptionKind.DM, MEMBER_ID) == []


@pytest.mark.parametrize(
    ("perms", "missing"),
    [
        (POSTING, []),
        (
            discord.Permissions.none(),
            ["view_channel", "send_messages", "embed_links", "attach_files"],
        ),
    ],
)
def test_missing_names_every_permission_a_post_needs(
    perms: discord.Permissions, missing: list[str]
) -> None:
    assert _subscriptions.missing(perms, _subscriptions.BOT_NEEDS) == missing


async def test_subscribe_autocomplete_offers_all_first(bot: Any) -> None:
    cog = Subscriptions(bot)
    choices = await cog._subscribe_election(make_interaction(bot), "")
    assert [c.value for c in choices] == ["all", "bessemer", "jfk8"]
    assert [c.value for c in await cog._subscribe_election(make_interaction(bot), "jf")] == ["jfk8"]


async def test_a_role_that_cannot_ping_is_noted(bot: Any) -> None:
    cog = Subscriptions(bot)
    interaction = organizer(bot)
    await invoke(
        cog.subscribe, cog, interaction, election="jfk8", role=make_role(7, mentionable=False)
    )
    assert "will name it without pinging it" in answer_of(interaction).text


async def test_the_channel_option_takes_text_channels_only(bot: Any) -> None:
    option = _subscriptions.TextChannelOption()
    assert option.channel_types == [discord.ChannelType.text, discord.ChannelType.news]
    text = other_channel(member=MANAGER, bot=POSTING)
    assert await option.transform(make_interaction(bot), text) is text
    voice = other_channel(member=MANAGER, bot=POSTING)
    voice.type = discord.ChannelType.voice
    with pytest.raises(app_commands.TransformerError):
        await option.transform(make_interaction(bot), voice)


async def test_subscribe_live_in_spanish_and_switching_modes_says_what_happens(
    store: Store, bot: Any
) -> None:
    cog = Subscriptions(bot)
    first = organizer(bot)
    await invoke(cog.subscribe, cog, first, election="jfk8", mode="live", language="es")
    assert "as one live message per round" in answer_of(first).text
    [sub] = await channel_subs(store)
    assert (sub.mode.value, sub.language) == ("live", "es")
    back = organizer(bot)
    await invoke(cog.subscribe, cog, back, election="jfk8", mode="post")
    assert "live messages stay as they are" in answer_of(back).text
    again = organizer(bot)
    await invoke(cog.subscribe, cog, again, election="jfk8", mode="live")
    assert "The next change posts a live message here" in answer_of(again).text


async def test_an_overlap_with_all_says_what_it_changes(store: Store, bot: Any) -> None:
    cog = Subscriptions(bot)
    await invoke(cog.subscribe, cog, organizer(bot), election="all")
    same = organizer(bot)
    await invoke(cog.subscribe, cog, same, election="jfk8")
    assert "already gets every `jfk8` post through `all`" in answer_of(same).text
    differs = organizer(bot)
    await invoke(cog.subscribe, cog, differs, election="bessemer", level="final")
    assert "this subscription's settings apply instead" in answer_of(differs).text
    broad = organizer(bot)
    await invoke(cog.subscribe, cog, broad, election="all", level="major")
    assert "`jfk8` and `bessemer` keep their own subscriptions" in answer_of(broad).text


async def test_subscriptions_links_the_live_messages_of_a_live_subscription(
    store: Store, bot: Any
) -> None:
    cog = Subscriptions(bot)
    await invoke(cog.subscribe, cog, organizer(bot), election="jfk8", mode="live")
    [sub] = await channel_subs(store)
    async with store.transaction() as uow:
        live = LiveMessage(sub.target, "jfk8", "initial", 777, subscription_id=sub.id)
        await uow.live.save(live, T0)
    interaction = organizer(bot, command="subscriptions")
    await invoke(cog.subscriptions, cog, interaction)
    [embed] = answer_of(interaction).embeds
    url = f"https://discord.com/channels/{GUILD_ID}/{CHANNEL_ID}/777"
    assert "live message" in embed["description"] and url in embed["description"]
