"""The nlrb-csv parser over the stored FOIA CSV (real values) and an export-format sample."""

from __future__ import annotations

import csv
import io
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.models import Choice, Election, SourceKind, Status, Tally
from bot.core.rules import OutcomeKind, outcome
from bot.feeds.base import ParseContext, ParseError, ParseResult
from bot.feeds.parsers.nlrb_csv import parse_nlrb_csv
from tests.feeds.conftest import FOIA_CSV, fixture_bytes

CTX = ParseContext("nlrb-foia")


@pytest.fixture(scope="module")
def foia(shared_dir: Path) -> ParseResult:
    return parse_nlrb_csv((shared_dir / FOIA_CSV).read_bytes(), CTX)


def tallies_of(result: ParseResult, election: str) -> dict[str, Tally]:
    return {p.tally.round: p.tally for p in result.tallies if p.tally.election_id == election}


def votes(tally: Tally) -> list[tuple[int, bool]]:
    return [(c.votes, c.against) for c in tally.choices]


def test_bessemer_2021_is_738_to_1798(foia: ParseResult) -> None:
    (parsed,) = [p for p in foia.tallies if p.tally.election_id == "10-rc-269250-a"]
    tally = parsed.tally
    assert tally.round == "initial"
    assert tally.choices == (
        Choice("Retail, Wholesale and Department Store Union", 738),
        Choice("No union", 1798, against=True),
    )
    assert (tally.challenged, tally.void, tally.eligible_voters) == (505, 76, 5867)
    assert tally.ballots_cast == 738 + 1798 + 505 + 76
    assert tally.status is Status.FINAL  # the case is still open
    assert tally.determinative_flag is None  # blank is unknown, not No
    assert tally.updated_at == datetime(2021, 4, 9, tzinfo=UTC)
    assert tally.source == "nlrb-foia"
    assert tally.source_kind is SourceKind.OFFICIAL
    assert parsed.election == Election(
        id="10-rc-269250-a",
        name="AMAZON.COM SERVICES LLC",
        case_number="10-RC-269250",
        unit="A",
        employer="AMAZON.COM SERVICES LLC",
        location="Bessemer, AL",
        url="https://www.nlrb.gov/case/10-RC-269250",
    )


def test_suffolk_initial_and_revised_are_two_rounds(foia: ParseResult) -> None:
    rounds = tallies_of(foia, "01-rc-191721-a")
    assert set(rounds) == {"initial", "revised"}
    assert votes(rounds["initial"]) == [(71, False), (80, True)]
    assert rounds["initial"].challenged == 56
    assert rounds["initial"].determinative_flag is True
    assert votes(rounds["revised"]) == [(96, False), (96, True)]
    # "Union to Certify" names the union, but a tie is no representative (trap 4).
    assert outcome(rounds["revised"]).kind is OutcomeKind.NO_REPRESENTATIVE
    assert rounds["revised"].status is Status.CERTIFIED  # Certification of Results
    assert rounds["initial"].status is Status.FINAL  # the closing belongs to the last round


def test_harvard_revised_initial_and_rerun_are_two_rounds(foia: ParseResult) -> None:
    rounds = tallies_of(foia, "01-rc-186442-a")
    assert set(rounds) == {"revised", "rerun"}
    assert votes(rounds["revised"]) == [(1396, False), (1526, True)]
    assert votes(rounds["rerun"]) == [(1931, False), (1523, True)]
    assert rounds["rerun"].eligible_voters == 5050
    assert rounds["rerun"].status is Status.CERTIFIED


def test_trinity_runoff_is_its_own_round_without_the_stale_against(foia: ParseResult) -> None:
    rounds = tallies_of(foia, "01-rc-196511-a")
    assert set(rounds) == {"initial", "runoff"}
    assert votes(rounds["initial"]) == [(9, False), (8, False), (5, True)]
    assert outcome(rounds["initial"]).kind is OutcomeKind.RUNOFF
    runoff = rounds["runoff"]
    assert votes(runoff) == [(8, False), (11, False)]  # "against" 8 dropped: 8 + 11 = 19
    result = outcome(runoff)
    assert result.kind is OutcomeKind.UNION_WINS
    assert result.winner is not None and result.winner.startswith("INTERNATIONAL UNION, SECURITY")


