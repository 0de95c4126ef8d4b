"""Who a message would ping: Discord's parsing of content under `allowed_mentions`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_EVERYONE = re.compile(r"@(everyone|here)")
_ROLE = re.compile(r"<@&(\d+)>")
_USER = re.compile(r"<@!?(\d+)>")


@dataclass(frozen=True)
class Pings:
    """The pings of one message: @everyone/@here, role ids and user ids."""

    everyone: bool = False
    roles: list[int] = field(default_factory=list)
    users: list[int] = field(default_factory=list)


def pings(content: str, allowed_mentions: dict[str, Any] | None) -> Pings:
    """Mentions in `content` that Discord would turn into pings.

    Only content pings (embeds never do). Without `allowed_mentions` everything parses, as
    Discord does by default; with it, `parse` and the explicit `roles`/`users` lists decide.
    """
    everyone_found = bool(_EVERYONE.search(content))
    roles_found = [int(x) for x in _ROLE.findall(content)]
    users_found = [int(x) for x in _USER.findall(content)]
    if allowed_mentions is None:
        return Pings(everyone_found, _unique(roles_found), _unique(users_found))
    parse = set(allowed_mentions.get("parse") or [])
    allowed_roles = {int(x) for x in allowed_mentions.get("roles") or []}
    allowed_users = {int(x) for x in allowed_mentions.get("users") or []}
    roles = [r for r in roles_found if "roles" in parse or r in allowed_roles]
    users = [u for u in users_found if "users" in parse or u in allowed_users]
    return Pings(everyone_found and "everyone" in parse, _unique(roles), _unique(users))


def _unique(ids: list[int]) -> list[int]:
    return list(dict.fromkeys(ids))
