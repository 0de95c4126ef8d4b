"""Spec'd fakes of discord.py objects for calling command callbacks directly (DESIGN §10.2),
the real store seeded with JFK8 and Bessemer, and ways to read what a command answered."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from unittest.mock import create_autospec

import discord
from discord import app_commands

from bot.config import DiscordSettings, FeedSettings, Reporters, Settings
from bot.core.models import Choice, Election, SourceKind, Status, Tally
from bot.discord.client import TallyBot
from bot.discord.tree import TallyTree
from bot.services.pipeline import Pipeline
from bot.services.poller import Poller
from bot.services.runtime import ReportOutcome, Runtime
from bot.services.scheduler import PollScheduler
from bot.store import Published, Store

GUILD_ID = 900_000_000_000_000_001
CHANNEL_ID = 900_000_000_000_000_010
OTHER_CHANNEL_ID = 900_000_000_000_000_011
ORGANIZER_ID = 900_000_000_000_000_100
MEMBER_ID = 900_000_000_000_000_101
REPORTER_ID = 900_000_000_000_000_102
OWNER_ID = 900_000_000_000_000_103
REPORTER_ROLE_ID = 900_000_000_000_000_200

POSTING = discord.Permissions(view_channel=True, send_messages=True, embed_links=True)
POSTING.attach_files = True
MANAGER = discord.Permissions(manage_channels=True, view_channel=True, send_messages=True)

JFK8 = Election(
    id="jfk8",
    name="Amazon JFK8 (Staten Island, NY)",
    aliases=("staten-island",),
    case_number="29-RC-288020",
)
BESSEMER = Election(id="bessemer", name="Amazon BHM1 (Bessemer, AL)", case_number="10-RC-269250")
T0 = datetime(2022, 3, 31, 14, 0, tzinfo=UTC)


def jfk8_tally(union: int, against: int, status: Status = Status.COUNTING) -> Tally:
    return Tally(
        election_id="jfk8",
        choices=(Choice("Amazon Labor Union", union), Choice("No union", against, against=True)),
        status=status,
        eligible_voters=8325,
        source="organizers",
        source_kind=SourceKind.NATIVE,
    )


def rwdsu(
    union: int, against: int, challenged: int, eligible: int, round_: str, flag: bool | None
) -> Tally:
    return Tally(
        election_id="bessemer",
        round=round_,
        choices=(Choice("RWDSU", union), Choice("No union", against, against=True)),
        challenged=challenged,
        status=Status.FINAL,
        eligible_voters=eligible,
        determinative_flag=flag,
        source="nlrb",
        source_kind=SourceKind.OFFICIAL,
    )


BESSEMER_2021 = rwdsu(738, 1798, 505, 5867, "initial", None)
BESSEMER_2022 = rwdsu(875, 993, 416, 6153, "rerun", True)
JFK8_STEPS = (
    jfk8_tally(0, 0),
    jfk8_tally(800, 600),
    jfk8_tally(1518, 1154, Status.PAUSED),
)


async def seed(store: Store) -> None:
    """JFK8 after day one (1,518–1,154, paused) with its history; Bessemer's 2021 initial
    tally and 2022 rerun, both final, published in that order."""
    async with store.transaction() as uow:
        await uow.elections.upsert_from_feed([JFK8, BESSEMER], now=T0)
        for hours, tally in zip((0, 2, 8), JFK8_STEPS, strict=True):
            await uow.tallies.record_many([tally], now=T0 + timedelta(hours=hours))
        await uow.published.set_many([Published(JFK8_STEPS[-1], True)], now=T0)
        first = datetime(2021, 4, 9, tzinfo=UTC)
        await uow.tallies.record_many([BESSEMER_2021], now=first)
        await uow.published.set_many([Published(BESSEMER_2021, True)], now=first)
        second = datetime(2022, 3, 31, tzinfo=UTC)
        await uow.tallies.record_many([BESSEMER_2022], now=second)
        await uow.published.set_many([Published(BESSEMER_2022, True)], now=second)


def settings(**discord_options: Any) -> Settings:
    return Settings(
        discord=DiscordSettings(
            reporters=Reporters(user_ids=(REPORTER_ID,), role_ids=(REPORTER_ROLE_ID,)),
            **discord_options,
        ),
        feeds=(
            FeedSettings(id="organizers", url="https://example.org/t.json", format="native"),
            FeedSettings(id="nlrb", url="https://www.nlrb.gov/x.csv", format="nlrb-csv"),
        ),
    )


def make_bot(store: Store, *, owners: Iterable[int] = (OWNER_ID,)) -> Any:
    """A spec'd TallyBot with the real store and settings; `is_owner` follows `owners`,
    `runtime` has a spec'd poller, pipeline and scheduler, and `report` says the
    organizers' feed publishes the round."""
    bot = create_autospec(TallyBot, instance=True)
    bot.settings = settings()
    bot.store = store
    owner_ids = set(owners)
    bot.is_owner.side_effect = lambda user: user.id in owner_ids
    runtime = create_autospec(Runtime, instance=True)
    runtime.poller = create_autospec(Poller, instance=True)
    runtime.pipeline = create_autospec(Pipeline, instance=True)
    runtime.pipeline.ballot.return_value = None
    # The organizers' feed publishes JFK8: it has counted at least as far.
    runtime.report.return_value = ReportOutcome(posts=0, publisher="organizers")
    runtime.scheduler = create_autospec(PollScheduler, instance=True)
    runtime.scheduler.next_run.return_value = T0 + timedelta(seconds=15)
    bot.runtime = runtime
    return bot


