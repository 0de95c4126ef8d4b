"""The slash commands in Spanish (DESIGN §8, §13): a discord.py `app_commands.Translator`
that gives every command name, description, option name, option description and choice
name its `es-ES` and `es-419` localisation from the message catalogues.

The English words written in the cogs are the message ids, looked up under a context per
kind of string ("command name", "option description", ...), so the cogs stay as they are
and a word the catalogue lacks is simply not localised (Discord then shows the English
one). A string may name its own context (`locale_str(words, context="status")`): /report's
status choices are the statuses posts show, translated once. `localisable` lists what a
tree asks for: the catalogue test checks each of them is translated, and the catalogue tool
adds new ones.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Where

from bot.render.i18n import translator

if TYPE_CHECKING:
    from discord.app_commands import CommandTree

log = logging.getLogger(__name__)

# The catalogue context of each kind of string a command carries.
CONTEXTS: dict[Where, str] = {
    Where.command_name: "command name",
    Where.group_name: "command name",
    Where.command_description: "command description",
    Where.group_description: "command description",
    Where.parameter_name: "option name",
    Where.parameter_description: "option description",
    Where.choice_name: "option choice",
}
NAME_CONTEXTS = frozenset({"command name", "option name"})
# The Discord locales that get each language (DESIGN §13).
LOCALES: dict[discord.Locale, str] = {
    discord.Locale.spain_spanish: "es",
    discord.Locale.latin_american_spanish: "es",
}
# Discord's rule for command and option names: letters (lower case when they have one),
# digits, "-", "_" and "'", 1 to 32 of them.
NAME_MAX = 32
_NAME_PUNCTUATION = re.compile(r"[-_']")


def is_command_name(name: str) -> bool:
    """Whether Discord accepts `name` as a command or option name."""
    if not 1 <= len(name) <= NAME_MAX or name != name.lower():
        return False
    return all(ch.isalnum() or _NAME_PUNCTUATION.fullmatch(ch) for ch in name)


def context_of(string: app_commands.locale_str, location: Where) -> str | None:
    """The catalogue context a command string is looked up in: its own, else its kind's."""
    own = string.extras.get("context")
    return str(own) if own else CONTEXTS.get(location)


class CatalogueTranslator(app_commands.Translator):
    """Looks each command string up in the catalogue of the locale's language; a string
    the catalogue lacks is logged once and left to Discord's English."""

    def __init__(self) -> None:
        self._missing: set[tuple[str, str]] = set()

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContext[Any, Any],
    ) -> str | None:
        language = LOCALES.get(locale)
        where = context_of(string, context.location)
        if language is None or where is None:
            return None
        found = translator(language).find(where, string.message)
        if found is None or (where in NAME_CONTEXTS and not is_command_name(found)):
            if (where, string.message) not in self._missing:
                self._missing.add((where, string.message))
                log.warning("no %s localisation of the %s %r", language, where, string.message)
            return None
        return found


class _Recorder(app_commands.Translator):
    """Translates nothing; remembers every (context, English words) it was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContext[Any, Any],
    ) -> str | None:
        where = context_of(string, context.location)
        if where is not None and (where, string.message) not in self.asked:
            self.asked.append((where, string.message))
        return None


async def localisable(tree: CommandTree[Any]) -> list[tuple[str, str]]:
    """Every (catalogue context, English words) the tree's commands ask a translator for
    when they are synced, in the order asked."""
    recorder = _Recorder()
    for command in tree.get_commands():
        await command.get_translated_payload(tree, recorder)
    return recorder.asked