def test_triple_canopy_split_rows_are_one_five_choice_tally(foia: ParseResult) -> None:
    (tally,) = tallies_of(foia, "04-rc-207888-a").values()
    assert [c.name for c in tally.choices] == [
        "Philadelphia Security Officers Union",
        "United Government Security Officers of America International Union Local 217",
        "National League of Justice and Security Professionals",
        "International Union, Security, Police and Fire Professionals of America (SPFPA)",
        "No union",
    ]
    assert [c.votes for c in tally.choices] == [88, 6, 7, 14, 0]
    assert sum(c.votes for c in tally.choices) == 115
    result = outcome(tally)
    assert result.kind is OutcomeKind.UNION_WINS
    assert result.winner == "Philadelphia Security Officers Union"


def test_mit_units_and_self_determination(foia: ParseResult) -> None:
    unit_a = tallies_of(foia, "01-rc-249906-a")
    assert set(unit_a) == {"initial", "initial-sd"}
    assert votes(unit_a["initial-sd"]) == [(8, False), (27, True)]
    assert votes(unit_a["initial"]) == [(11, False), (24, True)]
    unit_b = tallies_of(foia, "01-rc-249906-b")
    assert votes(unit_b["initial"]) == [(60, False), (4, True)]


def test_walden_ud_vote_is_skipped_with_a_problem(foia: ParseResult) -> None:
    assert tallies_of(foia, "01-ud-192490-a") == {}
    (problem,) = [p for p in foia.problems if p.election == "01-ud-192490-a"]
    assert problem.field == "Tally Category"
    assert "UD" in problem.error


def test_yale_is_withdrawn(foia: ParseResult) -> None:
    (tally,) = tallies_of(foia, "01-rc-183014-a").values()
    assert tally.status is Status.WITHDRAWN
    assert votes(tally) == [(5, False), (1, True)]


def test_rd_and_rm_votes_for_stay_for_the_union(foia: ParseResult) -> None:
    (rm,) = tallies_of(foia, "01-rm-185977-a").values()
    assert votes(rm) == [(0, False), (18, True)]
    (rd,) = tallies_of(foia, "01-rd-190407-a").values()
    assert votes(rd) == [(0, False), (4, True)]


def test_revised_tally_after_challenges_is_a_new_round(foia: ParseResult) -> None:
    rounds = tallies_of(foia, "01-rc-210271-a")
    assert votes(rounds["initial"]) == [(20, False), (4, True)]
    assert votes(rounds["revised"]) == [(16, False), (17, True)]
    assert rounds["revised"].eligible_voters == 35


def test_a_row_with_no_tally_yet_is_silently_left_out(foia: ParseResult) -> None:
    assert list(tallies_of(foia, "01-rc-282873-a")) == ["initial"]
    assert [p.election for p in foia.problems] == ["01-ud-192490-a"]
    assert len(foia.tallies) == 18


def test_configured_identity_gives_the_slug_and_aliases(shared_dir: Path) -> None:
    bessemer = Election(id="bessemer", name="Amazon BHM1", aliases=("bhm1",))
    ctx = ParseContext("nlrb", identities={("10-RC-269250", "A"): bessemer})
    result = parse_nlrb_csv((shared_dir / FOIA_CSV).read_bytes(), ctx)
    (parsed,) = [p for p in result.tallies if p.tally.election_id == "bessemer"]
    assert parsed.election.aliases == ("bhm1",)
    assert parsed.election.name == "Amazon BHM1"
    assert parsed.election.case_number == "10-RC-269250"
    assert parsed.election.location == "Bessemer, AL"


def test_columns_are_found_by_name_not_position(shared_dir: Path, foia: ParseResult) -> None:
    rows = list(csv.reader(io.StringIO((shared_dir / FOIA_CSV).read_text(encoding="utf-8"))))
    order = list(range(len(rows[0])))
    random.Random(7).shuffle(order)
    out = io.StringIO()
    csv.writer(out).writerows([[row[i] if i < len(row) else "" for i in order] for row in rows])
    assert parse_nlrb_csv(out.getvalue().encode(), CTX) == foia


def test_a_cp1252_file_from_excel_is_read() -> None:
    text = "Case,Unit ID,Tally Type,Tally Date,Labor Union1,Votes for Labor Union1,Votes Against\n"
    text += "05-RC-000001,A,Initial,04/01/2022,Caf\u00e9 Workers \u2013 Local 1,3,2\n"
    (parsed,) = parse_nlrb_csv(text.encode("cp1252"), CTX).tallies
    assert parsed.tally.choices[0].name == "Caf\u00e9 Workers \u2013 Local 1"


def test_a_title_row_above_the_header_is_skipped(shared_dir: Path, foia: ParseResult) -> None:
    titled = (
        b"Elections held between January 1, 2017 and November 30, 2021\n"
        + (shared_dir / FOIA_CSV).read_bytes()
    )
    assert parse_nlrb_csv(titled, CTX) == foia


