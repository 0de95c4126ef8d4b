"""The languages of posts and replies (DESIGN §13): one Translator per language, holding its
gettext catalogue (read with Babel from the package's .po files) and Babel's number, percent
and date formats for the language's locale (`en_US`, `es_US`), so nothing is formatted by hand.
"""

from __future__ import annotations

import gettext as stdlib_gettext
import io
from datetime import UTC, date, datetime
from datetime import time as time_of_day
from decimal import Decimal
from functools import cache, lru_cache
from importlib import resources
from importlib.abc import Traversable

from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import NumberPattern, parse_pattern

from bot.core.models import DEFAULT_LANGUAGE, LANGUAGES

DOMAIN = "tallybot"
# The locale whose CLDR data formats each language (US Spanish, as the NLRB's voters read it).
LOCALES: dict[str, str] = {"en": "en_US", "es": "es_US"}

# Shares of the vote and turnout: whole or one-decimal percents ("55.5%", "50%").
_SHARE = "#,##0.#%"
_SIGNED = "+#,##0;-#,##0"  # "-" is the locale's minus sign
_ONE_DECIMAL = "#,##0.#"
NUMBER_CACHE = 4096  # formatted numbers kept per language, of each kind
# Whole numbers: a page of 5,000 elections writes some 15,000 different ones (~1 MB kept).
WHOLE_NUMBER_CACHE = 16384


def catalogue_path(language: str) -> Traversable:
    """Where the .po catalogue of `language` ships inside the package."""
    return resources.files("bot.render") / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def language_of_locale(locale: str | None) -> str | None:
    """The supported language of a Discord or HTTP locale tag ("es-419" -> "es", "en-GB" ->
    "en"), or None when it is not one we speak."""
    if not locale:
        return None
    primary = locale.replace("_", "-").split("-", 1)[0].strip().lower()
    return primary if primary in LANGUAGES else None