def make_member(user_id: int, role_ids: Iterable[int] = ()) -> Any:
    member = create_autospec(discord.Member, instance=True)
    member.id = user_id
    roles = []
    for role_id in role_ids:
        role = create_autospec(discord.Role, instance=True)
        role.id = role_id
        roles.append(role)
    member.roles = roles
    return member


def make_role(role_id: int, *, mentionable: bool = True) -> Any:
    role = create_autospec(discord.Role, instance=True)
    role.id = role_id
    role.is_default.return_value = False
    role.mentionable = mentionable
    role.mention = f"<@&{role_id}>"
    return role


def make_interaction(
    bot: Any,
    *,
    user: Any = None,
    permissions: discord.Permissions | None = None,
    app_permissions: discord.Permissions | None = None,
    in_guild: bool = True,
    command: str = "status",
    locale: str = "en-US",
    guild_locale: str | None = None,
    **namespace: Any,
) -> Any:
    """A spec'd Interaction in a text channel of a guild (or a DM): the response records its
    type as discord.py does, so `is_done()` and `type` behave. `locale` is the user's
    Discord locale, `guild_locale` the server's preferred one (Discord sends it from a
    server only)."""
    interaction = create_autospec(discord.Interaction, instance=True)
    interaction.client = bot
    interaction.id = 1
    interaction.user = user if user is not None else make_member(MEMBER_ID)
    interaction.guild_id = GUILD_ID if in_guild else None
    interaction.locale = discord.Locale(locale)
    interaction.guild_locale = discord.Locale(guild_locale) if guild_locale and in_guild else None
    interaction.channel_id = CHANNEL_ID
    channel = create_autospec(discord.TextChannel, instance=True)
    channel.id = CHANNEL_ID
    channel.type = discord.ChannelType.text if in_guild else discord.ChannelType.private
    interaction.channel = channel
    interaction.permissions = permissions if permissions is not None else discord.Permissions()
    interaction.app_permissions = app_permissions if app_permissions is not None else POSTING
    interaction.namespace = SimpleNamespace(**namespace)
    interaction.command = SimpleNamespace(qualified_name=command, name=command)
    response = create_autospec(discord.InteractionResponse, instance=True)
    response.type = None
    response.is_done.side_effect = lambda: response.type is not None

    async def sent(*args: Any, **kwargs: Any) -> None:
        response.type = discord.InteractionResponseType.channel_message

    async def deferred(*args: Any, **kwargs: Any) -> None:
        response.type = discord.InteractionResponseType.deferred_channel_message

    response.send_message.side_effect = sent
    response.defer.side_effect = deferred
    interaction.response = response
    interaction.followup = create_autospec(discord.Webhook, instance=True)
    return interaction


def other_channel(
    *,
    member: discord.Permissions,
    bot: discord.Permissions,
    cached: bool = True,
    guild_id: int = GUILD_ID,
) -> Any:
    """A `channel` option naming another text channel (of `guild_id`), as Discord resolves
    it."""
    option = create_autospec(app_commands.AppCommandChannel, instance=True)
    option.id = OTHER_CHANNEL_ID
    option.guild_id = guild_id
    option.type = discord.ChannelType.text
    option.permissions = member
    option.mention = f"<#{OTHER_CHANNEL_ID}>"
    full = create_autospec(discord.TextChannel, instance=True)
    full.permissions_for.return_value = bot
    option.resolve.return_value = full if cached else None
    option.fetch.return_value = full
    return option


