"""Who may do what beyond Discord's own permissions: owners (/feeds, /sync) and the
configured reporters (/report), DESIGN §6 `discord.owner_ids` and `discord.reporters`."""

from __future__ import annotations

from collections.abc import Iterable

import discord

from bot.config import Reporters
from bot.discord.cogs.errors import UserError


def role_ids_of(user: discord.abc.User) -> set[int]:
    """The roles of a guild member (a user in DMs has none)."""
    roles: Iterable[discord.Role] = getattr(user, "roles", ())
    return {role.id for role in roles}


def is_reporter(user: discord.abc.User, reporters: Reporters) -> bool:
    """Listed by user id, or holding one of the listed roles where the command is used."""
    if user.id in reporters.user_ids:
        return True
    return bool(role_ids_of(user) & set(reporters.role_ids))


def refuse_unless(allowed: bool, what: str) -> None:
    """Raise the refusal the user sees when `allowed` is false."""
    if not allowed:
        raise UserError(f"Only {what} may use this command.")
