"""The page's language: `?lang=`, then `Accept-Language`, then the configured default
(DESIGN §12, §13), among the languages the page speaks; and the catalogue for it, the
same message catalogues as posts and replies (bot/render/locale)."""

from __future__ import annotations

import gettext
from collections.abc import Sequence

from bot.core.models import DEFAULT_LANGUAGE, LANGUAGES
from bot.render.i18n import translator

_MAX_ACCEPT_ITEMS = 20  # a header longer than this is someone's experiment


class Catalogues:
    """The languages the page speaks (every language of the catalogues by default; fewer
    for a deployment that wants them), with their gettext catalogues."""

    def __init__(self, languages: Sequence[str] = LANGUAGES) -> None:
        unknown = [language for language in languages if language not in LANGUAGES]
        if unknown or not languages:
            raise ValueError(f"the page speaks some of {LANGUAGES}, not {list(languages)}")
        self._languages = tuple(language for language in LANGUAGES if language in languages)

    @property
    def available(self) -> tuple[str, ...]:
        """The languages the page speaks, in `LANGUAGES` order."""
        return self._languages

    def translations(self, language: str) -> gettext.NullTranslations:
        """The catalogue of `language` (the first available one when it is not)."""
        chosen = language if language in self._languages else self._languages[0]
        return translator(chosen).catalogue


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
