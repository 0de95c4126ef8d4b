"""The choices of one NLRB tally row, checked against the source's own valid count: the stale
"against" of a two-union run-off (FORMATS.md §5 trap 2) and the two other readings of a
multi-union row whose votes do not add up (trap 3)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.core.models import Choice
from bot.feeds.parsers.nlrb_fields import normalise

NO_UNION = "No union"


@dataclass(frozen=True, slots=True)
class Reading:
    """The choices to use, and the problem to report about them (None: they add up)."""

    choices: tuple[Choice, ...]
    note: str | None = None


def read_choices(
    unions: Sequence[tuple[str, int, str]],
    against: int | None,
    valid: int | None,
    challenged: int | None,
    two_union_runoff: bool,
    label: Callable[[str], str],
) -> Reading:
    """`unions`: (name, votes, field) as listed; `against` None only on a two-union run-off
    without that column. `label` names a field as the source does, for the note."""
    listed_unions = tuple([_choice(name, votes, False) for name, votes, _ in unions])
    no_union = None if against is None else _choice(NO_UNION, against, True)
    runoff = two_union_runoff or no_union is None
    listed = listed_unions if runoff or no_union is None else (*listed_unions, no_union)
    total = sum(choice.votes for choice in listed)
    if valid is None or total == valid:
        return Reading(listed)
    if runoff:
        others = _runoff_readings(listed_unions, no_union)
    else:
        assert no_union is not None
        others = _readings(unions, listed_unions, no_union, label)
    if valid == 0:
        return Reading(
            listed,
            f"Total Ballots Counted is 0 (not recorded?) while the votes add up to {total:,}: "
            "kept the votes as listed",
        )
    fits: dict[tuple[Choice, ...], str] = {}
    for description, choices in others:
        if sum(choice.votes for choice in choices) == valid:
            fits.setdefault(choices, description)
    mismatch = f"the votes as listed add up to {total:,}, not {valid:,}"
    if len(fits) == 1:
        ((choices, description),) = fits.items()
        return Reading(choices, f"{mismatch}; read as {description}, which adds up")
    if fits:
        readings = "; ".join(fits.values())
        return Reading(
            listed,
            f"{mismatch}, and several readings add up ({readings}): kept the votes as listed",
        )
    if challenged and total + challenged == valid:
        return Reading(
            listed,
            f"{mismatch}: the valid count includes the {challenged:,} challenged ballots; "
            "kept the votes as listed",
        )
    return Reading(listed, f"{mismatch}: kept the votes as listed")


Candidate = tuple[str, tuple[Choice, ...]]


@functools.lru_cache(maxsize=65_536)
def _choice(name: str, votes: int, against: bool) -> Choice:
    """Choices repeat from one poll of a big export to the next: one built before serves."""
    return Choice(name, votes, against)


def _runoff_readings(unions: tuple[Choice, ...], no_union: Choice | None) -> list[Candidate]:
    """A run-off between two unions has no "no union" choice, unless the numbers say so."""
    if no_union is None or no_union.votes == 0:
        return []
    return [(f"the {no_union.votes:,} votes against as a {NO_UNION!r} choice", (*unions, no_union))]


def _readings(
    unions: Sequence[tuple[str, int, str]],
    choices: tuple[Choice, ...],
    no_union: Choice,
    label: Callable[[str], str],
) -> list[Candidate]:
    """Trap 3's readings of a multi-union row: (a) "against" is not part of the valid
    count (a union-vs-union ballot with a stale against); (b) one union column repeats
    another (the same union spelt twice, or the same number in both) and counts once."""
    if len(unions) < 2:
        return []
    candidates: list[Candidate] = [
        (
            "reading (a): Votes Against is not part of the valid count, so there is no "
            f"{NO_UNION!r} choice",
            choices,
        )
    ]
    for i in range(len(unions)):
        for j in range(i + 1, len(unions)):
            (name_i, votes_i, field_i), (name_j, votes_j, field_j) = unions[i], unions[j]
            if votes_i == votes_j or normalise(name_i) == normalise(name_j):
                kept = tuple(choice for k, choice in enumerate(choices) if k != j)
                description = (
                    f"reading (b): {label(field_j)} repeats {label(field_i)}, so it counts once"
                )
                candidates.append((description, (*kept, no_union)))
    return candidates
