"""Ballot facts shared by every reader of hand-fed input: which choice names can only be
"no union", how names fold for comparison, which rounds are run-offs (DESIGN §4)."""

from __future__ import annotations

import unicodedata
from dataclasses import replace

from bot.core.models import Choice, DeclaredBallot, Tally

# Folded names that can only be the "no union" choice (DESIGN §4, against marks).
NO_UNION_NAMES = frozenset(
    {
        "nounion",
        "none",
        "neither",
        "no",
        "against",
        "norepresentative",
        "ningunsindicato",
        "ninguno",
    }
)


def fold(name: str) -> str:
    """A name folded for comparison: case, accents, spaces and punctuation gone
    ("Ningún sindicato" → "ningunsindicato")."""
    plain = unicodedata.normalize("NFKD", name.casefold())
    return "".join(ch for ch in plain if ch.isalnum())


def is_runoff_round(round_: str) -> bool:
    """`runoff`, `runoff-2`, `revised-runoff`: a run-off may have no "no union" choice."""
    return round_.removeprefix("revised-").startswith("runoff")


def conform(tally: Tally, ballot: DeclaredBallot) -> tuple[Tally | None, str | None]:
    """A source's tally put on the ballot config declares for its round: the declared
    names in the declared order, and the declared eligible voters and ballots cast where
    the source gives none. Choices match as they do across sources (the no-union choice
    by its mark, a lone union by its role, else by folded name); (None, why) when they
    cannot be matched."""
    declared = ballot.choices
    if not declared:
        return tally, None
    matched = _match(tally.choices, declared)
    if matched is None:
        names = ", ".join(repr(c.name) for c in tally.choices)
        expected = ", ".join(repr(c.name) for c in declared)
        return None, f"its choices ({names}) do not match the declared ballot ({expected})"
    choices = tuple(
        Choice(choice.name, matched.get(index, 0), choice.against)
        for index, choice in enumerate(declared)
    )
    return (
        replace(
            tally,
            choices=choices,
            eligible_voters=_first(tally.eligible_voters, ballot.eligible_voters),
            ballots_cast=_first(tally.ballots_cast, ballot.ballots_cast),
        ),
        None,
    )


def _match(given: tuple[Choice, ...], declared: tuple[Choice, ...]) -> dict[int, int] | None:
    """Declared index -> votes, each given choice used once; None when one cannot match."""
    unions = [i for i, c in enumerate(declared) if not c.against]
    against = next((i for i, c in enumerate(declared) if c.against), None)
    by_name = {fold(declared[i].name): i for i in unions}
    votes: dict[int, int] = {}
    unmatched: list[Choice] = []
    for choice in given:
        index = against if choice.against else by_name.get(fold(choice.name))
        if choice.against and index is None:
            return None
        if index is None:
            unmatched.append(choice)
        elif index in votes:
            return None
        else:
            votes[index] = choice.votes
    left = [i for i in unions if i not in votes]
    if len(unmatched) == 1 and len(left) == 1:
        votes[left[0]] = unmatched[0].votes  # a lone union matches the lone union
    elif unmatched:
        return None
    return votes


def _first(value: int | None, fallback: int | None) -> int | None:
    return value if value is not None else fallback