class Translator:
    """The words and number formats of one language: gettext lookups by the catalogue's own
    plural rules, and Babel formatting for the language's locale. Built once per language
    (`translator`), read-only afterwards, so one object serves every render."""

    def __init__(
        self,
        language: str,
        catalogue: stdlib_gettext.NullTranslations,
        known: frozenset[tuple[str | None, str]] = frozenset(),
    ) -> None:
        self.language = language
        self._known = known  # (context, msgid) of every translated message
        self.locale = Locale.parse(LOCALES[language])
        self._catalogue = catalogue
        self._decimal: NumberPattern = self.locale.decimal_formats[None]
        self._share = parse_pattern(_SHARE)
        self._signed = parse_pattern(_SIGNED)
        self._one_decimal = parse_pattern(_ONE_DECIMAL)
        self._date = self.locale.date_formats["medium"].pattern
        self._time = self.locale.time_formats["short"].pattern
        self._datetime = str(self.locale.datetime_formats["medium"])  # "{1}, {0}": date, time
        self._utc = format_datetime(datetime(2000, 1, 1, tzinfo=UTC), "zzz", locale=self.locale)
        # Babel's pattern.apply costs ~15 µs; a post writes a number several times (title,
        # content, choice lines, what moved), and a count's figures recur from post to post.
        self._number = lru_cache(maxsize=WHOLE_NUMBER_CACHE)(self._format_number)
        self._signed_cached = lru_cache(maxsize=NUMBER_CACHE)(self._format_signed)
        self._share_cached = lru_cache(maxsize=NUMBER_CACHE)(self._format_share)
        # A page of thousands of elections writes each one's time: Babel writes each day
        # and each minute of the day once (a few hundred µs each), then they are joined.
        self._day = lru_cache(maxsize=NUMBER_CACHE)(self._format_day)
        self._clock = lru_cache(maxsize=NUMBER_CACHE)(self._format_clock)

    def __repr__(self) -> str:
        return f"Translator({self.language!r})"

    # --- words -------------------------------------------------------------------------

    def gettext(self, message: str) -> str:
        return str(self._catalogue.gettext(message))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return str(self._catalogue.ngettext(singular, plural, n))

    def pgettext(self, context: str, message: str) -> str:
        return str(self._catalogue.pgettext(context, message))

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        return str(self._catalogue.npgettext(context, singular, plural, n))

    def find(self, context: str | None, message: str) -> str | None:
        """The translation of a message the code only knows at run time (a command's
        description), or None when the catalogue lacks it: gettext would answer the
        English words, and a caller such as Discord's localisations wants nothing then."""
        if (context, message) not in self._known:
            return None
        return self.pgettext(context, message) if context else self.gettext(message)

    @property
    def catalogue(self) -> stdlib_gettext.NullTranslations:
        """The gettext catalogue itself (for Jinja's i18n extension)."""
        return self._catalogue

    # --- numbers and dates (Babel, the language's locale) --------------------------------

    def number(self, value: int) -> str:
        """A whole number with the locale's grouping: 8325 -> "8,325"."""
        return self._number(value)

    def signed(self, value: int) -> str:
        """A change with its sign: "+692", "-9"."""
        return self._signed_cached(value)

    def decimal(self, value: float) -> str:
        """A number with at most one decimal: 55.5 -> "55.5"."""
        return str(self._one_decimal.apply(Decimal(str(value)), self.locale))

    def share(self, fraction: float) -> str:
        """A fraction (0.555) as a whole or one-decimal percent: "55.5%", "50%"."""
        return self._share_cached(fraction)

    def _format_number(self, value: int) -> str:
        return str(self._decimal.apply(value, self.locale))

    def _format_signed(self, value: int) -> str:
        return str(self._signed.apply(value, self.locale))

    def _format_share(self, fraction: float) -> str:
        return str(self._share.apply(Decimal(str(fraction)), self.locale))

    def share_of(self, part: int, whole: int) -> str:
        """`part` of `whole` as a percent; a zero `whole` reads as 0%."""
        return self.share(part / whole if whole > 0 else 0.0)

    def whole_percent(self, percent: int) -> str:
        """A whole percent already rounded (42 -> "42%")."""
        return self._share_cached(float(Decimal(percent) / 100))

    def time(self, moment: datetime) -> str:
        """The time of day in UTC, short, with the zone named: "2:05 PM UTC"."""
        pattern = self._time + " zzz"
        return format_datetime(_utc(moment), pattern, tzinfo=UTC, locale=self.locale)

    def date_time(self, moment: datetime) -> str:
        """Date and time in UTC with the zone named: "Apr 1, 2022, 6:00 PM UTC"."""
        at = _utc(moment)
        day, clock = self._day(at.date()), self._clock(at.hour, at.minute)
        return self._datetime.replace("{1}", day).replace("{0}", clock) + " " + self._utc

    def _format_day(self, day: date) -> str:
        return format_date(day, self._date, locale=self.locale)

    def _format_clock(self, hour: int, minute: int) -> str:
        return format_time(time_of_day(hour, minute), self._time, locale=self.locale)

    def chart_tick(self, moment: datetime) -> str:
        """A time axis tick in UTC: the day, and the 24-hour time under it ("Apr 1\n14:05")."""
        at = _utc(moment)
        day = format_skeleton("MMMd", at, tzinfo=UTC, locale=self.locale)
        return day + "\n" + format_skeleton("Hm", at, tzinfo=UTC, locale=self.locale)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def load_catalogue(language: str) -> stdlib_gettext.GNUTranslations:
    """The gettext catalogue of `language` from its .po file (Babel reads it; fuzzy entries
    are left out, as a compiled catalogue would leave them)."""
    return _load(language)[0]


def _load(
    language: str,
) -> tuple[stdlib_gettext.GNUTranslations, frozenset[tuple[str | None, str]]]:
    """The compiled catalogue, and the (context, msgid) of each message it translates."""
    with catalogue_path(language).open("rb") as handle:
        catalog = read_po(handle, locale=LOCALES[language], domain=DOMAIN)
    known = frozenset(
        (message.context, message.id if isinstance(message.id, str) else message.id[0])
        for message in catalog
        if message.id and message.string and not message.fuzzy
    )
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return stdlib_gettext.GNUTranslations(compiled), known


@cache
def translator(language: str = DEFAULT_LANGUAGE) -> Translator:
    """The Translator of `language` ("en", "es"); read from its catalogue on first use and
    kept (it is immutable, so every render may share it). Unknown languages raise."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r} (expected one of {LANGUAGES})")
    return Translator(language, *_load(language))
