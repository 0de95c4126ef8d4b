"""NLRB counts (DESIGN §4, FORMATS.md §1, §2, §5): a blank count on a row that carries a tally
is 0; a row with no count is not a tally; when a row's votes do not add up to its valid count,
exactly one documented other reading is used (with a problem naming it), else the votes stay
as listed (with a problem)."""

from __future__ import annotations

import pytest

from bot.core.models import Choice
from bot.core.rules import OutcomeKind, outcome
from bot.feeds.base import ParseContext, ParseResult
from bot.feeds.parsers.nlrb_case import parse_nlrb_case
from bot.feeds.parsers.nlrb_csv import parse_nlrb_csv
from tests.feeds.conftest import fixture_bytes

CTX = ParseContext("nlrb")
HEADER = (
    "Case,Unit ID,Ballot Type,Tally Type,Tally Date,No of Eligible Voters,Void Ballots,"
    "Labor Union1,Votes for Labor Union1,Labor Union2,Votes for Labor Union2,Votes Against,"
    "Total Ballots Counted,Challenged Ballots\n"
)


def export(*rows: str) -> ParseResult:
    return parse_nlrb_csv((HEADER + "\n".join(rows) + "\n").encode(), CTX)


def only(result: ParseResult) -> tuple[list[tuple[int, bool]], str | None]:
    (parsed,) = result.tallies
    problems = [p.error for p in result.problems]
    assert len(problems) <= 1
    return [(c.votes, c.against) for c in parsed.tally.choices], (problems or [None])[0]


def test_a_unanimous_win_has_a_blank_votes_against() -> None:
    result = export(
        "05-RC-000001,A,Single Labor Organization,Initial,04/01/2022,14,,Local 1,12,,,,12,"
    )
    choices, problem = only(result)
    assert choices == [(12, False), (0, True)]
    assert problem is None
    tally = result.tallies[0].tally
    assert (tally.void, tally.challenged, tally.ballots_cast) == (0, 0, 12)
    assert outcome(tally).kind is OutcomeKind.UNION_WINS


def test_a_shutout_has_blank_votes_for_the_union() -> None:
    result = export(
        "05-RC-000002,A,Single Labor Organization,Initial,04/01/2022,10,,Local 2,,,,9,9,"
    )
    choices, problem = only(result)
    assert choices == [(0, False), (9, True)]
    assert problem is None
    assert outcome(result.tallies[0].tally).kind is OutcomeKind.NO_REPRESENTATIVE


def test_a_column_the_file_lacks_is_unknown_not_zero() -> None:
    text = "Case,Unit ID,Tally Type,Labor Union1,Votes for Labor Union1,Votes Against\n"
    text += "05-RC-000003,A,Initial,Local 3,4,2\n"
    (parsed,) = parse_nlrb_csv(text.encode(), CTX).tallies
    assert (parsed.tally.challenged, parsed.tally.void, parsed.tally.ballots_cast) == (
        None,
        None,
        None,
    )


def test_a_file_without_votes_against_skips_with_a_problem() -> None:
    text = "Case,Unit ID,Tally Type,Labor Union1,Votes for Labor Union1\n"
    text += "05-RC-000004,A,Initial,Local 4,4\n"
    result = parse_nlrb_csv(text.encode(), CTX)
    assert result.tallies == ()
    assert "no count of votes against" in result.problems[0].error


def test_a_row_with_a_tally_type_but_no_count_is_not_a_tally() -> None:
    result = export("05-RC-000005,A,Single Labor Organization,Initial,04/01/2022,30,,Local 5,,,,,,")
    assert result.tallies == ()
    assert [p.error for p in result.problems] == ["row 1: no vote count at all: not a tally (yet)"]


def test_an_unreadable_count_is_not_taken_as_zero() -> None:
    result = export(
        "05-RC-000006,A,Single Labor Organization,Initial,04/01/2022,30,,Local 6,abc,,,3,,"
    )
    assert result.tallies == ()
    assert any("'abc' is not a count" in p.error for p in result.problems)


def test_a_case_page_leaves_out_the_votes_against_of_a_unanimous_win() -> None:
    page = fixture_bytes("nlrb_case_jfk8.html")
    start = page.index(b"<b>Votes Against")
    end = page.index(b"</div>", start)
    page = page[:start] + page[end:]
    result = parse_nlrb_case(page, CTX)
    (parsed,) = result.tallies
    assert parsed.tally.choices[-1] == Choice("No union", 0, against=True)
    assert parsed.tally.challenged == 67  # the labels that are there still count


