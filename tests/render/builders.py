"""Elections and tallies from the field for render tests: JFK8 2022, Bessemer 2021/2022."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal, format_percent

from bot.core.models import Choice, Election, Event, Post, SourceKind, Status, Tally
from bot.render.i18n import LOCALES

NOW = datetime(2022, 4, 1, 18, 0, tzinfo=UTC)

JFK8 = Election(
    id="jfk8",
    name="Amazon JFK8 (Staten Island, NY)",
    case_number="29-RC-288020",
)
BESSEMER = Election(
    id="bessemer",
    name="Amazon BHM1 (Bessemer, AL)",
    short_name="Bessemer",
    case_number="10-RC-269250",
)


def alu(union: int, against: int, **changes: Any) -> Tally:
    """A JFK8 tally: Amazon Labor Union against "No union"."""
    choices = (Choice("Amazon Labor Union", union), Choice("No union", against, against=True))
    base = Tally("jfk8", choices=choices, eligible_voters=8325, updated_at=NOW)
    return replace(base, **changes)


def rwdsu(union: int, against: int, round_: str = "initial", **changes: Any) -> Tally:
    """A Bessemer tally: RWDSU against "No union", official by default."""
    choices = (Choice("RWDSU", union), Choice("No union", against, against=True))
    base = Tally(
        "bessemer", round=round_, choices=choices, source="nlrb", source_kind=SourceKind.OFFICIAL
    )
    return replace(base, **changes)


def jfk8_paused() -> Tally:
    """End of day one: 1,518–1,154 of 4,869 ballots cast, hand-fed."""
    return alu(
        1518,
        1154,
        status=Status.PAUSED,
        ballots_cast=4869,
        source="organizers",
        source_label="ALU count watchers",
    )


def jfk8_final() -> Tally:
    """The NLRB tally: 2,654–2,131, 67 challenged, 17 void, 8,325 eligible."""
    return alu(
        2654,
        2131,
        challenged=67,
        void=17,
        status=Status.FINAL,
        source="nlrb",
        source_kind=SourceKind.OFFICIAL,
    )


def bessemer_2021() -> Tally:
    return rwdsu(738, 1798, challenged=505, status=Status.RERUN_ORDERED, eligible_voters=5867)


def bessemer_2022() -> Tally:
    """The rerun: 875–993 with 416 challenged, which the NLRB marked determinative."""
    return rwdsu(
        875,
        993,
        "rerun",
        challenged=416,
        status=Status.FINAL,
        eligible_voters=6153,
        determinative_flag=True,
    )


def jfk8_history() -> list[tuple[datetime, Tally]]:
    """The JFK8 count as a hand-fed feed saw it, over two days."""
    start = datetime(2022, 3, 31, 14, 0, tzinfo=UTC)
    steps = [(300, 250), (800, 610), (1518, 1154), (1900, 1500), (2400, 1950), (2654, 2131)]
    points = []
    for i, (union, against) in enumerate(steps):
        status = Status.FINAL if i == len(steps) - 1 else Status.COUNTING
        challenged = 67 if status is Status.FINAL else 10 * i
        moment = start + timedelta(hours=4 * i + (14 if i >= 3 else 0))
        points.append((moment, alu(union, against, challenged=challenged, status=status)))
    return points


REPO_ROOT = Path(__file__).resolve().parents[2]


def post_of(
    tally: Tally,
    *events: Event,
    previous: Tally | None = None,
    other_rounds: tuple[Tally, ...] = (),
    planned_at: datetime | None = NOW,
) -> Post:
    """A post of `tally`'s (election, round) with these events."""
    return Post(
        election_id=tally.election_id,
        round=tally.round,
        events=events,
        tally=tally,
        previous=previous,
        other_rounds=other_rounds,
        planned_at=planned_at,
    )


def num(value: int, language: str = "en") -> str:
    """A whole number as Babel writes it for the language's locale."""
    return format_decimal(value, locale=LOCALES[language])


def pct(fraction: float, language: str = "en") -> str:
    """A whole or one-decimal percent as Babel writes it for the language's locale."""
    return format_percent(fraction, format="#,##0.#%", locale=LOCALES[language])
