"""The events of DESIGN §5 and the subscription levels."""

from __future__ import annotations

import itertools

from bot.core.diff import diff, passes
from bot.core.models import Change, Choice, Event, Level, Status, Tally
from tests.core.factories import single

E = Event
COUNTING, PAUSED, FINAL = Status.COUNTING, Status.PAUSED, Status.FINAL


def events(previous: Tally | None, current: Tally, **kwargs: bool) -> tuple[Event, ...]:
    change = diff(previous, current, **kwargs)
    return change.events if change else ()


def test_identical_tallies_make_no_event() -> None:
    assert diff(single(5, 3), single(5, 3)) is None


def test_first_count_of_a_round_starts_the_count() -> None:
    assert events(None, single(0, 0)) == (E.COUNT_STARTED,)
    assert events(None, single(3, 1)) == (E.COUNT_STARTED, E.COUNT_UPDATED)


def test_count_started_only_once_per_round() -> None:
    assert E.COUNT_STARTED not in events(single(0, 0), single(3, 1), already_started=True)
    scheduled = single(0, 0, status=Status.SCHEDULED)
    assert E.COUNT_STARTED in events(scheduled, single(0, 0))
    assert events(scheduled, single(0, 0), already_started=True) == (E.STATUS_CHANGED,)


def test_jfk8_day_one_pause_and_resume() -> None:
    day_one = single(1518, 1154)
    paused = single(1518, 1154, status=PAUSED)
    assert events(day_one, paused) == (E.STATUS_CHANGED,)
    assert events(paused, day_one) == (E.STATUS_CHANGED,)


def test_jfk8_final_tally() -> None:
    final = single(2654, 2131, challenged=67, void=17, status=FINAL)
    got = events(single(2300, 1900), final)
    assert got == (E.COUNT_UPDATED, E.OUTCOME_DECIDED, E.COUNT_FINAL)
    assert diff(single(2300, 1900), final).title_event is E.COUNT_FINAL  # type: ignore[union-attr]


def test_lead_change_needs_votes_on_both_sides() -> None:
    assert E.LEAD_CHANGED in events(single(10, 8), single(10, 12))
    assert E.LEAD_CHANGED in events(single(10, 8), single(10, 10))  # to a tie counts
    assert E.LEAD_CHANGED not in events(single(0, 0), single(0, 3))


def test_a_vote_decrease_is_a_correction_not_an_update() -> None:
    assert set(events(single(10, 8), single(9, 9))) == {E.CORRECTION, E.LEAD_CHANGED}


def test_void_decrease_is_a_correction() -> None:
    assert E.CORRECTION in events(single(10, 8, void=3), single(10, 8, void=2))


def test_challenges_resolved_at_the_table_are_an_update() -> None:
    # 5 challenged ballots opened and counted: challenged -5, valid +5.
    assert events(single(100, 80, challenged=5), single(103, 82, challenged=0)) == (
        E.COUNT_UPDATED,
    )


def test_challenged_falling_more_than_valid_rises_is_a_correction() -> None:
    assert E.CORRECTION in events(single(10, 8, challenged=5), single(11, 8, challenged=0))


def test_any_change_after_final_is_a_correction() -> None:
    got = events(single(10, 8, status=FINAL), single(11, 8, status=FINAL))
    assert got == (E.CORRECTION,)


def test_determinative_flag_change_needs_challenged_ballots() -> None:
    bessemer = single(875, 993, 416, status=FINAL)
    got = events(bessemer, single(875, 993, 416, status=FINAL, determinative_flag=True))
    assert got == ()  # computed already True: no change
    assert E.CHALLENGES_DETERMINATIVE in events(
        single(900, 880, 10, status=FINAL), single(900, 880, 30, status=FINAL)
    )
    assert E.CHALLENGES_DETERMINATIVE not in events(
        single(5, 3, determinative_flag=False, status=FINAL),
        single(5, 3, determinative_flag=True, status=FINAL),
    )


def test_mid_count_determinative_swings_are_no_event() -> None:
    # The margin moves with every batch: 20 challenged exceed a lead of 10, not one of 30.
    swings = [single(110, 100, 20), single(130, 100, 20), single(140, 135, 20)]
    for before, after in itertools.pairwise(swings):
        assert E.CHALLENGES_DETERMINATIVE not in events(before, after)


def test_a_count_that_completes_with_determinative_challenges_says_so() -> None:
    during = single(800, 950, 416, 59, ballots_cast=2343)
    done = single(875, 993, 416, 59, status=FINAL)
    assert E.CHALLENGES_DETERMINATIVE in events(during, done)
    jfk8 = single(2654, 2131, 67, 17, status=FINAL)
    assert E.CHALLENGES_DETERMINATIVE not in events(single(2600, 2100, 67, 17), jfk8)


def test_complete_by_ballots_cast_counts_as_complete() -> None:
    # Every ballot counted or set aside while still "counting": remaining is 0.
    before = single(500, 490, 5, ballots_cast=1000)
    after = single(500, 490, 10, ballots_cast=1000)
    assert E.CHALLENGES_DETERMINATIVE in events(before, after)


def test_a_note_alone_is_note_changed() -> None:
    paused = single(1518, 1154, status=PAUSED)
    noted = single(1518, 1154, status=PAUSED, note="Count resumes Friday 10 a.m. ET")
    assert events(paused, noted) == (E.NOTE_CHANGED,)
    moved = single(1600, 1200, status=PAUSED, note="Count resumes Monday")
    assert E.NOTE_CHANGED not in events(noted, moved)


def test_round_opened_is_passed_by_the_caller() -> None:
    assert events(None, single(0, 0), opens_round=True)[0] is E.ROUND_OPENED


def test_status_changes_after_final() -> None:
    assert events(single(5, 3, status=FINAL), single(5, 3, status=Status.CERTIFIED)) == (
        E.STATUS_CHANGED,
    )


def test_choice_names_of_another_source_match_by_role() -> None:
    native = Tally("jfk8", choices=(Choice("Amazon Labor Union", 5), Choice("No union", 3, True)))
    official = Tally(
        "jfk8", choices=(Choice("AMAZON LABOR UNION", 5), Choice("Votes against", 3, True))
    )
    assert diff(native, official) is None


def _change(*evs: Event, status: Status = COUNTING) -> Change:
    tally = single(1, 1, status=status)
    return Change("e", "initial", evs, tally, tally)


def test_levels() -> None:
    update = _change(E.COUNT_UPDATED)
    assert passes(Level.ALL, update)
    assert not passes(Level.MAJOR, update)
    assert passes(Level.MAJOR, _change(E.COUNT_UPDATED, E.LEAD_CHANGED))
    assert not passes(Level.FINAL, _change(E.LEAD_CHANGED))
    assert passes(Level.FINAL, _change(E.COUNT_FINAL))
    assert passes(Level.FINAL, _change(E.ROUND_OPENED))
    assert passes(Level.FINAL, _change(E.STATUS_CHANGED, status=Status.CERTIFIED))
    assert not passes(Level.FINAL, _change(E.STATUS_CHANGED, status=PAUSED))