TWO_UNIONS = "Two Labor Organizations"
SPELT_TWICE = (
    f"01-RC-000003,A,{TWO_UNIONS},Initial,05/01/2019,70,0,"
    "Teamsters Local 7,49,TEAMSTERS LOCAL #7,49,14,63,0"
)


@pytest.mark.parametrize(
    ("row", "choices", "reading"),
    [
        # FORMATS.md trap 3, real rows: 54 votes from 40 voters is impossible.
        (
            f"01-RC-000001,A,{TWO_UNIONS},Initial,05/01/2019,40,0,Union A,14,Union B,20,20,34,0",
            [(14, False), (20, False)],
            "reading (a): Votes Against is not part of the valid count",
        ),
        (
            f"01-RC-000002,A,{TWO_UNIONS},Initial,05/01/2019,30,0,Union A,11,Union B,11,15,26,0",
            [(11, False), (15, True)],
            "reading (b): Votes for Labor Union2 repeats Votes for Labor Union1",
        ),
        (
            SPELT_TWICE,
            [(49, False), (14, True)],
            "reading (b)",
        ),
    ],
    ids=["a-stale-against", "b-same-number", "b-same-union-spelt-twice"],
)
def test_exactly_one_other_reading_adds_up_and_is_used(
    row: str, choices: list[tuple[int, bool]], reading: str
) -> None:
    found, problem = only(export(row))
    assert found == choices
    assert problem is not None
    assert "the votes as listed add up to" in problem
    assert reading in problem
    assert problem.endswith("which adds up")


def test_the_same_union_spelt_twice_wins_instead_of_going_to_a_runoff() -> None:
    result = export(SPELT_TWICE)
    assert outcome(result.tallies[0].tally).winner == "Teamsters Local 7"


def test_when_both_readings_add_up_the_votes_stay_as_listed() -> None:
    # (a): 10 + 10 = 20; (b): 10 + 10 (against) = 20.
    row = f"01-RC-000004,A,{TWO_UNIONS},Initial,05/01/2019,40,0,Union A,10,Union B,10,10,20,0"
    found, problem = only(export(row))
    assert found == [(10, False), (10, False), (10, True)]
    assert problem is not None and "several readings add up" in problem


def test_when_no_reading_adds_up_the_votes_stay_as_listed() -> None:
    row = f"01-RC-000005,A,{TWO_UNIONS},Initial,05/01/2019,40,0,Union A,3,Union B,4,5,99,0"
    found, problem = only(export(row))
    assert found == [(3, False), (4, False), (5, True)]
    assert problem == "row 1: the votes as listed add up to 12, not 99: kept the votes as listed"


def test_a_single_union_row_is_never_reread() -> None:
    row = "01-RC-000006,A,Single Labor Organization,Initial,05/01/2019,40,0,Union A,3,,,5,3,0"
    found, problem = only(export(row))
    assert found == [(3, False), (5, True)]
    assert problem is not None and "kept the votes as listed" in problem


def test_a_valid_count_that_includes_the_challenged_ballots_says_so() -> None:
    row = "01-RC-000007,A,Single Labor Organization,Initial,05/01/2019,40,0,Union A,10,,,5,18,3"
    found, problem = only(export(row))
    assert found == [(10, False), (5, True)]
    assert problem is not None and "includes the 3 challenged ballots" in problem


def test_a_valid_count_of_zero_is_not_recorded() -> None:
    row = "01-RC-000008,A,Single Labor Organization,Initial,05/01/2019,40,0,Union A,10,,,5,0,0"
    found, problem = only(export(row))
    assert found == [(10, False), (5, True)]
    assert problem is not None and "Total Ballots Counted is 0 (not recorded?)" in problem


def test_a_two_union_runoff_drops_its_stale_against_silently() -> None:
    row = (
        "01-RC-196511,A,Two Labor Organizations,Run-off,05/30/2017,28,0,Union A,8,Union B,11,8,19,0"
    )
    found, problem = only(export(row))
    assert found == [(8, False), (11, False)]
    assert problem is None
