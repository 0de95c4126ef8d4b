"""The catalogues and Babel formatting (DESIGN §13): every message the code asks for is
translated, with the same placeholders; numbers, percents and dates come from Babel."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from datetime import UTC, datetime

import pytest
from babel import Locale
from babel.dates import format_datetime
from babel.messages.catalog import Catalog
from babel.numbers import format_decimal, format_percent

from bot.core.models import LANGUAGES
from bot.render.i18n import LOCALES, language_of_locale, translator

from .builders import REPO_ROOT
from .catalogue_util import (
    LOCALE_DIR,
    catalogue_problems,
    extracted,
    placeholders,
    read_catalogue,
)

TRANSLATED = [language for language in LANGUAGES if language != "en"]


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_with_the_same_placeholders(language: str) -> None:
    problems = catalogue_problems(extracted(), read_catalogue("en"), read_catalogue(language))
    assert problems == []


def test_the_code_asks_for_many_messages() -> None:
    """The extractor finds the code's messages (so the test above checks something)."""
    code = extracted()
    assert len(code) > 100
    assert ("{name}: count paused", "title") in code


def _copy(catalog: Catalog) -> Catalog:
    copy = Catalog(locale=catalog.locale, domain=catalog.domain)
    for message in catalog:
        if message.id:
            copy.add(message.id, message.string, context=message.context, flags=message.flags)
    return copy


def test_the_catalogue_check_catches_each_kind_of_slip() -> None:
    code, english, spanish = extracted(), read_catalogue("en"), read_catalogue("es")
    assert catalogue_problems(code, english, _copy(spanish)) == []

    untranslated = _copy(spanish)
    untranslated["Tied."].string = ""
    assert any("untranslated" in p for p in catalogue_problems(code, english, untranslated))

    renamed = _copy(spanish)
    key = ("Updated {when}", None)
    renamed[key[0]].string = "Actualizado {cuando}"
    assert any("placeholders" in p for p in catalogue_problems(code, english, renamed))

    plural = _copy(spanish)
    message = plural.get("{leader} leads by {margin} vote.")
    assert message is not None
    message.string = (message.string[0], message.string[1])  # one form short
    assert any("plural forms" in p for p in catalogue_problems(code, english, plural))

    missing = _copy(spanish)
    missing.delete("Tied.")
    assert any("missing" in p for p in catalogue_problems(code, english, missing))

    fuzzy = _copy(spanish)
    fuzzy["Tied."].flags.add("fuzzy")
    assert any("fuzzy" in p for p in catalogue_problems(code, english, fuzzy))


def test_english_says_what_the_code_says() -> None:
    for message in read_catalogue("en"):
        if message.id:
            assert message.string == message.id or tuple(message.string) == tuple(message.id)


@pytest.mark.parametrize("language", LANGUAGES)
def test_numbers_percents_and_dates_come_from_babel(language: str) -> None:
    t, locale = translator(language), LOCALES[language]
    assert t.number(8325) == format_decimal(8325, locale=locale)
    assert t.whole_percent(42) == format_percent(0.42, locale=locale)
    assert t.decimal(55.5) == format_decimal(55.5, locale=locale)
    assert t.share_of(2654, 4785) == format_percent(2654 / 4785, "#,##0.#%", locale=locale)
    moment = datetime(2022, 4, 1, 14, 5, tzinfo=UTC)
    assert format_datetime(moment, "h", tzinfo=UTC, locale=locale) in t.time(moment)
    assert format_datetime(moment, "y", tzinfo=UTC, locale=locale) in t.date_time(moment)


def test_us_spanish_writes_numbers_as_us_english_does() -> None:
    """es_US, as the NLRB's Spanish-speaking voters read it (DESIGN §13)."""
    en, es = translator("en"), translator("es")
    assert es.number(8325) == en.number(8325)
    assert es.whole_percent(42) == en.whole_percent(42)
    assert es.decimal(55.5) == en.decimal(55.5)


def test_plurals_follow_each_catalogue() -> None:
    en, es = translator("en"), translator("es")
    one = es.ngettext("{leader} leads by {margin} vote.", "{leader} leads by {margin} votes.", 1)
    two = es.ngettext("{leader} leads by {margin} vote.", "{leader} leads by {margin} votes.", 2)
    assert one != two
    assert en.ngettext("{line}, {count} challenged", "{line}, {count} challenged", 1)
    assert read_catalogue("es").num_plurals == 3  # one, many, other (CLDR)


@pytest.mark.parametrize(
    ("locale", "language"),
    [
        ("en-US", "en"),
        ("en-GB", "en"),
        ("es-ES", "es"),
        ("es-419", "es"),
        ("fr", None),
        (None, None),
    ],
)
def test_locales_map_to_languages(locale: str | None, language: str | None) -> None:
    assert language_of_locale(locale) == language


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        translator("fr")


def test_the_catalogues_ship_with_the_package() -> None:
    """pyproject's package data names every catalogue file."""
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["bot"]
    files = sorted(LOCALE_DIR.rglob("*.po"))
    assert len(files) == len(LANGUAGES)
    for path in files:
        relative = path.relative_to(REPO_ROOT / "bot").as_posix()
        assert any(fnmatch.fnmatch(relative, pattern) for pattern in patterns), relative


def test_placeholders_are_named() -> None:
    assert placeholders("{leader} leads by {margin} votes.") == {"leader", "margin"}
    for message in read_catalogue("en"):
        for text in (message.id,) if isinstance(message.id, str) else message.id:
            assert not re.search(r"\{\d*\}", text), text  # positional: cannot be reordered


@pytest.mark.parametrize("language", LANGUAGES)
def test_date_and_time_are_babels_medium_date_and_short_time(language: str) -> None:
    """Written from parts kept per day and per minute, but exactly as Babel writes them."""
    t, locale = translator(language), Locale.parse(LOCALES[language])
    combined = str(locale.datetime_formats["medium"])
    pattern = combined.replace("{1}", locale.date_formats["medium"].pattern)
    pattern = pattern.replace("{0}", locale.time_formats["short"].pattern) + " zzz"
    for moment in (
        datetime(2022, 3, 31, 23, 0, tzinfo=UTC),
        datetime(2022, 4, 1, 0, 5, 59, tzinfo=UTC),
        datetime(2021, 12, 9, 12, 30),  # naive: UTC
    ):
        expected = format_datetime(moment.replace(tzinfo=UTC), pattern, tzinfo=UTC, locale=locale)
        assert t.date_time(moment) == expected
