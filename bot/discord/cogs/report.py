"""/report: a reporter's hand-counted tally, taken through the pipeline as the `report`
source (the lowest precedence, DESIGN §4)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.models import Status
from bot.discord.cogs import _elections
from bot.discord.cogs._access import is_reporter, refuse_unless
from bot.discord.cogs._replies import reply, utcnow
from bot.discord.cogs._report import ReportInput, build_report, invalid, recorded_text
from bot.discord.cogs.errors import UserError
from bot.render.i18n import translator
from bot.render.labels import status_label
from bot.render.said import said

if TYPE_CHECKING:
    from bot.discord.client import TallyBot

log = logging.getLogger(__name__)

Choice = app_commands.Choice
Count = app_commands.Range[int, 0, 10_000_000]
# The statuses by the labels posts use: one set of words, translated once (context "status").
STATUS_CHOICES = [
    Choice(
        name=app_commands.locale_str(status_label(translator(), s), context="status"), value=s.value
    )
    for s in Status
]


class Reports(commands.Cog):
    """Running counts from people watching them, for the configured reporters."""

    def __init__(self, bot: TallyBot, clock: Callable[[], datetime] = utcnow) -> None:
        self.bot = bot
        self.clock = clock

    @app_commands.command(name="report", description="Report a running count (unofficial).")
    @app_commands.describe(
        election="The election: an id or alias (pick from the list)",
        counts="Votes in ballot order as /status lists the choices, e.g. 1518 1154",
        challenged="Challenged ballots so far (default: as last published for the round)",
        void="Void ballots so far (default: as last published for the round)",
        status="Where the count stands (default: counting)",
        round_="The round (default: the latest published one)",
    )
    @app_commands.rename(round_="round")
    @app_commands.choices(status=STATUS_CHOICES)
    @app_commands.checks.cooldown(5, 30.0, key=lambda i: i.user.id)
    async def report(
        self,
        interaction: discord.Interaction[TallyBot],
        election: str,
        counts: str,
        challenged: Count | None = None,
        void: Count | None = None,
        status: str | None = None,
        round_: str | None = None,
    ) -> None:
        """Ephemeral: validates like a feed, then ingests as the `report` source."""
        user = interaction.user
        reporters = self.bot.settings.discord.reporters
        refuse_unless(
            is_reporter(user, reporters) or await self.bot.is_owner(user),
            said("Only the configured reporters may use this command."),
        )
        runtime = self.bot.runtime
        if runtime is None:
            raise UserError(said("The feed pipeline is not running here, so I can't take reports."))
        async with self.bot.store.read() as uow:
            found = await _elections.resolve(uow, election)
            published = await _elections.published_tallies(uow, found.id)
        given = ReportInput(
            counts=counts,
            challenged=challenged,
            void=void,
            status=Status(status) if status else None,
            round=round_,
        )
        declared = runtime.pipeline.ballot(found.id)
        parsed = build_report(found, published, given, self.clock(), declared)
        # Validated: now the write, which may wait for a poll's transaction.
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await runtime.report(parsed)
        if outcome.problems:
            raise invalid(outcome.problems)
        log.info(
            "/report by user %s: %s %s %s, %d post(s)",
            user.id,
            found.id,
            parsed.tally.round,
            [c.votes for c in parsed.tally.choices],
            outcome.posts,
        )
        await reply(
            interaction, recorded_text(found, parsed.tally, outcome.posts, outcome.publisher)
        )

    @report.autocomplete("election")
    async def _report_election(
        self, interaction: discord.Interaction[TallyBot], current: str
    ) -> list[Choice[str]]:
        async with self.bot.store.read() as uow:
            pairs = await _elections.election_choices(uow, current)
        return [Choice(name=label, value=value) for label, value in pairs]

    @report.autocomplete("round_")
    async def _report_round(
        self, interaction: discord.Interaction[TallyBot], current: str
    ) -> list[Choice[str]]:
        chosen = str(getattr(interaction.namespace, "election", "") or "")
        async with self.bot.store.read() as uow:
            rounds = await _elections.round_choices(uow, chosen, current)
        return [Choice(name=r, value=r) for r in rounds]
