"""The messages the code asks the catalogues for, found by Babel's extractor, and a maintainer's
tool to bring the .po files in line with the code:

    .venv/bin/python -m tests.render.catalogue_util

writes the English catalogue (each message translated by itself) and adds any new message to
the Spanish one untranslated (so the catalogue test fails until someone translates it).
"""

from __future__ import annotations

import asyncio
import re
import string
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, cast

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.core.models import LANGUAGES
from bot.demo.replay import load_steps
from bot.render.i18n import DOMAIN, LOCALES

REPO_ROOT = Path(__file__).resolve().parents[2]
LOCALE_DIR = REPO_ROOT / "bot" / "render" / "locale"
# Where user-visible strings live: posts, replies and charts; the Discord edge; the demo;
# the web page (its Python and, below, its Jinja templates).
SOURCE_DIRS = tuple(REPO_ROOT / "bot" / name for name in ("render", "discord", "demo", "web"))
TEMPLATE_DIRS = (REPO_ROOT / "bot" / "web" / "templates",)
KEYWORDS: dict[str, Any] = {
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    # Sentences said before their language is known (bot/render/said.py).
    "said": None,
    "psaid": ((1, "c"), 2),
    "nsaid": (1, 2),
    "npsaid": ((1, "c"), 2, 3),
}
# Jinja's own gettext alias, for templates only (in Python, "_" is a throwaway name).
TEMPLATE_KEYWORDS = {**KEYWORDS, "_": None}

CATALOGUE_DATE = datetime(2026, 1, 1, tzinfo=UTC)  # fixed, so regenerating changes nothing else
MessageKey = tuple[str, str | None]  # (msgid, or the singular of a plural; msgctxt)


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def extracted(dirs: Iterable[Path] = SOURCE_DIRS) -> dict[MessageKey, Message]:
    """Every message the code asks the catalogues for: literals passed to gettext,
    ngettext, pgettext or npgettext in Python and templates, the strings of the slash
    commands (names, descriptions, options, choices) that the translator looks up, and
    the demo's narration."""
    found: dict[MessageKey, Message] = {}
    for directory in dirs:
        _extract(found, directory, [("**.py", "python")], KEYWORDS)
    for directory in TEMPLATE_DIRS:
        _extract(found, directory, [("**.html", "jinja2.ext:babel_extract")], TEMPLATE_KEYWORDS)
    for context, text in command_strings():
        _add(found, text, context, "discord/(commands)")
    for step in load_steps():  # the demo's narration: its English is the message id
        _add(found, step.narration, "demo", "demo/data/replay.json")
    return found


def _extract(
    found: dict[MessageKey, Message],
    directory: Path,
    method_map: list[tuple[str, str]],
    keywords: dict[str, Any],
) -> None:
    for filename, _lineno, message, _comments, context in extract_from_dir(
        str(directory), method_map=method_map, keywords=keywords
    ):
        # Files without line numbers: a catalogue diff then shows only real changes.
        _add(found, message, context, f"{Path(directory).name}/{filename}")


def _add(
    found: dict[MessageKey, Message],
    message: str | tuple[str, ...],
    context: str | None,
    where: str,
) -> None:
    msgid = message if isinstance(message, str) else tuple(message)
    key = (msgid if isinstance(msgid, str) else msgid[0], context)
    location = (where, None)
    if key in found:
        if location not in found[key].locations:
            found[key].locations.append(location)
    else:
        found[key] = Message(msgid, context=context, locations=[location])


@cache
def command_strings() -> tuple[tuple[str, str], ...]:
    """(context, English words) of every string the slash commands localise, read from
    the real cogs on a bot that never connects."""
    from bot.config import Settings
    from bot.discord.client import TallyBot
    from bot.discord.cogs import add_cogs
    from bot.discord.translator import localisable

    async def collect() -> list[tuple[str, str]]:
        bot = TallyBot(settings=Settings(), store=cast(Any, None), session=cast(Any, None))
        await add_cogs(bot)
        return await localisable(bot.tree)

    return tuple(asyncio.run(collect()))


def read_catalogue(language: str) -> Catalog:
    with po_path(language).open("rb") as handle:
        return read_po(handle, locale=LOCALES[language], domain=DOMAIN)


