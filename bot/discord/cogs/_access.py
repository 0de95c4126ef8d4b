"""Who may do what beyond Discord's own permissions: owners (/feeds, /sync) and the
configured reporters (/report), DESIGN §6 `discord.owner_ids` and `discord.reporters`; and
Discord's permissions named as Discord shows them in the reader's language."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import discord

from bot.config import Reporters
from bot.discord.cogs.errors import UserError
from bot.render.said import Listed, Said, psaid

# The permissions the commands check or need, by discord.py's flag name, as Discord's own
# client names them (so a Spanish reader finds the same words in the server settings).
PERMISSIONS: dict[str, Said] = {
    "administrator": psaid("permission", "Administrator"),
    "manage_guild": psaid("permission", "Manage Server"),
    "manage_channels": psaid("permission", "Manage Channels"),
    "manage_roles": psaid("permission", "Manage Roles"),
    "manage_messages": psaid("permission", "Manage Messages"),
    "view_channel": psaid("permission", "View Channel"),
    "send_messages": psaid("permission", "Send Messages"),
    "embed_links": psaid("permission", "Embed Links"),
    "attach_files": psaid("permission", "Attach Files"),
    "read_message_history": psaid("permission", "Read Message History"),
    "mention_everyone": psaid("permission", "Mention @everyone, @here and All Roles"),
}


def permission_name(flag: str) -> Said | str:
    """A permission as Discord shows it: manage_channels -> Manage Channels (another flag:
    its words title-cased, in English)."""
    known = PERMISSIONS.get(flag)
    if known is not None:
        return known
    return flag.replace("_", " ").replace("guild", "server").title()


def permission_names(flags: Sequence[str]) -> Listed:
    """Permissions listed as a sentence lists them: "View Channel and Embed Links"."""
    return Listed(tuple(permission_name(flag) for flag in flags))


def role_ids_of(user: discord.abc.User) -> set[int]:
    """The roles of a guild member (a user in DMs has none)."""
    roles: Iterable[discord.Role] = getattr(user, "roles", ())
    return {role.id for role in roles}


def is_reporter(user: discord.abc.User, reporters: Reporters) -> bool:
    """Listed by user id, or holding one of the listed roles where the command is used."""
    if user.id in reporters.user_ids:
        return True
    return bool(role_ids_of(user) & set(reporters.role_ids))


def refuse_unless(allowed: bool, refusal: Said) -> None:
    """Raise `refusal` for the user to see when `allowed` is false."""
    if not allowed:
        raise UserError(refusal)
