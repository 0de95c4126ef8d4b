"""Real-data runs over ../shared/fixtures/nlrb (read in place): how many tallies each sample
gives and how many records are skipped, and the real values they must give (DESIGN §1, §4;
FORMATS.md §5). The reference files of other trackers are checked against what we read."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from bot.core.models import Tally
from bot.core.rules import OutcomeKind, challenges_determinative, outcome
from bot.feeds.base import ParseContext, ParseError, ParseResult
from bot.feeds.parsers.nlrb_case import parse_nlrb_case
from bot.feeds.parsers.nlrb_csv import parse_nlrb_csv
from bot.feeds.parsers.nlrb_results import parse_nlrb_results
from tests.feeds.conftest import FOIA_CSV, RECENT_FILINGS, fixture_bytes

CTX = ParseContext("nlrb")
NLRB_FYI = "fixtures/nlrb/nlrb_fyi_tallies_2022_excerpt.html"
SOLIDARITY = "fixtures/nlrb/solidaritycomms_data_json_excerpt.json"


@pytest.fixture(scope="module")
def foia(shared_dir: Path) -> ParseResult:
    return parse_nlrb_csv((shared_dir / FOIA_CSV).read_bytes(), CTX)


def by_key(result: ParseResult) -> dict[tuple[str, str], Tally]:
    return {(p.tally.election_id, p.tally.round): p.tally for p in result.tallies}


def figures(tally: Tally) -> tuple[list[int], int | None, int | None, int | None]:
    return [c.votes for c in tally.choices], tally.challenged, tally.void, tally.eligible_voters


def test_the_foia_excerpt_reads_every_tally_and_skips_only_the_ud_vote(
    shared_dir: Path, foia: ParseResult, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = list(csv.DictReader(io.StringIO((shared_dir / FOIA_CSV).read_text("utf-8"))))
    with_tally = [row for row in rows if row["Tally Type"]]
    skipped = Counter(re.sub(r"^row \d+: ", "", p.error) for p in foia.problems)
    with capsys.disabled():
        print(
            f"\nFOIA excerpt: {len(rows)} rows, {len(with_tally)} with a tally -> "
            f"{len(foia.tallies)} tallies read; problems: {dict(skipped)}"
        )
    # 21 rows: one open case with no tally yet, one UD vote (skipped), and Triple
    # Canopy's ballot split over two rows (merged): 21 - 1 - 1 - 1 = 18.
    assert (len(rows), len(with_tally), len(foia.tallies)) == (21, 20, 18)
    assert skipped == {"a UD (deauthorization) vote: skipped": 1}


def test_the_foia_excerpt_gives_the_real_values(foia: ParseResult) -> None:
    tallies = by_key(foia)
    bessemer = tallies[("10-rc-269250-a", "initial")]
    assert figures(bessemer) == ([738, 1798], 505, 76, 5867)
    assert outcome(bessemer).kind is OutcomeKind.NO_REPRESENTATIVE
    assert not challenges_determinative(bessemer)  # DESIGN §3: Bessemer 2021 → no
    suffolk = tallies[("01-rc-191721-a", "initial")]
    assert figures(suffolk) == ([71, 80], 56, 1, 176)
    assert challenges_determinative(suffolk)  # DESIGN §3: Suffolk 2017 → yes
    assert figures(tallies[("01-rc-191721-a", "revised")])[0] == [96, 96]
    assert [c.votes for c in tallies[("01-rc-196511-a", "runoff")].choices] == [8, 11]
    canopy = tallies[("04-rc-207888-a", "initial")]
    assert [c.votes for c in canopy.choices] == [88, 6, 7, 14, 0]
    assert outcome(canopy).winner == "Philadelphia Security Officers Union"
    assert figures(tallies[("01-rc-249906-a", "initial-sd")])[0] == [8, 27]
    assert figures(tallies[("01-rc-249906-a", "initial")])[0] == [11, 24]
    assert figures(tallies[("01-rc-249906-b", "initial")])[0] == [60, 4]
    assert figures(tallies[("01-rc-186442-a", "rerun")]) == ([1931, 1523], 146, 3, 5050)


def test_the_recent_filings_page_is_read_as_no_results(shared_dir: Path) -> None:
    body = (shared_dir / RECENT_FILINGS).read_bytes()
    with pytest.raises(ParseError, match="none of the 5 blocks carries tally labels"):
        parse_nlrb_results(body, CTX)
    with pytest.raises(ParseError, match=r"not an nlrb\.gov case page"):
        parse_nlrb_case(body, CTX)


def _fyi_facts(shared_dir: Path) -> dict[str, dict[str, str]]:
    """nlrb.fyi's own reading of the export, by case: label -> value as shown."""
    tree = LexborHTMLParser((shared_dir / NLRB_FYI).read_text("utf-8"))
    facts: dict[str, dict[str, str]] = {}
    for item in tree.css("li"):
        case = item.attributes.get("id", "") or ""
        found: dict[str, str] = {}
        fors = 0
        for span in item.css("div.sub span"):
            text = " ".join(span.text(separator=" ").split())
            label, _, value = text.partition(":")
            if label.startswith("For "):
                fors += 1
                found[f"for{fors}"] = value.strip()
            elif value:
                found[label.strip()] = value.strip()
            elif text.startswith("Eligible to vote"):
                found["eligible"] = text.removeprefix("Eligible to vote").strip()
        facts[case[2:14]] = found
    return facts


