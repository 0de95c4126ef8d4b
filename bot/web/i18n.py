"""The page's language: `?lang=`, then `Accept-Language`, then the configured default
(DESIGN §12, §13), among the languages that have a message catalogue; and the translator
and Babel locale for it.

English needs no catalogue (the messages are English). Spanish is spoken once its gettext
catalogue exists: `Catalogues(directory)` loads `<directory>/<lang>/LC_MESSAGES/<domain>.mo`
for every language of `LANGUAGES` it finds, so the page turns Spanish the day the
catalogue ships, without a change here.
"""

from __future__ import annotations

import gettext
from collections.abc import Sequence
from pathlib import Path

from babel.support import Translations

from bot.core.models import DEFAULT_LANGUAGE, LANGUAGES

# Babel locales for formatting (DESIGN §13): US English and US Spanish.
LOCALES = {"en": "en_US", "es": "es_US"}
DOMAIN = "tallybot"
_MAX_ACCEPT_ITEMS = 20  # a header longer than this is someone's experiment


class Catalogues:
    """The translations the page can speak, by language."""

    def __init__(self, directory: Path | None = None, *, domain: str = DOMAIN) -> None:
        self._translations: dict[str, gettext.NullTranslations] = {
            DEFAULT_LANGUAGE: gettext.NullTranslations()
        }
        if directory is not None:
            for language in LANGUAGES:
                if language == DEFAULT_LANGUAGE:
                    continue
                found = directory / language / "LC_MESSAGES" / f"{domain}.mo"
                if found.is_file():
                    with found.open("rb") as stream:
                        self._translations[language] = Translations(stream, domain=domain)

    @property
    def available(self) -> tuple[str, ...]:
        """The languages with a catalogue, in `LANGUAGES` order."""
        return tuple(lang for lang in LANGUAGES if lang in self._translations)

    def translations(self, language: str) -> gettext.NullTranslations:
        """The catalogue of `language` (English when it has none)."""
        return self._translations.get(language, self._translations[DEFAULT_LANGUAGE])


def negotiate(
    query: str | None,
    accept_language: str | None,
    *,
    available: Sequence[str],
    default: str = DEFAULT_LANGUAGE,
) -> str:
    """The language to answer in: `?lang=` when available, else the reader's most wanted
    available language (`Accept-Language`, by q-value, region ignored), else `default`
    when available, else the first available."""
    if query:
        wanted = primary_tag(query)
        if wanted in available:
            return wanted
    for tag in _accepted(accept_language or ""):
        if tag == "*":
            break
        if tag in available:
            return tag
    if default in available:
        return default
    return available[0] if available else DEFAULT_LANGUAGE


def primary_tag(tag: str) -> str:
    """The primary subtag of a language tag, lower case: "es-419" -> "es"."""
    return tag.strip().replace("_", "-").split("-", 1)[0].lower()


def _accepted(header: str) -> list[str]:
    """The primary subtags of an Accept-Language header, most wanted first; q=0 left out."""
    ranked: list[tuple[float, int, str]] = []
    for index, item in enumerate(header.split(",")[:_MAX_ACCEPT_ITEMS]):
        tag, _, params = item.partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag.strip() and quality > 0:
            ranked.append((-quality, index, primary_tag(tag) if tag.strip() != "*" else "*"))
    return [tag for _, _, tag in sorted(ranked)]
