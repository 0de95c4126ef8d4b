"""/status, /history and /elections: read-only answers from the store, for anyone."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.cogs import _elections
from bot.discord.cogs._replies import language_of, reply, utcnow
from bot.render.charts import render_history_png_async
from bot.render.labels import short_name
from bot.render.messages import COLOUR_COUNTING
from bot.render.rich import feed
from bot.render.said import nsaid, psaid

if TYPE_CHECKING:
    from bot.discord.client import TallyBot

Choice = app_commands.Choice


class Elections(commands.Cog):
    """Elections and their counts, as the store has them (never a live fetch)."""

    def __init__(self, bot: TallyBot, clock: Callable[[], datetime] = utcnow) -> None:
        self.bot = bot
        self.clock = clock

    @app_commands.command(name="status", description="An election's count as it stands now.")
    @app_commands.describe(
        election="The election: an id, alias or name (pick from the list)",
        round_="A round (initial, rerun, runoff, revised…); default: the latest",
    )
    @app_commands.rename(round_="round")
    async def status(
        self,
        interaction: discord.Interaction[TallyBot],
        election: str,
        round_: str | None = None,
    ) -> None:
        """Public: the latest round in full (or `round`), earlier rounds summarised."""
        language = language_of(interaction)
        async with self.bot.store.read() as uow:
            body = await _elections.status_body(uow, election, round_, self.clock(), language)
        await reply(interaction, body=body, ephemeral=False)

    @status.autocomplete("election")
    async def _status_election(
        self, interaction: discord.Interaction[TallyBot], current: str
    ) -> list[Choice[str]]:
        return await self._election_choices(current)

    @status.autocomplete("round_")
    async def _status_round(
        self, interaction: discord.Interaction[TallyBot], current: str
    ) -> list[Choice[str]]:
        chosen = str(getattr(interaction.namespace, "election", "") or "")
        async with self.bot.store.read() as uow:
            rounds = await _elections.round_choices(uow, chosen, current)
        return [Choice(name=r, value=r) for r in rounds]

    @app_commands.command(name="history", description="A chart of an election's count over time.")
    @app_commands.describe(election="The election: an id, alias or name (pick from the list)")
    @app_commands.checks.cooldown(2, 10.0, key=lambda i: i.user.id)
    async def history(self, interaction: discord.Interaction[TallyBot], election: str) -> None:
        """Public: defers (the chart is drawn off the loop), then edits in the PNG."""
        # Resolve before deferring, so an unknown id is answered ephemerally.
        async with self.bot.store.read() as uow:
            found = await _elections.resolve(uow, election)
            points = await _elections.history_points(uow, found.id)
        await interaction.response.defer(thinking=True)
        language = language_of(interaction)
        png = await render_history_png_async(found, points, language=language)
        filename = f"{found.id}-history.png"
        updates = sum(len(p) for p in points.values())
        title = psaid("title", "{name}: the count over time", name=feed(short_name(found), 200))
        counted = psaid(
            "chart",
            "{rounds}, {updates}.",
            rounds=nsaid("{count} round", "{count} rounds", len(points), count=len(points)),
            updates=nsaid(
                "{count} reported count", "{count} reported counts", updates, count=updates
            ),
        )
        legend = psaid(
            "chart", "Dashed: the majority line; grey: where challenged ballots could move it."
        )
        embed = discord.Embed(
            title=title.markdown(language),
            description=counted.markdown(language) + " " + legend.markdown(language),
            colour=COLOUR_COUNTING,
        )
        embed.set_image(url=f"attachment://{filename}")
        chart = discord.File(io.BytesIO(png), filename=filename)
        await reply(interaction, embeds=[embed], files=[chart], ephemeral=False)

    @history.autocomplete("election")
    async def _history_election(
        self, interaction: discord.Interaction[TallyBot], current: str
    ) -> list[Choice[str]]:
        return await self._election_choices(current)

    @app_commands.command(name="elections", description="The elections the bot follows.")
    @app_commands.describe(
        filter_="Only elections whose id, alias, name or case number contains this",
        page="The page to show (10 elections a page)",
    )
    @app_commands.rename(filter_="filter")
    async def elections(
        self,
        interaction: discord.Interaction[TallyBot],
        filter_: str | None = None,
        page: app_commands.Range[int, 1, 10_000] = 1,
    ) -> None:
        """Ephemeral: one page of the elections, optionally filtered."""
        language = language_of(interaction)
        async with self.bot.store.read() as uow:
            body = await _elections.listing_body(uow, filter_, page, language)
        await reply(interaction, body=body, ephemeral=True)

    async def _election_choices(self, current: str) -> list[Choice[str]]:
        async with self.bot.store.read() as uow:
            pairs = await _elections.election_choices(uow, current)
        return [Choice(name=label, value=value) for label, value in pairs]
