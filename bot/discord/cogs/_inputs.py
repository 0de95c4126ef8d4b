"""Command input checks (DESIGN §8): a text option holding NUL or another control character,
a bidirectional override, or more characters than the store holds is refused before it
reaches the store, with a reply that says which option and what is wrong; it is never
silently altered. The tree runs `check_options` on every command and autocomplete."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from bot.discord.cogs._replies import option_name
from bot.discord.cogs.errors import UserError
from bot.render.said import Said, said
from bot.store.schema import ELECTION_ID, ROUND

ELECTION_MAX = ELECTION_ID.length or 100
ROUND_MAX = ROUND.length or 40
COUNTS_MAX = 200  # "1518 1154" for a ballot of many choices, with commas and dashes
TEXT_MAX = 100  # any other text option: ids of feeds, filters over ids and names
# The longest text each option may hold, by its name as Discord sends it.
LIMITS: Mapping[str, int] = {
    "election": ELECTION_MAX,
    "round": ROUND_MAX,
    "filter": ELECTION_MAX,
    "counts": COUNTS_MAX,
}
_STRING = 3  # Discord's option type of text
_BIDI = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))


def problem(option: str, text: str, limit: int) -> Said | None:
    """What is wrong with `text` as the option `option`, or None when it may be used."""
    name = option_name(option)
    for position, char in enumerate(text, start=1):
        category = unicodedata.category(char)
        point = f"U+{ord(char):04X}"
        if category == "Cc":
            return said(
                "The {option} option holds a control character ({point}) at position "
                "{position}. Type it again without it.",
                option=name,
                point=point,
                position=position,
            )
        if category == "Cs":
            return said(
                "The {option} option holds a broken character ({point}) at position "
                "{position}. Type it again without it.",
                option=name,
                point=point,
                position=position,
            )
        if char in _BIDI:
            return said(
                "The {option} option holds a text-direction override ({point}) at position "
                "{position}. Type it again without it.",
                option=name,
                point=point,
                position=position,
            )
    if len(text) > limit:
        return said(
            "The {option} option is {length} characters long; it takes at most {limit}.",
            option=name,
            length=len(text),
            limit=limit,
        )
    return None


def limit_of(option: str) -> int:
    return LIMITS.get(option, TEXT_MAX)


def check_text(option: str, text: str | None) -> str | None:
    """`text` unchanged when the option `option` may hold it; UserError saying why not."""
    if text is not None:
        found = problem(option, text, limit_of(option))
        if found is not None:
            raise UserError(found)
    return text


def usable(option: str, text: str | None) -> bool:
    """Whether autocomplete may look `text` up (bad input simply gets no choices)."""
    return text is None or problem(option, text, limit_of(option)) is None


def check_options(data: Mapping[str, Any] | None) -> None:
    """Check every text option of an interaction's raw data (commands, subcommands and
    autocomplete alike); raises UserError for the first one that may not be used."""
    for name, value in _text_options((data or {}).get("options") or ()):
        check_text(name, value)


def _text_options(options: Iterable[Mapping[str, Any]]) -> Iterable[tuple[str, str]]:
    for option in options:
        nested = option.get("options")
        if nested:
            yield from _text_options(nested)
        value = option.get("value")
        if option.get("type") == _STRING and isinstance(value, str):
            yield str(option.get("name", "?")), value
