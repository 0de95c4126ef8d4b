"""NLRB counting rules for one tally: valid votes, leader, outcome, determinative challenges,
what remains, whether it is decided, what the union still needs, turnout (DESIGN §3)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.core.models import Choice, Tally


class OutcomeKind(StrEnum):
    UNION_WINS = "union_wins"
    NO_REPRESENTATIVE = "no_representative"
    RUNOFF = "runoff"
    UNRESOLVED = "unresolved"


@dataclass(frozen=True, slots=True)
class Outcome:
    """Who wins as the votes stand; `winner` for union_wins, `runoff` for a run-off pair."""

    kind: OutcomeKind
    winner: str | None = None
    runoff: tuple[str, str] | None = None


@dataclass(frozen=True, slots=True)
class WhatItTakes:
    """The union's path to a win on a single-union ballot with ballots left to count."""

    ballots_needed: int  # of the remaining ballots, to finish strictly ahead
    remaining: int
    percent: int  # ballots_needed / remaining, rounded up to a whole percent
    possible: bool


@dataclass(frozen=True, slots=True)
class Summary:
    """Every derived figure of a tally, computed once."""

    valid: int
    leader: str | None
    margin: int
    outcome: Outcome
    challenges_determinative: bool
    remaining: int | None
    decided: bool
    what_it_takes: WhatItTakes | None
    turnout: float | None


def valid(tally: Tally) -> int:
    """Valid votes: the sum of the choices' votes (void and challenged are not valid)."""
    return sum(choice.votes for choice in tally.choices)


def _ranked(choices: tuple[Choice, ...]) -> list[Choice]:
    return sorted(choices, key=lambda c: -c.votes)


def leader(tally: Tally) -> str | None:
    """The choice with most votes, or None on a tie for first (0–0 included)."""
    ranked = _ranked(tally.choices)
    if not ranked or (len(ranked) > 1 and ranked[0].votes == ranked[1].votes):
        return None
    return ranked[0].name


def margin(tally: Tally) -> int:
    """Leader minus runner-up; 0 on a tie."""
    ranked = _ranked(tally.choices)
    if len(ranked) < 2:
        return ranked[0].votes if ranked else 0
    return ranked[0].votes - ranked[1].votes


def is_single_union(choices: tuple[Choice, ...]) -> bool:
    """One union against "no union": the common RC/RD/RM ballot."""
    return len(choices) == 2 and sum(1 for c in choices if c.against) == 1


def _union_and_against(choices: tuple[Choice, ...]) -> tuple[Choice, Choice]:
    union = next(c for c in choices if not c.against)
    against = next(c for c in choices if c.against)
    return union, against


def outcome_of(votes: tuple[int, ...], choices: tuple[Choice, ...]) -> Outcome:
    """The outcome if the choices had `votes` (same order): the rule of DESIGN §3."""
    if is_single_union(choices):
        index = next(i for i, c in enumerate(choices) if not c.against)
        other = 1 - index
        if votes[index] > votes[other]:
            return Outcome(OutcomeKind.UNION_WINS, winner=choices[index].name)
        return Outcome(OutcomeKind.NO_REPRESENTATIVE)
    total = sum(votes)
    for i, choice in enumerate(choices):
        if 2 * votes[i] > total:
            if choice.against:
                return Outcome(OutcomeKind.NO_REPRESENTATIVE)
            return Outcome(OutcomeKind.UNION_WINS, winner=choice.name)
    order = sorted(range(len(choices)), key=lambda i: -votes[i])
    if len(order) < 2:
        return Outcome(OutcomeKind.UNRESOLVED)
    if len(order) == 2 or votes[order[1]] > votes[order[2]]:
        if len(order) == 2:
            # Two unions tied on a run-off ballot: the NLRB decides.
            return Outcome(OutcomeKind.UNRESOLVED)
        first, second = sorted(order[:2])  # ballot order: the pair is a set, not a ranking
        pair = (choices[first].name, choices[second].name)
        return Outcome(OutcomeKind.RUNOFF, runoff=pair)
    return Outcome(OutcomeKind.UNRESOLVED)


def outcome(tally: Tally) -> Outcome:
    return outcome_of(tuple(c.votes for c in tally.choices), tally.choices)


