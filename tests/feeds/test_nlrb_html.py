"""The nlrb-case and nlrb-results parsers over fixtures written from FORMATS.md, the stored
Recent Filings page, and firewall and maintenance pages (failures, never "no results")."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.models import Choice, Election, SourceKind, Status
from bot.core.rules import OutcomeKind, challenges_determinative, decided, outcome
from bot.feeds.base import ParseContext, ParseError
from bot.feeds.parsers.nlrb_case import parse_nlrb_case
from bot.feeds.parsers.nlrb_results import parse_nlrb_results
from tests.feeds.conftest import RECENT_FILINGS, fixture_bytes

CTX = ParseContext("nlrb-case")


def test_jfk8_case_page() -> None:
    (parsed,) = parse_nlrb_case(fixture_bytes("nlrb_case_jfk8.html"), CTX).tallies
    tally = parsed.tally
    assert tally.election_id == "29-rc-288020-a"
    assert tally.round == "initial"
    assert tally.choices == (
        Choice("Amazon Labor Union", 2654),
        Choice("No union", 2131, against=True),
    )
    assert (tally.challenged, tally.void, tally.eligible_voters) == (67, 17, 8325)
    assert tally.determinative_flag is False
    assert tally.updated_at == datetime(2022, 4, 1, tzinfo=UTC)
    assert tally.status is Status.FINAL
    assert tally.source_kind is SourceKind.OFFICIAL
    assert decided(tally)
    assert outcome(tally).winner == "Amazon Labor Union"
    assert parsed.election == Election(
        id="29-rc-288020-a",
        name="Amazon.com Services LLC",
        case_number="29-RC-288020",
        unit="A",
        employer="Amazon.com Services LLC",
        location="Staten Island, NY",
        url="https://www.nlrb.gov/case/29-RC-288020",
    )


def test_bessemer_case_page_has_both_tallies() -> None:
    result = parse_nlrb_case(fixture_bytes("nlrb_case_bessemer.html"), CTX)
    assert result.problems == ()
    rounds = {p.tally.round: p.tally for p in result.tallies}
    assert set(rounds) == {"initial", "rerun"}
    first, rerun = rounds["initial"], rounds["rerun"]
    assert [c.votes for c in first.choices] == [738, 1798]
    assert (first.challenged, first.void, first.eligible_voters) == (505, 76, 5867)
    assert first.determinative_flag is None  # the label is absent: unknown
    assert not challenges_determinative(first)
    assert [c.votes for c in rerun.choices] == [875, 993]
    assert (rerun.challenged, rerun.void, rerun.eligible_voters) == (416, 59, 6153)
    assert rerun.determinative_flag is True
    assert not decided(rerun)
    assert first.choices[0].name == "Retail, Wholesale and Department Store Union"


def test_configured_identity_applies_to_case_pages() -> None:
    jfk8 = Election(id="jfk8", name="Amazon JFK8 (Staten Island, NY)", aliases=("staten-island",))
    ctx = ParseContext("nlrb", identities={("29-RC-288020", "A"): jfk8})
    (parsed,) = parse_nlrb_case(fixture_bytes("nlrb_case_jfk8.html"), ctx).tallies
    assert parsed.tally.election_id == "jfk8"
    assert parsed.election.aliases == ("staten-island",)
    assert parsed.election.name == "Amazon JFK8 (Staten Island, NY)"
    assert parsed.election.employer == "Amazon.com Services LLC"


def test_a_case_page_without_a_tally_has_no_tallies() -> None:
    result = parse_nlrb_case(fixture_bytes("nlrb_case_no_tally.html"), CTX)
    assert result.tallies == ()
    assert result.problems == ()


def test_a_certification_in_the_docket_closes_the_last_round() -> None:
    result = parse_nlrb_case(fixture_bytes("nlrb_case_certified_example.html"), CTX)
    rounds = {p.tally.round: p.tally for p in result.tallies}
    assert rounds["rerun"].status is Status.CERTIFIED
    assert rounds["initial"].status is Status.FINAL


def test_results_listing_blocks() -> None:
    result = parse_nlrb_results(fixture_bytes("nlrb_results_listing.html"), CTX)
    assert result.problems == ()
    by_key = {(p.tally.election_id, p.tally.round): p for p in result.tallies}
    georgia = by_key[("10-rc-357917-a", "initial")]
    assert georgia.tally.choices == (
        Choice("International Brotherhood of Electrical Workers, Local 84", 15),
        Choice("No union", 8, against=True),
    )
    assert (georgia.tally.void, georgia.tally.eligible_voters) == (1, 30)
    assert georgia.tally.challenged is None  # the listing leaves it out: unknown
    assert georgia.tally.updated_at == datetime(2025, 3, 5, tzinfo=UTC)
    assert georgia.election.name == "Georgia Power Company"
    assert georgia.election.location == "Atlanta, GA"


def test_two_union_listing_blocks_and_their_runoff() -> None:
    result = parse_nlrb_results(fixture_bytes("nlrb_results_listing.html"), CTX)
    rounds = {
        p.tally.round: p.tally for p in result.tallies if p.tally.election_id == "01-rc-196511-a"
    }
    initial, runoff = rounds["initial"], rounds["runoff"]
    assert [(c.votes, c.against) for c in initial.choices] == [(9, False), (8, False), (5, True)]
    assert initial.choices[0].name == (
        "Trinity College Campus Safety Officers & Dispatchers Union, LEOSU, LEOS-PBA"
    )
    assert outcome(initial).kind is OutcomeKind.RUNOFF
    assert [(c.votes, c.against) for c in runoff.choices] == [(8, False), (11, False)]
    assert outcome(runoff).winner == (
        "INTERNATIONAL UNION, SECURITY, POLICE AND FIRE PROFESSIONALS OF AMERICA (SPFPA) "
        "and it's Local 502"
    )


def test_the_stored_recent_filings_page_is_not_results(shared_dir: Path) -> None:
    body = (shared_dir / RECENT_FILINGS).read_bytes()
    with pytest.raises(ParseError, match="none of the 5 blocks carries tally labels"):
        parse_nlrb_results(body, CTX)
    with pytest.raises(ParseError, match=r"not an nlrb\.gov case page"):
        parse_nlrb_case(body, CTX)


@pytest.mark.parametrize("parser", [parse_nlrb_case, parse_nlrb_results])
def test_the_firewall_page_is_a_failure(parser: object) -> None:
    with pytest.raises(ParseError, match="firewall"):
        parser(fixture_bytes("nlrb_firewall.html"), CTX)  # type: ignore[operator]


@pytest.mark.parametrize("parser", [parse_nlrb_case, parse_nlrb_results])
def test_the_maintenance_page_is_a_failure(parser: object) -> None:
    with pytest.raises(ParseError, match="maintenance page"):
        parser(fixture_bytes("nlrb_maintenance.html"), CTX)  # type: ignore[operator]


def test_a_header_without_a_count_is_a_failure() -> None:
    with pytest.raises(ParseError, match="no count"):
        parse_nlrb_results(fixture_bytes("nlrb_results_no_count.html"), CTX)


def test_a_listing_with_no_blocks_is_a_failure() -> None:
    page = (
        b"<html><body><div class='grid-col-3'><b>Displaying 1 - 20 of 33422</b></div></body></html>"
    )
    with pytest.raises(ParseError, match="no result blocks"):
        parse_nlrb_results(page, CTX)


def test_a_listing_whose_values_are_not_available_is_a_failure() -> None:
    missing = "Data is not available"
    labels = ("Case Number", "Tally Type", "Votes Against", "Votes for Labor Union1")
    lines = "".join(f"<div class='rer-style-1'><b>{label}</b>: {missing}</div>" for label in labels)
    page = f"<html><body><div class='rer-content'><div class='rer-head'><h3>{missing}</h3></div>"
    page += f"{lines}</div></body></html>"
    with pytest.raises(ParseError, match="data is not available"):
        parse_nlrb_results(page.encode(), CTX)


def test_a_unit_description_that_mentions_maintenance_is_not_a_maintenance_page() -> None:
    page = fixture_bytes("nlrb_case_jfk8.html").replace(
        b"maintenance employees.", b"employees under maintenance contracts, scheduled maintenance."
    )
    assert len(parse_nlrb_case(page, CTX).tallies) == 1


def test_a_page_that_is_not_html_is_a_failure() -> None:
    with pytest.raises(ParseError, match="not an HTML page"):
        parse_nlrb_case(b"29-RC-288020 2654 2131", CTX)
