"""/subscribe, /unsubscribe, /subscriptions (Manage Channels) and /alerts (anyone, DMs)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.models import Level, SubscriptionMode
from bot.discord.cogs import _access, _elections, _notes, _subscriptions
from bot.discord.cogs._notes import describe
from bot.discord.cogs._replies import command_name, language_of, reply, user_language
from bot.discord.cogs._subscriptions import Outcome, Wanted
from bot.discord.cogs.errors import UserError, code
from bot.render.admin import render_subscriptions
from bot.render.rich import Code
from bot.render.said import Listed, Said, said
from bot.store import ALL_ELECTIONS, SubscriptionKind

if TYPE_CHECKING:
    from bot.discord.client import TallyBot

Choice = app_commands.Choice

LEVEL_CHOICES = [
    Choice(name="all: every update", value=Level.ALL.value),
    Choice(name="major: everything but plain count updates", value=Level.MAJOR.value),
    Choice(name="final: results, corrections and new rounds only", value=Level.FINAL.value),
]
STATE_CHOICES = [Choice(name="on", value="on"), Choice(name="off", value="off")]
MODE_CHOICES = [
    Choice(name="post: a new message for every update", value=SubscriptionMode.POST.value),
    Choice(name="live: one message per round, edited as the count moves", value="live"),
]
LANGUAGE_CHOICES = [Choice(name="English", value="en"), Choice(name="Español", value="es")]


TextChannel = app_commands.Transform[
    app_commands.AppCommandChannel, _subscriptions.TextChannelOption
]


class Subscriptions(commands.Cog):
    """Who gets posts: channels (managed by members with Manage Channels) and DMs."""

    def __init__(self, bot: TallyBot) -> None:
        self.bot = bot

    @app_commands.command(name="subscribe", description="Post an election's updates in a channel.")
    @app_commands.describe(
        election="An election id or alias, or all for every election",
        channel="The channel to post in (default: this one)",
        level="How much to post (default: all)",
        role="The role the posts mention: the only thing they may ping",
        mode="post: a message per update (default); live: one message per round, edited",
        language="The posts' language (default: the server's language)",
    )
    @app_commands.choices(level=LEVEL_CHOICES, mode=MODE_CHOICES, language=LANGUAGE_CHOICES)
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_channels=True)
    @app_commands.checks.has_permissions(manage_channels=True)
    async def subscribe(
        self,
        interaction: discord.Interaction[TallyBot],
        election: str,
        channel: TextChannel | None = None,
        level: str = Level.ALL.value,
        role: discord.Role | None = None,
        mode: str = SubscriptionMode.POST.value,
        language: str | None = None,
    ) -> None:
        """Ephemeral: checks the member, then the bot's own permissions there, then stores,
        and says what an overlap with `all` or a change of mode does."""
        channel_id, member_perms = _subscriptions.where(interaction, channel)
        where = f"<#{channel_id}>"
        _subscriptions.require_member_can_manage(member_perms, where)
        bot_perms = await _subscriptions.bot_permissions(interaction, channel)
        _subscriptions.require_bot_can_post(bot_perms, where)
        if role is not None and role.is_default():
            raise UserError(said("Pick a role to mention, not {everyone}.", everyone="@everyone"))
        async with self.bot.store.transaction() as uow:
            election_id = await _elections.resolve_target(uow, election)
            wanted = Wanted(
                kind=SubscriptionKind.CHANNEL,
                target_id=channel_id,
                election_id=election_id,
                level=Level(level),
                mention_role_id=role.id if role is not None else None,
                guild_id=channel.guild_id if channel is not None else interaction.guild_id,
                created_by=interaction.user.id,
                mode=SubscriptionMode(mode),
                language=language,
            )
            result = await _subscriptions.subscribe(uow, wanted)
            overlap = await _notes.overlap_note(uow, result.subscription)
        text: list[Said | None] = [
            _notes.subscribed(result.outcome, where, result.subscription),
            _notes.mode_note(result),
            overlap,
        ]
        if role is not None and not role.mentionable and not bot_perms.mention_everyone:
            text.append(
                said(
                    "Note: {role} is not mentionable and I lack {permission}, so posts will "
                    "name it without pinging it.",
                    role=role.mention,
                    permission=_access.permission_name("mention_everyone"),
                )
            )
        await reply(interaction, text)

    @subscribe.autocomplete("election")
    async def _subscribe_election(
        self, interaction: discord.Interaction[TallyBot], current: str
    ) -> list[Choice[str]]:
        return await self._choices_with_all(interaction, current)

    @app_commands.command(name="unsubscribe", description="Stop posting an election in a channel.")
    @app_commands.describe(
        election="The election id or alias (or all) the channel follows",
        channel="The channel (default: this one)",
    )
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_channels=True)
    @app_commands.checks.has_permissions(manage_channels=True)
    async def unsubscribe(
        self,
        interaction: discord.Interaction[TallyBot],
        election: str,
        channel: TextChannel | None = None,
    ) -> None:
        """Ephemeral: removes one channel subscription, or says what the channel follows."""
        channel_id, member_perms = _subscriptions.where(interaction, channel)
        where = f"<#{channel_id}>"
        _subscriptions.require_member_can_manage(member_perms, where)
        key = election.strip().lower()
        async with self.bot.store.transaction() as uow:
            found = await uow.elections.get(key) if key and key != ALL_ELECTIONS else None
            election_id = found.id if found is not None else key
            removed = await _subscriptions.unsubscribe(
                uow, SubscriptionKind.CHANNEL, channel_id, election_id
            )
            if not removed:
                follows = await uow.subscriptions.list_by_target(
                    SubscriptionKind.CHANNEL, channel_id
                )
        if not removed:
            shown = code(key, 40)
            if not follows:
                raise UserError(
                    said(
                        "{channel} doesn't follow {election}. It follows nothing yet.",
                        channel=where,
                        election=shown,
                    )
                )
            raise UserError(
                said(
                    "{channel} doesn't follow {election}. It follows: {elections}.",
                    channel=where,
                    election=shown,
                    elections=Listed(tuple(Code(s.election_id) for s in follows)),
                )
            )
        await reply(
            interaction,
            said(
                "Unsubscribed {channel} from {election}.",
                channel=where,
                election=Code(election_id),
            ),
        )

    @unsubscribe.autocomplete("election")
    async def _unsubscribe_election(
        self, interaction: discord.Interaction[TallyBot], current: str
    ) -> list[Choice[str]]:
        chosen = getattr(interaction.namespace, "channel", None)
        channel_id = getattr(chosen, "id", None) or interaction.channel_id
        if channel_id is None:
            return []
        async with self.bot.store.read() as uow:
            subs = await uow.subscriptions.list_by_target(SubscriptionKind.CHANNEL, channel_id)
        needle = current.strip().lower()
        ids = [s.election_id for s in subs if needle in s.election_id]
        return [Choice(name=i, value=i) for i in ids[: _elections.MAX_CHOICES]]

    @app_commands.command(
        name="subscriptions", description="This server's subscriptions, disabled ones with why."
    )
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_channels=True)
    @app_commands.checks.has_permissions(manage_channels=True)
    async def subscriptions(self, interaction: discord.Interaction[TallyBot]) -> None:
        """Ephemeral: the server's subscriptions, disabled ones first with the reason."""
        if interaction.guild_id is None:
            raise app_commands.NoPrivateMessage()
        async with self.bot.store.read() as uow:
            subs = await uow.subscriptions.list_by_guild(interaction.guild_id)
            rows = await _subscriptions.listing_rows(uow, subs)
        body = render_subscriptions(rows, language=language_of(interaction))
        await reply(interaction, body=body)

    @app_commands.command(name="alerts", description="Get an election's updates in your DMs.")
    @app_commands.describe(
        election="An election id or alias, or all for every election",
        level="How much to send (default: major)",
        state="on to get alerts (default), off to stop them",
    )
    @app_commands.choices(level=LEVEL_CHOICES, state=STATE_CHOICES)
    async def alerts(
        self,
        interaction: discord.Interaction[TallyBot],
        election: str,
        level: str = Level.MAJOR.value,
        state: str = "on",
    ) -> None:
        """Ephemeral: turns the caller's DM alerts for an election (or all) on or off; the DMs
        keep the language of the caller's locale now (when the bot speaks it)."""
        user_id = interaction.user.id
        async with self.bot.store.transaction() as uow:
            election_id = await _elections.resolve_target(uow, election)
            if state == "off":
                removed = await _subscriptions.unsubscribe(
                    uow, SubscriptionKind.DM, user_id, election_id
                )
            else:
                wanted = Wanted(
                    SubscriptionKind.DM,
                    user_id,
                    election_id,
                    Level(level),
                    created_by=user_id,
                    language=user_language(interaction),
                )
                result = await _subscriptions.subscribe(uow, wanted)
                sub, outcome = result.subscription, result.outcome
        if state == "off":
            if removed:
                done = said("Your DM alerts for {election} turned off.", election=Code(election_id))
            else:
                done = said(
                    "Your DM alerts for {election} were not on.", election=Code(election_id)
                )
            await reply(interaction, done)
            return
        if outcome is Outcome.UNCHANGED:
            got = said("You already get DMs for {subscription}.", subscription=describe(sub))
        else:
            got = said("You'll get DMs for {subscription}.", subscription=describe(sub))
        closed = said(
            "If I can't DM you (closed DMs), the alert is switched off; run {command} again "
            "once DMs are open.",
            command=command_name("alerts"),
        )
        await reply(interaction, [got, closed])

    @alerts.autocomplete("election")
    async def _alerts_election(
        self, interaction: discord.Interaction[TallyBot], current: str
    ) -> list[Choice[str]]:
        return await self._choices_with_all(interaction, current)

    async def _choices_with_all(
        self, interaction: discord.Interaction[TallyBot], current: str
    ) -> list[Choice[str]]:
        language = language_of(interaction)
        async with self.bot.store.read() as uow:
            pairs = await _elections.election_choices(
                uow, current, with_all=True, language=language
            )
        return [Choice(name=label, value=value) for label, value in pairs]
