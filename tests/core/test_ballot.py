"""Declared ballots: a source's tally put on the ballot config declares (DESIGN §4)."""

from __future__ import annotations

from bot.core.ballot import conform, fold, is_runoff_round
from bot.core.models import Choice, DeclaredBallot, Tally

BALLOT = DeclaredBallot(
    "jfk8",
    choices=(Choice("Amazon Labor Union", 0), Choice("No union", 0, against=True)),
    eligible_voters=8325,
    ballots_cast=4869,
)


def test_a_lone_union_matches_by_role_and_takes_the_declared_names() -> None:
    feed = Tally("jfk8", choices=(Choice("Votes against", 1154, True), Choice("ALU", 1518)))
    tally, problem = conform(feed, BALLOT)
    assert problem is None and tally is not None
    assert [(c.name, c.votes, c.against) for c in tally.choices] == [
        ("Amazon Labor Union", 1518, False),
        ("No union", 1154, True),
    ]


def test_declared_figures_fill_in_only_what_the_source_leaves_out() -> None:
    feed = Tally("jfk8", choices=BALLOT.choices, eligible_voters=8300)
    tally, _ = conform(feed, BALLOT)
    assert tally is not None and (tally.eligible_voters, tally.ballots_cast) == (8300, 4869)


def test_choices_that_cannot_be_matched_are_a_problem() -> None:
    three = DeclaredBallot(
        "e", choices=(Choice("Teamsters", 0), Choice("UAW", 0), Choice("No union", 0, True))
    )
    feed = Tally(
        "e", choices=(Choice("SEIU", 5), Choice("Workers United", 3), Choice("No", 1, True))
    )
    tally, problem = conform(feed, three)
    assert tally is None and problem is not None and "do not match" in problem
    by_name = Tally("e", choices=(Choice("uaw", 5), Choice("NO UNION", 2, True)))
    matched, _ = conform(by_name, three)
    assert matched is not None and [c.votes for c in matched.choices] == [0, 5, 2]


def test_folding_and_runoff_rounds() -> None:
    assert fold("Ningún sindicato") == "ningunsindicato"
    assert is_runoff_round("runoff-2") and is_runoff_round("revised-runoff")
    assert not is_runoff_round("rerun")
