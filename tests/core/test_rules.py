"""The NLRB counting rules of DESIGN §3, pinned on the public facts."""

from __future__ import annotations

import pytest

from bot.core.models import Status
from bot.core.rules import (
    OutcomeKind,
    challenges_determinative,
    decided,
    leader,
    margin,
    outcome,
    remaining,
    summarize,
    turnout,
    valid,
    what_it_takes,
)
from tests.core.factories import multi, single

FINAL = Status.FINAL


def test_valid_excludes_void_and_challenged() -> None:
    assert valid(single(2654, 2131, challenged=67, void=17)) == 4785


def test_jfk8_final_union_wins_and_is_decided() -> None:
    jfk8 = single(2654, 2131, challenged=67, void=17, status=FINAL, eligible_voters=8325)
    summary = summarize(jfk8)
    assert summary.outcome.kind is OutcomeKind.UNION_WINS
    assert summary.outcome.winner == "Union"
    assert summary.margin == 523
    assert not summary.challenges_determinative
    assert summary.remaining == 0
    assert summary.decided
    assert summary.turnout == pytest.approx((4785 + 17 + 67) / 8325)


def test_bessemer_2022_rerun_is_determinative_and_not_decided() -> None:
    bessemer = single(875, 993, challenged=416, void=59, status=FINAL)
    assert challenges_determinative(bessemer)
    assert not decided(bessemer)
    assert outcome(bessemer).kind is OutcomeKind.NO_REPRESENTATIVE


def test_bessemer_2021_is_not_determinative() -> None:
    assert not challenges_determinative(single(738, 1798, challenged=505, status=FINAL))


def test_suffolk_2017_is_determinative() -> None:
    assert challenges_determinative(single(71, 80, challenged=56, status=FINAL))


def test_a_tie_is_no_representative() -> None:
    assert outcome(single(96, 96)).kind is OutcomeKind.NO_REPRESENTATIVE
    assert leader(single(96, 96)) is None
    assert margin(single(96, 96)) == 0


@pytest.mark.parametrize(
    ("union", "against", "challenged", "expected"),
    [
        (10, 5, 5, True),  # leading by 5: 5 challenged can tie it (a tie loses)
        (10, 5, 4, False),
        (5, 10, 5, False),  # trailing by 5: needs more than 5
        (5, 10, 6, True),
        (7, 7, 1, True),  # tied: one ballot decides
        (7, 7, 0, False),
    ],
)
def test_determinative_thresholds_on_single_union_ballots(
    union: int, against: int, challenged: int, expected: bool
) -> None:
    assert challenges_determinative(single(union, against, challenged)) is expected


def test_source_flag_wins_over_the_computation() -> None:
    assert not challenges_determinative(single(71, 80, 56, determinative_flag=False))
    assert challenges_determinative(single(738, 1798, 505, determinative_flag=True))
    assert decided(single(71, 80, 56, status=FINAL, determinative_flag=False))


def test_remaining_is_unknown_without_ballots_cast_and_zero_once_final() -> None:
    assert remaining(single(1518, 1154)) is None
    assert remaining(single(1518, 1154, ballots_cast=4869)) == 2197
    assert remaining(single(1518, 1154, status=FINAL)) == 0
    assert remaining(single(1518, 1154, status=Status.CERTIFIED, ballots_cast=9999)) == 0


def test_unknown_remaining_is_never_decided() -> None:
    assert not decided(single(5000, 1, status=Status.COUNTING))


def test_what_it_takes_jfk8_after_day_one() -> None:
    need = what_it_takes(single(1518, 1154, ballots_cast=4869))
    assert need is not None
    assert (need.ballots_needed, need.remaining, need.percent, need.possible) == (
        917,
        2197,
        42,
        True,
    )


def test_what_it_takes_rounds_up_and_says_when_impossible() -> None:
    # Not decided (the 9 challenged could still swing it), but 3 ballots left cannot.
    need = what_it_takes(single(0, 10, challenged=9, ballots_cast=22))
    assert need is not None
    assert need.ballots_needed == 7 and need.remaining == 3 and not need.possible
    exact = what_it_takes(single(0, 0, ballots_cast=3))  # needs 2 of 3: 66.7% → 67
    assert exact is not None and exact.percent == 67


def test_what_it_takes_is_none_when_decided_or_final() -> None:
    assert what_it_takes(single(100, 0, ballots_cast=110)) is None
    assert what_it_takes(single(1518, 1154, status=FINAL)) is None


def test_turnout_needs_remaining_and_eligible() -> None:
    assert turnout(single(10, 10, eligible_voters=40)) is None
    assert turnout(single(10, 10, ballots_cast=30, eligible_voters=40)) == pytest.approx(0.75)


def test_multi_union_majority_wins_and_rest_goes_to_runoff() -> None:
    triple_canopy = multi(88, 6, 7, 14, against=0)
    assert outcome(triple_canopy).winner == "U1"
    runoff = outcome(multi(40, 35, 10, against=15))
    assert runoff.kind is OutcomeKind.RUNOFF and runoff.runoff == ("U1", "U2")
    assert outcome(multi(40, 30, 30)).kind is OutcomeKind.UNRESOLVED  # second place tied


def test_no_union_majority_on_a_multi_union_ballot() -> None:
    assert outcome(multi(10, 10, against=30)).kind is OutcomeKind.NO_REPRESENTATIVE


def test_two_union_runoff_tie_is_unresolved_and_majority_wins() -> None:
    assert outcome(multi(9, 9)).kind is OutcomeKind.UNRESOLVED
    trinity = outcome(multi(8, 11))
    assert trinity.kind is OutcomeKind.UNION_WINS and trinity.winner == "U2"