def placeholders(text: str) -> set[str]:
    """The named `{placeholders}` of a message."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def key_of(message: Message) -> MessageKey:
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    return (msgid, message.context)


def _write(language: str, catalog: Catalog) -> None:
    path = po_path(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, sort_output=False)


def _new_catalogue(language: str) -> Catalog:
    return Catalog(
        locale=LOCALES[language],
        domain=DOMAIN,
        header_comment=f"# The {language} messages of tallybot's posts, replies and charts.",
        project="tallybot",
        version="1",
        copyright_holder="tallybot",
        last_translator="tallybot maintainers",
        language_team=f"tallybot {language}",
        charset="utf-8",
        creation_date=CATALOGUE_DATE,
        revision_date=CATALOGUE_DATE,
        fuzzy=False,
    )


def update() -> None:
    """English: every message translated by itself. Other languages: translations kept,
    new messages added untranslated, messages the code no longer asks for dropped."""
    messages = extracted()
    english = _new_catalogue("en")
    for message in messages.values():
        english.add(
            message.id, string=message.id, locations=message.locations, context=message.context
        )
    _write("en", english)
    for language in LANGUAGES:
        if language == "en":
            continue
        old = read_catalogue(language) if po_path(language).exists() else _new_catalogue(language)
        kept = {key_of(m): m for m in old if m.id}
        catalog = _new_catalogue(language)
        for key, message in messages.items():
            previous = kept.get(key)
            if previous is not None and previous.id == message.id:
                translation = previous.string
            else:
                translation = "" if isinstance(message.id, str) else ("",) * catalog.num_plurals
            catalog.add(
                message.id, string=translation, locations=message.locations, context=message.context
            )
        _write(language, catalog)


if __name__ == "__main__":
    update()


def _forms(message: Message) -> tuple[str, ...]:
    string_ = message.string
    return (string_,) if isinstance(string_, str) else tuple(string_)


def _ids(message: Message) -> tuple[str, ...]:
    return (message.id,) if isinstance(message.id, str) else tuple(message.id)


def catalogue_problems(
    code: dict[MessageKey, Message], english: Catalog, other: Catalog
) -> list[str]:
    """What is wrong with `other` (a translation) against the code and the English
    catalogue: a message missing, untranslated, fuzzy, without every plural form, or whose
    placeholders differ from the English ones; messages the code no longer uses."""
    problems: list[str] = []
    language = str(other.locale)
    for name, catalog in (("en", english), (language, other)):
        have = {key_of(m) for m in catalog if m.id}
        problems += [f"{name}: missing {key!r}" for key in code.keys() - have]
        problems += [f"{name}: unused {key!r}" for key in have - code.keys()]
    english_by_key = {key_of(m): m for m in english if m.id}
    for message in other:
        if not message.id:
            continue
        key = key_of(message)
        forms = _forms(message)
        if message.fuzzy:
            problems.append(f"{language}: fuzzy {key!r}")
        if not all(forms):
            problems.append(f"{language}: untranslated {key!r}")
        plural = not isinstance(message.id, str)
        if plural and len(forms) != other.num_plurals:
            problems.append(f"{language}: {len(forms)} plural forms for {key!r}")
        source = english_by_key.get(key)
        if source is None:
            continue
        wanted = set().union(*(placeholders(text) for text in _forms(source) + _ids(source)))
        for form in forms:
            if form and placeholders(form) != wanted:
                problems.append(
                    f"{language}: placeholders of {form!r} are {sorted(placeholders(form))},"
                    f" English has {sorted(wanted)}"
                )
    return problems


def english_only_words(min_length: int = 4) -> frozenset[str]:
    """Words of the English catalogue that no Spanish message uses (lower case, at least
    `min_length` letters): finding one in Spanish output means an English template leaked."""
    english, spanish = read_catalogue("en"), read_catalogue("es")
    words = {w for m in english if m.id for text in _ids(m) for w in _words(text, min_length)}
    shared = {w for m in spanish if m.id for text in _forms(m) for w in _words(text, min_length)}
    return frozenset(words - shared)


def leaked_english(text: str, min_length: int = 4) -> set[str]:
    """The English-only words of the catalogues found in `text` (see `english_only_words`)."""
    return set(_words(text, min_length)) & english_only_words(min_length)


def shown_text(content: object, embeds: Iterable[dict[str, Any]]) -> str:
    """What a reader sees of a message or reply: its content and every embed's text."""
    parts = [str(content or "")]
    for embed in embeds:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [(embed.get("author") or {}).get("name") or ""]
        for item in embed.get("fields") or []:
            parts += [item["name"], item["value"]]
        parts.append((embed.get("footer") or {}).get("text") or "")
    return "\n".join(parts)


def _words(text: str, min_length: int) -> list[str]:
    without_placeholders = re.sub(r"\{[a-z_]+\}", " ", text)
    return [
        w.lower() for w in re.findall(r"[A-Za-z]+", without_placeholders) if len(w) >= min_length
    ]