def test_our_export_sample_agrees_with_nlrb_fyi(shared_dir: Path) -> None:
    facts = _fyi_facts(shared_dir)
    ours = by_key(parse_nlrb_csv(fixture_bytes("nlrb_export_sample.csv"), CTX))

    def number(text: str) -> int:
        return int(text.replace(",", ""))

    for case, round_ in (("29-RC-288020", "initial"), ("10-RC-269250", "rerun")):
        fyi, tally = facts[case], ours[(case.lower() + "-a", round_)]
        assert figures(tally) == (
            [number(fyi["for1"]), number(fyi["Against"])],
            number(fyi["Challenged"]),
            number(fyi["Void"]),
            number(fyi["eligible"]),
        )
    # "not recorded" for every count: no tally. One count "not recorded" on a tally: 0.
    assert facts["28-RC-290201"]["for1"] == "not recorded"
    assert not [key for key in ours if key[0] == "28-rc-290201-a"]
    fruit = facts["19-RC-287280"]
    assert (fruit["for1"], fruit["for2"], fruit["Against"]) == ("5", "not recorded", "1")
    assert figures(ours[("19-rc-287280-a", "initial")])[0] == [5, 0, 1]


def _listing(cases: list[dict[str, object]]) -> bytes:
    """A Recent Election Results page with one block per tracked case, as nlrb.gov writes
    it: labels with no value (a zero) left out."""
    blocks = []
    for case in cases:
        labels = {
            "Case Number": case["case_number"],
            "Tally Type": case["tally_type"],
            "Ballot Type": case["ballot_type"],
            "Tally Issued Date": "18 March 2026",
            "Labor Union1": case["union"],
            "Votes for Labor Union1": case["votes_for"] or "",
            "Votes Against": case["votes_against"] or "",
            "Total Ballots Counted": case["ballots_counted"],
        }
        lines = "".join(
            f"<div class='rer-style-3'><b>{label}</b>: {value}</div>"
            for label, value in labels.items()
            if value != ""
        )
        blocks.append(
            f"<div class='rer-content'><div class='rer-head'><h3>{case['employer']}</h3></div>"
            f"{lines}</div>"
        )
    header = "<div class='grid-col-3'><b>Displaying 1 - 20 of 636</b></div>"
    return f"<html><body>{header}{''.join(blocks)}</body></html>".encode()


def test_votes_for_stay_for_the_union_in_rd_and_rm_cases(shared_dir: Path) -> None:
    """That tracker labelled 10-RD-382129 (2 for, 5 against) a union win and 22-RM-381386
    (4 for, 0 against) a loss (FORMATS.md trap 5): we read the votes, never the case type."""
    tracked = json.loads((shared_dir / SOLIDARITY).read_text("utf-8"))["cases"]
    counted = [case for case in tracked.values() if "votes_for" in case]
    tallies = by_key(parse_nlrb_results(_listing(counted), CTX))
    assert len(tallies) == len(counted) == 4
    verdicts = {election: outcome(tally).kind.value for (election, _), tally in tallies.items()}
    assert verdicts == {
        "32-rc-381488-a": "union_wins",
        "13-rc-378705-a": "union_wins",
        "22-rm-381386-a": "union_wins",  # the tracker said union_lost
        "10-rd-382129-a": "no_representative",  # the tracker said union_won
    }
    rm = tallies[("22-rm-381386-a", "initial")]
    assert [(c.votes, c.against) for c in rm.choices] == [(4, False), (0, True)]