def test_export_format_sample() -> None:
    result = parse_nlrb_csv(fixture_bytes("nlrb_export_sample.csv"), CTX)
    by_id = {(p.tally.election_id, p.tally.round): p.tally for p in result.tallies}
    jfk8 = by_id[("29-rc-288020-a", "initial")]
    assert votes(jfk8) == [(2654, False), (2131, True)]
    assert (jfk8.challenged, jfk8.void, jfk8.eligible_voters) == (67, 17, 8325)
    assert jfk8.determinative_flag is False
    assert jfk8.updated_at == datetime(2022, 4, 1, tzinfo=UTC)
    bessemer = by_id[("10-rc-269250-a", "rerun")]
    assert votes(bessemer) == [(875, False), (993, True)]
    assert (bessemer.challenged, bessemer.void, bessemer.eligible_voters) == (416, 59, 6153)
    assert bessemer.determinative_flag is True


def test_a_later_rerun_is_rerun_2_and_the_dismissal_is_its_status() -> None:
    result = parse_nlrb_csv(fixture_bytes("nlrb_export_sample.csv"), CTX)
    rounds = tallies_of(result, "99-rc-000002-a")
    assert set(rounds) == {"initial", "rerun", "rerun-2"}
    assert votes(rounds["rerun"]) == [(19, False), (19, True)]
    assert votes(rounds["rerun-2"]) == [(20, False), (19, True)]
    assert rounds["rerun-2"].status is Status.DISMISSED
    assert rounds["rerun"].status is Status.FINAL
    assert rounds["rerun"].determinative_flag is None
    assert rounds["rerun-2"].determinative_flag is None  # "maybe": unknown, with a problem


def test_a_row_with_no_count_is_no_tally_and_blank_counts_of_a_tally_are_zero() -> None:
    result = parse_nlrb_csv(fixture_bytes("nlrb_export_sample.csv"), CTX)
    problems = {p.election: p for p in result.problems}
    # Resorts World: a tally type and date, but no count at all (nlrb.fyi: "not recorded").
    assert tallies_of(result, "28-rc-290201-a") == {}
    assert problems["28-rc-290201-a"].error == "row 3: no vote count at all: not a tally (yet)"
    # Fruit and Flower: the second union's votes and the challenged ballots are blank: 0.
    (fruit,) = tallies_of(result, "19-rc-287280-a").values()
    assert votes(fruit) == [(5, False), (0, False), (1, True)]
    assert (fruit.challenged, fruit.void, fruit.eligible_voters) == (0, 1, 16)
    assert fruit.ballots_cast == 7
    assert outcome(fruit).winner == "International Longshore and Warehouse Union, Local 5"
    assert "19-rc-287280-a" not in problems
    assert "'maybe' is not Y or N" in problems["99-rc-000002-a"].error


def test_sums_that_do_not_add_up_keep_our_own_with_a_problem() -> None:
    result = parse_nlrb_csv(fixture_bytes("nlrb_export_sample.csv"), CTX)
    (tally,) = tallies_of(result, "99-rc-000003-a").values()
    assert votes(tally) == [(10, False), (5, True)]
    problem = next(p for p in result.problems if p.election == "99-rc-000003-a")
    assert problem.field == "Total Ballots Counted"
    assert problem.error == (
        "row 8: the votes as listed add up to 15, not 16: kept the votes as listed"
    )


def test_mm_dd_yyyy_and_iso_dates_read_alike() -> None:
    header = "Case,Unit ID,Tally Type,Ballot Type,Tally Date,Labor Union1,"
    header += "Votes for Labor Union1,Votes Against\n"
    iso = header + "05-RC-000001,A,Initial,Single Labor Organization,2022-04-01,U,3,2\n"
    us = header + "05-RC-000001,A,Initial,Single Labor Organization,04/01/2022,U,3,2\n"
    first = parse_nlrb_csv(iso.encode(), CTX).tallies[0].tally
    second = parse_nlrb_csv(us.encode(), CTX).tallies[0].tally
    assert first.updated_at == second.updated_at == datetime(2022, 4, 1, tzinfo=UTC)
    assert first.challenged is None  # no column: unknown
    assert first.ballots_cast is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "no column for Case, Tally Type"),
        (b"name,votes\nJFK8,2654\n", "no column for Case, Tally Type"),
        (b"Case,Votes Against\n29-RC-288020,1\n", "no column for Tally Type"),
        (b"Case,Tally Type\n29-RC-288020,Initial\n", "a vote count"),
        (b"<html><title>Request Rejected</title></html>", "HTML page"),
    ],
)
def test_files_that_are_not_results_csv_are_parse_errors(body: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_nlrb_csv(body, CTX)
