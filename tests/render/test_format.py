"""Numbers, percents, labels, bars, timestamps and inert feed text."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.models import LANGUAGES, Election, Status
from bot.render.format import (
    BAR_WIDTH,
    bar,
    discord_timestamp,
    fraction_percent,
    inert,
    number,
    percent,
    round_label,
    sanitize,
    score,
    short_name,
    status_label,
)
from bot.render.i18n import translator

from .builders import num, pct

PINGS = re.compile(r"@(everyone|here)|<@[!&]?\d+>|<#\d+>")


@pytest.mark.parametrize("value", [0, 999, 2654, 6153, 1234567])
@pytest.mark.parametrize("language", LANGUAGES)
def test_numbers_are_babels(value: int, language: str) -> None:
    assert number(value, language) == num(value, language)
    assert number(value) == num(value, "en")


@pytest.mark.parametrize("language", LANGUAGES)
def test_percents_are_whole_or_one_decimal(language: str) -> None:
    assert percent(2654, 4785, language=language) == pct(2654 / 4785, language)
    assert percent(1, 2, language=language) == pct(0.5, language)
    assert percent(0, 0, language=language) == pct(0, language)
    assert fraction_percent(0.58487, language=language) == pct(0.58487, language)
    assert "." not in percent(1, 2)  # whole percents read whole


def test_score_joins_votes_in_ballot_order() -> None:
    assert score((1518, 1154)) == f"{num(1518)}–{num(1154)}"
    assert score(()) == translator("en").pgettext("score", "no votes")


@pytest.mark.parametrize(
    ("round_", "label"),
    [
        ("initial", "Initial tally"),
        ("revised", "Revised tally"),
        ("rerun", "Rerun"),
        ("rerun-2", "Rerun 2"),
        ("runoff", "Run-off"),
        ("revised-rerun", "Revised rerun"),
        ("revised-runoff", "Revised run-off"),
        ("initial-sd", "Initial tally (self-determination)"),
        ("rerun-2-sd", "Rerun 2 (self-determination)"),
        ("second-count", "Second Count"),
        ("revised-second-count", "Second Count, revised"),
    ],
)
def test_round_labels(round_: str, label: str) -> None:
    assert round_label(round_) == label


def test_spanish_round_labels() -> None:
    assert round_label("rerun", "es") == "Repetición de la elección"
    assert round_label("runoff", "es") == "Segunda vuelta"
    assert round_label("rerun-2", "es") == "Repetición de la elección 2"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_status_has_a_label(language: str) -> None:
    labels = {status_label(status, language) for status in Status}
    assert len(labels) == len(Status) and all(labels)
    assert status_label(Status.PAUSED, language) == translator(language).pgettext(
        "status", "Count paused"
    )


def test_short_names_open_titles() -> None:
    assert short_name(Election("jfk8")) == "JFK8"
    assert short_name(Election("bessemer", name="Amazon BHM1")) == "Amazon BHM1"
    assert short_name(Election("29-rc-288020-a")) == "29-rc-288020-a"
    assert short_name(Election("starbucks-elmwood", short_name="Elmwood")) == "Elmwood"


@given(st.floats(min_value=-1, max_value=2, allow_nan=False))
def test_bar_has_a_fixed_width(fraction: float) -> None:
    drawn = bar(fraction)
    assert len(drawn) == BAR_WIDTH
    assert set(drawn) <= {"█", "░"}


def test_bar_fills_with_the_share() -> None:
    assert bar(0.5) == "█" * 6 + "░" * 6
    assert bar(0) == "░" * BAR_WIDTH
    assert bar(1) == "█" * BAR_WIDTH


def test_timestamps_are_discord_markup_in_utc() -> None:
    moment = datetime(2022, 4, 1, 18, 0, tzinfo=UTC)
    assert discord_timestamp(moment) == "<t:1648836000:R>"
    assert discord_timestamp(moment.replace(tzinfo=None)) == "<t:1648836000:R>"
    eastern = moment.astimezone(timezone(timedelta(hours=-4)))
    assert discord_timestamp(eastern, "f") == "<t:1648836000:f>"


@pytest.mark.parametrize(
    "text", ["@everyone", "@here now", "<@123>", "<@!123>", "<@&123>", "<#456>", "a@everyone"]
)
def test_sanitized_text_holds_no_mention(text: str) -> None:
    assert not PINGS.search(sanitize(text))
    assert not PINGS.search(inert(text))


def test_sanitize_escapes_markdown() -> None:
    assert sanitize("**bold** _it_ ~~x~~ `c` ||s||") == (
        r"\*\*bold\*\* \_it\_ \~\~x\~\~ \`c\` \|\|s\|\|"
    )
    assert sanitize("# heading") == r"\# heading"
    assert sanitize("> quote") == r"\> quote"
    assert sanitize("[link](https://x.org)") == r"\[link\](https://x.org)"


def test_sanitize_folds_lines() -> None:
    assert sanitize("one\n# two\n\nthree") == "one # two three"


@given(st.text(max_size=200))
def test_any_feed_text_becomes_inert(text: str) -> None:
    assert not PINGS.search(sanitize(text))
    assert "\n" not in sanitize(text)
