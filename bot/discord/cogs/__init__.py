"""The slash commands (DESIGN §8): thin cogs over private helper modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.discord.client import TallyBot


async def add_cogs(bot: TallyBot) -> None:
    """Add every cog of the bot's slash commands (called from `setup_hook`)."""
    from bot.discord.cogs.elections import Elections
    from bot.discord.cogs.owner import Owner
    from bot.discord.cogs.report import Reports
    from bot.discord.cogs.subscriptions import Subscriptions

    for cog in (Elections(bot), Subscriptions(bot), Reports(bot), Owner(bot)):
        await bot.add_cog(cog)