def can_change(tally: Tally, extra: int) -> bool:
    """Whether some assignment of `extra` undetermined ballots to the choices changes the
    outcome. Exact, without enumerating assignments (≤ 5 choices, any count)."""
    if extra <= 0 or len(tally.choices) < 2:
        return False
    choices = tally.choices
    votes = [c.votes for c in choices]
    if is_single_union(choices):
        union, against = _union_and_against(choices)
        lead = union.votes - against.votes
        # Leading by m: all to "no union" ties or passes it iff extra >= m.
        # Trailing or tied by m: all to the union passes iff extra > m.
        return extra >= lead if lead > 0 else extra > -lead
    total = sum(votes)
    current = outcome(tally)
    can_win = [2 * v + extra > total for v in votes]
    if current.kind in (OutcomeKind.UNION_WINS, OutcomeKind.NO_REPRESENTATIVE):
        winner = next(i for i, v in enumerate(votes) if 2 * v > total)
        # The winner keeps its votes while all the extra goes elsewhere: does it drop to half?
        if 2 * votes[winner] <= total + extra:
            return True
        return any(ok for i, ok in enumerate(can_win) if i != winner)
    if any(can_win):
        return True
    # Nobody can reach a majority: the outcome is the top two, or unresolved on a tie for 2nd.
    if current.kind is OutcomeKind.RUNOFF and current.runoff is not None:
        pair = [i for i, c in enumerate(choices) if c.name in current.runoff][:2]
        floor = min(votes[i] for i in pair)
        return any(votes[i] + extra >= floor for i in range(len(votes)) if i not in pair)
    return _can_break_tie(votes, extra)


def _can_break_tie(votes: list[int], extra: int) -> bool:
    """An unresolved count: can some pair end strictly above every other choice?"""
    n = len(votes)
    for p in range(n):
        for q in range(p + 1, n):
            others = [votes[i] for i in range(n) if i not in (p, q)]
            ceiling = max(others) if others else -1
            low = max(0, ceiling - votes[p] + 1)
            high = min(extra, votes[q] + extra - ceiling - 1)
            if low <= high:
                return True
    return False


def remaining(tally: Tally) -> int | None:
    """Ballots not yet counted: 0 once final or later, unknown without `ballots_cast`."""
    if tally.status.is_final_or_later:
        return 0
    if tally.ballots_cast is None:
        return None
    counted = valid(tally) + (tally.void or 0) + (tally.challenged or 0)
    return max(0, tally.ballots_cast - counted)


def complete(tally: Tally) -> bool:
    """The count of the round is over: nothing remains (status `final` or later, or
    `ballots_cast` known and every ballot counted or set aside), DESIGN §3."""
    return remaining(tally) == 0


def challenges_determinative(tally: Tally) -> bool:
    """The source's own flag when it has one; else whether the challenged could change it."""
    if tally.determinative_flag is not None:
        return tally.determinative_flag
    return can_change(tally, tally.challenged or 0)


def decided(tally: Tally) -> bool:
    """Known remaining, and no assignment of remaining + challenged changes the outcome."""
    left = remaining(tally)
    if left is None:
        return False
    if left == 0 and tally.determinative_flag is not None:
        return not tally.determinative_flag  # the source's own finding wins
    return not can_change(tally, left + (tally.challenged or 0))


def what_it_takes(tally: Tally) -> WhatItTakes | None:
    """The share of the remaining ballots the union needs to finish strictly ahead."""
    left = remaining(tally)
    if not left or not is_single_union(tally.choices) or decided(tally):
        return None
    union, against = _union_and_against(tally.choices)
    # union + x > against + (left - x)  <=>  x > (against - union + left) / 2
    needed = max(0, (against.votes - union.votes + left) // 2 + 1)
    percent = -(-100 * needed // left)
    return WhatItTakes(needed, left, percent, possible=needed <= left)


def turnout(tally: Tally) -> float | None:
    """(valid + void + challenged + remaining) / eligible, when both are known."""
    left = remaining(tally)
    if left is None or not tally.eligible_voters:
        return None
    cast = valid(tally) + (tally.void or 0) + (tally.challenged or 0) + left
    return cast / tally.eligible_voters


def summarize(tally: Tally) -> Summary:
    return Summary(
        valid=valid(tally),
        leader=leader(tally),
        margin=margin(tally),
        outcome=outcome(tally),
        challenges_determinative=challenges_determinative(tally),
        remaining=remaining(tally),
        decided=decided(tally),
        what_it_takes=what_it_takes(tally),
        turnout=turnout(tally),
    )
