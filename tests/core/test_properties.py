"""Property tests: the rules agree with brute force, and the diff behaves (DESIGN §10)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from hypothesis import given
from hypothesis import strategies as st

from bot.core.diff import diff
from bot.core.models import Choice, Event, Status, Tally
from bot.core.rules import can_change, challenges_determinative, decided, outcome, outcome_of

# Brute force grows fast with the number of choices: keep the extra ballots small.
MAX_EXTRA = {2: 30, 3: 30, 4: 14, 5: 9}


def compositions(total: int, parts: int) -> Iterator[tuple[int, ...]]:
    """Every way to put `total` ballots into `parts` choices."""
    for cuts in itertools.combinations(range(total + parts - 1), parts - 1):
        edges = (-1, *cuts, total + parts - 1)
        yield tuple(edges[i + 1] - edges[i] - 1 for i in range(parts))


def brute_can_change(tally: Tally, extra: int) -> bool:
    votes = tuple(c.votes for c in tally.choices)
    now = outcome_of(votes, tally.choices)
    return any(
        outcome_of(tuple(v + x for v, x in zip(votes, add, strict=True)), tally.choices) != now
        for add in compositions(extra, len(votes))
    )


@st.composite
def ballots(draw: st.DrawFn) -> tuple[Tally, int]:
    n = draw(st.integers(2, 5))
    has_against = draw(st.booleans())
    votes = draw(st.lists(st.integers(0, 40), min_size=n, max_size=n))
    choices = tuple(
        Choice("No union" if has_against and i == n - 1 else f"U{i}", v, has_against and i == n - 1)
        for i, v in enumerate(votes)
    )
    extra = draw(st.integers(0, MAX_EXTRA[n]))
    return Tally("e", choices=choices, challenged=extra, status=Status.FINAL), extra


@given(ballots())
def test_determinative_agrees_with_brute_force(case: tuple[Tally, int]) -> None:
    tally, extra = case
    assert can_change(tally, extra) == brute_can_change(tally, extra)
    assert challenges_determinative(tally) == brute_can_change(tally, extra)


@given(ballots(), st.integers(0, 10))
def test_decided_agrees_with_brute_force(case: tuple[Tally, int], left: int) -> None:
    tally, challenged = case
    n = len(tally.choices)
    left = min(left, MAX_EXTRA[n] - challenged) if MAX_EXTRA[n] > challenged else 0
    cast = sum(c.votes for c in tally.choices) + challenged + left
    counting = Tally(
        "e", choices=tally.choices, challenged=challenged, ballots_cast=cast, status=Status.COUNTING
    )
    assert decided(counting) == (not brute_can_change(counting, left + challenged))


tallies = st.builds(
    lambda f, a, c, v, s: Tally(
        "e",
        choices=(Choice("Union", f), Choice("No union", a, True)),
        challenged=c,
        void=v,
        status=s,
    ),
    st.integers(0, 5000),
    st.integers(0, 5000),
    st.integers(0, 500),
    st.integers(0, 100),
    st.sampled_from(list(Status)),
)


@given(tallies)
def test_identical_input_makes_no_event(tally: Tally) -> None:
    assert diff(tally, tally) is None


@given(tallies, st.integers(1, 100), st.booleans())
def test_a_vote_decrease_is_a_correction(tally: Tally, drop: int, union_side: bool) -> None:
    index = 0 if union_side else 1
    choice = tally.choices[index]
    if choice.votes < drop:
        drop = choice.votes
    if drop == 0:
        return
    lowered = list(tally.choices)
    lowered[index] = Choice(choice.name, choice.votes - drop, choice.against)
    change = diff(
        tally,
        Tally(
            "e",
            choices=tuple(lowered),
            challenged=tally.challenged,
            void=tally.void,
            status=tally.status,
        ),
    )
    assert change is not None
    assert Event.CORRECTION in change.events
    assert Event.COUNT_UPDATED not in change.events


@given(st.lists(st.integers(0, 100), min_size=2, max_size=5), st.randoms(use_true_random=False))
def test_choice_order_is_irrelevant(votes: list[int], rnd: object) -> None:
    choices = [Choice(f"U{i}", v) for i, v in enumerate(votes)]
    shuffled = list(choices)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    a = Tally("e", choices=tuple(choices), challenged=3)
    b = Tally("e", choices=tuple(shuffled), challenged=3)
    assert outcome(a) == outcome(b) or outcome(a).runoff is not None  # pair order may differ
    assert set(outcome(a).runoff or ()) == set(outcome(b).runoff or ())
    assert challenges_determinative(a) == challenges_determinative(b)
    assert diff(a, b) is None