@dataclass
class Answer:
    """What a command answered: how, whether ephemeral, its text and embeds and files."""

    via: str  # "response" | "edit" | "followup" | "defer+edit"
    kwargs: dict[str, Any]
    deferred: bool = False
    embeds: list[dict[str, Any]] = field(default_factory=list)

    deferred_ephemeral: bool = False

    @property
    def ephemeral(self) -> bool:
        """An edited placeholder is as visible as the defer made it."""
        if self.via == "edit":
            return self.deferred_ephemeral
        return bool(self.kwargs.get("ephemeral"))

    @property
    def text(self) -> str:
        """Content and every embed, as one string to search."""
        parts = [str(self.kwargs.get("content") or "")]
        parts.extend(json.dumps(e, ensure_ascii=False) for e in self.embeds)
        return "\n".join(parts)

    @property
    def files(self) -> list[discord.File]:
        return list(self.kwargs.get("files") or self.kwargs.get("attachments") or [])


def answer_of(interaction: Any) -> Answer:
    """The one answer an interaction got (fails when there were none or several)."""
    calls = [
        ("response", interaction.response.send_message),
        ("edit", interaction.edit_original_response),
        ("followup", interaction.followup.send),
    ]
    made = [(via, call.call_args) for via, call in calls if call.await_count]
    assert len(made) == 1, f"expected one answer, got {made}"
    via, args = made[0]
    assert args is not None
    kwargs = dict(args.kwargs)
    if args.args:
        kwargs["content"] = args.args[0]
    embeds = list(kwargs.get("embeds") or ([kwargs["embed"]] if kwargs.get("embed") else []))
    assert kwargs.get("allowed_mentions") is not None, "every reply sets allowed_mentions"
    defer = interaction.response.defer
    return Answer(
        via=via,
        kwargs=kwargs,
        deferred=bool(defer.await_count),
        embeds=[e.to_dict() for e in embeds],
        deferred_ephemeral=bool(defer.await_count and defer.call_args.kwargs.get("ephemeral")),
    )


def tree() -> TallyTree:
    """A real TallyTree on a real (never connected) client."""
    return TallyTree(discord.Client(intents=discord.Intents(guilds=True)))


def with_data(interaction: Any, *, autocomplete: bool = False, **options: Any) -> Any:
    """Give the interaction the raw data Discord would send for these options (text options
    as type 3, numbers as type 4, anything else by its `id`), and its type."""
    raw = []
    for name, value in options.items():
        if isinstance(value, str):
            raw.append({"name": name, "type": 3, "value": value})
        elif isinstance(value, int):
            raw.append({"name": name, "type": 4, "value": value})
        elif value is not None:
            raw.append({"name": name, "type": 7, "value": str(value.id)})
    if autocomplete and raw:
        raw[-1]["focused"] = True
    interaction.data = {"type": 1, "name": interaction.command.name, "options": raw}
    kind = discord.InteractionType
    interaction.type = kind.autocomplete if autocomplete else kind.application_command
    return interaction


async def run(command: Any, cog: Any, interaction: Any, **options: Any) -> None:
    """What discord.py does with a command interaction: the tree's `interaction_check` on
    its raw data first, then (when it passes) the callback, as `invoke` runs it. Options
    are given by their Python names (`round_`); Discord's names drop the underscore."""
    with_data(interaction, **{name.rstrip("_"): value for name, value in options.items()})
    if await tree().interaction_check(interaction):
        await invoke(command, cog, interaction, **options)


async def complete(
    autocomplete: Any, interaction: Any, option: str, current: str, **others: Any
) -> list[app_commands.Choice[str]] | None:
    """What discord.py does with an autocomplete of `option` (a bound callback): the tree's
    check on the raw data (the other options, then the focused one), then the callback;
    None when the tree answered it (with no choices)."""
    with_data(interaction, autocomplete=True, **others, **{option: current})
    if not await tree().interaction_check(interaction):
        return None
    result: list[app_commands.Choice[str]] = await autocomplete(interaction, current)
    return result


async def invoke(command: Any, cog: Any, interaction: Any, **options: Any) -> None:
    """Run a command callback as discord.py would: its exceptions go to the tree's
    `on_error`, wrapped in CommandInvokeError unless they are AppCommandErrors."""
    try:
        await command.callback(cog, interaction, **options)
    except app_commands.AppCommandError as error:
        await tree().on_error(interaction, error)
    except Exception as exc:
        await tree().on_error(interaction, app_commands.CommandInvokeError(command, exc))


def mention_free(allowed: discord.AllowedMentions) -> bool:
    """True when the allowed mentions ping nobody."""
    payload = allowed.to_dict()
    return payload.get("parse") == [] and not payload.get("roles") and not payload.get("users")
